// The request parser: every accepted field lands in its typed slot, and
// every kind of bad input is a 400 ApiError naming the field.
#include "server/request.h"

#include <gtest/gtest.h>

#include <string>

#include "server/api_error.h"

namespace entropix::server {
namespace {

CompletionRequest Chat(const std::string& body) { return ParseCompletionRequest(body, Endpoint::kChat); }
CompletionRequest Completion(const std::string& body) {
  return ParseCompletionRequest(body, Endpoint::kCompletion);
}

// The ApiError of a body that must be refused.
ApiError Refusal(const std::string& body, Endpoint e = Endpoint::kChat) {
  try {
    ParseCompletionRequest(body, e);
  } catch (const ApiError& err) {
    return err;
  }
  ADD_FAILURE() << "accepted: " << body;
  return ApiError(0, "", "");
}

const char* kMsgs = R"("model":"m","messages":[{"role":"user","content":"hi"}])";
std::string With(const std::string& extra) { return std::string("{") + kMsgs + (extra.empty() ? "" : ",") + extra + "}"; }

TEST(RequestTest, ChatFieldsAreTyped) {
  const CompletionRequest r = Chat(With(
      R"("max_tokens":7,"temperature":0.5,"top_p":0.9,"seed":42,"stop":["a","b"],"n":2,"stream":true,)"
      R"("stream_options":{"include_usage":true},"logprobs":true,"top_logprobs":5,"sampler":"greedy",)"
      R"("profile":"entropix-g2","entropix":true,"user":"u","presence_penalty":0)"));
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_EQ(r.temperature, 0.5);
  EXPECT_EQ(r.top_p, 0.9);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.n, 2);
  EXPECT_TRUE(r.stream && r.include_usage && r.logprobs && r.entropix);
  EXPECT_EQ(r.top_logprobs, 5);
  EXPECT_EQ(r.sampler, "greedy");
  EXPECT_EQ(r.profile, "entropix-g2");
}

TEST(RequestTest, DefaultsNullsAndAliases) {
  const CompletionRequest r = Chat(With(R"("max_completion_tokens":3,"temperature":null,"stop":"x")"));
  EXPECT_EQ(r.max_tokens, 3);
  EXPECT_FALSE(r.temperature.has_value());
  EXPECT_FALSE(r.seed.has_value());
  EXPECT_EQ(r.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(r.n, 1);
  EXPECT_FALSE(r.stream);
}

TEST(RequestTest, ContentPartsAndDeveloperRole) {
  const CompletionRequest r = Chat(
      R"({"model":"m","messages":[{"role":"developer","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
}

TEST(RequestTest, SpecialTokenTextIsKeptAsText) {
  const CompletionRequest r = Chat(R"({"model":"m","messages":[{"role":"user","content":"<|im_end|>"}]})");
  EXPECT_EQ(r.messages[0].content, "<|im_end|>");  // its encoding as plain text: job_builder_test
}

TEST(RequestTest, CompletionsPromptAndLogprobs) {
  const CompletionRequest r = Completion(R"({"model":"m","prompt":["once"],"logprobs":0,"echo":false})");
  EXPECT_EQ(r.prompt, "once");
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 0);
  EXPECT_EQ(Completion(R"({"model":"m","prompt":"x","logprobs":5})").top_logprobs, 5);
}

struct BadCase {
  const char* body;
  const char* param;
};

TEST(RequestTest, BadInputIs400NamingTheField) {
  const BadCase cases[] = {
      {"{bad", ""},
      {"[1,2]", ""},
      {"", ""},
      {R"({"messages":[{"role":"user","content":"hi"}]})", "model"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":"hi"})", "messages"},
      {R"({"model":"m","messages":[{"role":"robot","content":"hi"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":"x","tool_calls":[]}]})", "messages[0].tool_calls"},
      {R"({"model":5,"messages":[{"role":"user","content":"hi"}]})", "model"},
  };
  for (const BadCase& c : cases) {
    const ApiError e = Refusal(c.body);
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.param(), c.param) << c.body;
    EXPECT_EQ(e.type(), "invalid_request_error");
  }
}

