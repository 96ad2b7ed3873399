// ARMv8.2 dot-product kernels (compiled with +dotprod): the quantised
// matvec/matmul of neon_int.inc with sdot, which sums four int8 products
// into each int32 lane in one instruction (the plain NEON file needs a
// widening multiply and a pairwise add per 8 products). Same exact integer
// block dots, same float expressions: the same bits as the reference.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/arm_kernels.h"
#include "kernels/blocks.h"

namespace entropix::dotprod {
namespace {

int32x4_t DotI8(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }

#include "kernels/arm/neon_int.inc"

}  // namespace
}  // namespace entropix::dotprod

namespace entropix {

void MatvecDotprod(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                   int64_t n_cols, const void* xq, float* y) {
  dotprod::QuantMatvec(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}

void MatmulDotprod(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                   int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                   int64_t y_stride) {
  dotprod::QuantMatmul(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y,
                       y_stride);
}

}  // namespace entropix
