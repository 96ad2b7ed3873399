// Char -> token alignment on hand-built traces: the pieces are what the
// streaming decoder emits per token, held what it keeps back after each.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decoding/token_spans.h"

namespace entropix {
namespace {

TokenRange Span(const std::vector<std::string>& pieces, const std::vector<int>& held, const std::string& text,
                const std::string& needle) {
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, text);
  const size_t at = text.rfind(needle);
  EXPECT_NE(at, std::string::npos);
  return TokensOfSpan(pieces, held, at, at + needle.size());
}

TEST(TokensOfSpan, AnswerSplitAcrossTokens) {
  //                                  0        1      2    3    4    5
  const std::vector<std::string> p = {"The", " answer", " is", " 4", "2", "."};
  const TokenRange r = Span(p, {}, "The answer is 42.", "42");
  EXPECT_EQ(r.begin, 3);  // " 4": the token that emitted the '4' (and the space before it)
  EXPECT_EQ(r.end, 5);    // "2"
}

TEST(TokensOfSpan, SpanInsideOneToken) {
  const std::vector<std::string> p = {"So", " x=17;", " done"};
  const TokenRange r = Span(p, {}, "So x=17; done", "17");
  EXPECT_EQ(r.begin, 1);
  EXPECT_EQ(r.end, 2);
}

TEST(TokensOfSpan, EmptyPiecesAfterTheAnswerAreNotIncluded) {
  // An end-of-generation token emits nothing and follows the answer.
  const std::vector<std::string> p = {"Total", ": ", "1", "2", "5", ""};
  const TokenRange r = Span(p, {}, "Total: 125", "125");
  EXPECT_EQ(r.begin, 2);
  EXPECT_EQ(r.end, 5);
}

TEST(TokensOfSpan, MultiByteTextBeforeTheAnswerShiftsByteOffsets) {
  // "café" is 5 bytes; "€" is 3 bytes and comes whole from one token.
  const std::vector<std::string> p = {"caf\xC3\xA9", " \xE2\x82\xAC", " 3", "0"};
  const TokenRange r = Span(p, {}, "caf\xC3\xA9 \xE2\x82\xAC 30", "30");
  EXPECT_EQ(r.begin, 2);
  EXPECT_EQ(r.end, 4);
}

TEST(TokensOfSpan, HeldBackBytesOfTheFirstCharacterCount) {
  // U+2212 (minus, E2 88 92) split over three byte tokens: the first two
  // emit nothing and leave 1, then 2 bytes held; the third emits "−".
  const std::vector<std::string> p = {"is ", "", "", "\xE2\x88\x92", "7"};
  const std::vector<int> held = {0, 1, 2, 0, 0};
  const TokenRange r = Span(p, held, "is \xE2\x88\x92" "7", "\xE2\x88\x92" "7");
  EXPECT_EQ(r.begin, 1);
  EXPECT_EQ(r.end, 5);
  // Without the held counts only the emitting tokens are known.
  const TokenRange blind = Span(p, {}, "is \xE2\x88\x92" "7", "\xE2\x88\x92" "7");
  EXPECT_EQ(blind.begin, 3);
  EXPECT_EQ(blind.end, 5);
}

TEST(TokensOfSpan, ATokenThatEmittedTextAndHeldATailContributes) {
  // Token 1 is "x" + E2: it emits "x" and holds one byte; token 2 completes
  // the minus sign. Token 0 held nothing, so the chain stops at token 1.
  const std::vector<std::string> p = {"so ", "x", "\xE2\x88\x92" "5"};
  const std::vector<int> held = {0, 1, 0};
  const TokenRange r = Span(p, held, "so x\xE2\x88\x92" "5", "\xE2\x88\x92" "5");
  EXPECT_EQ(r.begin, 1);
  EXPECT_EQ(r.end, 3);
}

TEST(TokensOfSpan, HeldBytesDoNotCountWhenTheSpanStartsLaterInThePiece) {
  // Token 1's first character (é) used token 0's held byte, but the span
  // starts after it.
  const std::vector<std::string> p = {"", "\xC3\xA9 12"};
  const std::vector<int> held = {1, 0};
  const TokenRange r = Span(p, held, "\xC3\xA9 12", "12");
  EXPECT_EQ(r.begin, 1);
  EXPECT_EQ(r.end, 2);
}

TEST(TokensOfSpan, EmptyOrOutsideSpan) {
  const std::vector<std::string> p = {"ab", "cd"};
  EXPECT_TRUE(TokensOfSpan(p, {}, 2, 2).empty());
  EXPECT_TRUE(TokensOfSpan(p, {}, 4, 9).empty());
  EXPECT_TRUE(TokensOfSpan({}, {}, 0, 1).empty());
  const TokenRange all = TokensOfSpan(p, {}, 0, 4);
  EXPECT_EQ(all.begin, 0);
  EXPECT_EQ(all.end, 2);
}

}  // namespace
}  // namespace entropix
