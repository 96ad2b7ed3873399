// Vote profiles: defaults, a round trip through JSON, strict rejection.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "decoding/vote_profile.h"

namespace entropix {
namespace {

std::string ErrorOf(const std::string& json) {
  try {
    ParseVoteProfile(json, "t.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(VoteProfile, RoundTripKeepsEveryField) {
  VoteProfile p;
  p.name = "x";
  p.budget = {8, 4, 5000};
  p.gate = {0.25, -1.5, false};
  p.confidence = {TokenConfidence::kLogprob, TraceConfidenceRule::kMean, 16};
  p.answer_require_marker = false;  // not the default
  p.fork = {ForkRule::kRandom, 12, false, ForkToken::kSampled, Continuation::kSampled, false};
  p.sample = {0.5, 40, 0.9, 0.05};
  p.vote = {VoteWeight::kMargin, 2.0, 0.75, 0.5, 3};
  p.loop = {8, 4, 10};
  const VoteProfile q = ParseVoteProfile(VoteProfileToJson(p), "round trip");
  EXPECT_EQ(VoteProfileToJson(q), VoteProfileToJson(p));
  EXPECT_EQ(q.budget.max_forward_tokens, 5000);
  EXPECT_EQ(q.fork.rule, ForkRule::kRandom);
  EXPECT_EQ(q.fork.continuation, Continuation::kSampled);
  EXPECT_EQ(q.vote.weight, VoteWeight::kMargin);
  EXPECT_EQ(q.confidence.token, TokenConfidence::kLogprob);
  EXPECT_EQ(q.loop.min_repeats, 4);
  EXPECT_DOUBLE_EQ(q.vote.keep_top_share, 0.75);
}

TEST(VoteProfile, MissingFieldsKeepDefaults) {
  const VoteProfile p = ParseVoteProfile(R"({"fork": {"rule": "independent_sample"}})", "t");
  EXPECT_EQ(p.fork.rule, ForkRule::kIndependentSample);
  EXPECT_EQ(p.budget.max_traces, VoteProfile{}.budget.max_traces);
  EXPECT_EQ(p.confidence.window, 32);
}

TEST(VoteProfile, RejectsWithClearMessages) {
  EXPECT_NE(ErrorOf(R"({"budget": {"max_traces": 0}})").find("budget.max_traces must be in 1..64"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"budget": {"max_trace": 4}})").find("unknown key \"budget.max_trace\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"bugdet": {}})").find("unknown key \"bugdet\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"vote": {"weight": "votes"}})").find("vote.weight must be one of \"uniform\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"vote": {"stop_share": 1.5}})").find("vote.stop_share"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"vote": {"keep_top_share": 0}})").find("vote.keep_top_share"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"gate": {"answer_margin": -0.1}})").find("gate.answer_margin"), std::string::npos);
  // JSON has no NaN or infinity; an overflowing literal is rejected by the parser.
  EXPECT_NE(ErrorOf(R"({"gate": {"trace_confidence": 1e400}})").find("number overflow"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"gate": {"trace_confidence": NaN}})").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"gate": {"trace_confidence": "high"}})").find("must be a number"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"fork": {"min_gap": 4294967297}})").find("fork.min_gap is out of range"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"fork": {"min_gap": 2.5}})").find("must be an integer"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"fork": {"loop_escape": 1}})").find("must be true or false"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"sample": {"top_p": 0}})").find("sample.top_p"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"format": "entropix-profile/1"})").find("format must be"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"fork": 3})").find("fork must be an object"), std::string::npos);
  EXPECT_NE(ErrorOf("[1]").find("top level"), std::string::npos);
  EXPECT_NE(ErrorOf("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"gate": {"answer_margin": 2}})").find("t.json"), std::string::npos);  // names the source
}

}  // namespace
}  // namespace entropix
