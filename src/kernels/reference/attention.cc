// Scalar attention kernels: the specification of KernelTable::dot_rows and
// ::exp_sum (kernels.h). Every step is written out (products, fused
// multiply-adds, the reduction tree) so the SIMD versions can match it bit
// for bit.
#include <cmath>
#include <cstring>

#include "kernels/attention_order.h"
#include "kernels/reference/reference.h"

namespace entropix {
namespace {

using attention::kLanes;

// a_l = p_l + p_{l+8}, b_l = a_l + a_{l+4}, c_l = b_l + b_{l+2}, c_0 + c_1.
float LaneTree(const float* p) {
  float a[8], b[4];
  for (int l = 0; l < 8; ++l) a[l] = p[l] + p[l + 8];
  for (int l = 0; l < 4; ++l) b[l] = a[l] + a[l + 4];
  return (b[0] + b[2]) + (b[1] + b[3]);
}

// The 2^n factor as float bits (n in [-126, 127]).
float Pow2(int n) {
  const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

float ExpRef(float x) {
  using namespace attention;
  if (x != x) return x;  // NaN stays NaN (corrupt input is caught downstream)
  if (x < kExpMin) return 0.0f;
  if (x > kExpMax) x = kExpMax;
  const float n = std::nearbyint(x * kLog2e);
  float r = std::fma(n, -kLn2Hi, x);
  r = std::fma(n, -kLn2Lo, r);
  float y = kExpC[5];
  for (int i = 4; i >= 0; --i) y = std::fma(y, r, kExpC[i]);
  y = std::fma(y, r * r, r);
  y = y + 1.0f;
  return y * Pow2(static_cast<int>(n));
}

float DotRowsRef(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                 float scale, float* out) {
  float max = -INFINITY;
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* row = k + static_cast<size_t>(r) * k_stride;
    float p[kLanes];
    for (int l = 0; l < kLanes; ++l) p[l] = l < n ? q[l] * row[l] : 0.0f;
    for (int64_t c = kLanes; c < n; c += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        const bool in = c + l < n;
        p[l] = std::fma(in ? q[c + l] : 0.0f, in ? row[c + l] : 0.0f, p[l]);
      }
    }
    out[r] = LaneTree(p) * scale;
    max = out[r] > max ? out[r] : max;
  }
  return max;
}

float ExpSumRef(float* p, int64_t n, float max) {
  float s[kLanes] = {};
  for (int64_t j = 0; j < n; ++j) {
    p[j] = ExpRef(p[j] - max);
    s[j % kLanes] += p[j];
  }
  return LaneTree(s);
}

}  // namespace entropix
