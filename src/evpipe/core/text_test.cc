// Tests of the text helpers.
#include "evpipe/core/text.h"
#include "evpipe/core/hex16.h"
#include "evpipe/core/short_copy.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace evpipe {
namespace {

// CopyShort copies exactly n bytes for every length around its size classes,
// at every misalignment, and writes nothing outside them.
TEST(ShortCopyTest, CopiesExactlyNBytes) {
  std::string src(80, '\0');
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<char>('A' + i % 50);
  for (size_t n = 0; n <= 70; ++n) {
    for (size_t shift = 0; shift < 8; ++shift) {
      std::string dst(96, '.');
      CopyShort(dst.data() + shift + 4, src.data() + shift, n);
      const std::string want = std::string(shift + 4, '.') + src.substr(shift, n) + std::string(96 - shift - 4 - n, '.');
      ASSERT_EQ(dst, want) << "n=" << n << " shift=" << shift;
    }
  }
}

// The vectorised hex writers against a digit-at-a-time reference, over every
// byte value in every position.
TEST(Hex16Test, EveryByteInEveryPosition) {
  auto reference = [](const unsigned char* bytes, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      s += "0123456789abcdef"[bytes[i] >> 4];
      s += "0123456789abcdef"[bytes[i] & 15];
    }
    return s;
  };
  for (int start = 0; start < 256; ++start) {
    unsigned char bytes[16];
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(start + 17 * i);
    char out[32];
    Hex16To(bytes, out);
    ASSERT_EQ(std::string(out, 32), reference(bytes, 16)) << start;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) hi = hi << 8 | bytes[i];
    for (int i = 8; i < 16; ++i) lo = lo << 8 | bytes[i];
    HexWordsTo(hi, lo, out);
    ASSERT_EQ(std::string(out, 32), reference(bytes, 16)) << start;
  }
}

TEST(Utf8Test, AcceptsWellFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

TEST(Utf8Test, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ab\xe2\x82"));        // truncated at end
}

TEST(JsonStringTest, EscapesWhatJsonRequires) {
  std::string out;
  AppendJsonString("a\"b\\c\n\x01\xc3\xa9", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
}

TEST(JsonStringTest, EscapedIsTheBodyWithoutQuotes) {
  std::string body;
  AppendJsonEscaped("a\"b\\c\n\r\t\x01\x1f\xc3\xa9", &body);
  EXPECT_EQ(body, "a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\xc3\xa9");
  std::string quoted;
  AppendJsonString("a\"b\\c\n\r\t\x01\x1f\xc3\xa9", &quoted);
  EXPECT_EQ(quoted, "\"" + body + "\"");
}

// RFC 4648, section 10 (test vectors), both ways.
TEST(Base64Test, KnownVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  const std::pair<std::string, std::string> cases[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    std::string out = "x";
    AppendBase64(plain, &out);
    EXPECT_EQ(out, "x" + encoded);  // appends
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto back = DecodeBase64(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, plain);
  }
}

TEST(Base64Test, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string encoded = Base64Encode(all);
  EXPECT_NE(encoded.find('+'), std::string::npos);  // the standard alphabet, not the URL-safe one
  EXPECT_NE(encoded.find('/'), std::string::npos);
  auto back = DecodeBase64(encoded);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(Base64Test, RejectsBadText) {
  EXPECT_FALSE(DecodeBase64("Zm9").ok());   // length
  EXPECT_FALSE(DecodeBase64("Zm9*").ok());  // outside the alphabet
  EXPECT_FALSE(DecodeBase64("Z=9v").ok());  // padding inside
  EXPECT_FALSE(DecodeBase64("Zm=v").ok());  // a character after padding
  EXPECT_FALSE(DecodeBase64("Zg==Zm9v").ok());  // padding before the last group
  EXPECT_FALSE(DecodeBase64("Zm9-").ok());  // URL-safe alphabet
  EXPECT_EQ(DecodeBase64("Zm9").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evpipe
