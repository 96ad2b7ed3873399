// Scalar row dot products, one function per (weight, activation) pair.
// Per block (ggml's vec_dot_*_generic arithmetic):
//   Q4_0/Q5_0/Q8_0 x Q8_0:  (dx * dy) * sumi
//   Q4_1/Q5_1 x Q8_1:       (dx * dy) * sumi + mx * sy
//   Q4_K/Q5_K x Q8_K:       (dx * dy) * sum_j sc_j dot_j - (dminx * dy) * sum_j m_j bsum_j
//   Q6_K x Q8_K:            (dx * dy) * sum_j sc_j dot_j   (q - 32 folded in via bsums)
// with sumi, dot_j exact integers; block terms summed in order in float.
// F32/F16/BF16 rows dot F32 activations in double (the reference is the
// oracle the SIMD code is measured against).
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "kernels/blocks.h"
#include "kernels/reference/reference.h"

namespace entropix {
namespace {

// The 256 signed 6-bit quants of a Q6_K block, in element order: low 4 bits
// from ql, high 2 bits from qh, offset by -32.
void UnpackQ6_K(const BlockQ6_K& b, int v[kQkK]) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    int* o = v + 128 * h;
    for (int l = 0; l < 32; ++l) {
      o[l] = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      o[l + 32] = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      o[l + 64] = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      o[l + 96] = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
    }
  }
}

}  // namespace

namespace {

// Integer values of one 32-element block of Q4_0/Q4_1/Q5_0/Q5_1, unbiased
// by `offset` (8 or 16 for the _0 types, 0 for the _1 types).
void Unpack4(const uint8_t* qs, int offset, int* v) {
  for (int j = 0; j < kQk / 2; ++j) {
    v[j] = (qs[j] & 0xF) - offset;
    v[j + kQk / 2] = (qs[j] >> 4) - offset;
  }
}

void Unpack5(const uint8_t* qs, const uint8_t* qh_bytes, int offset, int* v) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < kQk / 2; ++j) {
    v[j] = ((qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1) << 4)) - offset;
    v[j + kQk / 2] = ((qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1) << 4)) - offset;
  }
}

int Dot32(const int* v, const int8_t* q) {
  int s = 0;
  for (int j = 0; j < kQk; ++j) s += v[j] * q[j];
  return s;
}

float RowQ4_0(const BlockQ4_0* x, const BlockQ8_0* y, int64_t nb) {
  float sum = 0.0f;
  int v[kQk];
  for (int64_t i = 0; i < nb; ++i) {
    Unpack4(x[i].qs, 8, v);
    sum += (Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d)) * static_cast<float>(Dot32(v, y[i].qs));
  }
  return sum;
}

float RowQ4_1(const BlockQ4_1* x, const BlockQ8_1* y, int64_t nb) {
  float sum = 0.0f;
  int v[kQk];
  for (int64_t i = 0; i < nb; ++i) {
    Unpack4(x[i].qs, 0, v);
    sum += (Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d)) * static_cast<float>(Dot32(v, y[i].qs)) +
           Fp16ToFp32(x[i].m) * Fp16ToFp32(y[i].s);
  }
  return sum;
}

float RowQ5_0(const BlockQ5_0* x, const BlockQ8_0* y, int64_t nb) {
  float sum = 0.0f;
  int v[kQk];
  for (int64_t i = 0; i < nb; ++i) {
    Unpack5(x[i].qs, x[i].qh, 16, v);
    sum += (Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d)) * static_cast<float>(Dot32(v, y[i].qs));
  }
  return sum;
}

float RowQ5_1(const BlockQ5_1* x, const BlockQ8_1* y, int64_t nb) {
  float sum = 0.0f;
  int v[kQk];
  for (int64_t i = 0; i < nb; ++i) {
    Unpack5(x[i].qs, x[i].qh, 0, v);
    sum += (Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d)) * static_cast<float>(Dot32(v, y[i].qs)) +
           Fp16ToFp32(x[i].m) * Fp16ToFp32(y[i].s);
  }
  return sum;
}

