// The float-activation path on AArch64 (ActPrecision::kF32): each weight
// block's integer values are widened to float in registers and dotted with
// x by fused multiply-adds into 4-lane partials, which are scaled per block
// (sub-block for the K-quants) into a 4-lane row accumulator; the min/offset
// terms (m * S_b, dmin * m_j * S_j) are summed in a scalar float. The
// reference does all of this in double; the tests bound the difference
// (tests/unit/kernels/f32act_test.cc). matmul runs matvec per activation
// over tiles of rows, so it equals matvec bit for bit.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/arm_kernels.h"
#include "kernels/blocks.h"
#include "kernels/reference/reference.h"

namespace entropix::neon_f32act {
namespace {

float HalfToFloat(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

// acc + sum over the 16 int8 values v_j * x_j, in 4 lanes.
float32x4_t Fma16(float32x4_t acc, int8x16_t v, const float* x) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_high_s8(v);
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), vld1q_f32(x));
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_high_s16(lo)), vld1q_f32(x + 4));
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), vld1q_f32(x + 8));
  return vfmaq_f32(acc, vcvtq_f32_s32(vmovl_high_s16(hi)), vld1q_f32(x + 12));
}

// Integer values of a 32-element block, offset removed (as neon_int.inc).
void Values(const uint8_t* qs, const uint8_t* qh_bytes, int offset, int8x16_t* lo, int8x16_t* hi) {
  const uint8x16_t q = vld1q_u8(qs);
  uint8x16_t l = vandq_u8(q, vdupq_n_u8(0x0F)), h = vshrq_n_u8(q, 4);
  if (qh_bytes != nullptr) {
    uint32_t qh;
    std::memcpy(&qh, qh_bytes, 4);
    const uint8x16_t bytes = vreinterpretq_u8_u32(vdupq_n_u32(qh));
    static const uint8_t kLo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t kHi[16] = {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
    static const uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t bit = vld1q_u8(kBit), ten = vdupq_n_u8(0x10);
    l = vorrq_u8(l, vandq_u8(vtstq_u8(vqtbl1q_u8(bytes, vld1q_u8(kLo)), bit), ten));
    h = vorrq_u8(h, vandq_u8(vtstq_u8(vqtbl1q_u8(bytes, vld1q_u8(kHi)), bit), ten));
  }
  *lo = vsubq_s8(vreinterpretq_s8_u8(l), vdupq_n_s8(static_cast<int8_t>(offset)));
  *hi = vsubq_s8(vreinterpretq_s8_u8(h), vdupq_n_s8(static_cast<int8_t>(offset)));
}

// Q4_0/Q4_1/Q5_0/Q5_1: d * sum v_j x_j [+ m * S_b] per block.
template <typename Block, bool kFive, bool kMin>
float Row32(const Block* x, const float* a, const float* sums, int64_t nb, int offset) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  float msum = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&x[i]);
    int8x16_t lo, hi;
    Values(x[i].qs, kFive ? b + (kMin ? 4 : 2) : nullptr, offset, &lo, &hi);
    float32x4_t p = Fma16(vdupq_n_f32(0.0f), lo, a + kQk * i);
    p = Fma16(p, hi, a + kQk * i + 16);
    uint16_t d;
    std::memcpy(&d, b, 2);
    acc = vfmaq_n_f32(acc, p, HalfToFloat(d));
    if constexpr (kMin) {
      uint16_t m;
      std::memcpy(&m, b + 2, 2);
      msum += HalfToFloat(m) * sums[i];
    }
  }
  return vaddvq_f32(acc) + msum;
}

float RowQ8_0(const BlockQ8_0* x, const float* a, int64_t nb) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < nb; ++i) {
    float32x4_t p = Fma16(vdupq_n_f32(0.0f), vld1q_s8(x[i].qs), a + kQk * i);
    p = Fma16(p, vld1q_s8(x[i].qs + 16), a + kQk * i + 16);
    acc = vfmaq_n_f32(acc, p, HalfToFloat(x[i].d));
  }
  return vaddvq_f32(acc);
}

void ScalesMins(const uint8_t* q, int sc[8], int m[8]) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = q[j] & 63;
    m[j] = q[j + 4] & 63;
    sc[j + 4] = (q[j + 8] & 0xF) | ((q[j] >> 6) << 4);
    m[j + 4] = (q[j + 8] >> 4) | ((q[j + 4] >> 6) << 4);
  }
}

// Q4_K/Q5_K: sub-block j: (d * sc_j) * sum q x - (dmin * m_j) * S_j.
template <bool kFiveBit, typename Block>
float RowQ45K(const Block* x, const float* a, const float* sums, int64_t nb) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F), one = vdupq_n_u8(1);
  float32x4_t acc = vdupq_n_f32(0.0f);
  float msum = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    const float* ab = a + kQkK * i;
    int sc[8], m[8];
    ScalesMins(x[i].scales, sc, m);
    const float d = HalfToFloat(x[i].d), dmin = HalfToFloat(x[i].dmin);
    for (int k = 0; k < 4; ++k) {
      float32x4_t p0 = vdupq_n_f32(0.0f), p1 = vdupq_n_f32(0.0f);
      for (int h = 0; h < 2; ++h) {
        const uint8x16_t q = vld1q_u8(x[i].qs + 32 * k + 16 * h);
        uint8x16_t lo = vandq_u8(q, low4), hi = vshrq_n_u8(q, 4);
        if constexpr (kFiveBit) {
          const uint8x16_t b = vld1q_u8(x[i].qh + 16 * h);
          lo = vorrq_u8(lo, vshlq_n_u8(vandq_u8(vshlq_u8(b, vdupq_n_s8(-2 * k)), one), 4));
          hi = vorrq_u8(hi, vshlq_n_u8(vandq_u8(vshlq_u8(b, vdupq_n_s8(-2 * k - 1)), one), 4));
        }
        p0 = Fma16(p0, vreinterpretq_s8_u8(lo), ab + 64 * k + 16 * h);
        p1 = Fma16(p1, vreinterpretq_s8_u8(hi), ab + 64 * k + 32 + 16 * h);
      }
      acc = vfmaq_n_f32(acc, p0, d * static_cast<float>(sc[2 * k]));
      acc = vfmaq_n_f32(acc, p1, d * static_cast<float>(sc[2 * k + 1]));
      msum += (dmin * static_cast<float>(m[2 * k])) * sums[8 * i + 2 * k] +
              (dmin * static_cast<float>(m[2 * k + 1])) * sums[8 * i + 2 * k + 1];
    }
  }
  return vaddvq_f32(acc) - msum;
}

