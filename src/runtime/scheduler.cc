#include "runtime/scheduler.h"

#include <algorithm>

#include "core/error.h"

namespace entropix {
namespace {

int ResolveContext(const Model& m, int requested) {
  if (requested <= 0) throw Error(ErrorCode::kInvalidArgument, "context size must be positive");
  return std::min(requested, m.config().context_length);
}

int CheckRows(int rows) {
  if (rows <= 0) throw Error(ErrorCode::kInvalidArgument, "rows per step must be positive");
  return rows;
}

}  // namespace

Scheduler::Scheduler(const Model& model, const Tokenizer* tokenizer, ThreadPool& pool,
                     const SchedulerOptions& options)
    : model_(model),
      tokenizer_(tokenizer),
      pool_(pool),
      context_(ResolveContext(model, options.context)),
      max_rows_(CheckRows(options.max_rows)),
      max_active_(options.max_active <= 0 ? max_rows_ : std::min(options.max_active, max_rows_)),
      ws_(model.config(), max_rows_, context_),
      rollout_ws_(model.config(), 1, context_) {}

Scheduler::~Scheduler() = default;

int Scheduler::Add(std::span<const int32_t> prompt, const GenerateOptions& options, TextCallback on_text,
                   KvCache* cache) {
  // The workspace's attention rows hold context() positions.
  ENTROPIX_CHECK(cache == nullptr || cache->capacity() <= context_);
  const SequenceEnv env{&model_, tokenizer_, &pool_, &rollout_ws_};
  std::unique_ptr<KvCache> owned;
  if (cache == nullptr) owned = std::make_unique<KvCache>(model_.NewCache(context_));
  const int id = next_id_;
  Admit(std::make_unique<Sequence>(id, env, std::move(owned), cache, prompt, options, std::move(on_text)));
  return id;
}

int Scheduler::Fork(int parent, int position, const GenerateOptions& options, TextCallback on_text,
                    std::span<const int32_t> suffix) {
  const Sequence* p = FindHeld(parent);
  if (p == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "fork: sequence " + std::to_string(parent) + " is not held");
  }
  const int id = next_id_;
  Admit(p->Fork(id, position, suffix, options, std::move(on_text)));
  return id;
}

int Scheduler::ForkFinished(const Sequence& parent, int position, const GenerateOptions& options,
                            TextCallback on_text, std::span<const int32_t> suffix) {
  // The child's cache is sized like the parent's, which the workspace's rows must hold.
  ENTROPIX_CHECK(parent.cache() == nullptr || parent.cache()->capacity() <= context_);
  const int id = next_id_;
  Admit(parent.Fork(id, position, suffix, options, std::move(on_text)));
  return id;
}

void Scheduler::Admit(std::unique_ptr<Sequence> s) {
  ++next_id_;
  held_.push_back(std::move(s));  // ids ascend, so held_ stays in id order
}

void Scheduler::Cancel(int id) {
  if (FindHeld(id) == nullptr) return;
  cancel_requests_.push_back(id);
  if (!in_step_) Sweep();
}

Sequence* Scheduler::FindHeld(int id) const {
  for (const auto& s : held_) {
    if (s->id() == id) return s.get();
  }
  return nullptr;
}

const Sequence* Scheduler::Find(int id) const { return FindHeld(id); }

bool Scheduler::CancelRequested(int id) const {
  return std::find(cancel_requests_.begin(), cancel_requests_.end(), id) != cancel_requests_.end();
}

// The step boundary: cancelled sequences finish and free their caches;
// finished ones move to finished_, in order. By index: a callback run by
// Cancel (the last streamed text) may Add.
void Scheduler::Sweep() {
  std::vector<std::unique_ptr<Sequence>> kept;
  for (size_t i = 0; i < held_.size(); ++i) {
    Sequence& s = *held_[i];
    if (CancelRequested(s.id()) && !s.done()) {
      s.Cancel();
      s.ReleaseCache();
    }
    if (s.done()) finished_.push_back(std::move(held_[i]));
    else kept.push_back(std::move(held_[i]));
  }
  held_ = std::move(kept);
  cancel_requests_.clear();
}

// Chooses this step's sequences and rows (see the header) and takes their
// inputs. Returns the number of sequences.
int Scheduler::Plan() {
  members_.clear();
  segments_.clear();
  for (const auto& s : held_) {
    if (static_cast<int>(members_.size()) == max_active_) break;
    members_.push_back(s.get());
  }
  std::vector<int> rows(members_.size(), 1);
  int left = max_rows_ - static_cast<int>(members_.size());
  // Shortest input first (ties: lower id): short prompts and insertions
  // finish in one step, a long prompt takes what remains.
  std::vector<size_t> order(members_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return members_[a]->pending_tokens() < members_[b]->pending_tokens();
  });
  for (size_t i : order) {
    const int extra = std::min(members_[i]->pending_tokens() - 1, left);
    rows[i] += extra;
    left -= extra;
  }
  for (size_t i = 0; i < members_.size(); ++i) {
    const SequenceInput in = members_[i]->NextInput(rows[i]);
    BatchSegment seg;
    seg.cache = members_[i]->cache();
    seg.tokens = in.tokens;
    seg.logits = in.logits;
    seg.all_logits = in.all_logits;
    seg.attention_stats = in.attention_stats;
    segments_.push_back(seg);
  }
  return static_cast<int>(members_.size());
}

int Scheduler::Step() {
  ENTROPIX_CHECK(!in_step_);  // not from a sequence's callback
  Sweep();
  const int n = Plan();
  if (n == 0) return 0;
  in_step_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_step_};
  const BatchResult& r = model_.ForwardBatch(segments_, ws_, pool_);
  // A sequence's first decision on these logits depends only on its own
  // state (Sequence::PrepareDecision): taken for all sequences at once on the
  // pool's threads (sampling over a large vocabulary is a few percent of a
  // batched step). What follows from it (events, callbacks, forks, branch
  // rollouts) runs below, on this thread, in id order.
  pool_.ParallelFor(n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      members_[i]->PrepareDecision(r.logits(static_cast<int>(i)),
                                   segments_[i].attention_stats ? &r.stats(static_cast<int>(i)) : nullptr);
    }
  });
  for (int i = 0; i < n; ++i) {
    Sequence& s = *members_[i];
    if (CancelRequested(s.id())) continue;  // cancelled by an earlier callback of this step
    s.OnLogits(r.logits(i), segments_[i].attention_stats ? &r.stats(i) : nullptr);
  }
  in_step_ = false;
  Sweep();
  return n;
}

void Scheduler::RunUntilDone() {
  while (Step() > 0) {
  }
}

std::vector<std::unique_ptr<Sequence>> Scheduler::TakeFinished() {
  std::vector<std::unique_ptr<Sequence>> out = std::move(finished_);
  finished_.clear();
  return out;
}

void Scheduler::Clear() {
  ENTROPIX_CHECK(!in_step_);
  held_.clear();
  finished_.clear();
  cancel_requests_.clear();
  members_.clear();
  segments_.clear();
}

}  // namespace entropix