float RowQ8_0(const BlockQ8_0* x, const BlockQ8_0* y, int64_t nb) {
  float sum = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    int s = 0;
    for (int j = 0; j < kQk; ++j) s += x[i].qs[j] * y[i].qs[j];
    sum += (Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d)) * static_cast<float>(s);
  }
  return sum;
}

template <bool kFiveBit, typename Block>
float RowQ45_K(const Block* x, const BlockQ8_K* y, int64_t nb) {
  float sum = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0, summ = 0;
    for (int k = 0; k < 4; ++k) {
      const uint8_t* q = x[i].qs + 32 * k;
      const int8_t* a = y[i].qs + 64 * k;
      uint8_t sc0, m0, sc1, m1;
      KScaleMin(x[i].scales, 2 * k, &sc0, &m0);
      KScaleMin(x[i].scales, 2 * k + 1, &sc1, &m1);
      int dot0 = 0, dot1 = 0;
      for (int l = 0; l < 32; ++l) {
        int lo = q[l] & 0xF, hi = q[l] >> 4;
        if constexpr (kFiveBit) {
          lo |= ((x[i].qh[l] >> (2 * k)) & 1) << 4;
          hi |= ((x[i].qh[l] >> (2 * k + 1)) & 1) << 4;
        }
        dot0 += lo * a[l];
        dot1 += hi * a[l + 32];
      }
      sumi += sc0 * dot0 + sc1 * dot1;
      summ += m0 * (y[i].bsums[4 * k] + y[i].bsums[4 * k + 1]) +
              m1 * (y[i].bsums[4 * k + 2] + y[i].bsums[4 * k + 3]);
    }
    sum += (Fp16ToFp32(x[i].d) * y[i].d) * static_cast<float>(sumi) -
           (Fp16ToFp32(x[i].dmin) * y[i].d) * static_cast<float>(summ);
  }
  return sum;
}

float RowQ6_K(const BlockQ6_K* x, const BlockQ8_K* y, int64_t nb) {
  float sum = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    int v[kQkK];
    UnpackQ6_K(x[i], v);
    int sumi = 0;
    for (int s = 0; s < kQkK / 16; ++s) {
      int dot = 0;
      for (int j = 16 * s; j < 16 * s + 16; ++j) dot += v[j] * y[i].qs[j];
      sumi += x[i].scales[s] * dot;
    }
    sum += (Fp16ToFp32(x[i].d) * y[i].d) * static_cast<float>(sumi);
  }
  return sum;
}

template <typename Convert>
float RowFloat(const uint16_t* w, const float* x, int64_t n, Convert convert) {
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) sum += static_cast<double>(convert(w[j])) * x[j];
  return static_cast<float>(sum);
}

}  // namespace

