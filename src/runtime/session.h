// Session: the prefill/decode loop for one conversation. The CLI, the
// benchmark (and later the server) are thin clients of it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/model.h"
#include "threading/thread_pool.h"

namespace entropix {

class Tokenizer;

struct SessionOptions {
  int n_threads = 0;    // 0: all hardware threads
  int context = 4096;   // KV cache capacity in tokens (capped by the model's)
  int max_batch = 32;   // prefill batch
};

struct GenerateOptions {
  int max_tokens = 256;
  double temperature = 0.0;  // 0: greedy
  uint64_t seed = 0;
  bool stop_at_eog = true;  // stop at the model's end-of-generation tokens
};

enum class StopReason { kEndOfGeneration, kMaxTokens, kContextFull, kCancelled };
const char* StopReasonName(StopReason r);

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids (the end token excluded)
  StopReason stop = StopReason::kMaxTokens;
  int prompt_tokens = 0;
  double prompt_seconds = 0.0;
  double decode_seconds = 0.0;  // from the first sampled token to the end
};

class Session {
 public:
  Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options);

  const Model& model() const { return model_; }
  KvCache& cache() { return cache_; }
  Workspace& workspace() { return ws_; }
  ThreadPool& pool() { return pool_; }
  int context() const { return cache_.capacity(); }

  // Clears the cache.
  void Reset();

  // Runs `tokens` after what the cache holds; returns the last logits.
  std::span<const float> Feed(std::span<const int32_t> tokens, const ForwardOptions& options = {});

  // Appends `prompt` and generates. on_text receives decoded UTF-8 text as it
  // becomes complete; returning false cancels. Requires a tokenizer for text.
  GenerationResult Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                            const std::function<bool(std::string_view text)>& on_text);

 private:
  const Model& model_;
  const Tokenizer* tokenizer_;
  ThreadPool pool_;
  KvCache cache_;
  Workspace ws_;
};

}  // namespace entropix
