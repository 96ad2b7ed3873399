// Char -> token alignment through the real streaming decoder: stories260K
// has no pieces for most non-ASCII characters, so they arrive as 2-4
// <0xXX> byte tokens and the decoder holds bytes back. The oracle is
// independent of the pieces: the raw bytes of each token (TokenPiece),
// whose concatenation is the same valid UTF-8 text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../tokenizer/test_models.h"
#include "decoding/answer_hook.h"
#include "decoding/token_spans.h"
#include "decoding/trace_signals.h"
#include "tokenizer/streaming_decoder.h"

namespace entropix {
namespace {

// The tokens whose raw bytes overlap [b, e).
TokenRange RawOverlap(const Tokenizer& tok, const std::vector<int32_t>& ids, size_t b, size_t e) {
  TokenRange r{-1, -1};
  size_t at = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const size_t len = tok.TokenPiece(ids[i]).size();
    if (len > 0 && at < e && at + len > b) {
      if (r.begin < 0) r.begin = static_cast<int>(i);
      r.end = static_cast<int>(i) + 1;
    }
    at += len;
  }
  return r;
}

TEST(StreamingAlignment, AnswersAfterAndMadeOfByteTokens) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::StoriesPath());
  for (const std::string text : {"Caf\xC3\xA9 \xE4\xB8\xAD: the answer is \xE2\x88\x92" "12.",
                                 "\xF0\x9F\xA4\x96 costs 7, so the answer is 35 \xE2\x82\xAC.",
                                 "\xE4\xB8\xAD\xE6\x96\x87 \\boxed{1{,}250}"}) {
    const std::vector<int32_t> ids = tok.Encode(text, false, false);
    StreamingDecoder dec(tok);
    std::vector<std::string> pieces;
    std::vector<int> held;
    std::string all;
    for (int32_t id : ids) {
      pieces.push_back(dec.Push(id));
      held.push_back(static_cast<int>(dec.pending_bytes()));
      all += pieces.back();
    }
    ASSERT_EQ(all, " " + text);  // SentencePiece's leading space
    const auto answer = ExtractMathAnswer(all, true);
    ASSERT_TRUE(answer) << text;
    const TokenRange got = TokensOfSpan(pieces, held, answer->begin, answer->end);
    const TokenRange want = RawOverlap(tok, ids, answer->begin, answer->end);
    EXPECT_EQ(got.begin, want.begin) << text;
    EXPECT_EQ(got.end, want.end) << text;
    if (text.find("\xE2\x88\x92") != std::string::npos) {
      // The minus sign came in byte tokens: without the held counts the
      // first of them would be missed.
      EXPECT_LT(got.begin, TokensOfSpan(pieces, {}, answer->begin, answer->end).begin);
    }
  }
}

// Real vote traces of the default model (tests/golden/answer_span, made by
// tools/make_answer_span_golden.py): the answer's bytes, its tokens and the
// answer-span margin as an independent script computes them from the GGUF
// vocabulary, against the streaming decoder, the strict extractor,
// TokensOfSpan and AnswerSpanMargin. Includes text with multi-byte characters
// (é, ×, −) before the answer and traces without one.
TEST(StreamingAlignment, GoldenVoteTracesOfTheDefaultModel) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::CachedModelPath(tokenizer_test::kSmolLm2File));
  const nlohmann::json golden =
      tokenizer_test::LoadJson(std::string(ENTROPIX_TEST_DATA_DIR) + "/answer_span/smollm2.json");
  int with_answer = 0;
  for (const nlohmann::json& c : golden["cases"]) {
    const std::string where = c["prompt"].get<std::string>() + " / trace " + std::to_string(c["trace"].get<int>());
    StreamingDecoder dec(tok);
    std::vector<std::string> pieces;
    std::vector<int> held;
    std::string text;
    for (int32_t id : c["tokens"].get<std::vector<int32_t>>()) {
      pieces.push_back(dec.Push(id));
      held.push_back(static_cast<int>(dec.pending_bytes()));
      text += pieces.back();
    }
    ASSERT_EQ(text, c["text"].get<std::string>()) << where;
    const auto answer = ExtractMathAnswer(text, true);
    if (c["answer"].is_null()) {
      EXPECT_FALSE(answer) << where << ": " << answer->key;
      continue;
    }
    ++with_answer;
    ASSERT_TRUE(answer) << where;
    EXPECT_EQ(answer->key, c["answer"].get<std::string>()) << where;
    EXPECT_EQ(answer->begin, c["byte_begin"].get<size_t>()) << where;
    EXPECT_EQ(answer->end, c["byte_end"].get<size_t>()) << where;
    const TokenRange range = TokensOfSpan(pieces, held, answer->begin, answer->end);
    EXPECT_EQ(range.begin, c["token_begin"].get<int>()) << where;
    EXPECT_EQ(range.end, c["token_end"].get<int>()) << where;
    const std::vector<float> margins = c["margins"].get<std::vector<float>>();
    EXPECT_NEAR(AnswerSpanMargin(margins, range), c["margin"].get<double>(), 1e-6) << where;
  }
  EXPECT_GE(with_answer, 10);
}

}  // namespace
}  // namespace entropix
