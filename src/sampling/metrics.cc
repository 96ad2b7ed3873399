#include "sampling/metrics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/error.h"

namespace entropix {

namespace {

// exp(x) for x in [-87, 0] in float, branch-free so that the loops below
// vectorise: Cody-Waite reduction x = n ln2 + r, a degree-6 polynomial for
// e^r (the Cephes expf coefficients, about 1 ulp), and 2^n from the exponent
// bits. Rounding to the nearest n uses the 1.5 * 2^23 trick (exact here).
inline float ExpNonPositive(float x) {
  x = std::max(x, -87.0f);
  const float t = x * 1.44269504088896341f;
  const float n = (t + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  return y * std::bit_cast<float>(bits);
}

constexpr int kLanes = 8;

// The passes below exist twice: portable C++ (the specification) and AVX2
// intrinsics that perform the same float and double operations in the same
// order (no FMA; ISO C++ mode does not contract either), so both give
// bit-identical results. Lane k handles indices i with i % 8 == k.

// Pass 1: max and the lowest index holding it, and the runner-up: the
// largest logit at any other index (lowest index among ties), which gives
// the top-1/top-2 margin without another pass. Each lane keeps its own two
// best (value, index) pairs in index order; the global runner-up is among
// the lanes' two best, so the reduction below sees it.
struct Top2 {
  float max;
  size_t arg;
  float second;        // -inf when there is none (one logit, or all others -inf)
  int64_t second_arg;  // -1 when there is none
};

void ReduceArgmax(const float* m, const int32_t* idx, const float* l, size_t i, size_t n,
                  float* max_out, size_t* arg_out) {
  float best = -INFINITY;
  size_t arg = 0;
  bool found = false;
  for (int k = 0; k < kLanes; ++k) {
    if (idx[k] < 0) continue;
    if (!found || m[k] > best || (m[k] == best && static_cast<size_t>(idx[k]) < arg)) {
      best = m[k];
      arg = idx[k];
      found = true;
    }
  }
  for (; i < n; ++i) {
    if (!found || l[i] > best) {
      best = l[i];
      arg = i;
      found = true;
    }
  }
  *max_out = best;
  *arg_out = arg;
}

// m1/i1: each lane's best; m2/i2: each lane's runner-up; l[i, n): the tail
// the lanes did not cover.
void ReduceTop2(const float* m1, const int32_t* i1, const float* m2, const int32_t* i2, const float* l,
                size_t i, size_t n, Top2* out) {
  ReduceArgmax(m1, i1, l, i, n, &out->max, &out->arg);
  float s = -INFINITY;
  int64_t sa = -1;
  const int64_t arg = static_cast<int64_t>(out->arg);
  auto offer = [&](float v, int64_t j) {
    if (j < 0 || j == arg || v == -INFINITY) return;
    if (sa < 0 || v > s || (v == s && j < sa)) {
      s = v;
      sa = j;
    }
  };
  for (int k = 0; k < kLanes; ++k) {
    offer(m1[k], i1[k]);
    offer(m2[k], i2[k]);
  }
  for (; i < n; ++i) offer(l[i], static_cast<int64_t>(i));
  out->second = s;
  out->second_arg = sa;
}

void Top2Portable(const float* l, size_t n, Top2* out) {
  float m1[kLanes], m2[kLanes];
  int32_t i1[kLanes], i2[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    m1[k] = m2[k] = -INFINITY;
    i1[k] = i2[k] = -1;
  }
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      const float v = l[i + k];
      const int32_t j = static_cast<int32_t>(i + k);
      if (v > m1[k]) {
        m2[k] = m1[k];
        i2[k] = i1[k];
        m1[k] = v;
        i1[k] = j;
      } else if (v > m2[k]) {
        m2[k] = v;
        i2[k] = j;
      }
    }
  }
  ReduceTop2(m1, i1, m2, i2, l, i, n, out);
}

void ReduceMoments(const double* z, const double* s1, const double* s2, double* out3) {
  double zt = 0, s1t = 0, s2t = 0;
  for (int k = 0; k < kLanes; ++k) {
    zt += z[k];
    s1t += s1[k];
    s2t += s2[k];
  }
  out3[0] = zt;
  out3[1] = s1t;
  out3[2] = s2t;
}

inline void AccumulateOne(float l, float max, double* z, double* s1, double* s2) {
  const float x = std::max(l - max, -87.0f);  // -inf logits: e ~ 0, no 0 * inf
  const double e = ExpNonPositive(x);
  const double xd = x;
  const double ex = e * xd;
  *z += e;
  *s1 += ex;
  *s2 += ex * xd;
}

// Pass 2, fused: Z = sum e^x, S1 = sum e^x x, S2 = sum e^x x^2 with
// x = l - max <= 0, accumulated in double.
void FusedMomentsPortable(const float* l, size_t n, float max, double* out3) {
  double z[kLanes] = {}, s1[kLanes] = {}, s2[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) AccumulateOne(l[i + k], max, &z[k], &s1[k], &s2[k]);
  }
  for (; i < n; ++i) AccumulateOne(l[i], max, &z[0], &s1[0], &s2[0]);
  ReduceMoments(z, s1, s2, out3);
}

