// Compute kernels for the forward pass, chosen once at start-up for the CPU
// we run on: on x86-64 AVX-512/VNNI, AVX2/FMA; on AArch64 NEON with the
// ARMv8.2 dot product, plain NEON; everywhere the scalar reference.
//
// Quantised matrix-vector products follow GGML's scheme: the activation
// vector is quantised once per product into the weight type's partner format
// (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants; F32
// for F32/F16/BF16 weights), then each weight row is dotted with it in
// integer arithmetic. Using the same activation formats as llama.cpp keeps
// our logits comparable to it within float rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ggml_type.h"

namespace entropix {

// Each architecture has a ladder of levels, lowest first: x86-64 scalar <
// avx2 < avx512; AArch64 scalar < neon < dotprod.
enum class Isa { kScalar, kAvx2, kAvx512, kNeon, kDotprod };
const char* IsaName(Isa isa);
// Best ISA this CPU supports, capped by the environment variable
// ENTROPIX_ISA (a level of this architecture's ladder: scalar|avx2|avx512 on
// x86-64, scalar|neon|dotprod on AArch64) when set (for tests and
// comparisons); another value throws Error(kInvalidArgument).
Isa DetectIsa();
// Every level of the ladder up to DetectIsa(), lowest first (what the
// kernel tests compare against the scalar reference).
std::vector<Isa> AvailableIsas();

// Activation precision of the quantised matvecs.
//   kQ8:  the activation is quantised to 8 bits (Q8_0/Q8_1/Q8_K, as
//         llama.cpp) and dotted in integers: fastest, but the rounding of x
//         perturbs logits by ~0.1-0.4 nats on small models.
//   kF32: quantised weights x float32 activations: weights are dequantised
//         in registers and dotted with x by float FMA; the result equals the
//         float64 dot of the dequantised weights and x to float rounding.
enum class ActPrecision { kQ8, kF32 };
const char* ActPrecisionName(ActPrecision p);  // "q8" / "f32"
// "q8" / "f32" -> precision; anything else throws Error(kInvalidArgument).
ActPrecision ParseActPrecision(const char* name);
// Which precision a model multiplies in is its load option (model/precision.h).

// The format activations are prepared in for weights of `type`: with kQ8
// the partner format (F32 for float weights); with kF32 always F32.
GgmlType ActivationType(GgmlType weight_type, ActPrecision p = ActPrecision::kQ8);
// Bytes needed for `n` prepared activations. kF32 layout: x[0..n) as float,
// then, for block-quantised weight types only, n/32 floats: the sum of each
// 32 consecutive elements of x (rounded from a double sum), used for the
// min/offset terms of Q4_1/Q5_1/Q4_K/Q5_K.
size_t ActivationBytes(GgmlType weight_type, int64_t n, ActPrecision p = ActPrecision::kQ8);

struct KernelTable {
  Isa isa;
  // x: [n] floats -> dst: ActivationBytes(weight_type, n) bytes.
  // n must be a multiple of the weight type's block size.
  void (*quantize_activation)(GgmlType weight_type, const float* x, void* dst, int64_t n);
  // y[r] = dot(row r of W, x) for r in [0, n_rows). Rows are `row_bytes`
  // apart starting at w; each holds n_cols elements of `weight_type`.
  // xq is the activation quantised by quantize_activation.
  void (*matvec)(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                 int64_t n_cols, const void* xq, float* y);
  // dst[0..n) = the n elements of one row (n a multiple of the block size).
  void (*dequantize_row)(GgmlType type, const void* src, float* dst, int64_t n);
  // Several activations at once (prefill chunks, batched decode):
  // y[t * y_stride + r] = dot(row r of W, activation t) for t in
  // [0, n_tokens), r in [0, n_rows). Activation t starts at
  // xq + t * xq_stride bytes. Each output equals what matvec gives for
  // activation t alone, bit for bit, for any n_tokens and row range. The
  // SIMD tables run register tiles of rows x activations that unpack each
  // weight block once per tile (docs/KERNELS.md, "Batched products").
  void (*matmul)(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                 int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                 int64_t y_stride);

  // Float-activation path (ActPrecision::kF32), same contracts as above:
  // prepare_f32act writes ActivationBytes(weight_type, n, kF32) bytes;
  // matvec_f32act / matmul_f32act take that buffer as xq.
  void (*prepare_f32act)(GgmlType weight_type, const float* x, void* dst, int64_t n);
  void (*matvec_f32act)(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                        int64_t n_cols, const void* xq, float* y);
  void (*matmul_f32act)(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                        int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                        float* y, int64_t y_stride);

  // Attention's weighted sum of value rows: for i in [0, n),
  //   out[i] += p[0] * v[0][i]; out[i] += p[1] * v[1][i]; ... (rows in order)
  // where row r starts at v + r * v_stride floats. Each step is a rounded
  // multiply then a rounded add (never fused), so every ISA gives the same
  // bits as the scalar loop.
  void (*accumulate_rows)(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                          int64_t n, float* out);

  // Attention scores of one query head against n_rows key rows:
  //   out[r] = dot(q, k + r * k_stride) * scale, r in [0, n_rows), n floats each;
  // returns the largest out[r] (-inf for no rows). The summation order is
  // fixed, so every ISA gives the scalar reference's bits: 16 lane partials
  // (lane l: q[l]*k[l] rounded, then fused multiply-adds over l+16, l+32, ...;
  // 0 past n), reduced as a_l = p_l + p_{l+8}, b_l = a_l + a_{l+4},
  // (b_0 + b_2) + (b_1 + b_3). The SIMD versions reduce 16 (8) rows at once
  // with shuffles instead of one horizontal sum per row.
  float (*dot_rows)(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                    float scale, float* out);
  // Softmax numerators: p[j] = exp(p[j] - max) for j in [0, n), returns
  // their sum (lane j % 16 partials in order, then the dot_rows tree). exp
  // is attention_order.h's polynomial, the same bits on every ISA.
  float (*exp_sum)(float* p, int64_t n, float max);

  // Dispatch on precision.
  void Prepare(ActPrecision p, GgmlType weight_type, const float* x, void* dst, int64_t n) const {
    (p == ActPrecision::kF32 ? prepare_f32act : quantize_activation)(weight_type, x, dst, n);
  }
  void Matvec(ActPrecision p, GgmlType weight_type, const void* w, size_t row_bytes,
              int64_t n_rows, int64_t n_cols, const void* xq, float* y) const {
    (p == ActPrecision::kF32 ? matvec_f32act : matvec)(weight_type, w, row_bytes, n_rows, n_cols,
                                                        xq, y);
  }
  void Matmul(ActPrecision p, GgmlType weight_type, const void* w, size_t row_bytes,
              int64_t n_rows, int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
              float* y, int64_t y_stride) const {
    (p == ActPrecision::kF32 ? matmul_f32act : matmul)(weight_type, w, row_bytes, n_rows, n_cols,
                                                        xq, xq_stride, n_tokens, y, y_stride);
  }
};

// Determinism: matvec computes each row with the same instruction sequence
// whatever n_rows is and wherever the row sits in the range, so splitting
// rows among threads never changes a result. Different ISAs differ by float
// rounding only (summation order), never in the integer block dots.
// Alignment: xq must be 4-byte aligned (Q8_K holds a float); weight rows
// 2-byte aligned (GGUF guarantees 32).

// Table for `isa` (must be supported by this CPU) / for the detected ISA.
const KernelTable& GetKernels(Isa isa);
const KernelTable& GetKernels();

}  // namespace entropix
