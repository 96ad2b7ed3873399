// Tensor element types as numbered by GGML/GGUF, and their block geometry.
// Every type id GGUF defines is listed so that a reader can validate sizes of
// tensors we cannot compute with; `supported` says whether our kernels can.
#pragma once

#include <cstddef>
#include <cstdint>

namespace entropix {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
  Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20,
  IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26,
  I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35,
  MXFP4 = 39,
};

struct GgmlTypeTraits {
  const char* name;
  int64_t block_elems;  // elements per block (1 for plain types)
  int64_t block_bytes;  // bytes per block
  bool supported;       // our kernels can dequantize and dot it
};

// Null when `id` is not a type GGUF defines.
const GgmlTypeTraits* FindGgmlType(uint32_t id);
// For a type known to be valid.
const GgmlTypeTraits& TypeTraits(GgmlType type);
const char* TypeName(GgmlType type);

// Bytes of one row of `n` elements; `n` must be a multiple of block_elems.
inline size_t RowBytes(GgmlType type, int64_t n) {
  const GgmlTypeTraits& t = TypeTraits(type);
  return static_cast<size_t>(n / t.block_elems * t.block_bytes);
}

}  // namespace entropix
