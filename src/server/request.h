// The typed request of POST /v1/chat/completions and POST /v1/completions,
// and its parser: a pure function from the body text to a CompletionRequest
// or an ApiError (400), separate from the HTTP layer so that it can be unit
// tested and fuzzed (tests/fuzz/server_request_fuzz.cc).
//
// Strict: a field of the wrong type, a non-finite or out-of-range number, an
// unknown field or an OpenAI field we do not implement (unless it is at its
// neutral value, e.g. "presence_penalty": 0) is a 400 naming the field.
// null counts as absent, as in OpenAI's API. What the request may ask of the
// model (the model id, the context) is checked later, by the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template.h"

namespace entropix::server {

enum class Endpoint { kChat, kCompletion };

inline constexpr int kMaxChoices = 8;        // n
inline constexpr int kMaxTopLogprobs = 20;   // top_logprobs (chat), logprobs (completions)
inline constexpr int kMaxStops = 4;          // stop strings
inline constexpr double kMaxApiTemperature = 2.0;

struct CompletionRequest {
  Endpoint endpoint = Endpoint::kChat;
  std::string model;
  std::vector<ChatMessage> messages;  // chat: at least one
  std::string prompt;                 // completions
  std::optional<int> max_tokens;      // max_tokens or max_completion_tokens; unset: fill the context
  std::optional<double> temperature;  // [0, 2]
  std::optional<double> top_p;        // (0, 1]
  std::optional<uint64_t> seed;       // unset: a random seed per request
  std::vector<std::string> stop;      // up to kMaxStops non-empty strings
  int n = 1;                          // choices, 1..kMaxChoices
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool logprobs = false;       // per-token log-probabilities
  int top_logprobs = 0;        // alternatives per token, 0..kMaxTopLogprobs
  // Extensions.
  std::string sampler;  // greedy | sample | entropix | vote; "" = the server's default
  // sampler vote: a built-in vote profile name ("" = vote-default), or
  // profile_json, an inline vote profile object (entropix-vote-profile/1,
  // checked by the server); other samplers: a built-in entropix profile
  // name ("" = the model's default).
  std::string profile;
  std::string profile_json;
  bool entropix = false;  // per-token records (the CLI trace's fields) in the response
};

// Throws ApiError (status 400) and nothing else.
CompletionRequest ParseCompletionRequest(std::string_view body, Endpoint endpoint);

}  // namespace entropix::server
