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

// Attention (kernels.h: dot_rows, exp_sum, accumulate_rows); these are the
// specification the SIMD versions match bit for bit.
float DotRowsRef(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                 float scale, float* out);
float ExpSumRef(float* p, int64_t n, float max);
float ExpRef(float x);  // the exp of exp_sum (attention_order.h)
void AccumulateRowsRef(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                       int64_t n, float* out);

// Float-activation path (ActPrecision::kF32). x -> x followed by the per-32
// sums (see ActivationBytes).
void PrepareF32ActRef(GgmlType weight_type, const float* x, void* dst, int64_t n);
// y[r] = dot(row r, x) with x in the kF32 layout. Specification: per block,
// the dequantised value of every weight (d*q + m, d*(q - 8), d*sc*q - dmin*m,
// ...) times x, summed in double, with the min/offset parts taken through
// the stored per-32 sums: e.g. Q4_1 block b: d * sum_j q_j x_j + m * S_b;
// Q4_K sub-block j: d * sc_j * sum q x - dmin * m_j * S_j. Everything is
// accumulated in double and rounded to float once at the end. The SIMD code
// does the same in float (per-block partial sums in 8 lanes).
void MatvecF32ActRef(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                     int64_t n_cols, const void* xq, float* y);

}  // namespace entropix
