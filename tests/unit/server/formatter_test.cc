// The OpenAI shapes of answers: chunks, usage, logprobs, whole responses.
#include "server/formatter.h"

#include <gtest/gtest.h>

namespace entropix::server {
namespace {

TokenOut Token(int choice, const std::string& text, std::vector<TopLogprob> top = {}) {
  TokenOut t;
  t.choice = choice;
  t.token = 7;
  t.piece = text;
  t.text = text;
  t.logprob = -0.5;
  t.top = std::move(top);
  return t;
}

CompletionRequest Req(Endpoint e, bool stream, bool logprobs, int n = 1) {
  CompletionRequest r;
  r.endpoint = e;
  r.stream = stream;
  r.include_usage = stream;
  r.logprobs = logprobs;
  r.n = n;
  return r;
}

TEST(FormatterTest, ChatStreamChunks) {
  CompletionFormatter f(Req(Endpoint::kChat, true, true), "m", 5);
  const auto first = f.Chunks(Token(0, "Hi", {{7, "Hi", -0.5}, {8, "Yo", -1.5}}));
  ASSERT_EQ(first.size(), 1u);
  const auto& c = first[0]["choices"][0];
  EXPECT_EQ(first[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(c["delta"]["role"], "assistant");
  EXPECT_EQ(c["delta"]["content"], "Hi");
  EXPECT_EQ(c["logprobs"]["content"][0]["top_logprobs"][1]["token"], "Yo");
  EXPECT_EQ(c["logprobs"]["content"][0]["bytes"], nlohmann::json({72, 105}));
  EXPECT_TRUE(first[0]["usage"].is_null());
  const auto second = f.Chunks(Token(0, "!"));
  EXPECT_FALSE(second[0]["choices"][0]["delta"].contains("role"));
  const auto end = f.Chunks(ChoiceEnd{0, "length", 2});
  EXPECT_EQ(end[0]["choices"][0]["finish_reason"], "length");
  const auto usage = f.UsageChunk();
  ASSERT_TRUE(usage.has_value());
  EXPECT_TRUE((*usage)["choices"].empty());
  EXPECT_EQ((*usage)["usage"]["total_tokens"], 7);
}

TEST(FormatterTest, CompletionsWholeResponse) {
  CompletionFormatter f(Req(Endpoint::kCompletion, false, true, 2), "m", 3);
  f.Add(Token(1, "b", {{7, "b", -0.5}}));
  f.Add(Token(0, "a"));
  f.Add(Token(0, "c"));
  f.Add(TextOut{0, "!"});
  f.Add(ChoiceEnd{0, "stop", 2});
  f.Add(ChoiceEnd{1, "length", 1});
  const auto r = f.Response();
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_EQ(r["choices"][0]["text"], "ac!");
  EXPECT_EQ(r["choices"][0]["logprobs"]["text_offset"], nlohmann::json({0, 1}));
  EXPECT_EQ(r["choices"][1]["logprobs"]["top_logprobs"][0]["b"], -0.5);
  EXPECT_EQ(r["choices"][1]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["completion_tokens"], 3);
  EXPECT_EQ(r["usage"]["prompt_tokens"], 3);
}

VoteOut Vote() {
  VoteOut v;
  v.tokens = {Token(0, "a"), Token(0, "b")};
  v.tokens[0].record = {{"trace", 0}};
  v.tokens[1].record = {{"trace", 2}};
  v.finish_reason = "stop";
  v.completion_tokens = 9;  // every trace's forward tokens, not the 2 of the answer
  v.vote = {{"chosen_trace", 2}};
  return v;
}

TEST(FormatterTest, VoteWhole) {
  CompletionRequest r = Req(Endpoint::kChat, false, true);
  r.entropix = true;
  CompletionFormatter f(r, "m", 4);
  f.Add(Vote());
  const auto j = f.Response();
  const auto& c = j["choices"][0];
  EXPECT_EQ(c["message"]["content"], "ab");
  EXPECT_EQ(c["finish_reason"], "stop");
  EXPECT_EQ(c["logprobs"]["content"].size(), 2u);
  EXPECT_EQ(c["entropix"][1]["trace"], 2);
  EXPECT_EQ(c["vote"]["chosen_trace"], 2);
  EXPECT_EQ(j["usage"]["completion_tokens"], 9);
  EXPECT_EQ(j["usage"]["total_tokens"], 13);
  // Without the extension: no vote object.
  CompletionFormatter plain(Req(Endpoint::kCompletion, false, false), "m", 4);
  VoteOut v = Vote();
  v.vote = nullptr;
  plain.Add(v);
  EXPECT_EQ(plain.Response()["choices"][0]["text"], "ab");
  EXPECT_FALSE(plain.Response()["choices"][0].contains("vote"));
}

TEST(FormatterTest, VoteStreamIsTheWholeTextThenTheEndWithTheVote) {
  CompletionRequest r = Req(Endpoint::kChat, true, true);
  r.entropix = true;
  CompletionFormatter f(r, "m", 4);
  const auto chunks = f.Chunks(Vote());
  ASSERT_EQ(chunks.size(), 2u);
  const auto& text = chunks[0]["choices"][0];
  EXPECT_EQ(text["delta"]["role"], "assistant");
  EXPECT_EQ(text["delta"]["content"], "ab");
  EXPECT_TRUE(text["finish_reason"].is_null());
  EXPECT_EQ(text["logprobs"]["content"].size(), 2u);
  EXPECT_EQ(text["entropix"].size(), 2u);
  const auto& end = chunks[1]["choices"][0];
  EXPECT_EQ(end["finish_reason"], "stop");
  EXPECT_EQ(end["vote"]["chosen_trace"], 2);
  EXPECT_EQ((*f.UsageChunk())["usage"]["completion_tokens"], 9);
}

TEST(FormatterTest, InvalidUtf8IsReplacedInText) {
  nlohmann::json j = {{"t", std::string("\xe4\xb8")}};
  EXPECT_EQ(CompletionFormatter::Dump(j), "{\"t\":\"\xef\xbf\xbd\"}");
}

}  // namespace
}  // namespace entropix::server
