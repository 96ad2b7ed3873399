// One eval generation by multi-trace voting (issue 10): the vote strategy's
// traces on a SchedulerTraceHost, the chosen trace as the response. Its
// compute is every trace's: prompt prefill per trace started from the prompt
// plus each trace's forward token-steps (forks reuse their parent's prefix),
// plus the speculative forks started beside the greedy trace and never used
// (the host's EndSpeculation).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "decoding/answer_hook.h"
#include "decoding/vote_profile.h"
#include "eval/vote_record.h"
#include "runtime/generation.h"
#include "threading/thread_pool.h"

namespace entropix {

class Model;
class Tokenizer;

struct VoteGeneration {
  GenerationResult result;  // of the chosen trace: its tokens and how it ended
  std::string response;     // the chosen trace's text
  int64_t forward_tokens = 0;  // over all traces, prompt prefills and unused speculation included
  int traces = 0;
  int chosen_trace = 0;
  std::string stop_reason;  // the strategy's (VoteOutcome::stop_reason)
  VoteRecord record;        // for the eval record: stop, choice and every trace
};

class VoteStrategy;
// The record of a stopped strategy, from its events: per trace its start
// (origin, parent, fork position), its finish (answer, confidence, margin,
// cost, end) and its weight in the last vote.
VoteRecord VoteRecordOf(const VoteStrategy& strategy);

VoteGeneration GenerateByVote(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool,
                              std::span<const int32_t> prompt, const VoteProfile& profile, const AnswerHook& hook,
                              int max_tokens, uint64_t seed);

}  // namespace entropix