TEST(RequestTest, WrongTypesAndRanges) {
  const BadCase cases[] = {
      {R"("max_tokens":"7")", "max_tokens"},       {R"("max_tokens":0)", "max_tokens"},
      {R"("max_tokens":1.5)", "max_tokens"},       {R"("max_tokens":99999999999)", "max_tokens"},
      {R"("temperature":-0.1)", "temperature"},    {R"("temperature":2.5)", "temperature"},
      {R"("temperature":"hot")", "temperature"},   {R"("temperature":1e999)", ""},  // not a JSON double
      {R"("top_p":0)", "top_p"},                   {R"("top_p":1.01)", "top_p"},
      {R"("seed":1.5)", "seed"},                   {R"("n":0)", "n"},
      {R"("n":9)", "n"},                           {R"("stream":"yes")", "stream"},
      {R"("stop":["a","b","c","d","e"])", "stop"}, {R"("stop":[""])", "stop"},
      {R"("stop":[1])", "stop"},                   {R"("top_logprobs":3)", "top_logprobs"},
      {R"("logprobs":true,"top_logprobs":21)", "top_logprobs"},
      {R"("stream_options":{"include_usage":true})", "stream_options"},
      {R"("stream":true,"stream_options":{"x":1})", "stream_options.x"},
      {R"("sampler":"beam")", "sampler"},          {R"("profile":"/etc/passwd")", "profile"},
      {R"("presence_penalty":0.5)", "presence_penalty"},
      {R"("logit_bias":{"1":5})", "logit_bias"},   {R"("tools":[])", "tools"},
      {R"("entropix":1)", "entropix"},
  };
  for (const BadCase& c : cases) {
    const ApiError e = Refusal(With(c.body));
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.param(), c.param) << c.body;
  }
}

TEST(RequestTest, NaNIsNotJson) {
  // Python's json.dumps(float("nan")) writes NaN, which JSON does not allow.
  EXPECT_EQ(Refusal(With(R"("temperature":NaN)")).code(), "invalid_json");
}

TEST(RequestTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Refusal(deep).status(), 400);
  // Brackets inside strings do not count.
  EXPECT_NO_THROW(Chat(With(R"("user":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")")));
}

TEST(RequestTest, CompletionsRefusals) {
  EXPECT_EQ(Refusal(R"({"model":"m"})", Endpoint::kCompletion).param(), "prompt");
  EXPECT_EQ(Refusal(R"({"model":"m","prompt":["a","b"]})", Endpoint::kCompletion).param(), "prompt");
  EXPECT_EQ(Refusal(R"({"model":"m","prompt":"a","echo":true})", Endpoint::kCompletion).param(), "echo");
  EXPECT_EQ(Refusal(R"({"model":"m","prompt":"a","messages":[]})", Endpoint::kCompletion).param(), "messages");
}

TEST(RequestTest, VoteOptions) {
  const CompletionRequest r = Chat(With(R"("sampler":"vote","profile":{"name":"x"},"logprobs":true)"));
  EXPECT_EQ(r.profile_json, R"({"name":"x"})");  // the server parses it (job_builder.h)
  EXPECT_EQ(Chat(With(R"("sampler":"vote","profile":"vote-cot")")).profile, "vote-cot");
  const BadCase cases[] = {
      {R"("sampler":"vote","n":2)", "n"},
      {R"("sampler":"vote","stop":"x")", "stop"},
      {R"("sampler":"vote","logprobs":true,"top_logprobs":2)", "top_logprobs"},
      {R"("sampler":"vote","temperature":0.5)", "temperature"},
      {R"("sampler":"vote","top_p":0.5)", "top_p"},
      {R"("sampler":"entropix","profile":{"name":"x"})", "profile"},
      {R"("profile":{"name":"x"})", "profile"},
      {R"("sampler":"vote","profile":3)", "profile"},
  };
  for (const BadCase& c : cases) {
    const ApiError e = Refusal(With(c.body));
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.param(), c.param) << c.body;
  }
  EXPECT_EQ(Refusal(R"({"model":"m","prompt":"a","sampler":"vote","logprobs":1})", Endpoint::kCompletion).param(),
            "logprobs");
}

TEST(ApiErrorTest, BodyHasOpenAIShape) {
  const auto body = ApiError(400, "invalid_request_error", "bad", "n", "").Body();
  EXPECT_EQ(body["error"]["message"], "bad");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "n");
  EXPECT_TRUE(body["error"]["code"].is_null());
}

}  // namespace
}  // namespace entropix::server
