// AArch64 Advanced SIMD kernels (ARMv8-A, every 64-bit ARM CPU): activation
// quantisation, dequantisation, the float matvec, accumulate_rows, and the
// quantised matvec/matmul of neon_int.inc with an smull + sadalp dot.
#include <arm_neon.h>

#include <cstring>
#include <type_traits>

#include "kernels/arm/arm_kernels.h"
#include "kernels/blocks.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"

namespace entropix::neon {
namespace {

// 16 int8 products widened to int16 (|a * b| <= 128 * 128 fits), then
// pairwise added into the int32 lanes: exact.
int32x4_t DotI8(int32x4_t acc, int8x16_t a, int8x16_t b) {
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
  return vpadalq_s16(acc, vmull_high_s8(a, b));
}

#include "kernels/arm/neon_int.inc"

uint16_t FloatToHalf(float f) {  // round to nearest even, as core/half.h
  return vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(f))), 0);
}

float MaxAbs(const float* x, int n) {  // n a multiple of 16
  float32x4_t m = vdupq_n_f32(0.0f);
  for (int j = 0; j < n; j += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + j)));
  return vmaxvq_f32(m);
}

// Four int32x4 -> 16 int8 (saturating; the values are already in range).
int8x16_t Narrow(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
  const int16x8_t ab = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
  const int16x8_t cd = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
  return vcombine_s8(vqmovn_s16(ab), vqmovn_s16(cd));
}

// Q8_0 / Q8_1: d = amax / 127, q = roundf(x / d): fcvtas rounds ties away
// from zero, like roundf, so the bytes equal the reference's.
template <typename Block>
void QuantizeQ8_01(const float* x, Block* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQk) {
    const float d = MaxAbs(x, kQk) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int32x4_t q[8];
    for (int k = 0; k < 8; ++k) q[k] = vcvtaq_s32_f32(vmulq_n_f32(vld1q_f32(x + 4 * k), id));
    y[i].d = FloatToHalf(d);
    vst1q_s8(y[i].qs, Narrow(q[0], q[1], q[2], q[3]));
    vst1q_s8(y[i].qs + 16, Narrow(q[4], q[5], q[6], q[7]));
    if constexpr (sizeof(Block) == sizeof(BlockQ8_1)) {
      int32x4_t s = q[0];
      for (int k = 1; k < 8; ++k) s = vaddq_s32(s, q[k]);
      y[i].s = FloatToHalf(static_cast<float>(vaddvq_s32(s)) * d);
    }
  }
}

// Q8_K: the first element of largest magnitude maps to -127; fcvtns rounds
// to nearest even like the reference's lrintf.
void QuantizeQ8_K(const float* x, BlockQ8_K* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQkK) {
    const float amax = MaxAbs(x, kQkK);
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    float max = 0.0f;
    for (int j = 0; j < kQkK; ++j) {
      if (x[j] == amax || x[j] == -amax) {
        max = x[j];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const int32x4_t limit = vdupq_n_s32(127);
    for (int g = 0; g < kQkK / 16; ++g) {
      int32x4_t q[4];
      for (int k = 0; k < 4; ++k) {
        q[k] = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + 16 * g + 4 * k), iscale)), limit);
      }
      vst1q_s8(y[i].qs + 16 * g, Narrow(q[0], q[1], q[2], q[3]));
      y[i].bsums[g] =
          static_cast<int16_t>(vaddvq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3]))));
    }
    y[i].d = 1.0f / iscale;
  }
}

// Float rows: 16 lanes of fused multiply-adds per row, then the n % 16 tail
// in order, added last (the reference sums in double: the tests bound the
// difference).
float32x4_t LoadF16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
float32x4_t LoadBf16(const uint16_t* p) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}
float ScalarBf16(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T>
float FloatRow(const T* w, const float* x, int64_t n) {
  float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                        vdupq_n_f32(0.0f)};
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    Prefetch(w + j);
    for (int k = 0; k < 4; ++k) {
      float32x4_t wv;
      if constexpr (sizeof(T) == 4) {
        wv = vld1q_f32(reinterpret_cast<const float*>(w) + j + 4 * k);
      } else if constexpr (std::is_same_v<T, uint16_t>) {
        wv = LoadF16(w + j + 4 * k);
      } else {
        wv = LoadBf16(reinterpret_cast<const uint16_t*>(w) + j + 4 * k);
      }
      acc[k] = vfmaq_f32(acc[k], wv, vld1q_f32(x + j + 4 * k));
    }
  }
  float tail = 0.0f;
  for (; j < n; ++j) {
    float wj;
    if constexpr (sizeof(T) == 4) {
      wj = reinterpret_cast<const float*>(w)[j];
    } else if constexpr (std::is_same_v<T, uint16_t>) {
      wj = HalfToFloat(w[j]);
    } else {
      wj = ScalarBf16(reinterpret_cast<const uint16_t*>(w)[j]);
    }
    tail += wj * x[j];
  }
  return vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3]))) + tail;
}

struct Bf16Tag {  // distinguishes BF16 rows from F16 rows (both uint16_t)
  uint16_t bits;
};

}  // namespace
}  // namespace entropix::neon

