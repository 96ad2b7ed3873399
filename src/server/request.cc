#include "server/request.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "sampling/profile.h"
#include "server/api_error.h"

namespace entropix::server {
namespace {

using json = nlohmann::json;

// Deeper bodies are refused before parsing: no OpenAI request nests deeper
// than a handful of levels, and a bounded depth bounds the parser's work.
constexpr int kMaxDepth = 16;

void CheckDepth(std::string_view body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) BadRequest("", "the body nests deeper than " + std::to_string(kMaxDepth) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

json ParseBody(std::string_view body) {
  CheckDepth(body);
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    BadRequest("", "the body is not valid JSON (send a JSON object with Content-Type: application/json)",
               "invalid_json");
  }
  if (!j.is_object()) BadRequest("", "the body must be a JSON object");
  return j;
}

std::string ReadString(const json& v, const std::string& key) {
  if (!v.is_string()) BadRequest(key, key + " must be a string");
  return v.get<std::string>();
}

bool ReadBool(const json& v, const std::string& key) {
  if (!v.is_boolean()) BadRequest(key, key + " must be true or false");
  return v.get<bool>();
}

int ReadInt(const json& v, const std::string& key, int lo, int hi) {
  if (!v.is_number_integer()) BadRequest(key, key + " must be an integer");
  // Compared before narrowing: 4294967297 must not pass as 1.
  const bool in_range = v.is_number_unsigned()
                            ? v.get<uint64_t>() <= static_cast<uint64_t>(hi) && v.get<uint64_t>() >= static_cast<uint64_t>(std::max(lo, 0))
                            : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range) {
    BadRequest(key, key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                        v.dump());
  }
  return static_cast<int>(v.get<int64_t>());
}

double ReadNumber(const json& v, const std::string& key, double lo, double hi) {
  if (!v.is_number()) BadRequest(key, key + " must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    BadRequest(key, key + " must be a finite number in [" + json(lo).dump() + ", " + json(hi).dump() + "], not " +
                        v.dump());
  }
  return x;
}

uint64_t ReadSeed(const json& v) {
  if (!v.is_number_integer()) BadRequest("seed", "seed must be an integer");
  return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
}

// A message's content: a string, or an array of {"type": "text", "text": ...}
// parts (joined); other part types (images, audio) are not supported.
std::string ReadContent(const json& v, const std::string& key) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) BadRequest(key, key + " must be a string or an array of text parts");
  std::string text;
  for (const json& part : v) {
    if (!part.is_object() || !part.contains("type") || part["type"] != "text" || !part.contains("text") ||
        !part["text"].is_string() || part.size() != 2) {
      BadRequest(key, key + ": only parts of the form {\"type\": \"text\", \"text\": \"...\"} are supported");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

ChatMessage ReadMessage(const json& m, size_t i) {
  const std::string key = "messages[" + std::to_string(i) + "]";
  if (!m.is_object()) BadRequest(key, key + " must be an object with a role and a content");
  ChatMessage msg;
  bool has_content = false;
  for (const auto& [k, v] : m.items()) {
    if (k == "role") {
      msg.role = ReadString(v, key + ".role");
    } else if (k == "content") {
      msg.content = ReadContent(v, key + ".content");
      has_content = true;
    } else if (k != "name") {
      BadRequest(key + "." + k, key + "." + k + " is not supported (a message has a role and a content)");
    }
  }
  if (msg.role == "developer") msg.role = "system";  // OpenAI's newer name for the system role
  if (msg.role != "system" && msg.role != "user" && msg.role != "assistant") {
    BadRequest(key + ".role", key + ".role must be system, developer, user or assistant");
  }
  if (!has_content) BadRequest(key + ".content", key + ".content is required");
  return msg;
}

std::vector<ChatMessage> ReadMessages(const json& v) {
  if (!v.is_array() || v.empty()) BadRequest("messages", "messages must be a non-empty array", "empty_messages");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(ReadMessage(v[i], i));
  return out;
}

// A string, or an array of exactly one string (the API's batch form is not
// supported: send one request per prompt).
std::string ReadPrompt(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && v.size() == 1 && v[0].is_string()) return v[0].get<std::string>();
  BadRequest("prompt", "prompt must be a string (or an array of one string)");
}

std::vector<std::string> ReadStop(const json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && v.size() <= static_cast<size_t>(kMaxStops)) {
    for (const json& s : v) out.push_back(ReadString(s, "stop"));
  } else {
    BadRequest("stop", "stop must be a string or an array of at most " + std::to_string(kMaxStops) + " strings");
  }
  for (const std::string& s : out) {
    if (s.empty()) BadRequest("stop", "stop strings must not be empty");
  }
  return out;
}

