// Entry points of the AArch64 SIMD files, with KernelTable's signatures
// (src/kernels/kernels.h). Two levels:
//   neon:    ARMv8-A Advanced SIMD (every AArch64 CPU);
//   dotprod: ARMv8.2 dot product (sdot): only the quantised integer matvec
//            and matmul differ; everything else is the neon code.
// dotprod.cc is compiled with +dotprod (src/kernels/CMakeLists.txt): call it
// only after DetectIsa has found the feature, and include no inline function
// from a shared header into it (the linker could keep that copy for the
// whole program, as with the x86 files).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ggml_type.h"

namespace entropix {

// neon.cc
void QuantizeActivationNeon(GgmlType weight_type, const float* x, void* dst, int64_t n);
void DequantizeRowNeon(GgmlType type, const void* src, float* dst, int64_t n);
void MatvecNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, float* y);
void MatmulNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                int64_t y_stride);
// F32/F16/BF16 rows against float activations (both levels' float matvec).
void MatvecFloatNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                     int64_t n_cols, const float* x, float* y);
void AccumulateRowsNeon(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                        int64_t n, float* out);

// neon_f32act.cc: the float-activation path (ActPrecision::kF32).
void MatvecF32ActNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, float* y);
void MatmulF32ActNeon(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                      float* y, int64_t y_stride);

// attention_neon.cc
float DotRowsNeon(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                  float scale, float* out);
float ExpSumNeon(float* p, int64_t n, float max);

// dotprod.cc
void MatvecDotprod(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                   int64_t n_cols, const void* xq, float* y);
void MatmulDotprod(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                   int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                   int64_t y_stride);

}  // namespace entropix