void MatvecRef(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
               const void* xq, float* y) {
  const int64_t nb32 = n_cols / kQk, nb256 = n_cols / kQkK;
  for (int64_t r = 0; r < n_rows; ++r) {
    const void* row = static_cast<const uint8_t*>(w) + static_cast<size_t>(r) * row_bytes;
    const auto* q8_0 = static_cast<const BlockQ8_0*>(xq);
    const auto* q8_1 = static_cast<const BlockQ8_1*>(xq);
    const auto* q8_k = static_cast<const BlockQ8_K*>(xq);
    switch (type) {
      case GgmlType::F32: {
        const float* wr = static_cast<const float*>(row);
        const float* x = static_cast<const float*>(xq);
        double sum = 0.0;
        for (int64_t j = 0; j < n_cols; ++j) sum += static_cast<double>(wr[j]) * x[j];
        y[r] = static_cast<float>(sum);
        break;
      }
      case GgmlType::F16:
        y[r] = RowFloat(static_cast<const uint16_t*>(row), static_cast<const float*>(xq), n_cols,
                        Fp16ToFp32);
        break;
      case GgmlType::BF16:
        y[r] = RowFloat(static_cast<const uint16_t*>(row), static_cast<const float*>(xq), n_cols,
                        Bf16ToFp32);
        break;
      case GgmlType::Q4_0:
        y[r] = RowQ4_0(static_cast<const BlockQ4_0*>(row), q8_0, nb32);
        break;
      case GgmlType::Q4_1:
        y[r] = RowQ4_1(static_cast<const BlockQ4_1*>(row), q8_1, nb32);
        break;
      case GgmlType::Q5_0:
        y[r] = RowQ5_0(static_cast<const BlockQ5_0*>(row), q8_0, nb32);
        break;
      case GgmlType::Q5_1:
        y[r] = RowQ5_1(static_cast<const BlockQ5_1*>(row), q8_1, nb32);
        break;
      case GgmlType::Q8_0:
        y[r] = RowQ8_0(static_cast<const BlockQ8_0*>(row), q8_0, nb32);
        break;
      case GgmlType::Q4_K:
        y[r] = RowQ45_K<false>(static_cast<const BlockQ4_K*>(row), q8_k, nb256);
        break;
      case GgmlType::Q5_K:
        y[r] = RowQ45_K<true>(static_cast<const BlockQ5_K*>(row), q8_k, nb256);
        break;
      case GgmlType::Q6_K:
        y[r] = RowQ6_K(static_cast<const BlockQ6_K*>(row), q8_k, nb256);
        break;
      default:
        ENTROPIX_CHECK(!"MatvecRef: unsupported type");
    }
  }
}

namespace {

// Float-activation rows (see reference.h): everything in double.
// Q4_0/Q4_1/Q5_0/Q5_1/Q8_0: integer values v_j of block b (offset removed
// for the _0 types), term d * sum v_j x_j [+ m * S_b].
template <typename Block>
double RowF32Act32(const Block* x, const float* a, const float* sums, int64_t nb,
                   int offset, bool five, bool has_min) {
  double sum = 0.0;
  int v[kQk];
  for (int64_t i = 0; i < nb; ++i) {
    if (five) {
      Unpack5(x[i].qs, reinterpret_cast<const uint8_t*>(&x[i]) + (has_min ? 4 : 2), offset, v);
    } else {
      Unpack4(x[i].qs, offset, v);
    }
    double s = 0.0;
    for (int j = 0; j < kQk; ++j) s += static_cast<double>(v[j]) * a[kQk * i + j];
    uint16_t d;
    std::memcpy(&d, &x[i], 2);
    sum += static_cast<double>(Fp16ToFp32(d)) * s;
    if (has_min) {
      uint16_t m;
      std::memcpy(&m, reinterpret_cast<const uint8_t*>(&x[i]) + 2, 2);
      sum += static_cast<double>(Fp16ToFp32(m)) * sums[i];
    }
  }
  return sum;
}

double RowF32ActQ8_0(const BlockQ8_0* x, const float* a, int64_t nb) {
  double sum = 0.0;
  for (int64_t i = 0; i < nb; ++i) {
    double s = 0.0;
    for (int j = 0; j < kQk; ++j) s += static_cast<double>(x[i].qs[j]) * a[kQk * i + j];
    sum += static_cast<double>(Fp16ToFp32(x[i].d)) * s;
  }
  return sum;
}

template <bool kFiveBit, typename Block>
double RowF32ActQ45_K(const Block* x, const float* a, const float* sums, int64_t nb) {
  double sum = 0.0;
  for (int64_t i = 0; i < nb; ++i) {
    const float* ab = a + kQkK * i;
    double si = 0.0, sm = 0.0;
    for (int k = 0; k < 4; ++k) {
      const uint8_t* q = x[i].qs + 32 * k;
      uint8_t sc0, m0, sc1, m1;
      KScaleMin(x[i].scales, 2 * k, &sc0, &m0);
      KScaleMin(x[i].scales, 2 * k + 1, &sc1, &m1);
      double dot0 = 0, dot1 = 0;
      for (int l = 0; l < 32; ++l) {
        int lo = q[l] & 0xF, hi = q[l] >> 4;
        if constexpr (kFiveBit) {
          lo |= ((x[i].qh[l] >> (2 * k)) & 1) << 4;
          hi |= ((x[i].qh[l] >> (2 * k + 1)) & 1) << 4;
        }
        dot0 += static_cast<double>(lo) * ab[64 * k + l];
        dot1 += static_cast<double>(hi) * ab[64 * k + 32 + l];
      }
      si += sc0 * dot0 + sc1 * dot1;
      sm += m0 * static_cast<double>(sums[8 * i + 2 * k]) +
            m1 * static_cast<double>(sums[8 * i + 2 * k + 1]);
    }
    sum += static_cast<double>(Fp16ToFp32(x[i].d)) * si -
           static_cast<double>(Fp16ToFp32(x[i].dmin)) * sm;
  }
  return sum;
}

double RowF32ActQ6_K(const BlockQ6_K* x, const float* a, int64_t nb) {
  double sum = 0.0;
  for (int64_t i = 0; i < nb; ++i) {
    int v[kQkK];
    UnpackQ6_K(x[i], v);
    double si = 0.0;
    for (int s = 0; s < kQkK / 16; ++s) {
      double dot = 0.0;
      for (int j = 16 * s; j < 16 * s + 16; ++j) dot += static_cast<double>(v[j]) * a[kQkK * i + j];
      si += x[i].scales[s] * dot;
    }
    sum += static_cast<double>(Fp16ToFp32(x[i].d)) * si;
  }
  return sum;
}

}  // namespace

