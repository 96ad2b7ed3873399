#include "tokenizer/streaming_decoder.h"

#include <gtest/gtest.h>

#include "test_models.h"
#include "tokenizer/unicode.h"

namespace entropix {
namespace {

bool IsValidUtf8(const std::string& s) { return SanitizeUtf8(s) == s; }

// Feeds every id, checks each chunk is valid UTF-8, returns the whole text.
std::string Stream(const Tokenizer& tok, const std::vector<int32_t>& ids, int* n_held = nullptr) {
  StreamingDecoder dec(tok);
  std::string all;
  int held = 0;
  for (int32_t id : ids) {
    const std::string chunk = dec.Push(id);
    EXPECT_TRUE(IsValidUtf8(chunk)) << "broken UTF-8 after token " << id;
    if (dec.pending_bytes() > 0) ++held;
    all += chunk;
  }
  all += dec.Flush();
  if (n_held) *n_held = held;
  return all;
}

TEST(StreamingDecoder, SpmByteFallbackSplitsCharacters) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::StoriesPath());
  // stories260K has no pieces for these: each becomes 2-4 <0xXX> tokens.
  const std::string text = "héllo 🤖 中文 👨‍👩‍👧 end";
  const std::vector<int32_t> ids = tok.Encode(text, true, false);
  int held = 0;
  EXPECT_EQ(Stream(tok, ids, &held), " " + text);
  EXPECT_GT(held, 5);  // it really did hold back partial characters
}

TEST(StreamingDecoder, BpeEmojiAcrossTokens) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::CachedModelPath(tokenizer_test::kSmolLm2File));
  const std::string text = "Robots 🤖🦾 and families 👨‍👩‍👧‍👦 say 你好, Привет!";
  const std::vector<int32_t> ids = tok.Encode(text, false, false);
  int held = 0;
  EXPECT_EQ(Stream(tok, ids, &held), text);
  EXPECT_GT(held, 0);
  // Control tokens are not rendered by default.
  const std::vector<int32_t> with_end = tok.Encode("hi<|im_end|>", false, true);
  EXPECT_EQ(Stream(tok, with_end), "hi");
}

TEST(StreamingDecoder, FlushRepairsAndInvalidBytesAreReplaced) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::StoriesPath());
  const int32_t b_f0 = *tok.FindToken("<0xF0>"), b_9f = *tok.FindToken("<0x9F>"), b_ff = *tok.FindToken("<0xFF>");
  StreamingDecoder dec(tok);
  EXPECT_EQ(dec.Push(b_f0), "");
  EXPECT_EQ(dec.Push(b_9f), "");
  EXPECT_EQ(dec.pending_bytes(), 2u);
  EXPECT_EQ(dec.Flush(), "\xEF\xBF\xBD");  // one U+FFFD for the cut-off sequence
  EXPECT_EQ(dec.pending_bytes(), 0u);
  EXPECT_EQ(dec.Push(b_ff), "\xEF\xBF\xBD");  // can never become valid: not held
  // A lead byte followed by a non-continuation: the lead is replaced, the rest kept.
  EXPECT_EQ(dec.Push(b_f0), "");
  EXPECT_EQ(dec.Push(*tok.FindToken("<0x41>")), "\xEF\xBF\xBD" "A");
}

}  // namespace
}  // namespace entropix
