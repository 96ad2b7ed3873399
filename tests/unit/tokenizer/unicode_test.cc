#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <string>

namespace entropix {
namespace {

TEST(Unicode, Categories) {
  EXPECT_TRUE(IsLetter(UnicodeFlags('a')));
  EXPECT_TRUE(IsLetter(UnicodeFlags(0x00E9)));   // é
  EXPECT_TRUE(IsLetter(UnicodeFlags(0x4E2D)));   // 中
  EXPECT_TRUE(IsLetter(UnicodeFlags(0x1D518)));  // 𝔘
  EXPECT_TRUE(IsNumber(UnicodeFlags('7')));
  EXPECT_TRUE(IsNumber(UnicodeFlags(0x0663)));  // Arabic-Indic three
  EXPECT_TRUE(IsNumber(UnicodeFlags(0x00BD)));  // ½ (No)
  EXPECT_TRUE(IsNumber(UnicodeFlags(0x216B)));  // Ⅻ (Nl)
  EXPECT_EQ(UnicodeFlags(0x0301) & kUnicodeCategoryMask, kUnicodeMark);
  EXPECT_EQ(UnicodeFlags('!') & kUnicodeCategoryMask, kUnicodePunctuation);
  EXPECT_EQ(UnicodeFlags('$') & kUnicodeCategoryMask, kUnicodeSymbol);
  EXPECT_EQ(UnicodeFlags(0x1F600) & kUnicodeCategoryMask, kUnicodeSymbol);
  EXPECT_EQ(UnicodeFlags(0x0378), kUnicodeUnassigned);
  EXPECT_EQ(UnicodeFlags(0x110000), kUnicodeUnassigned);
  for (uint32_t ws : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                      0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(IsWhitespace(UnicodeFlags(ws))) << ws;
  }
  for (uint32_t c : {0x1Cu, 0x200Bu, 0xFEFFu, 0x61u, 0x5Fu}) EXPECT_FALSE(IsWhitespace(UnicodeFlags(c))) << c;
}

TEST(Unicode, DecodeLikeLlamaCpp) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xFF\xC3";
  size_t pos = 0;
  EXPECT_EQ(DecodeUtf8(s, &pos), 'a');
  EXPECT_EQ(DecodeUtf8(s, &pos), 0xE9u);
  EXPECT_EQ(DecodeUtf8(s, &pos), 0x4E2Du);
  EXPECT_EQ(DecodeUtf8(s, &pos), 0x1F600u);
  EXPECT_EQ(DecodeUtf8(s, &pos), kReplacementChar);  // 0xFF
  EXPECT_EQ(pos, 11u);
  EXPECT_EQ(DecodeUtf8(s, &pos), kReplacementChar);  // truncated
  EXPECT_EQ(pos, s.size());
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x4E2Du, 0x1F600u}) AppendUtf8(cp, &out);
  EXPECT_EQ(out, "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

// The strict decoder: valid sequences of every length, and each kind of
// invalid input (RFC 3629 Table 3-7) read as one byte of kNotACodePoint.
TEST(Unicode, DecodeStrict) {
  struct Case {
    std::string bytes;
    uint32_t cp;
    size_t len;
  };
  const Case cases[] = {
      {"A", 'A', 1},
      {"\xC3\xA9", 0xE9, 2},            // é
      {"\xE4\xB8\xAD", 0x4E2D, 3},      // 中
      {"\xF0\x9F\x98\x80", 0x1F600, 4},  // 😀
      {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4},
      {"\x80", kNotACodePoint, 1},        // stray continuation byte
      {"\xC0\xAF", kNotACodePoint, 1},    // overlong '/'
      {"\xE0\x80\xAF", kNotACodePoint, 1},
      {"\xED\xA0\x80", kNotACodePoint, 1},  // surrogate U+D800
      {"\xF4\x90\x80\x80", kNotACodePoint, 1},  // above U+10FFFF
      {"\xF5\x80\x80\x80", kNotACodePoint, 1},
      {"\xE4\xB8", kNotACodePoint, 1},    // cut short
      {"\xC3" "A", kNotACodePoint, 1},     // continuation missing
  };
  for (const Case& c : cases) {
    size_t len = 99;
    EXPECT_EQ(DecodeUtf8Strict(c.bytes, 0, &len), c.cp) << c.bytes;
    EXPECT_EQ(len, c.len) << c.bytes;
  }
  size_t len = 0;
  EXPECT_EQ(DecodeUtf8Strict("a\xC3\xA9", 1, &len), 0xE9u);  // from an offset
  EXPECT_EQ(len, 2u);
}

TEST(Unicode, CompletePrefixAndSanitize) {
  size_t tail = 0;
  EXPECT_EQ(Utf8CompletePrefix("ab\xF0\x9F\x98", &tail), 2u);
  EXPECT_EQ(tail, 3u);
  EXPECT_EQ(Utf8CompletePrefix("ab\xF0\x9F\x98\x80", &tail), 6u);
  EXPECT_EQ(tail, 0u);
  EXPECT_EQ(Utf8CompletePrefix("a\x80" "b", &tail), 3u);  // stray continuation: never valid, not held
  EXPECT_EQ(Utf8CompletePrefix("\xE0\x80", &tail), 2u);   // overlong lead pair: invalid at once
  EXPECT_EQ(Utf8CompletePrefix("\xED\xA0", &tail), 2u);   // surrogate
  EXPECT_EQ(SanitizeUtf8("a\x80" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(Unicode, ByteAlphabetIsABijection) {
  std::vector<bool> seen(512, false);
  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = ByteToUnicode(static_cast<uint8_t>(b));
    ASSERT_LT(cp, 512u);
    EXPECT_FALSE(seen[cp]);
    seen[cp] = true;
    EXPECT_EQ(UnicodeToByte(cp), b);
  }
  EXPECT_EQ(ByteToUnicode(' '), 0x120u);  // 'Ġ'
  EXPECT_EQ(ByteToUnicode('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(ByteToUnicode('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(UnicodeToByte(0x4E2D), -1);
}

}  // namespace
}  // namespace entropix