// Q6_K: sub-block s of 16: (d * sc_s) * sum (q - 32) x.
float RowQ6K(const BlockQ6_K* x, const float* a, int64_t nb) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F), three = vdupq_n_u8(3);
  const int8x16_t m32 = vdupq_n_s8(32);
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < nb; ++i) {
    const float d = HalfToFloat(x[i].d);
    for (int h = 0; h < 2; ++h) {
      for (int m = 0; m < 2; ++m) {
        const uint8x16_t qa = vld1q_u8(x[i].ql + 64 * h + 16 * m);
        const uint8x16_t qb = vld1q_u8(x[i].ql + 64 * h + 32 + 16 * m);
        const uint8x16_t qh = vld1q_u8(x[i].qh + 32 * h + 16 * m);
        const uint8x16_t v[4] = {
            vorrq_u8(vandq_u8(qa, low4), vshlq_n_u8(vandq_u8(qh, three), 4)),
            vorrq_u8(vandq_u8(qb, low4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 2), three), 4)),
            vorrq_u8(vshrq_n_u8(qa, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 4), three), 4)),
            vorrq_u8(vshrq_n_u8(qb, 4), vshlq_n_u8(vshrq_n_u8(qh, 6), 4)),
        };
        for (int p = 0; p < 4; ++p) {
          const int e = 128 * h + 32 * p + 16 * m;
          const float32x4_t s =
              Fma16(vdupq_n_f32(0.0f), vsubq_s8(vreinterpretq_s8_u8(v[p]), m32), a + kQkK * i + e);
          acc = vfmaq_n_f32(acc, s, d * static_cast<float>(x[i].scales[e / 16]));
        }
      }
    }
  }
  return vaddvq_f32(acc);
}

}  // namespace
}  // namespace entropix::neon_f32act

namespace entropix {

void MatvecF32ActNeon(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, float* y) {
  using namespace neon_f32act;
  const float* a = static_cast<const float*>(xq);
  const float* sums = a + n_cols;
  const int64_t nb32 = n_cols / kQk, nb256 = n_cols / kQkK;
  const uint8_t* base = static_cast<const uint8_t*>(w);
  for (int64_t r = 0; r < n_rows; ++r) {
    const void* row = base + static_cast<size_t>(r) * row_bytes;
    switch (type) {
      case GgmlType::Q4_0:
        y[r] = Row32<BlockQ4_0, false, false>(static_cast<const BlockQ4_0*>(row), a, sums, nb32, 8);
        break;
      case GgmlType::Q4_1:
        y[r] = Row32<BlockQ4_1, false, true>(static_cast<const BlockQ4_1*>(row), a, sums, nb32, 0);
        break;
      case GgmlType::Q5_0:
        y[r] = Row32<BlockQ5_0, true, false>(static_cast<const BlockQ5_0*>(row), a, sums, nb32, 16);
        break;
      case GgmlType::Q5_1:
        y[r] = Row32<BlockQ5_1, true, true>(static_cast<const BlockQ5_1*>(row), a, sums, nb32, 0);
        break;
      case GgmlType::Q8_0:
        y[r] = RowQ8_0(static_cast<const BlockQ8_0*>(row), a, nb32);
        break;
      case GgmlType::Q4_K:
        y[r] = RowQ45K<false>(static_cast<const BlockQ4_K*>(row), a, sums, nb256);
        break;
      case GgmlType::Q5_K:
        y[r] = RowQ45K<true>(static_cast<const BlockQ5_K*>(row), a, sums, nb256);
        break;
      case GgmlType::Q6_K:
        y[r] = RowQ6K(static_cast<const BlockQ6_K*>(row), a, nb256);
        break;
      default:  // F32/F16/BF16: the float rows (prepared layout = x itself)
        return MatvecFloatNeon(type, w, row_bytes, n_rows, n_cols, a, y);
    }
  }
}

// Tiles of rows (~32 KiB) against every activation, as neon_int.inc's matmul.
void MatmulF32ActNeon(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                      float* y, int64_t y_stride) {
  const int64_t tile = row_bytes >= (32 << 10) ? 1 : static_cast<int64_t>((32 << 10) / row_bytes);
  for (int64_t r0 = 0; r0 < n_rows; r0 += tile) {
    const int64_t rows = n_rows - r0 < tile ? n_rows - r0 : tile;
    const uint8_t* wt = static_cast<const uint8_t*>(w) + static_cast<size_t>(r0) * row_bytes;
    for (int64_t t = 0; t < n_tokens; ++t) {
      MatvecF32ActNeon(type, wt, row_bytes, rows, n_cols,
                       static_cast<const uint8_t*>(xq) + static_cast<size_t>(t) * xq_stride,
                       y + t * y_stride + r0);
    }
  }
}

}  // namespace entropix
