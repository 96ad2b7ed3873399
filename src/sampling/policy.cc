#include "sampling/policy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "sampling/basic_sampler.h"

namespace entropix {

const char* StateName(State s) {
  switch (s) {
    case State::kFixed: return "fixed";
    case State::kFlowing: return "flowing";
    case State::kTreading: return "treading";
    case State::kExploring: return "exploring";
    case State::kResampling: return "resampling";
    case State::kAdaptive: return "adaptive";
  }
  return "?";
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kArgmax: return "argmax";
    case Action::kSample: return "sample";
    case Action::kAdaptive: return "adaptive_sample";
    case Action::kInsert: return "insert";
    case Action::kBranch: return "branch";
  }
  return "?";
}

namespace {

constexpr SamplingParams kArgmaxParams{0.0, 1, 1.0, 0.0};
constexpr int kMaxInt = std::numeric_limits<int>::max();

Decision Draw(Decision d, std::span<const float> logits, CandidateSet& scratch, Rng& rng) {
  if (d.params.temperature <= 0.0) {
    d.action = Action::kArgmax;
    d.params = kArgmaxParams;
    d.token = Argmax(logits);
    return d;
  }
  scratch.Filter(logits, d.params);
  d.token = scratch.Draw(rng);
  // Adaptive: more draws from the same filtered distribution, keep the one
  // with the highest log-probability at T = 1, i.e. the largest raw logit
  // (ties: the earlier draw). The reference ranked with an extra
  // "confidence" term equal for all candidates (its issue #89); dropped.
  for (int i = 1; i < d.n_draws; ++i) {
    const int32_t t = scratch.Draw(rng);
    if (logits[t] > logits[d.token]) d.token = t;
  }
  return d;
}

// Computed parameters: finite coefficients can still overflow (1e308 * 10 is
// inf, inf - inf is NaN). NaN falls back to the base value; the rest is
// clamped to the range the transforms accept.
double Sane(double x, double fallback, double lo, double hi) {
  return std::clamp(std::isnan(x) ? fallback : x, lo, hi);
}
// Clamping in double first: converting an out-of-range double to int is
// undefined behaviour.
int SaneInt(double x, int fallback, int lo, int hi) {
  return static_cast<int>(Sane(x, fallback, lo, hi));
}

bool EndsWith(std::span<const int32_t> seq, std::span<const int32_t> tail) {
  if (tail.empty() || seq.size() < tail.size()) return false;
  return std::equal(tail.begin(), tail.end(), seq.end() - tail.size());
}

}  // namespace

Decision GreedyPolicy::Decide(const StepInput& in, CandidateSet&, Rng&) const {
  Decision d;
  d.token = Argmax(in.logits);
  return d;
}

Decision SamplePolicy::Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const {
  Decision d;
  d.action = Action::kSample;
  d.params = params_;
  return Draw(d, in.logits, scratch, rng);
}

State ClassifyState(double h, double v, const EntropixThresholds& t) {
  if (h < t.low_entropy && v < t.low_varentropy) return State::kFlowing;
  if (h > t.high_entropy && v < t.low_varentropy) return State::kTreading;
  if (h < t.high_entropy && v > t.high_varentropy) return State::kExploring;
  if (h > t.medium_entropy && v > t.high_varentropy) return State::kResampling;
  return State::kAdaptive;
}

EntropixPolicy::EntropixPolicy(const Profile& profile, std::vector<int32_t> pause_ids)
    : profile_(profile), pause_ids_(std::move(pause_ids)) {}

Decision EntropixPolicy::Plan(const StepInput& in) const {
  ENTROPIX_CHECK(in.logit != nullptr);
  const double h = in.logit->entropy_bits, v = in.logit->varentropy_bits;
  AttentionSignals a;
  if (in.attn && in.attn->present) a = *in.attn;
  const SamplingParams& b = profile_.base;
  const EntropixCoefficients& c = profile_.coef;
  Decision d;
  d.state = ClassifyState(h, v, profile_.thresholds);
  d.action = Action::kSample;
  d.params = b;

  const BranchParams& br = profile_.branch;
  if (br.enabled && h > br.entropy && v > br.varentropy && in.branches_taken < br.max_per_response) {
    d.action = Action::kBranch;
    return d;
  }
  switch (d.state) {
    case State::kFixed:
    case State::kFlowing:
      d.action = Action::kArgmax;
      d.params = kArgmaxParams;
      break;
    case State::kTreading:
      if (!pause_ids_.empty() && !EndsWith(in.response, pause_ids_) &&
          in.pauses_inserted < profile_.pause.max_per_response &&
          static_cast<int>(pause_ids_.size()) <= in.tokens_left) {
        d.action = Action::kInsert;
        d.insert = pause_ids_;
        d.token = pause_ids_.front();
        d.params = kArgmaxParams;
      } else {
        d.params.temperature =
            std::min(c.treading_t_max, b.temperature * (c.treading_t_base + c.treading_t_attn_entropy * a.entropy_bits));
      }
      break;
    case State::kExploring:
      d.params.temperature = std::min(
          c.exploring_t_max, b.temperature * (c.exploring_t_base + c.exploring_t_interaction * a.interaction_strength));
      d.params.top_k = SaneInt(std::floor(b.top_k * (1.0 + c.exploring_k_agreement * (1.0 - a.agreement))), b.top_k,
                               c.exploring_k_min, kMaxInt);
      break;
    case State::kResampling:
      d.params.temperature = std::max(
          c.resampling_t_min, b.temperature * (c.resampling_t_base + c.resampling_t_attn_varentropy * a.varentropy_bits));
      d.params.top_p = Sane(b.top_p - c.resampling_p_attn_entropy * a.entropy_bits, b.top_p,
                            std::min(c.resampling_p_min, 1.0), 1.0);
      break;
    case State::kAdaptive: {
      const double hv = h + v - c.adaptive_logit_center;
      d.action = Action::kAdaptive;
      d.params.temperature = b.temperature * (1.0 + c.adaptive_t_logit * hv +
                                              c.adaptive_t_attn * (a.entropy_bits + a.varentropy_bits - c.adaptive_attn_center) -
                                              c.adaptive_t_agreement * a.agreement);
      d.params.top_p = Sane(b.top_p * (1.0 + c.adaptive_p_attn_varentropy * a.varentropy_bits), b.top_p,
                            c.adaptive_p_min, c.adaptive_p_max);
      const double k = std::round(b.top_k * (1.0 + c.adaptive_k_interaction * a.interaction_strength -
                                             c.adaptive_k_agreement * a.agreement));
      d.params.top_k = SaneInt(k, b.top_k, c.adaptive_k_min, c.adaptive_k_max);
      d.params.min_p = Sane(b.min_p * (1.0 - c.adaptive_minp_logit * hv), b.min_p, c.adaptive_minp_min,
                            c.adaptive_minp_max);
      d.n_draws = c.adaptive_samples;
      break;
    }
  }
  if (d.action == Action::kSample || d.action == Action::kAdaptive) {
    const double floor = std::clamp(c.min_temperature, kMinTemperature, kMaxTemperature);
    d.params.temperature = Sane(d.params.temperature, b.temperature, floor, kMaxTemperature);
  }
  return d;
}

Decision EntropixPolicy::Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const {
  Decision d = Plan(in);
  if (d.action == Action::kSample || d.action == Action::kAdaptive) return Draw(d, in.logits, scratch, rng);
  if (d.action == Action::kArgmax) d.token = in.logit->argmax;
  return d;
}

}  // namespace entropix