#if defined(__x86_64__)
// Per-lane select of integer lanes: b where mask is set, else a.
__attribute__((target("avx2"))) inline __m256i BlendIndex(__m256i a, __m256i b, __m256 mask) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), mask));
}

__attribute__((target("avx2"))) void Top2Avx2(const float* l, size_t n, Top2* out) {
  __m256 m1 = _mm256_set1_ps(-INFINITY), m2 = m1;
  __m256i i1 = _mm256_set1_epi32(-1), i2 = i1;
  __m256i cur = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i step = _mm256_set1_epi32(kLanes);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m256 v = _mm256_loadu_ps(l + i);
    const __m256 gt1 = _mm256_cmp_ps(v, m1, _CMP_GT_OQ);
    const __m256 gt2 = _mm256_cmp_ps(v, m2, _CMP_GT_OQ);
    // Runner-up: the old best when v beats it, else v when v beats the runner-up.
    m2 = _mm256_blendv_ps(_mm256_blendv_ps(m2, v, gt2), m1, gt1);
    i2 = BlendIndex(BlendIndex(i2, cur, gt2), i1, gt1);
    m1 = _mm256_blendv_ps(m1, v, gt1);
    i1 = BlendIndex(i1, cur, gt1);
    cur = _mm256_add_epi32(cur, step);
  }
  alignas(32) float mm1[kLanes], mm2[kLanes];
  alignas(32) int32_t ii1[kLanes], ii2[kLanes];
  _mm256_store_ps(mm1, m1);
  _mm256_store_ps(mm2, m2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(ii1), i1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(ii2), i2);
  ReduceTop2(mm1, ii1, mm2, ii2, l, i, n, out);
}