bool ReadStreamOptions(const json& v) {
  if (!v.is_object()) BadRequest("stream_options", "stream_options must be an object");
  bool include_usage = false;
  for (const auto& [k, x] : v.items()) {
    if (k != "include_usage") BadRequest("stream_options." + k, "stream_options." + k + " is not supported");
    include_usage = ReadBool(x, "stream_options.include_usage");
  }
  return include_usage;
}

std::string ReadSampler(const json& v) {
  const std::string s = ReadString(v, "sampler");
  if (s != "greedy" && s != "sample" && s != "entropix" && s != "vote") {
    BadRequest("sampler", "sampler must be greedy, sample, entropix or vote");
  }
  return s;
}

// A name, or (sampler vote) an inline vote profile object; which names are
// known depends on the sampler (CheckProfile).
void ReadProfile(const json& v, CompletionRequest& r) {
  if (v.is_object()) {
    r.profile_json = v.dump();
  } else {
    r.profile = ReadString(v, "profile");
  }
}

void CheckProfile(const CompletionRequest& r) {
  if (r.sampler == "vote") return;  // vote profiles are the server's to resolve (job_builder.h)
  if (!r.profile_json.empty()) {
    BadRequest("profile", "an inline profile object is only accepted with sampler vote; name a built-in profile");
  }
  if (!r.profile.empty() && !HasBuiltinProfile(r.profile)) {
    std::string names;
    for (const std::string& n : BuiltinProfileNames()) names += (names.empty() ? "" : ", ") + n;
    BadRequest("profile", "unknown profile '" + r.profile + "' (built-in profiles: " + names + ")");
  }
}

// Sampler vote returns one answer chosen among traces that each decode by
// the vote profile's rules: options that would need per-trace sampling
// settings, several answers, alternatives per token or cut text are refused.
void CheckVote(const CompletionRequest& r) {
  if (r.sampler != "vote") return;
  auto refuse = [](const std::string& field, const std::string& why) {
    BadRequest(field, field + " is not supported with sampler vote: " + why);
  };
  if (r.n != 1) refuse("n", "the vote returns one answer (send n = 1)");
  if (!r.stop.empty()) refuse("stop", "its traces run to the end of generation or max_tokens");
  if (r.top_logprobs > 0) refuse(r.endpoint == Endpoint::kChat ? "top_logprobs" : "logprobs",
                                 "its traces keep no alternatives (logprobs alone, or logprobs 0, is served)");
  if (r.temperature) refuse("temperature", "the vote profile's \"sample\" settings apply");
  if (r.top_p) refuse("top_p", "the vote profile's \"sample\" settings apply");
}

// OpenAI fields we do not implement, accepted at their neutral value only.
bool ReadNeutralField(const std::string& k, const json& v) {
  auto refuse = [&](const std::string& neutral) {
    BadRequest(k, k + " is not supported by this server (only " + neutral + " is accepted)");
  };
  if (k == "frequency_penalty" || k == "presence_penalty") {
    if (!v.is_number() || v.get<double>() != 0.0) refuse("0");
  } else if (k == "user") {
    ReadString(v, k);
  } else if (k == "logit_bias") {
    if (!v.is_object() || !v.empty()) refuse("{}");
  } else if (k == "response_format") {
    if (v != json{{"type", "text"}}) refuse("{\"type\": \"text\"}");
  } else if (k == "echo") {
    if (v != false) refuse("false");
  } else if (k == "best_of") {
    if (v != 1) refuse("1");
  } else {
    return false;
  }
  return true;
}

