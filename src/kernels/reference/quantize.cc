// Scalar activation quantisation into the partner formats Q8_0, Q8_1, Q8_K.
// Same maths as ggml's quantize_row_q8_0_ref / q8_1_ref / q8_K_ref: the SIMD
// versions must produce identical bytes (tested).
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "kernels/blocks.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"

namespace entropix {
namespace {

// Q8_0 and Q8_1: d = amax / 127, q = roundf(x / d) (ties away from zero).
template <typename Block>
void QuantizeQ8_01(const float* x, Block* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQk) {
    float amax = 0.0f;
    for (int j = 0; j < kQk; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = Fp32ToFp16(d);
    int sum = 0;
    for (int j = 0; j < kQk; ++j) {
      y[i].qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
      sum += y[i].qs[j];
    }
    if constexpr (sizeof(Block) == sizeof(BlockQ8_1)) {
      y[i].s = Fp32ToFp16(static_cast<float>(sum) * d);
    }
  }
}

// Q8_K: the element of largest magnitude (first one on ties) maps to -127;
// rounding is to nearest even (ggml's nearest_int); d = 1 / iscale.
void QuantizeQ8_K(const float* x, BlockQ8_K* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQkK) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQkK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQkK; ++j) {
      const long v = std::lrintf(iscale * x[j]);  // default rounding: nearest even
      y[i].qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQkK / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += y[i].qs[16 * g + j];
      y[i].bsums[g] = static_cast<int16_t>(sum);
    }
    y[i].d = 1.0f / iscale;
  }
}

}  // namespace

void QuantizeActivationRef(GgmlType weight_type, const float* x, void* dst, int64_t n) {
  switch (ActivationType(weight_type)) {
    case GgmlType::F32:
      std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case GgmlType::Q8_0:
      return QuantizeQ8_01(x, static_cast<BlockQ8_0*>(dst), n / kQk);
    case GgmlType::Q8_1:
      return QuantizeQ8_01(x, static_cast<BlockQ8_1*>(dst), n / kQk);
    case GgmlType::Q8_K:
      return QuantizeQ8_K(x, static_cast<BlockQ8_K*>(dst), n / kQkK);
    default:
      ENTROPIX_CHECK(!"QuantizeActivationRef: unsupported type");
  }
}

void PrepareF32ActRef(GgmlType weight_type, const float* x, void* dst, int64_t n) {
  float* out = static_cast<float*>(dst);
  std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
  if (TypeTraits(weight_type).block_elems == 1) return;
  for (int64_t b = 0; b < n / 32; ++b) {
    double s = 0.0;
    for (int j = 0; j < 32; ++j) s += x[32 * b + j];
    out[n + b] = static_cast<float>(s);
  }
}

}  // namespace entropix
