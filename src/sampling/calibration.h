// Calibration maths: quantiles of recorded signals -> a fitted profile
// (thresholds, adaptive centres, branch gate), the per-signal summary the
// report prints, and how often each state and the branch gate would fire
// (SAMPLER.md section 5). The `calibrate` command (apps/cli) reads the corpus
// and the runtime records the signals (SignalSampleOf, runtime/trace.h);
// this file only does arithmetic.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sampling/policy.h"
#include "sampling/profile.h"

namespace entropix {

// One decode step's signals as recorded for calibration.
struct SignalSample {
  double entropy = 0, varentropy = 0;
  double attn_entropy = 0, attn_varentropy = 0, attn_head_varentropy = 0, agreement = 0,
         interaction_strength = 0;
};

// Which quantile each threshold is set to. Defaults chosen on
// SmolLM2-135M-Instruct's development prompts so that every state fires
// (see docs/SAMPLER_IMPL.md, "Calibration"):
//   low_entropy, medium_entropy, high_entropy: quantiles of H;
//   high_varentropy: quantile of V;
//   low_varentropy: quantile of V among the steps with H > high_entropy.
// The last is conditional because H and V are strongly correlated (0.75 on
// SmolLM2): a marginal low quantile of V almost never co-occurs with a high
// H, so "treading" (uniformly unsure: high H, low V) would never fire. The
// conditional quantile makes it fire on that fraction of the high-entropy
// steps; flowing (H < low_entropy) is then decided by H in practice.
struct CalibrationQuantiles {
  double low_entropy = 0.30;
  double low_varentropy = 0.15;  // conditional on H > high_entropy
  double medium_entropy = 0.60;
  double high_entropy = 0.90;
  double high_varentropy = 0.85;
  double branch_entropy = 0.95;
  double branch_varentropy = 0.90;
};

// Linear interpolation between order statistics; q in [0, 1]. Sorts a copy.
double Quantile(std::vector<double> values, double q);

// The thresholds at the given quantiles of H and V.
EntropixThresholds FitThresholds(const std::vector<SignalSample>& samples, const CalibrationQuantiles& q);

// Steps per state (indexed by State) under `t`.
std::array<int, kNumStates> CountStates(const std::vector<SignalSample>& samples, const EntropixThresholds& t);

// `base` with what calibration fits replaced (samples: at least one):
//  * thresholds: FitThresholds at q;
//  * adaptive centres: the medians of H + V and of attn_entropy +
//    attn_varentropy over the steps the new thresholds classify adaptive, so
//    that the adaptive formulas are centred on this model's typical adaptive
//    step (unchanged from base when no step is adaptive);
//  * branch gate: H at q.branch_entropy, V at q.branch_varentropy (marginal).
// Name, description and fitted_on stay the caller's to set.
Profile FitProfile(const Profile& base, const std::vector<SignalSample>& samples, const CalibrationQuantiles& q);

// Steps on which the branch gate fires: H > gate.entropy and V > gate.varentropy.
int CountBranchFires(const std::vector<SignalSample>& samples, const BranchParams& gate);

// The quantiles the calibration report gives for each signal.
inline constexpr std::array<double, 7> kReportQuantiles = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};

// One signal over all samples: its mean (summed in sample order) and its
// values at kReportQuantiles.
struct SignalSummary {
  const char* name;
  double mean = 0;
  std::array<double, kReportQuantiles.size()> quantiles{};
};
// One per SignalColumns() entry, in that order (samples: at least one).
std::vector<SignalSummary> SummarizeSignals(const std::vector<SignalSample>& samples);

// The names of the signals and a getter, for tables.
struct SignalColumn {
  const char* name;
  double SignalSample::*field;
};
const std::vector<SignalColumn>& SignalColumns();

}  // namespace entropix