__attribute__((target("avx2"))) void FusedMomentsAvx2(const float* l, size_t n, float max, double* out3) {
  const __m256 vmax = _mm256_set1_ps(max), lo = _mm256_set1_ps(-87.0f);
  const __m256 log2e = _mm256_set1_ps(1.44269504088896341f), magic = _mm256_set1_ps(12582912.0f);
  const __m256 c1 = _mm256_set1_ps(0.693359375f), c2 = _mm256_set1_ps(-2.12194440e-4f);
  const __m256 p0 = _mm256_set1_ps(1.9875691500e-4f), p1 = _mm256_set1_ps(1.3981999507e-3f),
               p2 = _mm256_set1_ps(8.3334519073e-3f), p3 = _mm256_set1_ps(4.1665795894e-2f),
               p4 = _mm256_set1_ps(1.6666665459e-1f), p5 = _mm256_set1_ps(5.0000001201e-1f),
               one = _mm256_set1_ps(1.0f);
  const __m256i bias = _mm256_set1_epi32(127);
  __m256d z0 = _mm256_setzero_pd(), z1 = z0, a0 = z0, a1 = z0, b0 = z0, b1 = z0;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    // x = max(l - max, -87): the operand order of max_ps matches std::max(x, -87) for non-NaN x.
    const __m256 x = _mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(l + i), vmax), lo);
    const __m256 t = _mm256_mul_ps(x, log2e);
    const __m256 nn = _mm256_sub_ps(_mm256_add_ps(t, magic), magic);
    const __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(nn, c1)), _mm256_mul_ps(nn, c2));
    __m256 y = p0;
    y = _mm256_add_ps(_mm256_mul_ps(y, r), p1);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), p2);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), p3);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), p4);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), p5);
    y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(y, r), r), r), one);
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(nn), bias), 23);
    const __m256 e = _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
    const __m256d e0 = _mm256_cvtps_pd(_mm256_castps256_ps128(e)), e1 = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));
    const __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    const __m256d ex0 = _mm256_mul_pd(e0, x0), ex1 = _mm256_mul_pd(e1, x1);
    z0 = _mm256_add_pd(z0, e0);
    z1 = _mm256_add_pd(z1, e1);
    a0 = _mm256_add_pd(a0, ex0);
    a1 = _mm256_add_pd(a1, ex1);
    b0 = _mm256_add_pd(b0, _mm256_mul_pd(ex0, x0));
    b1 = _mm256_add_pd(b1, _mm256_mul_pd(ex1, x1));
  }
  alignas(32) double z[kLanes], s1[kLanes], s2[kLanes];
  _mm256_store_pd(z, z0);
  _mm256_store_pd(z + 4, z1);
  _mm256_store_pd(s1, a0);
  _mm256_store_pd(s1 + 4, a1);
  _mm256_store_pd(s2, b0);
  _mm256_store_pd(s2 + 4, b1);
  for (; i < n; ++i) AccumulateOne(l[i], max, &z[0], &s1[0], &s2[0]);
  ReduceMoments(z, s1, s2, out3);
}

// The AVX2 passes at the x86 kernel levels that include AVX2 (the table's
// CPU check covers it); the portable ones everywhere else.
bool UsesAvx2(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512; }
#endif

void FindTop2(Isa isa, const float* l, size_t n, Top2* out) {
#if defined(__x86_64__)
  if (UsesAvx2(isa)) return Top2Avx2(l, n, out);
#endif
  Top2Portable(l, n, out);
}

void FusedMoments(Isa isa, const float* l, size_t n, float max, double* out3) {
#if defined(__x86_64__)
  if (UsesAvx2(isa)) return FusedMomentsAvx2(l, n, max, out3);
#endif
  FusedMomentsPortable(l, n, max, out3);
}

}  // namespace

namespace {

LogitStats StatsFromMoments(const Top2& top, const double* m) {
  const float max = top.max;
  const double mean_x = m[1] / m[0];
  const double mean_x2 = m[2] / m[0];
  const double log_z = std::log(m[0]);
  constexpr double kLn2 = std::numbers::ln2;
  LogitStats s;
  s.max_logit = max;
  s.argmax = static_cast<int32_t>(top.arg);
  s.log_z = log_z;
  s.second_logit = top.second;
  s.second_index = static_cast<int32_t>(top.second_arg);
  // p1 - p2 from the same Z: both terms go through LogProb, so a tie for the
  // maximum gives exactly 0.
  const double p1 = std::exp(s.LogProb(max));
  s.margin = top.second_arg < 0 ? p1 : p1 - std::exp(s.LogProb(top.second));
  // H_nats = ln Z - E[x]; V_nats = E[x^2] - E[x]^2 (variance of the surprisal).
  s.entropy_bits = std::max(0.0, (log_z - mean_x) / kLn2);
  s.varentropy_bits = std::max(0.0, (mean_x2 - mean_x * mean_x) / (kLn2 * kLn2));
  return s;
}

}  // namespace

