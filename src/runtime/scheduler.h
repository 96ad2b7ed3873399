// Scheduler: many sequences through one model, one batched forward step at
// a time.
//
//   Step():  sweep (cancelled / finished sequences leave)
//            plan: the active sequences, in ascending id, each hand over
//                  their next input (Sequence::NextInput)
//            ONE Model::ForwardBatch over all of those segments
//            each sequence's PrepareDecision, on the thread pool
//            each sequence's OnLogits, in the same order
//            sweep
//
// Order. Ids are given in the order of Add and Fork and never reused; a step
// runs its sequences in ascending id, so callbacks, rollouts and results do
// not depend on anything else. A sequence's tokens do not depend on which
// others share its steps (ForwardBatch gives each segment what Forward of it
// alone gives).
//
// Rows. A step feeds at most max_rows tokens (the Workspace is sized for
// them). Every active sequence gets one row (its decode token, or the first
// token of a prompt chunk); the rows left go to sequences with more input
// (prompts, multi-token insertions), shortest remaining input first (ties:
// lower id). A long prompt is prefilled in chunks over several steps and
// never starves decoding sequences or delays short prompts. At most
// max_active sequences take part in a step; the others wait, in id order,
// until an active one finishes.
//
// Add, Fork and Cancel may be called from a sequence's callbacks during a
// step: a new sequence joins at the next step; a cancel takes effect at the
// end of the step (no further events of that sequence are reported). Step
// itself must not be called from a callback. An Error thrown by Step (a
// damaged model, a bad pause token) leaves the sequences unusable: Clear().
// One thread drives a scheduler; the thread pool works inside the forward
// and takes the sequences' first decisions of a step (PrepareDecision).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "model/model.h"
#include "runtime/generation.h"
#include "runtime/sequence.h"
#include "threading/thread_pool.h"

namespace entropix {

class Tokenizer;

struct SchedulerOptions {
  int context = 4096;  // KV cache capacity of each sequence (capped by the model's)
  int max_rows = 32;   // token rows per step: the Workspace's batch
  int max_active = 0;  // sequences per step; 0 or more than max_rows: max_rows
};

class Scheduler {
 public:
  // Error(kInvalidArgument) for a context or max_rows below 1.
  Scheduler(const Model& model, const Tokenizer* tokenizer, ThreadPool& pool, const SchedulerOptions& options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const Model& model() const { return model_; }
  int context() const { return context_; }
  int max_rows() const { return max_rows_; }
  Workspace& workspace() { return ws_; }
  ThreadPool& pool() { return pool_; }

  // A new sequence; returns its id. `cache`: null for a new one of
  // context() tokens; else the caller's (capacity at most context()), which
  // the prompt is appended to and which stays the caller's. Throws Error for
  // a prompt that is empty, does not fit or has ids outside the vocabulary.
  int Add(std::span<const int32_t> prompt, const GenerateOptions& options, TextCallback on_text = {},
          KvCache* cache = nullptr);
  // A new sequence continuing held sequence `parent` at `position`
  // (Sequence::Fork: its context [0, position), then `suffix`); returns its
  // id. Error(kInvalidArgument) for an unknown parent or a bad position.
  int Fork(int parent, int position, const GenerateOptions& options, TextCallback on_text = {},
           std::span<const int32_t> suffix = {});
  // The same for a sequence this scheduler no longer holds: one taken from
  // TakeFinished with its cache (the vote host forks finished traces).
  int ForkFinished(const Sequence& parent, int position, const GenerateOptions& options,
                   TextCallback on_text = {}, std::span<const int32_t> suffix = {});
  // Finishes sequence `id` with StopReason::kCancelled and frees its own
  // cache: now between steps, at the end of the step during one. Unknown or
  // finished ids are ignored.
  void Cancel(int id);

  // One step; returns the number of sequences that took part (0: none held).
  int Step();
  // Runs steps until no sequence is held.
  void RunUntilDone();

  // The sequences that finished since the last call, in the order they
  // finished (within a step, in step order); the scheduler no longer holds
  // them. Their results, and their caches unless cancelled, are the caller's.
  std::vector<std::unique_ptr<Sequence>> TakeFinished();

  // A held (active or waiting) sequence, or null.
  const Sequence* Find(int id) const;
  int held() const { return static_cast<int>(held_.size()); }
  // Drops every sequence, held and finished.
  void Clear();

 private:
  Sequence* FindHeld(int id) const;
  bool CancelRequested(int id) const;
  void Admit(std::unique_ptr<Sequence> s);
  void Sweep();
  int Plan();

  const Model& model_;
  const Tokenizer* tokenizer_;
  ThreadPool& pool_;
  int context_;
  int max_rows_;
  int max_active_;
  Workspace ws_;          // [max_rows] rows of the batched step
  Workspace rollout_ws_;  // branch rollouts (batch 1), outside the step's workspace
  int next_id_ = 0;
  std::vector<std::unique_ptr<Sequence>> held_;      // ascending id
  std::vector<std::unique_ptr<Sequence>> finished_;  // not yet taken
  std::vector<int> cancel_requests_;
  bool in_step_ = false;
  // The current step: its sequences and their segments (same index).
  std::vector<Sequence*> members_;
  std::vector<BatchSegment> segments_;
};

}  // namespace entropix
