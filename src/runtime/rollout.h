// Branch rollouts of one sequence (SAMPLER.md section 5): the BranchHost the
// sampling library's RunBranches drives.
//
// Every branch is rolled out in the sequence's own cache from the branch
// point, one token per forward call: B = 1 through Model::ForwardBatch, in
// the scheduler's rollout workspace, synchronously inside the deciding
// sequence's step (the other sequences of that step wait; their results live
// in the main workspace, which a rollout never touches). The running best's
// own positions are copied to a second cache (KvCache::CopyFrom from the
// shared prefix) and copied back only if the best is not the branch rolled
// out last. Cheaper than replaying the winner (no extra forward pass; a copy
// of L positions is a few hundred KB) and than cloning the whole cache per
// branch.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/model.h"
#include "sampling/branching.h"
#include "sampling/metrics.h"
#include "threading/thread_pool.h"

namespace entropix {

class Tokenizer;

// The running best branch's cache, allocated on a sequence's first branch,
// and how many leading positions it is known to share with the sequence's.
struct BestBranchCache {
  std::unique_ptr<KvCache> cache;
  int synced = 0;
};

// What a rollout needs besides the caches.
struct RolloutSetup {
  const Model* model = nullptr;
  const Tokenizer* tokenizer = nullptr;  // null: no delimiter or end token is recognised
  Workspace* ws = nullptr;               // the rollout workspace (batch 1)
  ThreadPool* pool = nullptr;
  bool want_attn = false;                // record attention signals per rollout token
  AttentionLayerChoice layers;
  const std::vector<std::string>* delimiters = nullptr;
  bool stop_at_eog = true;
};

class RolloutHost final : public BranchHost {
 public:
  RolloutHost(const RolloutSetup& setup, KvCache& cache, BestBranchCache& best);

  std::span<const float> Step(int32_t token) override;
  void Rewind() override;
  void KeepAsBest() override;
  void CommitBest(bool best_is_current) override;
  bool IsEnd(int32_t token) const override;
  bool IsDelimiter(int32_t token) const override;

  // The winner's logits after its last token, and attention signals per token
  // (signals of the step after token i; empty when not recorded).
  std::span<const float> best_logits() const { return best_logits_; }
  const std::vector<AttentionSignals>& best_attn() const { return attn_[best_]; }

 private:
  RolloutSetup s_;
  KvCache& cache_;
  BestBranchCache& best_cache_;
  int point_;                                        // the branch point (cache size)
  std::span<const float> last_;                      // logits after the last Step
  std::vector<std::vector<AttentionSignals>> attn_;  // [branch][step]
  std::vector<float> best_logits_;                   // [vocab_size]
  int best_ = 0;
};

// Delimiter test for branch rollouts: the token's piece contains one of the
// delimiters (or, for a delimiter ending in a space, the piece ends with its
// first part, e.g. "." for ". ").
bool PieceHasDelimiter(std::string_view piece, const std::vector<std::string>& delimiters);

}  // namespace entropix
