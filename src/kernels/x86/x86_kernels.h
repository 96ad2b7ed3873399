// Entry points of the x86 SIMD files, with KernelTable's signatures; types
// without SIMD code fall back to the reference inside them. Each file is
// compiled with its own -m flags (src/kernels/CMakeLists.txt): call only
// after DetectIsa has found the ISA, and never include an inline function
// from a shared header into those files (the linker could keep their AVX
// copy for the whole program).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ggml_type.h"

namespace entropix {

// AVX2 + FMA + F16C.
void QuantizeActivationAvx2(GgmlType weight_type, const float* x, void* dst, int64_t n);
void MatvecAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, float* y);
void DequantizeRowAvx2(GgmlType type, const void* src, float* dst, int64_t n);
void MatvecF32ActAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, float* y);
// Several activations: y[t * y_stride + r], equal to MatvecAvx2/MatvecF32ActAvx2
// per activation bit for bit.
void MatmulAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                int64_t y_stride);
void MatmulF32ActAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                      float* y, int64_t y_stride);

void AccumulateRowsAvx2(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                        int64_t n, float* out);
// attention_avx2.cc
float DotRowsAvx2(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                  float scale, float* out);
float ExpSumAvx2(float* p, int64_t n, float max);

// AVX-512 F/BW/VL/DQ + VNNI (plus the AVX2 set).
void QuantizeActivationAvx512(GgmlType weight_type, const float* x, void* dst, int64_t n);
void MatvecAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                  int64_t n_cols, const void* xq, float* y);
void DequantizeRowAvx512(GgmlType type, const void* src, float* dst, int64_t n);
void MatvecF32ActAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                        int64_t n_cols, const void* xq, float* y);
// Several activations: y[t * y_stride + r], equal to MatvecAvx512/MatvecF32ActAvx512
// per activation bit for bit.
void MatmulAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                int64_t y_stride);
void MatmulF32ActAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                      float* y, int64_t y_stride);

void AccumulateRowsAvx512(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                          int64_t n, float* out);
// attention_avx512.cc
float DotRowsAvx512(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                    float scale, float* out);
float ExpSumAvx512(float* p, int64_t n, float max);

}  // namespace entropix
