// Sequence: one generation's state and its decode logic, split into the
// small steps a Scheduler drives.
//
// A sequence owns its KV cache (or borrows its caller's: Session), its
// policy state (policy, RNG, candidate scratch), the input it still has to
// feed (prompt, inserted pause tokens, the sampled token), its stop
// conditions (max tokens, end of generation, context full, cancel), the
// streaming detokeniser, its result and its callbacks.
//
// The step protocol (Scheduler::Step):
//
//   NextInput(max_rows)  the next chunk of pending input (a prompt may take
//                        several steps; a decode step is one token)
//   (one Model::ForwardBatch over every sequence's chunk)
//   OnLogits(logits, stats)
//                        after the last chunk of an input: decide with the
//                        policy, emit TokenEvents, update the stop state and
//                        queue the next input (or finish). A branch decision
//                        rolls its branches out here, synchronously
//                        (rollout.h), then decides again on the winner's
//                        logits.
//
// Everything a sequence does depends only on its own inputs, options and
// logits, so it produces the same tokens alone or scheduled with others.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/model.h"
#include "runtime/generation.h"
#include "runtime/rollout.h"
#include "sampling/rng.h"
#include "sampling/transforms.h"
#include "threading/thread_pool.h"

namespace entropix {

class StreamingDecoder;
class Tokenizer;

// What every sequence of a scheduler shares.
struct SequenceEnv {
  const Model* model = nullptr;
  const Tokenizer* tokenizer = nullptr;  // null: no text, no end-of-generation tokens
  ThreadPool* pool = nullptr;
  Workspace* rollout_ws = nullptr;       // batch-1 workspace for branch rollouts
};

// One sequence's share of a step: a view of its pending tokens, valid until
// OnLogits.
struct SequenceInput {
  std::span<const int32_t> tokens;
  bool logits = true;            // logits of the last token
  bool all_logits = false;       // logits of every token (a multi-token insertion)
  bool attention_stats = false;  // AttentionStats of the last token
};

class Sequence {
 public:
  // Exactly one of `owned` / `borrowed` is the cache; the prompt is fed after
  // what it holds. Checks the prompt (Error: empty, does not fit, ids outside
  // the vocabulary).
  Sequence(int id, const SequenceEnv& env, std::unique_ptr<KvCache> owned, KvCache* borrowed,
           std::span<const int32_t> prompt, const GenerateOptions& options, TextCallback on_text);
  ~Sequence();
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  int id() const { return id_; }
  bool done() const { return done_; }
  const GenerationResult& result() const { return result_; }
  GenerationResult TakeResult() { return std::move(result_); }
  // Null once released (a cancelled sequence's own cache).
  KvCache* cache() { return cache_; }
  const KvCache* cache() const { return cache_; }
  // Tokens of the input not yet handed to a step.
  int pending_tokens() const { return static_cast<int>(pending_.size() - fed_); }

  // A new sequence that continues this one's context [0, position) followed
  // by `suffix`, sharing the cache prefix (KvCache::Fork). With no suffix the
  // token at position - 1 is fed again, which gives the child the logits of
  // its first decision; it then equals a fresh sequence whose prompt is the
  // same tokens. Error(kInvalidArgument) for a position outside what is
  // cached, or whose token is not known (it was in a borrowed cache before
  // this sequence started).
  std::unique_ptr<Sequence> Fork(int id, int position, std::span<const int32_t> suffix,
                                 const GenerateOptions& options, TextCallback on_text) const;

  // The step protocol.
  SequenceInput NextInput(int max_rows);
  void OnLogits(std::span<const float> logits, const AttentionStats* stats);
  // Optional, before OnLogits with the same arguments, on any one thread:
  // takes the first decision these logits lead to (policy, RNG and scratch
  // of this sequence only, no events, no callbacks), which OnLogits then
  // uses instead of taking it itself. A scheduler runs it for all of a
  // step's sequences at once on its thread pool. Does nothing when OnLogits
  // would not decide (more prompt to feed, an insertion, a stop); never
  // throws (on an error OnLogits decides again and reports it).
  void PrepareDecision(std::span<const float> logits, const AttentionStats* stats);
  // Finishes now with StopReason::kCancelled (no-op when done).
  void Cancel();
  // Frees an owned cache (a borrowed one stays with its owner).
  void ReleaseCache();

 private:
  // The input being fed: what OnLogits does once it has run.
  enum class Input { kPrompt, kInsert, kToken };
  struct Choice;

  // Decode steps.
  void OnInputFed(std::span<const float> logits, const AttentionStats* stats);
  void OnInsertRows(std::span<const float> rows, const AttentionStats* stats, int chunk_start, int n);
  void Decide(std::span<const float> logits, const AttentionStats* stats);
  bool StopBeforeDecision();
  Choice Choose(std::span<const float> logits, const AttentionStats* stats,
                const std::optional<AttentionSignals>& carried);
  void BeginInsert(const Choice& c, std::span<const float> logits);
  bool Branch(const Choice& c, std::span<const float> logits);
  RolloutSetup RolloutSetupFor(const BranchParams& bp) const;
  bool EmitBranchTokens(const BranchEvent& be, int event_index, const Choice& c,
                        const std::vector<AttentionSignals>& attn);
  void AcceptToken(const Choice& c, std::span<const float> logits);
  // Emits one token: records it, streams its text. False: cancelled.
  bool Emit(TokenEvent& ev);
  void FillSignals(TokenEvent& ev, const LogitStats& ls, const AttentionSignals& as) const;
  void SetInput(Input kind, std::span<const int32_t> tokens);
  bool IsEnd(int32_t token) const;
  void Finish(StopReason reason);

  using Clock = std::chrono::steady_clock;

  int id_;
  SequenceEnv env_;
  std::unique_ptr<KvCache> owned_cache_;
  KvCache* cache_;
  // Tokens at cache positions [base_, base_ + history_.size()): what was
  // handed to steps and committed by branches (for Fork). Positions before
  // base_ were in a borrowed cache before the sequence started.
  int base_;
  std::vector<int32_t> history_;

  GenerateOptions opt_;
  TextCallback on_text_;
  std::unique_ptr<Policy> own_policy_;  // the previous API's greedy / temperature policy
  const Policy* policy_;
  bool want_attn_, want_logit_;
  AttentionLayerChoice layers_;
  Rng rng_;
  CandidateSet scratch_;
  // PrepareDecision's choice; ready until OnLogits, which hands it to Decide.
  std::unique_ptr<Choice> prepared_;
  bool prepared_ready_ = false;
  bool use_prepared_ = false;
  std::chrono::steady_clock::time_point prepared_at_;  // when it began
  std::unique_ptr<StreamingDecoder> decoder_;
  std::string piece_;  // the current TokenEvent's piece

  Input input_ = Input::kPrompt;
  std::vector<int32_t> pending_;  // the input being fed
  size_t fed_ = 0;                // of pending_, handed to steps
  int in_flight_ = 0;             // handed to the current step
  // A pause insertion in flight: its decision and whether streaming goes on.
  int insert_position_ = 0;
  State insert_state_ = State::kFixed;
  SamplingParams insert_params_{};
  bool insert_ok_ = true;

  BestBranchCache best_cache_;
  // The winner's logits [vocab_size] and last attention signals, read by the
  // decision after a branch commit (no forward pass in between).
  std::vector<float> branch_logits_;
  std::optional<AttentionSignals> branch_attn_;

  GenerationResult result_;
  bool done_ = false;
  bool started_ = false, prompt_done_ = false;
  Clock::time_point t0_, t1_;  // first step; prompt fed
};

}  // namespace entropix
