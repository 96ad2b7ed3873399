#include "sampling/calibration.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace entropix {

double Quantile(std::vector<double> v, double q) {
  ENTROPIX_CHECK(!v.empty() && q >= 0.0 && q <= 1.0);
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

namespace {
std::vector<double> Column(const std::vector<SignalSample>& s, double SignalSample::*f) {
  std::vector<double> out;
  out.reserve(s.size());
  for (const auto& x : s) out.push_back(x.*f);
  return out;
}
}  // namespace

EntropixThresholds FitThresholds(const std::vector<SignalSample>& s, const CalibrationQuantiles& q) {
  const auto h = Column(s, &SignalSample::entropy);
  const auto v = Column(s, &SignalSample::varentropy);
  EntropixThresholds t;
  t.low_entropy = Quantile(h, q.low_entropy);
  t.medium_entropy = Quantile(h, q.medium_entropy);
  t.high_entropy = Quantile(h, q.high_entropy);
  std::vector<double> v_high;
  for (size_t i = 0; i < s.size(); ++i) {
    if (h[i] > t.high_entropy) v_high.push_back(v[i]);
  }
  t.low_varentropy = Quantile(v_high.empty() ? v : v_high, q.low_varentropy);
  t.high_varentropy = Quantile(v, q.high_varentropy);
  return t;
}

std::array<int, kNumStates> CountStates(const std::vector<SignalSample>& s, const EntropixThresholds& t) {
  std::array<int, kNumStates> n{};
  for (const auto& x : s) ++n[static_cast<int>(ClassifyState(x.entropy, x.varentropy, t))];
  return n;
}

Profile FitProfile(const Profile& base, const std::vector<SignalSample>& s, const CalibrationQuantiles& q) {
  ENTROPIX_CHECK(!s.empty());
  Profile p = base;
  p.thresholds = FitThresholds(s, q);
  std::vector<double> logit_sum, attn_sum;
  for (const auto& x : s) {
    if (ClassifyState(x.entropy, x.varentropy, p.thresholds) != State::kAdaptive) continue;
    logit_sum.push_back(x.entropy + x.varentropy);
    attn_sum.push_back(x.attn_entropy + x.attn_varentropy);
  }
  if (!logit_sum.empty()) {
    p.coef.adaptive_logit_center = Quantile(logit_sum, 0.5);
    p.coef.adaptive_attn_center = Quantile(attn_sum, 0.5);
  }
  p.branch.entropy = Quantile(Column(s, &SignalSample::entropy), q.branch_entropy);
  p.branch.varentropy = Quantile(Column(s, &SignalSample::varentropy), q.branch_varentropy);
  return p;
}

int CountBranchFires(const std::vector<SignalSample>& s, const BranchParams& gate) {
  int n = 0;
  for (const auto& x : s) n += x.entropy > gate.entropy && x.varentropy > gate.varentropy;
  return n;
}

std::vector<SignalSummary> SummarizeSignals(const std::vector<SignalSample>& s) {
  ENTROPIX_CHECK(!s.empty());
  std::vector<SignalSummary> out;
  for (const SignalColumn& col : SignalColumns()) {
    SignalSummary sum;
    sum.name = col.name;
    const std::vector<double> v = Column(s, col.field);
    for (double x : v) sum.mean += x;
    sum.mean /= v.size();
    for (size_t i = 0; i < kReportQuantiles.size(); ++i) sum.quantiles[i] = Quantile(v, kReportQuantiles[i]);
    out.push_back(sum);
  }
  return out;
}

const std::vector<SignalColumn>& SignalColumns() {
  static const std::vector<SignalColumn> kColumns = {
      {"entropy", &SignalSample::entropy},
      {"varentropy", &SignalSample::varentropy},
      {"attn_entropy", &SignalSample::attn_entropy},
      {"attn_varentropy", &SignalSample::attn_varentropy},
      {"attn_head_varentropy", &SignalSample::attn_head_varentropy},
      {"agreement", &SignalSample::agreement},
      {"interaction_strength", &SignalSample::interaction_strength},
  };
  return kColumns;
}

}  // namespace entropix
