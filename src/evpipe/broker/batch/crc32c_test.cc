// CRC-32C against published check values, hardware vs portable.
#include "evpipe/broker/batch/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace evpipe::broker::batch {
namespace {

TEST(Crc32cTest, KnownValues) {
  // RFC 3720 (iSCSI) B.4 and the common "123456789" check value.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc += static_cast<char>(i);
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, HardwareMatchesPortableAndExtends) {
  const uint32_t seed = 20261124;
  std::printf("seed %u, hardware %d\n", seed, Crc32cHardware());
  std::mt19937 rng(seed);
  for (int round = 0; round < 200; ++round) {
    std::string data(rng() % 5000, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    uint32_t whole = Crc32c(data);
    EXPECT_EQ(whole, Crc32cPortable(0, data.data(), data.size()));
    size_t cut = data.empty() ? 0 : rng() % data.size();
    uint32_t part = Crc32cExtend(0, data.data(), cut);
    EXPECT_EQ(Crc32cExtend(part, data.data() + cut, data.size() - cut), whole);
  }
}

}  // namespace
}  // namespace evpipe::broker::batch
