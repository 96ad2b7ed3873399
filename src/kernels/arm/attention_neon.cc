// AArch64 attention kernels: dot_rows and exp_sum with exactly the scalar
// reference's arithmetic (reference/attention.cc): 16 lane partials as four
// float32x4 (lanes 0-3, 4-7, 8-11, 12-15), the first step a rounded
// multiply, then fused multiply-adds (vfmaq = fma), the tail padded with
// zeros as the reference's fma(0, 0, p); the same reduction tree. The
// polynomial exp is the reference's step for step (vrndnq = nearbyint in
// the default rounding mode), so the bits are the same on every ISA.
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "kernels/arm/arm_kernels.h"
#include "kernels/attention_order.h"

namespace entropix::neon_attention {
namespace {

using namespace attention;

// a_l = p_l + p_{l+8}, b_l = a_l + a_{l+4}, (b_0 + b_2) + (b_1 + b_3).
float LaneTree(const float32x4_t p[4]) {
  const float32x4_t a0 = vaddq_f32(p[0], p[2]);  // a_0..a_3
  const float32x4_t a1 = vaddq_f32(p[1], p[3]);  // a_4..a_7
  const float32x4_t b = vaddq_f32(a0, a1);
  return (vgetq_lane_f32(b, 0) + vgetq_lane_f32(b, 2)) +
         (vgetq_lane_f32(b, 1) + vgetq_lane_f32(b, 3));
}

float RowDot(const float* q, const float* row, int64_t n) {
  float32x4_t p[4];
  if (n >= kLanes) {
    for (int k = 0; k < 4; ++k) p[k] = vmulq_f32(vld1q_f32(q + 4 * k), vld1q_f32(row + 4 * k));
  } else {
    float qa[kLanes] = {}, ka[kLanes] = {};
    std::memcpy(qa, q, n * sizeof(float));
    std::memcpy(ka, row, n * sizeof(float));
    for (int k = 0; k < 4; ++k) p[k] = vmulq_f32(vld1q_f32(qa + 4 * k), vld1q_f32(ka + 4 * k));
    return LaneTree(p);
  }
  int64_t c = kLanes;
  for (; c + kLanes <= n; c += kLanes) {
    for (int k = 0; k < 4; ++k) {
      p[k] = vfmaq_f32(p[k], vld1q_f32(q + c + 4 * k), vld1q_f32(row + c + 4 * k));
    }
  }
  if (c < n) {  // zeros past n: fma(0, 0, p), as the reference
    float qa[kLanes] = {}, ka[kLanes] = {};
    std::memcpy(qa, q + c, (n - c) * sizeof(float));
    std::memcpy(ka, row + c, (n - c) * sizeof(float));
    for (int k = 0; k < 4; ++k) p[k] = vfmaq_f32(p[k], vld1q_f32(qa + 4 * k), vld1q_f32(ka + 4 * k));
  }
  return LaneTree(p);
}

// The reference's ExpRef on four lanes.
float32x4_t Exp4(float32x4_t x) {
  const uint32x4_t nan = vmvnq_u32(vceqq_f32(x, x));
  const uint32x4_t under = vcltq_f32(x, vdupq_n_f32(kExpMin));
  x = vminq_f32(x, vdupq_n_f32(kExpMax));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(kLog2e)));
  float32x4_t r = vfmaq_f32(x, n, vdupq_n_f32(-kLn2Hi));
  r = vfmaq_f32(r, n, vdupq_n_f32(-kLn2Lo));
  float32x4_t y = vdupq_n_f32(kExpC[5]);
  for (int i = 4; i >= 0; --i) y = vfmaq_f32(vdupq_n_f32(kExpC[i]), y, r);
  y = vfmaq_f32(r, y, vmulq_f32(r, r));
  y = vaddq_f32(y, vdupq_n_f32(1.0f));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  float32x4_t out = vmulq_f32(y, vreinterpretq_f32_s32(e));
  out = vbslq_f32(under, vdupq_n_f32(0.0f), out);
  return vbslq_f32(nan, x, out);
}

}  // namespace
}  // namespace entropix::neon_attention

namespace entropix {

float DotRowsNeon(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                  float scale, float* out) {
  float max = -INFINITY;
  for (int64_t r = 0; r < n_rows; ++r) {
    out[r] = neon_attention::RowDot(q, k + static_cast<size_t>(r) * k_stride, n) * scale;
    max = out[r] > max ? out[r] : max;
  }
  return max;
}

float ExpSumNeon(float* p, int64_t n, float max) {
  using attention::kLanes;
  float32x4_t s[4];
  for (int k = 0; k < 4; ++k) s[k] = vdupq_n_f32(0.0f);
  const float32x4_t m = vdupq_n_f32(max);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int k = 0; k < 4; ++k) {
      const float32x4_t e = neon_attention::Exp4(vsubq_f32(vld1q_f32(p + j + 4 * k), m));
      vst1q_f32(p + j + 4 * k, e);
      s[k] = vaddq_f32(s[k], e);
    }
  }
  if (j < n) {  // the tail: lanes j % 16 < n - j only
    float tail[kLanes] = {}, sum[kLanes];
    std::memcpy(tail, p + j, (n - j) * sizeof(float));
    for (int k = 0; k < 4; ++k) {
      vst1q_f32(tail + 4 * k, neon_attention::Exp4(vsubq_f32(vld1q_f32(tail + 4 * k), m)));
      vst1q_f32(sum + 4 * k, s[k]);
    }
    for (int64_t l = 0; l < n - j; ++l) sum[l] += tail[l];
    std::memcpy(p + j, tail, (n - j) * sizeof(float));
    for (int k = 0; k < 4; ++k) s[k] = vld1q_f32(sum + 4 * k);
  }
  return neon_attention::LaneTree(s);
}

}  // namespace entropix
