// The SPM and BPE algorithms on tiny hand-made vocabularies.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "core/error.h"

namespace entropix {
namespace {

using Ids = std::vector<int32_t>;

// <unk> <s> </s>, 256 byte tokens (ids 3..258), then pieces.
std::unique_ptr<Tokenizer> TinySpm() {
  Tokenizer::Spec s;
  s.kind = Tokenizer::Kind::kSpm;
  s.tokens = {"<unk>", "<s>", "</s>"};
  s.types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    s.tokens.push_back(buf);
    s.types.push_back(6);
  }
  // id: 259     260  261  262     263   264      265
  for (const char* p : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", "<sep>"}) {
    s.tokens.push_back(p);
    s.types.push_back(1);
  }
  s.types.back() = 4;  // <sep> user-defined
  s.scores.assign(s.tokens.size(), 0.0f);
  s.scores[262] = -1.0f;  // ▁a
  s.scores[263] = -0.5f;  // ab: better than ▁a
  s.scores[264] = -2.0f;  // ▁ab
  s.bos_id = 1;
  s.eos_id = 2;
  s.unk_id = 0;
  return Tokenizer::FromSpec(s);
}

TEST(SpmTokenizer, MergesByScore) {
  auto t = TinySpm();
  // "▁ab": ab (-0.5) merges before ▁a (-1); then ▁+ab -> ▁ab is not reachable
  // from ▁a, but ▁ + ab is a token.
  EXPECT_EQ(t->Encode("ab", false, false), (Ids{264}));
  EXPECT_EQ(t->Encode("ab", true, false), (Ids{1, 264}));
  EXPECT_EQ(t->Encode("a a", false, false), (Ids{262, 262}));
  EXPECT_EQ(t->Decode(t->Encode("a a", false, false)), " a a");
}

TEST(SpmTokenizer, ByteFallbackAndSpecials) {
  auto t = TinySpm();
  // 'é' = C3 A9 is not a piece: byte tokens 3 + 0xC3, 3 + 0xA9.
  EXPECT_EQ(t->Encode("\xC3\xA9", false, false), (Ids{259, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(t->Decode(Ids{259, 3 + 0xC3, 3 + 0xA9}), " \xC3\xA9");
  // Control text is plain text unless parse_special; a space goes after it.
  EXPECT_EQ(t->Encode("<s>a", false, true), (Ids{1, 262}));
  // User-defined tokens always match.
  EXPECT_EQ(t->Encode("a<sep>b", false, false), (Ids{262, 265, 259, 261}));
  EXPECT_EQ(t->Decode(Ids{1, 262, 2}), " a");
  EXPECT_EQ(t->Decode(Ids{1, 262, 2}, true), "<s> a</s>");
  EXPECT_EQ(t->TokenPiece(3 + 'A'), "A");
  EXPECT_EQ(t->TokenPiece(-1), "");
  EXPECT_EQ(t->TokenPiece(100000), "");
  EXPECT_TRUE(t->IsEndOfGeneration(2));
  EXPECT_FALSE(t->IsEndOfGeneration(1));
  EXPECT_EQ(t->FindToken("ab"), 263);
  EXPECT_FALSE(t->FindToken("zz").has_value());
}

// Byte-level BPE over the alphabet characters of a, b, c and space (Ġ).
std::unique_ptr<Tokenizer> TinyBpe(std::string pre = "gpt2") {
  Tokenizer::Spec s;
  s.kind = Tokenizer::Kind::kBpe;
  // ids:      0    1    2    3          4     5     6      7               8
  s.tokens = {"a", "b", "c", "\xC4\xA0", "aa", "ab", "abc", "\xC4\xA0" "a", "<|end|>"};
  s.types = {1, 1, 1, 1, 1, 1, 1, 1, 3};
  s.merges = {"a b", "ab c", "a a", "\xC4\xA0 a", "b b"};  // "bb" is no token
  s.pre = std::move(pre);
  s.eos_id = 8;
  return Tokenizer::FromSpec(s);
}

TEST(BpeTokenizer, MergesByRankLeftmostFirst) {
  auto t = TinyBpe();
  EXPECT_EQ(t->Encode("abc", false, false), (Ids{6}));
  EXPECT_EQ(t->Encode("aaa", false, false), (Ids{4, 0}));     // leftmost of equal ranks
  EXPECT_EQ(t->Encode("aab", false, false), (Ids{0, 5}));     // "a b" outranks "a a"
  // Words "a", " ab": "a b" (rank 0) beats "Ġ a" (rank 3), and "Ġ ab" is no merge.
  EXPECT_EQ(t->Encode("a ab", false, false), (Ids{0, 3, 5}));
  EXPECT_EQ(t->Encode("a a", false, false), (Ids{0, 7}));
  EXPECT_EQ(t->Decode(t->Encode("a ab", false, false)), "a ab");
  // "b b" merges to a string that is no token: falls back to single bytes.
  EXPECT_EQ(t->Encode("bb", false, false), (Ids{1, 1}));
  EXPECT_EQ(t->Encode("a<|end|>", false, true), (Ids{0, 8}));
  EXPECT_FALSE(t->add_bos_default());
  EXPECT_TRUE(t->IsEndOfGeneration(8));
}

TEST(Tokenizer, UnsupportedPreTokenizer) {
  try {
    TinyBpe("jais-weird");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
}

}  // namespace
}  // namespace entropix
