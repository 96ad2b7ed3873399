// What one generation is asked for and what it reports: the options, the
// per-token and per-branch events, the stop reasons and the result. Shared
// by Sequence (which produces them), Scheduler, Session and the trace.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "model/model.h"
#include "sampling/branching.h"
#include "sampling/metrics.h"
#include "sampling/policy.h"

namespace entropix {

// One emitted token, as the trace and the coloured output see it.
struct TokenEvent {
  int index = 0;               // in the response, from 0
  int position = 0;            // KV cache position of the token
  int32_t token = 0;
  std::string_view piece;      // the token's own bytes (may be partial UTF-8)
  std::string_view text;       // complete UTF-8 text this token finished (streaming)
  double logprob = 0.0;        // natural log, untempered, of the token at its step
  LogitStats logit;            // of the distribution the token came from (when computed)
  bool has_logit_stats = false;
  AttentionSignals attn;       // .present == false when not requested
  State state = State::kFixed;
  Action action = Action::kArgmax;  // kInsert for pause tokens; kBranch for committed branch tokens
  SamplingParams params{0.0, 1, 1.0, 0.0};
  int branch_event = -1;       // index into GenerationResult::branches, for branch tokens
  bool end_of_generation = false;  // the token that stopped generation (not emitted as text)
  // [vocab_size] the logits the token was chosen from (untempered; with
  // `logit` they give every alternative's log-probability), valid during
  // on_token only; empty for tokens committed by a branch.
  std::span<const float> logits;
};

struct BranchEvent {
  int index = 0;       // response index of the first committed token
  int position = 0;    // KV position of the branch point
  double entropy = 0.0, varentropy = 0.0;
  BranchOutcome outcome;
};

// Receives decoded UTF-8 text as it becomes complete; returning false cancels.
using TextCallback = std::function<bool(std::string_view text)>;

struct GenerateOptions {
  int max_tokens = 256;
  // Used when policy is null (the previous API): 0 = greedy, else temperature sampling.
  double temperature = 0.0;
  uint64_t seed = 0;
  bool stop_at_eog = true;  // stop at the model's end-of-generation tokens
  const Policy* policy = nullptr;
  // Compute every signal for each token even when the policy does not need
  // them (for a trace). Attention statistics are otherwise requested from the
  // model only when the policy needs them.
  bool record_signals = false;
  // The layers attention signals are read from; unset: the policy's choice.
  std::optional<AttentionLayerChoice> attention_layers;
  std::function<void(const TokenEvent&)> on_token;
  std::function<void(const BranchEvent&)> on_branch;
  // Set (by a signal handler, another thread) to stop before the next step:
  // StopReason::kCancelled. Null: never cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

enum class StopReason { kEndOfGeneration, kMaxTokens, kContextFull, kCancelled };
const char* StopReasonName(StopReason r);

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids, insertions included (the end token excluded)
  StopReason stop = StopReason::kMaxTokens;
  int prompt_tokens = 0;
  int reused_tokens = 0;         // Session::GenerateFrom: conversation tokens the cache already held
  double prompt_seconds = 0.0;   // wall clock of the steps that fed the prompt
  double decode_seconds = 0.0;   // from the first sampled token to the end
  double sampler_seconds = 0.0;  // signals + policy (inside decode_seconds)
  std::array<int, kNumStates> state_counts{};  // per emitted token
  int pauses_inserted = 0;       // insertion events
  int forward_passes = 0;        // decode forward calls, rollouts included
  std::vector<BranchEvent> branches;
  int branch_extra_forwards = 0;
};

// The model's AttentionStats as the sampling library's view.
AttentionStatsView ViewOf(const AttentionStats& s);

}  // namespace entropix