// Fields both endpoints share. False: not one of them.
bool ReadCommonField(const std::string& k, const json& v, CompletionRequest& r) {
  if (k == "model") r.model = ReadString(v, k);
  else if (k == "max_tokens" || k == "max_completion_tokens") r.max_tokens = ReadInt(v, k, 1, 1 << 24);
  else if (k == "temperature") r.temperature = ReadNumber(v, k, 0.0, kMaxApiTemperature);
  else if (k == "top_p") r.top_p = ReadNumber(v, k, std::numeric_limits<double>::min(), 1.0);
  else if (k == "seed") r.seed = ReadSeed(v);
  else if (k == "stop") r.stop = ReadStop(v);
  else if (k == "n") r.n = ReadInt(v, k, 1, kMaxChoices);
  else if (k == "stream") r.stream = ReadBool(v, k);
  else if (k == "stream_options") r.include_usage = ReadStreamOptions(v);
  else if (k == "sampler") r.sampler = ReadSampler(v);
  else if (k == "profile") ReadProfile(v, r);
  else if (k == "entropix") r.entropix = ReadBool(v, k);
  else return ReadNeutralField(k, v);
  return true;
}

bool ReadEndpointField(const std::string& k, const json& v, CompletionRequest& r) {
  if (r.endpoint == Endpoint::kChat) {
    if (k == "messages") r.messages = ReadMessages(v);
    else if (k == "logprobs") r.logprobs = ReadBool(v, k);
    else if (k == "top_logprobs") r.top_logprobs = ReadInt(v, k, 0, kMaxTopLogprobs);
    else return false;
    return true;
  }
  if (k == "prompt") {
    r.prompt = ReadPrompt(v);
  } else if (k == "logprobs") {  // completions: the number of alternatives
    r.top_logprobs = ReadInt(v, k, 0, kMaxTopLogprobs);
    r.logprobs = true;
  } else if (k == "suffix") {
    if (ReadString(v, k) != "") BadRequest(k, "suffix is not supported by this server");
  } else {
    return false;
  }
  return true;
}

void CheckComplete(const json& body, const CompletionRequest& r) {
  if (!body.contains("model") || body["model"].is_null()) BadRequest("model", "model is required");
  const bool chat = r.endpoint == Endpoint::kChat;
  if (chat && r.messages.empty()) BadRequest("messages", "messages is required", "empty_messages");
  if (!chat && (!body.contains("prompt") || body["prompt"].is_null())) BadRequest("prompt", "prompt is required");
  if (chat && r.top_logprobs > 0 && !r.logprobs) {
    BadRequest("top_logprobs", "top_logprobs requires logprobs: true");
  }
  if (body.contains("stream_options") && !body["stream_options"].is_null() && !r.stream) {
    BadRequest("stream_options", "stream_options is only allowed when stream is true");
  }
  CheckProfile(r);
  CheckVote(r);
}

}  // namespace

CompletionRequest ParseCompletionRequest(std::string_view body, Endpoint endpoint) {
  const json j = ParseBody(body);
  CompletionRequest r;
  r.endpoint = endpoint;
  for (const auto& [k, v] : j.items()) {
    if (v.is_null()) continue;  // absent, as in OpenAI's API
    if (!ReadCommonField(k, v, r) && !ReadEndpointField(k, v, r)) {
      BadRequest(k, "unknown field '" + k + "'", "unknown_parameter");
    }
  }
  CheckComplete(j, r);
  return r;
}

}  // namespace entropix::server
