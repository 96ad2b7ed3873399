// Session: the prefill/decode loop for one conversation. The CLI, the
// benchmark (and later the server) are thin clients of it.
//
// Every token, the first one included, goes through one Policy (greedy,
// sample, entropix). The session computes the signals the policy (or a
// trace) needs, carries out insertions (the pause) and branching (KV cache
// fork and commit), and reports each emitted token with its signals.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/model.h"
#include "sampling/branching.h"
#include "sampling/metrics.h"
#include "sampling/policy.h"
#include "threading/thread_pool.h"

namespace entropix {

class Tokenizer;

struct SessionOptions {
  int n_threads = 0;    // 0: all hardware threads
  int context = 4096;   // KV cache capacity in tokens (capped by the model's)
  int max_batch = 32;   // prefill batch
};

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
};

struct BranchEvent {
  int index = 0;       // response index of the first committed token
  int position = 0;    // KV position of the branch point
  double entropy = 0.0, varentropy = 0.0;
  BranchOutcome outcome;
};

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
  double prompt_seconds = 0.0;
  double decode_seconds = 0.0;   // from the first sampled token to the end
  double sampler_seconds = 0.0;  // signals + policy (inside decode_seconds)
  std::array<int, kNumStates> state_counts{};  // per emitted token
  int pauses_inserted = 0;       // insertion events
  int forward_passes = 0;        // decode Forward calls, rollouts included
  std::vector<BranchEvent> branches;
  int branch_extra_forwards = 0;
};

class Session {
 public:
  Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options);
  ~Session();

  const Model& model() const { return model_; }
  KvCache& cache() { return cache_; }
  Workspace& workspace() { return ws_; }
  ThreadPool& pool() { return pool_; }
  int context() const { return cache_.capacity(); }

  // Clears the cache.
  void Reset();

  // Runs `tokens` after what the cache holds; returns the last logits (all
  // rows with options.all_logits). Throws Error for an id outside the model's
  // vocabulary and for non-finite logits (a damaged model).
  std::span<const float> Feed(std::span<const int32_t> tokens, const ForwardOptions& options = {});

  // Appends `prompt` and generates. on_text receives decoded UTF-8 text as it
  // becomes complete; returning false cancels. Requires a tokenizer for text.
  GenerationResult Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                            const std::function<bool(std::string_view text)>& on_text);

 private:
  class Brancher;
  // Error(kOutOfRange) naming `what` unless every id indexes the model's
  // embeddings and logits.
  void CheckTokenIds(std::span<const int32_t> ids, const char* what) const;
  // Error(kOutOfRange) when `prompt` does not fit after what the cache holds.
  void CheckPromptFits(size_t prompt_tokens) const;

  const Model& model_;
  const Tokenizer* tokenizer_;
  ThreadPool pool_;
  KvCache cache_;
  Workspace ws_;
  // Branching: the running best branch's cache, allocated on first use, and
  // how many leading positions it is known to share with cache_.
  std::unique_ptr<KvCache> best_cache_;
  int best_synced_ = 0;
};

// The AttentionStats of a Workspace as the sampling library's view.
AttentionStatsView ViewOf(const AttentionStats& s);

// The pause text as token ids of this tokenizer. For tokenizers that put a
// space in front of the text (SentencePiece add_space_prefix), one leading
// space of `text` is that space. Empty text: no ids.
std::vector<int32_t> ResolvePauseTokens(const Tokenizer& tokenizer, const std::string& text);

// Delimiter test for branch rollouts: the token's piece contains one of the
// delimiters (or, for a delimiter ending in a space, the piece ends with its
// first part, e.g. "." for ". ").
bool PieceHasDelimiter(std::string_view piece, const std::vector<std::string>& delimiters);

}  // namespace entropix
