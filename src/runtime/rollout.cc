#include "runtime/rollout.h"

#include <algorithm>

#include "runtime/generation.h"
#include "runtime/input_checks.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

bool PieceHasDelimiter(std::string_view piece, const std::vector<std::string>& delimiters) {
  for (const std::string& d : delimiters) {
    if (d.empty()) continue;
    if (piece.find(d) != std::string_view::npos) return true;
    // ". " is usually split as "." + " next": a piece ending in "." counts.
    if (d.size() > 1 && d.back() == ' ') {
      const std::string_view head(d.data(), d.size() - 1);
      if (piece.size() >= head.size() && piece.substr(piece.size() - head.size()) == head) return true;
    }
  }
  return false;
}

RolloutHost::RolloutHost(const RolloutSetup& setup, KvCache& cache, BestBranchCache& best)
    : s_(setup), cache_(cache), best_cache_(best), point_(cache.size()) {
  attn_.emplace_back();
}

std::span<const float> RolloutHost::Step(int32_t token) {
  const std::span<const int32_t> one(&token, 1);
  CheckTokenIds(s_.model->config(), one, "token");
  BatchSegment seg;
  seg.cache = &cache_;
  seg.tokens = one;
  seg.attention_stats = s_.want_attn;
  const BatchResult& r = s_.model->ForwardBatch(std::span<const BatchSegment>(&seg, 1), *s_.ws, *s_.pool);
  last_ = r.logits(0);
  CheckFiniteLogits(last_);
  if (s_.want_attn) attn_.back().push_back(ComputeAttentionSignals(ViewOf(r.stats(0)), s_.layers));
  return last_;
}

void RolloutHost::Rewind() {
  cache_.Truncate(point_);
  last_ = {};
  attn_.emplace_back();
}

void RolloutHost::KeepAsBest() {
  if (!best_cache_.cache) {
    best_cache_.cache = std::make_unique<KvCache>(cache_.n_layers(), cache_.n_heads(), cache_.head_dim(),
                                                  cache_.capacity());
    best_cache_.synced = 0;
  }
  const int from = std::min({best_cache_.synced, point_, best_cache_.cache->size()});
  best_cache_.cache->CopyFrom(cache_, from);
  best_cache_.synced = point_;
  best_logits_.assign(last_.begin(), last_.end());
  best_ = static_cast<int>(attn_.size()) - 1;
}

void RolloutHost::CommitBest(bool best_is_current) {
  if (!best_is_current) cache_.CopyFrom(*best_cache_.cache, point_);
  best_cache_.synced = cache_.size();
}

bool RolloutHost::IsEnd(int32_t token) const {
  return s_.stop_at_eog && s_.tokenizer && s_.tokenizer->IsEndOfGeneration(token);
}

bool RolloutHost::IsDelimiter(int32_t token) const {
  return s_.tokenizer && PieceHasDelimiter(s_.tokenizer->TokenPiece(token), *s_.delimiters);
}

}  // namespace entropix
