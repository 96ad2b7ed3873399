// Scalar dequantisation of one row: the definition of each block format.
// Formulas from ggml's dequantize_row_* (ggml-quants.c); checked against the
// gguf Python package by tests/unit/kernels (goldens in tests/golden/quant).
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "kernels/blocks.h"
#include "kernels/reference/reference.h"

namespace entropix {
namespace {

void DequantQ4_0(const BlockQ4_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d);
    for (int j = 0; j < kQk / 2; ++j) {
      y[j] = d * ((b[i].qs[j] & 0xF) - 8);
      y[j + kQk / 2] = d * ((b[i].qs[j] >> 4) - 8);
    }
  }
}

void DequantQ4_1(const BlockQ4_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d), m = Fp16ToFp32(b[i].m);
    for (int j = 0; j < kQk / 2; ++j) {
      y[j] = d * (b[i].qs[j] & 0xF) + m;
      y[j + kQk / 2] = d * (b[i].qs[j] >> 4) + m;
    }
  }
}

// Element j's fifth bit is bit j of the little-endian 32-bit qh.
int Q5Value(const uint8_t* qs, uint32_t qh, int j) {
  const int lo = j < kQk / 2 ? (qs[j] & 0xF) : (qs[j - kQk / 2] >> 4);
  return lo | static_cast<int>(((qh >> j) & 1) << 4);
}

void DequantQ5_0(const BlockQ5_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    for (int j = 0; j < kQk; ++j) y[j] = d * (Q5Value(b[i].qs, qh, j) - 16);
  }
}

void DequantQ5_1(const BlockQ5_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d), m = Fp16ToFp32(b[i].m);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    for (int j = 0; j < kQk; ++j) y[j] = d * Q5Value(b[i].qs, qh, j) + m;
  }
}

void DequantQ8_0(const BlockQ8_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d);
    for (int j = 0; j < kQk; ++j) y[j] = d * b[i].qs[j];
  }
}

void DequantQ8_1(const BlockQ8_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQk) {
    const float d = Fp16ToFp32(b[i].d);
    for (int j = 0; j < kQk; ++j) y[j] = d * b[i].qs[j];
  }
}

// Q4_K and Q5_K: x = (d * sc) * q - (dmin * m) per 32-element sub-block.
template <bool kFiveBit, typename Block>
void DequantQ45_K(const Block* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = Fp16ToFp32(b[i].d), dmin = Fp16ToFp32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    for (int k = 0; k < 4; ++k, q += 32, y += 64) {
      uint8_t sc0, m0, sc1, m1;
      KScaleMin(b[i].scales, 2 * k, &sc0, &m0);
      KScaleMin(b[i].scales, 2 * k + 1, &sc1, &m1);
      const float d0 = d * sc0, mm0 = dmin * m0, d1 = d * sc1, mm1 = dmin * m1;
      for (int l = 0; l < 32; ++l) {
        int lo = q[l] & 0xF, hi = q[l] >> 4;
        if constexpr (kFiveBit) {
          lo |= ((b[i].qh[l] >> (2 * k)) & 1) << 4;
          hi |= ((b[i].qh[l] >> (2 * k + 1)) & 1) << 4;
        }
        y[l] = d0 * lo - mm0;
        y[l + 32] = d1 * hi - mm1;
      }
    }
  }
}

// Element 128h + 32p + l (h: half, p: 0..3, l: 0..31) takes its low nibble
// from ql[64h + l + 32(p&1)] (low nibble for p < 2, high for p >= 2), its top
// two bits from bits 2p..2p+1 of qh[32h + l]; value - 32, scaled by
// d * scales[element / 16].
void DequantQ6_K(const BlockQ6_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = Fp16ToFp32(b[i].d);
    for (int h = 0; h < 2; ++h, y += 128) {
      const uint8_t* ql = b[i].ql + 64 * h;
      const uint8_t* qh = b[i].qh + 32 * h;
      const int8_t* sc = b[i].scales + 8 * h;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

void DequantQ8_K(const BlockQ8_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQkK) {
    for (int j = 0; j < kQkK; ++j) y[j] = b[i].d * b[i].qs[j];
  }
}

}  // namespace

void DequantizeRowRef(GgmlType type, const void* src, float* dst, int64_t n) {
  const int64_t nb32 = n / kQk, nb256 = n / kQkK;
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case GgmlType::F16: {
      const uint16_t* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = Fp16ToFp32(h[i]);
      return;
    }
    case GgmlType::BF16: {
      const uint16_t* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = Bf16ToFp32(h[i]);
      return;
    }
    case GgmlType::Q4_0:
      return DequantQ4_0(static_cast<const BlockQ4_0*>(src), dst, nb32);
    case GgmlType::Q4_1:
      return DequantQ4_1(static_cast<const BlockQ4_1*>(src), dst, nb32);
    case GgmlType::Q5_0:
      return DequantQ5_0(static_cast<const BlockQ5_0*>(src), dst, nb32);
    case GgmlType::Q5_1:
      return DequantQ5_1(static_cast<const BlockQ5_1*>(src), dst, nb32);
    case GgmlType::Q8_0:
      return DequantQ8_0(static_cast<const BlockQ8_0*>(src), dst, nb32);
    case GgmlType::Q8_1:
      return DequantQ8_1(static_cast<const BlockQ8_1*>(src), dst, nb32);
    case GgmlType::Q4_K:
      return DequantQ45_K<false>(static_cast<const BlockQ4_K*>(src), dst, nb256);
    case GgmlType::Q5_K:
      return DequantQ45_K<true>(static_cast<const BlockQ5_K*>(src), dst, nb256);
    case GgmlType::Q6_K:
      return DequantQ6_K(static_cast<const BlockQ6_K*>(src), dst, nb256);
    case GgmlType::Q8_K:
      return DequantQ8_K(static_cast<const BlockQ8_K*>(src), dst, nb256);
    default:
      ENTROPIX_CHECK(!"DequantizeRowRef: unsupported type");
  }
}

}  // namespace entropix
