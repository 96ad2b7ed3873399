// Scalar reference kernels: the specification of every format and dot
// product, the fallback for types without SIMD code, and the test oracle.
//
// The arithmetic follows ggml's generic vec_dot functions: integer dot
// products per block, then one float scale per block (see matvec.cc for the
// exact expression per type), blocks accumulated in order in float.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ggml_type.h"

namespace entropix {

// dst[0..n) = the n elements of one row of `type` (n a multiple of its block
// size). Also accepts the activation formats Q8_1 and Q8_K (for tests).
void DequantizeRowRef(GgmlType type, const void* src, float* dst, int64_t n);

// x: [n] -> dst in ActivationType(weight_type) (see kernels.h).
void QuantizeActivationRef(GgmlType weight_type, const float* x, void* dst, int64_t n);

// y[r] = dot(row r, x) for r in [0, n_rows); arguments as KernelTable::matvec.
void MatvecRef(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
               int64_t n_cols, const void* xq, float* y);

}  // namespace entropix
