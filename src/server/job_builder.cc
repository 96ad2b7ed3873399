#include "server/job_builder.h"

#include <algorithm>
#include <optional>
#include <random>

#include "core/error.h"
#include "model/model.h"
#include "runtime/input_checks.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "runtime/vote_profiles.h"
#include "sampling/profile.h"
#include "server/api_error.h"
#include "tokenizer/tokenizer.h"

namespace entropix::server {
namespace {

std::string SamplerOf(const CompletionRequest& r) {
  if (!r.sampler.empty()) return r.sampler;
  if (r.temperature && *r.temperature == 0.0) return "greedy";
  return r.temperature || r.top_p ? "sample" : "entropix";
}

// Chat: the messages, with the neutral default system message when there is
// none (as `entropix run`: docs/DECISIONS.md). Completions: the prompt as
// plain text, no template.
std::vector<int32_t> EncodePrompt(const CompletionRequest& r, const Model& model, const Tokenizer& tokenizer) {
  PromptFormat format;
  std::vector<ChatMessage> messages;
  if (r.endpoint == Endpoint::kChat) {
    bool has_system = false;
    for (const ChatMessage& m : r.messages) has_system = has_system || m.role == "system";
    if (!has_system) messages.push_back({"system", kDefaultSystemPrompt});
    messages.insert(messages.end(), r.messages.begin(), r.messages.end());
  } else {
    format.force_raw = true;
    messages.push_back({"user", r.prompt});
  }
  try {
    std::vector<int32_t> ids = EncodeConversation(model, tokenizer, format, messages);
    CheckTokenIds(model.config(), ids, "prompt token");
    return ids;
  } catch (const Error& e) {
    BadRequest(r.endpoint == Endpoint::kChat ? "messages" : "prompt", e.what());
  }
}

void CheckFits(const CompletionRequest& r, size_t prompt_tokens, int context) {
  const char* param = r.endpoint == Endpoint::kChat ? "messages" : "prompt";
  if (prompt_tokens == 0) BadRequest(param, "the prompt is empty");
  if (prompt_tokens >= static_cast<size_t>(context)) {
    BadRequest(param,
               "the prompt has " + std::to_string(prompt_tokens) + " tokens, but the context holds " +
                   std::to_string(context) + " (the server's --ctx-size) including at least one generated token; "
                   "shorten the prompt",
               "context_length_exceeded");
  }
}

}  // namespace

std::shared_ptr<const Policy> RequestPolicy(const CompletionRequest& r, const Model& model,
                                            const Tokenizer& tokenizer) {
  const std::string sampler = SamplerOf(r);
  if (sampler == "vote") BadRequest("sampler", "sampler vote has no single policy");  // BuildJob's bug if reached
  PolicyConfig c;
  const std::string profile =
      r.profile.empty() ? DefaultProfileFor(model.config().name, model.config().vocab_size) : r.profile;
  if (sampler == "greedy" || (sampler == "sample" && r.temperature && *r.temperature == 0.0)) {
    c.kind = PolicyKind::kGreedy;
  } else if (sampler == "sample") {
    c.kind = PolicyKind::kSample;
    // OpenAI's sampling: temperature and top_p only (defaults 1), unless a
    // profile gives the base parameters.
    c.sample = r.profile.empty() ? SamplingParams{1.0, 0, 1.0, 0.0} : BuiltinProfile(profile).base;
    if (r.temperature) c.sample.temperature = *r.temperature;
    if (r.top_p) c.sample.top_p = *r.top_p;
  } else {
    if (r.temperature && *r.temperature == 0.0) {
      BadRequest("temperature", "temperature 0 with sampler entropix: use sampler greedy for argmax");
    }
    c.kind = PolicyKind::kEntropix;
    c.profile = BuiltinProfile(profile);
    if (r.temperature) c.profile.base.temperature = *r.temperature;
    if (r.top_p) c.profile.base.top_p = *r.top_p;
  }
  return MakePolicy(c, &tokenizer);
}

VoteProfile RequestVoteProfile(const CompletionRequest& r) {
  if (!r.profile_json.empty()) {
    try {
      return ParseVoteProfile(r.profile_json, "the request's profile");
    } catch (const Error& e) {
      BadRequest("profile", e.what());
    }
  }
  const std::string name = r.profile.empty() ? kDefaultVoteProfile : r.profile;
  if (std::optional<VoteProfile> p = BuiltinVoteProfile(name)) return *p;
  std::string names;
  for (const std::string& n : BuiltinVoteProfileNames()) names += (names.empty() ? "" : ", ") + n;
  BadRequest("profile", "unknown vote profile '" + name + "' (built-in vote profiles: " + names +
                            "; or send the profile as a JSON object)");
}

BuiltJob BuildJob(const CompletionRequest& r, const Model& model, const Tokenizer& tokenizer, int context) {
  BuiltJob b;
  b.job.prompt = EncodePrompt(r, model, tokenizer);
  CheckFits(r, b.job.prompt.size(), context);
  b.prompt_tokens = static_cast<int>(b.job.prompt.size());
  const int room = context - b.prompt_tokens;
  b.job.max_tokens = std::min(r.max_tokens.value_or(room), room);
  b.job.n = r.n;
  if (r.seed) {
    b.job.seed = *r.seed;
  } else {
    std::random_device rd;
    b.job.seed = (static_cast<uint64_t>(rd()) << 32) | rd();
  }
  if (SamplerOf(r) == "vote") {
    // As `run --sampler vote`: a trace's cache holds prompt + max_tokens + 1 positions.
    b.job.max_tokens = std::max(1, std::min(b.job.max_tokens, room - 1));
    b.job.vote = std::make_shared<const VoteProfile>(RequestVoteProfile(r));
  } else {
    b.job.policy = RequestPolicy(r, model, tokenizer);
  }
  b.job.stop = r.stop;
  b.job.top_logprobs = r.logprobs ? r.top_logprobs : 0;
  b.job.records = r.entropix;
  b.job.channel = std::make_shared<Channel>(r.n);
  return b;
}

}  // namespace entropix::server
