// Fuzz target for sampler profiles: parse arbitrary bytes as a profile JSON
// and, if accepted, (1) save and reload it, which must succeed and give the
// same file, and (2) run the entropix policy built from it on synthetic steps
// (ordinary, flat, extreme and non-finite logits; signals that reach every
// state, huge and NaN ones), rolling out branches through a fake host when
// the profile branches. A crash, a sanitizer report, an abort or any
// exception other than entropix::Error is a bug; so is a decision naming a
// token outside the vocabulary.
//
// Seeds: tests/fuzz/corpus/profile_fuzz/. How to run: docs/SECURITY.md.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sampling/branching.h"
#include "sampling/metrics.h"
#include "sampling/policy.h"
#include "sampling/profile.h"

namespace {

using namespace entropix;

constexpr int kVocab = 64;
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<std::vector<float>> SyntheticLogits() {
  std::vector<std::vector<float>> out;
  std::vector<float> ramp(kVocab), flat(kVocab, 1.5f), extreme(kVocab), masked(kVocab, -kInf), tiny(kVocab);
  for (int i = 0; i < kVocab; ++i) {
    ramp[i] = -0.05f * static_cast<float>(i);
    extreme[i] = i % 3 == 0 ? FLT_MAX : (i % 3 == 1 ? -FLT_MAX : 1e30f);
    tiny[i] = static_cast<float>(i) * FLT_TRUE_MIN;
  }
  masked[5] = 2.0f;
  masked[9] = 1.0f;
  out = {ramp, flat, extreme, masked, tiny};
  std::vector<float> nan = ramp, inf = ramp;
  nan[7] = kNan;
  inf[3] = kInf;
  out.push_back(nan);
  out.push_back(inf);
  return out;
}

const std::vector<std::vector<float>>& Logits() {
  static const auto* logits = new std::vector<std::vector<float>>(SyntheticLogits());
  return *logits;
}

// Rollouts cycle through the synthetic logits; token 0 ends, token 3 delimits.
class FakeHost final : public BranchHost {
 public:
  std::span<const float> Step(int32_t token) override {
    Check(token);
    return Logits()[(steps_++ + token) % Logits().size()];
  }
  void Rewind() override {}
  void KeepAsBest() override {}
  void CommitBest(bool) override {}
  bool IsEnd(int32_t token) const override { return token == 0; }
  bool IsDelimiter(int32_t token) const override { return token == 3; }
  static void Check(int32_t token) {
    if (token < 0 || token >= kVocab) __builtin_trap();
  }

 private:
  size_t steps_ = 0;
};

void RunSteps(const Profile& profile) {
  const std::vector<int32_t> pause = {1, 2};
  const EntropixPolicy policy(profile, pause);
  CandidateSet scratch;
  Rng rng(1);
  const double nan = std::nan("");
  const double signals[][2] = {{0.05, 0.05}, {6.0, 0.05}, {2.0, 6.0}, {6.0, 6.0}, {1.0, 1.5},
                               {0.0, 0.0},   {1e300, 1e300}, {nan, nan}};
  AttentionSignals attn[3];
  attn[1] = {true, 1.5, 0.4, 0.3, 0.2, 2.0};
  attn[2] = {true, 1e300, -1e300, nan, 1e300, nan};
  const std::vector<int32_t> response = {1, 2};
  for (const std::vector<float>& logits : Logits()) {
    LogitStats computed = ComputeLogitStats(logits);
    for (const auto& hv : signals) {
      for (const AttentionSignals& a : attn) {
        LogitStats ls = computed;
        ls.entropy_bits = hv[0];
        ls.varentropy_bits = hv[1];
        StepInput in;
        in.logits = logits;
        in.logit = &ls;
        in.attn = &a;
        in.response = response;
        try {
          const Decision d = policy.Decide(in, scratch, rng);
          if (d.action == Action::kInsert) {
            for (int32_t t : d.insert) FakeHost::Check(t);
          } else if (d.action == Action::kBranch) {
            FakeHost host;
            const BranchParams& bp = *policy.branching();
            RunBranches(logits, ls, policy.base_params(), bp, std::min(bp.max_tokens, 8), host, scratch, rng);
          } else {
            FakeHost::Check(d.token);
          }
        } catch (const Error&) {
          // Non-finite logits are rejected with an Error: the expected outcome.
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Profile profile;
  try {
    profile = ParseProfile(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const Error&) {
    return 0;  // rejecting bad input is the expected outcome
  }
  // What was accepted must save and load again, unchanged.
  const std::string saved = ProfileToJson(profile);
  if (ProfileToJson(ParseProfile(saved, "saved.json")) != saved) __builtin_trap();
  RunSteps(profile);
  return 0;
}
