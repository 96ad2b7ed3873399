// From a parsed request to what the engine runs: the prompt tokens (chat
// messages through the chat template, with special-token parsing off in the
// contents, exactly as `entropix run` encodes them), the policy, the seed and
// max_tokens clamped to the context. Runs on the handler thread, so bad
// requests are refused (400) before they take a place in the queue.
#pragma once

#include <memory>
#include <vector>

#include "server/engine.h"
#include "server/request.h"

namespace entropix::server {

struct BuiltJob {
  GenerationJob job;
  int prompt_tokens = 0;
};

// Throws ApiError: 400 for a prompt that is empty or does not fit the
// context (with both token counts), for an unknown or invalid vote profile
// and for temperature 0 with sampler entropix.
BuiltJob BuildJob(const CompletionRequest& r, const Model& model, const Tokenizer& tokenizer, int context);

// The sampling policy a request asks for (sampler, profile, temperature, top_p):
//   sampler unset: greedy at temperature 0, plain sampling when temperature
//   or top_p is given, else entropix (the CLI's default). Not for sampler
//   vote, whose traces choose by their own rules.
std::shared_ptr<const Policy> RequestPolicy(const CompletionRequest& r, const Model& model, const Tokenizer& tokenizer);

// Sampler vote's profile: a built-in vote profile by name (never a file on
// the server), or the request's inline profile object.
VoteProfile RequestVoteProfile(const CompletionRequest& r);

}  // namespace entropix::server
