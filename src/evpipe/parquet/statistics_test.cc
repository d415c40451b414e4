// Statistics: orders (signed ints, unsigned bytes), null counts, truncation.
#include "evpipe/parquet/statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace evpipe::parquet {
namespace {

TEST(Statistics, IntsAreSigned) {
  StatisticsAccumulator s(PhysicalType::kInt32);
  s.AddIntRange(3, 3);
  s.AddIntRange(-5, 2);
  s.AddNulls(2);
  EncodedStatistics e = s.Encode(kDefaultStatisticsMaxBytes);
  ASSERT_TRUE(e.has_min_max);
  EXPECT_EQ(e.min, std::string("\xfb\xff\xff\xff", 4));  // -5 LE
  EXPECT_EQ(e.max, std::string("\x03\x00\x00\x00", 4));
  EXPECT_EQ(e.null_count, 2);
  EXPECT_TRUE(e.legacy_min_max);
}

TEST(Statistics, Int64Encoding) {
  StatisticsAccumulator s(PhysicalType::kInt64);
  s.AddIntRange(INT64_MIN, 1);
  EncodedStatistics e = s.Encode(kDefaultStatisticsMaxBytes);
  EXPECT_EQ(e.min, std::string("\x00\x00\x00\x00\x00\x00\x00\x80", 8));
  EXPECT_EQ(e.max, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8));
}

TEST(Statistics, StringsAreUnsignedBytewise) {
  StatisticsAccumulator s(PhysicalType::kByteArray);
  s.AddStringRange("z", "z");
  s.AddStringRange("\xc3\xa9", "\xc3\xa9");  // é: 0xc3 sorts after 'z' unsigned
  s.AddStringRange("", "a");
  EncodedStatistics e = s.Encode(kDefaultStatisticsMaxBytes);
  EXPECT_EQ(e.min, "");
  EXPECT_EQ(e.max, "\xc3\xa9");
  EXPECT_FALSE(e.legacy_min_max);
  EXPECT_TRUE(e.min_exact);
  EXPECT_TRUE(e.max_exact);
}

TEST(Statistics, BytesLessIsMemcmpOrder) {
  const uint32_t seed = 1201;
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  const char alphabet[] = {'a', 'b', '\x00', '\x7f', '\x80', '\xff'};  // equal prefixes are likely
  auto random_string = [&] {
    std::string s(rng() % 20, 'a');
    for (char& c : s) c = alphabet[rng() % sizeof alphabet];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string a = random_string(), b = random_string();
    const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    const bool want = c < 0 || (c == 0 && a.size() < b.size());
    ASSERT_EQ(BytesLess(a, b), want) << i;
  }
  EXPECT_TRUE(BytesLess("abcdefgh1", "abcdefgh2"));  // equal first words, then memcmp
  EXPECT_TRUE(BytesLess("abcdefgh", "abcdefghi"));
  EXPECT_FALSE(BytesLess("\x80" "bcdefgh", "zbcdefgh"));  // unsigned bytes
}

TEST(Statistics, AllNullsHasNoMinMax) {
  StatisticsAccumulator s(PhysicalType::kByteArray);
  s.AddNulls(4);
  EncodedStatistics e = s.Encode(kDefaultStatisticsMaxBytes);
  EXPECT_FALSE(e.has_min_max);
  EXPECT_EQ(e.null_count, 4);
}

TEST(Statistics, MergeAndReset) {
  StatisticsAccumulator a(PhysicalType::kByteArray), b(PhysicalType::kByteArray);
  a.AddStringRange("b", "c");
  b.AddStringRange("a", "b");
  b.AddNulls(1);
  a.Merge(b);
  EXPECT_EQ(a.string_min(), "a");
  EXPECT_EQ(a.string_max(), "c");
  EXPECT_EQ(a.null_count(), 1);
  a.Reset();
  EXPECT_FALSE(a.has_min_max());
  EXPECT_EQ(a.null_count(), 0);
}

TEST(Statistics, TruncateMin) {
  EXPECT_EQ(TruncateMin("abcdef", 3), "abc");
  EXPECT_EQ(TruncateMin("abc", 3), "abc");
  EXPECT_EQ(TruncateMin("a\xc3\xa9z", 2), "a");  // never splits é
}

TEST(Statistics, TruncateMax) {
  std::string out;
  ASSERT_TRUE(TruncateMax("abcdef", 3, &out));
  EXPECT_EQ(out, "abd");
  ASSERT_TRUE(TruncateMax("a\x7fzz", 2, &out));
  EXPECT_EQ(out, "a\xc2\x80");  // U+007F + 1 = U+0080, still valid UTF-8
  ASSERT_TRUE(TruncateMax("a\xc3\xa9zz", 3, &out));
  EXPECT_EQ(out, "a\xc3\xaa");  // é + 1 = ê
  ASSERT_TRUE(TruncateMax("a\xf4\x8f\xbf\xbfzz", 5, &out));
  EXPECT_EQ(out, "b");  // U+10FFFF cannot grow: drop it, increment 'a'
  EXPECT_FALSE(TruncateMax("\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbfzz", 8, &out));
  for (std::string v : {"abcdef", "a\x7fzz", "a\xc3\xa9zz"}) {
    ASSERT_TRUE(TruncateMax(v, 3, &out));
    EXPECT_LT(v, out);  // an upper bound
  }
}

TEST(Statistics, EncodeTruncatesLongStrings) {
  StatisticsAccumulator s(PhysicalType::kByteArray);
  std::string big(2000, 'x');
  s.AddStringRange(big, big);
  EncodedStatistics e = s.Encode(16);
  EXPECT_EQ(e.min, std::string(16, 'x'));
  EXPECT_EQ(e.max, std::string(15, 'x') + "y");
  EXPECT_FALSE(e.min_exact);
  EXPECT_FALSE(e.max_exact);
}

}  // namespace
}  // namespace evpipe::parquet