void MatvecF32ActRef(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows,
                     int64_t n_cols, const void* xq, float* y) {
  const float* a = static_cast<const float*>(xq);
  const float* sums = a + n_cols;
  const int64_t nb32 = n_cols / kQk, nb256 = n_cols / kQkK;
  for (int64_t r = 0; r < n_rows; ++r) {
    const void* row = static_cast<const uint8_t*>(w) + static_cast<size_t>(r) * row_bytes;
    double v = 0.0;
    switch (type) {
      case GgmlType::F32:
      case GgmlType::F16:
      case GgmlType::BF16:
        MatvecRef(type, row, row_bytes, 1, n_cols, xq, y + r);
        continue;
      case GgmlType::Q4_0:
        v = RowF32Act32(static_cast<const BlockQ4_0*>(row), a, sums, nb32, 8, false, false);
        break;
      case GgmlType::Q4_1:
        v = RowF32Act32(static_cast<const BlockQ4_1*>(row), a, sums, nb32, 0, false, true);
        break;
      case GgmlType::Q5_0:
        v = RowF32Act32(static_cast<const BlockQ5_0*>(row), a, sums, nb32, 16, true, false);
        break;
      case GgmlType::Q5_1:
        v = RowF32Act32(static_cast<const BlockQ5_1*>(row), a, sums, nb32, 0, true, true);
        break;
      case GgmlType::Q8_0:
        v = RowF32ActQ8_0(static_cast<const BlockQ8_0*>(row), a, nb32);
        break;
      case GgmlType::Q4_K:
        v = RowF32ActQ45_K<false>(static_cast<const BlockQ4_K*>(row), a, sums, nb256);
        break;
      case GgmlType::Q5_K:
        v = RowF32ActQ45_K<true>(static_cast<const BlockQ5_K*>(row), a, sums, nb256);
        break;
      case GgmlType::Q6_K:
        v = RowF32ActQ6_K(static_cast<const BlockQ6_K*>(row), a, nb256);
        break;
      default:
        ENTROPIX_CHECK(!"MatvecF32ActRef: unsupported type");
    }
    y[r] = static_cast<float>(v);
  }
}

void AccumulateRowsRef(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                       int64_t n, float* out) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* row = v + static_cast<size_t>(r) * v_stride;
    for (int64_t i = 0; i < n; ++i) out[i] += p[r] * row[i];
  }
}

}  // namespace entropix
