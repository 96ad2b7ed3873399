// Helpers shared by the kernel tests: random but valid weight rows, the
// ISAs this CPU can run, and dequantised views of weights and activations.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/ggml_type.h"
#include "core/half.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"

namespace entropix::testing {

// Every level of this architecture up to the detected one (ENTROPIX_ISA caps
// it): x86-64 scalar/avx2/avx512, AArch64 scalar/neon/dotprod.
inline std::vector<Isa> AvailableIsas() { return entropix::AvailableIsas(); }

inline const GgmlType kWeightTypes[] = {
    GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
    GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

// An fp16 scale field within a block: byte offset, log2 magnitude range, sign.
struct ScaleField {
  int offset;
  float log2_lo, log2_hi;
  bool is_signed;
};

inline std::vector<ScaleField> ScaleFields(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
      return {{0, -10, -3, true}};
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return {{0, -10, -3, false}, {2, -6, 0, true}};
    case GgmlType::Q8_0:
      return {{0, -14, -5, true}};
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
      return {{0, -14, -6, false}, {2, -14, -6, false}};
    case GgmlType::Q6_K:
      return {{208, -16, -8, false}};
    default:
      return {};
  }
}

// n_rows rows of n_cols random elements of `t`, each row row_bytes long.
inline std::vector<uint8_t> RandomWeights(GgmlType t, int64_t n_rows, int64_t n_cols,
                                          std::mt19937& rng) {
  const GgmlTypeTraits& tr = TypeTraits(t);
  const size_t row_bytes = RowBytes(t, n_cols);
  std::vector<uint8_t> w(row_bytes * n_rows);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> byte(0, 255);
  const int64_t n_elems = n_rows * n_cols;
  if (t == GgmlType::F32) {
    for (int64_t i = 0; i < n_elems; ++i) {
      const float f = normal(rng);
      std::memcpy(&w[4 * i], &f, 4);
    }
    return w;
  }
  if (t == GgmlType::F16 || t == GgmlType::BF16) {
    for (int64_t i = 0; i < n_elems; ++i) {
      const float f = normal(rng);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      const uint16_t h = t == GgmlType::F16 ? Fp32ToFp16(f) : static_cast<uint16_t>(bits >> 16);
      std::memcpy(&w[2 * i], &h, 2);
    }
    return w;
  }
  for (auto& b : w) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const int64_t n_blocks = n_elems / tr.block_elems;
  for (int64_t b = 0; b < n_blocks; ++b) {
    for (const ScaleField& f : ScaleFields(t)) {
      float v = std::exp2(f.log2_lo + (f.log2_hi - f.log2_lo) * unit(rng));
      if (f.is_signed && unit(rng) < 0.5f) v = -v;
      const uint16_t h = Fp32ToFp16(v);
      std::memcpy(&w[b * tr.block_bytes + f.offset], &h, 2);
    }
  }
  return w;
}

// The per-element offset part of weights with mins (x = d*q + m, or
// d*sc*q - dmin*m): the row with every quant zeroed, dequantised. Zero for
// other types. Used to scale tolerances where the two parts cancel.
inline std::vector<float> OffsetPart(GgmlType t, const uint8_t* row, int64_t n_cols) {
  std::vector<float> out(n_cols, 0.0f);
  int first = 0, last = 0;  // zeroed byte range inside each block
  switch (t) {
    case GgmlType::Q4_1:
      first = 4, last = 20;
      break;
    case GgmlType::Q5_1:
      first = 4, last = 24;
      break;
    case GgmlType::Q4_K:
      first = 16, last = 144;
      break;
    case GgmlType::Q5_K:
      first = 16, last = 176;
      break;
    default:
      return out;
  }
  const GgmlTypeTraits& tr = TypeTraits(t);
  std::vector<uint8_t> copy(row, row + RowBytes(t, n_cols));
  for (int64_t b = 0; b < n_cols / tr.block_elems; ++b) {
    std::memset(&copy[b * tr.block_bytes + first], 0, last - first);
  }
  DequantizeRowRef(t, copy.data(), out.data(), n_cols);
  return out;
}

inline std::vector<float> RandomActivation(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  return x;
}

}  // namespace entropix::testing
