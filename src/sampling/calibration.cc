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
