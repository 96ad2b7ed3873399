// Session: one conversation on the scheduler. The CLI, the evaluation
// runner and the benchmark are thin clients of it.
//
// Generate is one Sequence on the session's Scheduler, stepped until it
// finishes: the B = 1 case of the batched runtime, not a second decode path.
// Every token, the first one included, goes through one Policy (greedy,
// sample, entropix); the sequence computes the signals the policy (or a
// trace) needs, carries out insertions (the pause) and branching (KV cache
// fork and commit), and reports each emitted token with its signals.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/model.h"
#include "runtime/generation.h"
#include "runtime/rollout.h"
#include "runtime/scheduler.h"
#include "threading/thread_pool.h"

namespace entropix {

class Tokenizer;

struct SessionOptions {
  int n_threads = 0;    // 0: all hardware threads
  int context = 4096;   // KV cache capacity in tokens (capped by the model's)
  int max_batch = 32;   // token rows per step (the prefill chunk)
};

class Session {
 public:
  Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options);
  ~Session();

  const Model& model() const { return model_; }
  KvCache& cache() { return cache_; }
  Workspace& workspace() { return scheduler_.workspace(); }
  ThreadPool& pool() { return pool_; }
  int context() const { return cache_.capacity(); }

  // Clears the cache.
  void Reset();

  // The token ids the cache holds, in order, as far as this Session fed
  // them (Feed, Generate, GenerateFrom). Changing the cache through cache()
  // directly leaves this unknown: then GenerateFrom reuses nothing.
  const std::vector<int32_t>& cached_tokens() const { return cached_; }

  // Runs `tokens` after what the cache holds; returns the last logits (all
  // rows with options.all_logits). Throws Error for an id outside the model's
  // vocabulary and for non-finite logits (a damaged model).
  std::span<const float> Feed(std::span<const int32_t> tokens, const ForwardOptions& options = {});

  // Appends `prompt` and generates. on_text receives decoded UTF-8 text as it
  // becomes complete; returning false cancels. Requires a tokenizer for text.
  GenerationResult Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                            const TextCallback& on_text);

  // A conversation's next turn: `conversation` is the whole of it as tokens
  // (history and the new turn). The longest prefix the cache already holds
  // is kept, the cache is cut back to it, and only the rest is fed before
  // generating: the history is not prefilled again. At least the last token
  // is always fed (its logits start the answer). result.reused_tokens tells
  // how many were kept.
  GenerationResult GenerateFrom(std::span<const int32_t> conversation, const GenerateOptions& options,
                                const TextCallback& on_text);

 private:
  const Model& model_;
  ThreadPool pool_;
  Scheduler scheduler_;  // one sequence at a time, on cache_
  KvCache cache_;
  std::vector<int32_t> cached_;  // the ids cache_ holds (cached_tokens())
  bool cached_known_ = true;     // false after a failed generation
};

// The pause text as token ids of this tokenizer. For tokenizers that put a
// space in front of the text (SentencePiece add_space_prefix), one leading
// space of `text` is that space. Empty text: no ids.
std::vector<int32_t> ResolvePauseTokens(const Tokenizer& tokenizer, const std::string& text);

}  // namespace entropix