namespace entropix {

void MatvecFloatNeon(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows,
                     int64_t n_cols, const float* x, float* y) {
  const uint8_t* base = static_cast<const uint8_t*>(w);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = base + static_cast<size_t>(r) * row_bytes;
    switch (type) {
      case GgmlType::F32:
        y[r] = neon::FloatRow(reinterpret_cast<const float*>(row), x, n_cols);
        break;
      case GgmlType::F16:
        y[r] = neon::FloatRow(reinterpret_cast<const uint16_t*>(row), x, n_cols);
        break;
      default:  // BF16
        y[r] = neon::FloatRow(reinterpret_cast<const neon::Bf16Tag*>(row), x, n_cols);
        break;
    }
  }
}

void QuantizeActivationNeon(GgmlType weight_type, const float* x, void* dst, int64_t n) {
  switch (ActivationType(weight_type)) {
    case GgmlType::Q8_0:
      return neon::QuantizeQ8_01(x, static_cast<BlockQ8_0*>(dst), n / kQk);
    case GgmlType::Q8_1:
      return neon::QuantizeQ8_01(x, static_cast<BlockQ8_1*>(dst), n / kQk);
    case GgmlType::Q8_K:
      return neon::QuantizeQ8_K(x, static_cast<BlockQ8_K*>(dst), n / kQkK);
    default:
      return QuantizeActivationRef(weight_type, x, dst, n);
  }
}

// Rows are dequantised once per token (embedding lookup); the formats used
// for embeddings get SIMD code, each value computed with the reference's
// roundings (d * q, then + m: never fused).
void DequantizeRowNeon(GgmlType type, const void* src, float* dst, int64_t n) {
  switch (type) {
    case GgmlType::F16: {
      const uint16_t* h = static_cast<const uint16_t*>(src);
      int64_t i = 0;
      for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, neon::LoadF16(h + i));
      for (; i < n; ++i) dst[i] = neon::HalfToFloat(h[i]);
      return;
    }
    case GgmlType::Q8_0: {
      const BlockQ8_0* b = static_cast<const BlockQ8_0*>(src);
      for (int64_t i = 0; i < n / kQk; ++i, dst += kQk) {
        const float d = neon::HalfToFloat(b[i].d);
        for (int k = 0; k < 4; ++k) {
          const int16x8_t q = vmovl_s8(vld1_s8(b[i].qs + 8 * k));
          vst1q_f32(dst + 8 * k, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(q))), d));
          vst1q_f32(dst + 8 * k + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(q)), d));
        }
      }
      return;
    }
    case GgmlType::Q4_1: {
      const BlockQ4_1* b = static_cast<const BlockQ4_1*>(src);
      for (int64_t i = 0; i < n / kQk; ++i, dst += kQk) {
        const float32x4_t d = vdupq_n_f32(neon::HalfToFloat(b[i].d));
        const float32x4_t m = vdupq_n_f32(neon::HalfToFloat(b[i].m));
        const neon::Values32 v = neon::Nibbles(b[i].qs);
        const int8x16_t half[2] = {v.lo, v.hi};
        for (int h = 0; h < 2; ++h) {
          const int16x8_t lo = vmovl_s8(vget_low_s8(half[h])), hi = vmovl_high_s8(half[h]);
          const int16x8_t parts[2] = {lo, hi};
          for (int p = 0; p < 2; ++p) {
            const float32x4_t f0 = vcvtq_f32_s32(vmovl_s16(vget_low_s16(parts[p])));
            const float32x4_t f1 = vcvtq_f32_s32(vmovl_high_s16(parts[p]));
            vst1q_f32(dst + 16 * h + 8 * p, vaddq_f32(vmulq_f32(d, f0), m));
            vst1q_f32(dst + 16 * h + 8 * p + 4, vaddq_f32(vmulq_f32(d, f1), m));
          }
        }
      }
      return;
    }
    default:
      return DequantizeRowRef(type, src, dst, n);
  }
}

void MatvecNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, float* y) {
  neon::QuantMatvec(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}

void MatmulNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                int64_t y_stride) {
  neon::QuantMatmul(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y,
                    y_stride);
}

// 16 columns of `out` stay in four registers while every row is added; the
// remaining columns run as the scalar loop. Multiply, then add (no fused
// multiply-add), so the bits equal the scalar reference's.
void AccumulateRowsNeon(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                        int64_t n, float* out) {
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) {
    float32x4_t acc[4];
    for (int k = 0; k < 4; ++k) acc[k] = vld1q_f32(out + c + 4 * k);
    for (int64_t r = 0; r < n_rows; ++r) {
      const float* row = v + static_cast<size_t>(r) * v_stride + c;
      for (int k = 0; k < 4; ++k) acc[k] = vaddq_f32(acc[k], vmulq_n_f32(vld1q_f32(row + 4 * k), p[r]));
    }
    for (int k = 0; k < 4; ++k) vst1q_f32(out + c + 4 * k, acc[k]);
  }
  if (c < n) AccumulateRowsRef(p, v + c, v_stride, n_rows, n - c, out + c);
}

}  // namespace entropix