void CheckFiniteLogits(std::span<const float> logits, bool allow_minus_inf) {
  // Exponent bits all ones: NaN or +-inf. Two counts of integer compares,
  // which the compiler vectorises even for baseline SSE2.
  constexpr uint32_t kExponent = 0x7f800000u, kMinusInf = 0xff800000u;
  uint32_t non_finite = 0, minus_inf = 0;
  for (const float x : logits) {
    const uint32_t bits = std::bit_cast<uint32_t>(x);
    non_finite += (bits & kExponent) == kExponent;
    minus_inf += bits == kMinusInf;
  }
  if (non_finite == 0 || (allow_minus_inf && non_finite == minus_inf)) return;
  throw Error(ErrorCode::kCorruptFile,
              "non-finite logits (corrupt weights?): the model computed NaN or infinity; the model file "
              "is probably damaged (check it with `entropix inspect`, or download it again)");
}

LogitStats ComputeLogitStats(std::span<const float> logits, Isa isa) {
  ENTROPIX_CHECK(!logits.empty());
  Top2 top;
  FindTop2(isa, logits.data(), logits.size(), &top);
  double m[3];
  FusedMoments(isa, logits.data(), logits.size(), top.max, m);
  return StatsFromMoments(top, m);
}

LogitStats ComputeLogitStats(std::span<const float> logits) {
  static const Isa isa = DetectIsa();  // once, as GetKernels()
  return ComputeLogitStats(logits, isa);
}

LogitStats ComputeLogitStatsPortable(std::span<const float> logits) {
  ENTROPIX_CHECK(!logits.empty());
  Top2 top;
  Top2Portable(logits.data(), logits.size(), &top);
  double m[3];
  FusedMomentsPortable(logits.data(), logits.size(), top.max, m);
  return StatsFromMoments(top, m);
}

AttentionSignals ComputeAttentionSignals(const AttentionStatsView& st,
                                         const AttentionLayerChoice& choice) {
  AttentionSignals out;
  if (st.n_layers <= 0 || st.n_heads <= 0) return out;
  const size_t lh = static_cast<size_t>(st.n_layers) * st.n_heads;
  ENTROPIX_CHECK(st.entropy_bits.size() >= lh && st.varentropy_bits.size() >= lh &&
                 st.mean_abs_score.size() >= lh &&
                 st.agreement.size() >= static_cast<size_t>(st.n_layers));
  int first = 0, last = st.n_layers;
  if (!choice.mean_over_layers) {
    int l = choice.layer < 0 ? st.n_layers + choice.layer : choice.layer;
    l = std::clamp(l, 0, st.n_layers - 1);
    first = l;
    last = l + 1;
  }
  const double heads = st.n_heads;
  for (int l = first; l < last; ++l) {
    const size_t base = static_cast<size_t>(l) * st.n_heads;
    double mean_h = 0.0, mean_v = 0.0, mean_s = 0.0;
    for (int h = 0; h < st.n_heads; ++h) {
      mean_h += st.entropy_bits[base + h];
      mean_v += st.varentropy_bits[base + h];
      mean_s += st.mean_abs_score[base + h];
    }
    mean_h /= heads;
    double var_h = 0.0;
    for (int h = 0; h < st.n_heads; ++h) {
      const double d = st.entropy_bits[base + h] - mean_h;
      var_h += d * d;
    }
    out.entropy_bits += mean_h;
    out.varentropy_bits += var_h / heads;
    out.head_varentropy_bits += mean_v / heads;
    out.interaction_strength += mean_s / heads;
    out.agreement += st.agreement[l];
  }
  const double layers = last - first;
  out.entropy_bits /= layers;
  out.varentropy_bits /= layers;
  out.head_varentropy_bits /= layers;
  out.interaction_strength /= layers;
  out.agreement /= layers;
  out.present = true;
  return out;
}

}  // namespace entropix
