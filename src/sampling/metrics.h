// Uncertainty signals of one decode step (SAMPLER.md section 2), in bits.
//
// Logit signals come from one max pass (which also finds the runner-up
// logit, for the top-1/top-2 margin) and one fused pass over the raw logits
// (temperature 1, full vocabulary): no sort, no second exp pass.
// Attention signals are reduced from the per-layer, per-head statistics the
// attention kernel records (model/model.h AttentionStats); this library does
// not depend on the model, so they arrive as plain spans.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "kernels/kernels.h"  // Isa, DetectIsa: the one SIMD dispatcher

namespace entropix {

struct LogitStats {
  double entropy_bits = 0.0;     // H = -sum p log2 p
  double varentropy_bits = 0.0;  // V = sum p (log2 p + H)^2  (bits^2)
  float max_logit = 0.0f;
  double log_z = 0.0;            // natural log of sum exp(l - max_logit)
  int32_t argmax = 0;            // lowest index among the largest logits
  // The runner-up: the largest logit at an index other than argmax (lowest
  // index among ties; equal to max_logit when the maximum is tied). -inf and
  // -1 when there is none (one logit, or every other logit is -inf).
  float second_logit = -INFINITY;
  int32_t second_index = -1;
  // p1 - p2: probability of the argmax minus that of the runner-up, in [0, 1]
  // (CoT-decoding's per-token margin, arXiv 2402.10200). p1 when there is no
  // runner-up.
  double margin = 0.0;

  // Natural-log probability of `logit` under softmax(logits) at temperature 1.
  double LogProb(float logit) const { return static_cast<double>(logit) - max_logit - log_z; }
};

// H and V of softmax(logits). Internally: m = max, x_i = l_i - m,
// Z = sum e^x, H_nats = ln Z - E[x], V_nats = Var[x], where the expectation
// is under p; exponentials in float (about 1 ulp), sums in double.
// Logits of -inf (or below max - 87) count as probability ~1e-38.
// Runs at the kernel level DetectIsa() picks (ENTROPIX_ISA caps it, as for
// the forward pass): the x86 levels avx2/avx512 run AVX2 passes, every other
// level the portable ones. The portable version is the specification; every
// level gives bit-identical results (tested for each of AvailableIsas()).
LogitStats ComputeLogitStats(std::span<const float> logits);
LogitStats ComputeLogitStats(std::span<const float> logits, Isa isa);
LogitStats ComputeLogitStatsPortable(std::span<const float> logits);

// Throws Error(kCorruptFile, "non-finite logits (corrupt weights?) ...") when a
// logit is NaN or +inf, or -inf unless allow_minus_inf (a masked logit, which
// the transforms accept). One vectorised pass over the bit patterns: the
// session runs it on every forward's logits (microseconds against
// milliseconds per step).
void CheckFiniteLogits(std::span<const float> logits, bool allow_minus_inf = false);

// Which layers the attention signals are read from.
struct AttentionLayerChoice {
  bool mean_over_layers = false;
  int layer = -1;  // with !mean_over_layers: index, negative counts from the end (-1 = last)
};

// The attention statistics of the last query position as the model records
// them. Shapes: entropy_bits, varentropy_bits, mean_abs_score [n_layers][n_heads];
// agreement [n_layers].
struct AttentionStatsView {
  int n_layers = 0;
  int n_heads = 0;
  std::span<const float> entropy_bits;
  std::span<const float> varentropy_bits;
  std::span<const float> mean_abs_score;
  std::span<const float> agreement;
};

struct AttentionSignals {
  bool present = false;
  double entropy_bits = 0.0;       // mean over heads of each head's entropy
  double varentropy_bits = 0.0;    // population variance ACROSS heads of those entropies
                                   // (what the reference calls attention varentropy)
  double head_varentropy_bits = 0.0;  // mean over heads of each head's own varentropy
  double agreement = 0.0;          // mean |p_h(j) - mean_h p(j)|: grows with DISagreement
  double interaction_strength = 0.0;  // mean |q.k/sqrt(d)| over heads and valid positions
};

// Per-layer signals, then averaged over layers when mean_over_layers.
AttentionSignals ComputeAttentionSignals(const AttentionStatsView& stats,
                                         const AttentionLayerChoice& choice);

}  // namespace entropix
