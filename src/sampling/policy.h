// Decoding policies behind one interface (SAMPLER.md section 3).
//
// A policy looks at one step's signals and decides: take a token (argmax or a
// draw with effective parameters), insert a token sequence (the pause), or
// branch (the session forks the KV cache; see branching.h). Policies are
// immutable and may be shared; the per-request state (RNG, scratch, what has
// been emitted so far) is passed in.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "sampling/metrics.h"
#include "sampling/profile.h"
#include "sampling/rng.h"
#include "sampling/transforms.h"

namespace entropix {

// kFixed: a policy without states (greedy, sample).
enum class State : uint8_t { kFixed, kFlowing, kTreading, kExploring, kResampling, kAdaptive };
constexpr int kNumStates = 6;
const char* StateName(State s);

enum class Action : uint8_t {
  kArgmax,   // token = argmax
  kSample,   // token drawn with `params`
  kAdaptive, // n_draws draws with `params`, the most likely under T = 1 kept
  kInsert,   // emit `insert` (the pause sequence) without sampling
  kBranch,   // fork and roll out branches (the session runs it)
};
const char* ActionName(Action a);

struct StepInput {
  std::span<const float> logits;           // [vocab_size] raw
  const LogitStats* logit = nullptr;       // of `logits`; required when needs_signals()
  const AttentionSignals* attn = nullptr;  // null or !present: treated as zeros
  std::span<const int32_t> response;       // tokens emitted so far in this response
  int pauses_inserted = 0;                 // in this response
  int branches_taken = 0;                  // in this response
  int tokens_left = 1 << 30;               // room for an insertion
};

struct Decision {
  State state = State::kFixed;
  Action action = Action::kArgmax;
  int32_t token = -1;                 // kArgmax, kSample, kAdaptive; first of `insert` for kInsert
  SamplingParams params{0.0, 1, 1.0, 0.0};  // effective; argmax reports T 0, top-k 1
  int n_draws = 1;
  std::span<const int32_t> insert;    // kInsert: the sequence, owned by the policy
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual const char* name() const = 0;
  // Whether Decide reads LogitStats / attention signals.
  virtual bool needs_logit_stats() const { return false; }
  virtual bool needs_attention() const { return false; }
  virtual AttentionLayerChoice attention_layers() const { return {}; }
  // Branching configuration, when this policy may return kBranch.
  virtual const BranchParams* branching() const { return nullptr; }
  // The state a step with these signals is in (branch rollouts report it).
  virtual State Classify(double entropy_bits, double varentropy_bits) const { return State::kFixed; }
  // The sampler a branch rollout uses.
  virtual SamplingParams base_params() const { return {}; }
  virtual Decision Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const = 0;
};

class GreedyPolicy final : public Policy {
 public:
  const char* name() const override { return "greedy"; }
  Decision Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const override;
};

// Classic temperature / top-k / top-p / min-p; temperature 0 is argmax.
class SamplePolicy final : public Policy {
 public:
  explicit SamplePolicy(const SamplingParams& p) : params_(p) {}
  const char* name() const override { return "sample"; }
  SamplingParams base_params() const override { return params_; }
  Decision Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const override;

 private:
  SamplingParams params_;
};

// The state table of SAMPLER.md section 3, in the order given there.
State ClassifyState(double entropy_bits, double varentropy_bits, const EntropixThresholds& t);

class EntropixPolicy final : public Policy {
 public:
  // pause_ids: the profile's pause text as resolved by the model's tokenizer
  // (empty: treading never inserts).
  EntropixPolicy(const Profile& profile, std::vector<int32_t> pause_ids);
  const char* name() const override { return "entropix"; }
  bool needs_logit_stats() const override { return true; }
  bool needs_attention() const override { return true; }
  AttentionLayerChoice attention_layers() const override { return profile_.attention; }
  const BranchParams* branching() const override {
    return profile_.branch.enabled ? &profile_.branch : nullptr;
  }
  SamplingParams base_params() const override { return profile_.base; }
  State Classify(double h, double v) const override { return ClassifyState(h, v, profile_.thresholds); }
  const Profile& profile() const { return profile_; }
  std::span<const int32_t> pause_ids() const { return pause_ids_; }

  // The decision without drawing: state, action and effective parameters.
  Decision Plan(const StepInput& in) const;
  Decision Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const override;

 private:
  Profile profile_;
  std::vector<int32_t> pause_ids_;
};

}  // namespace entropix
