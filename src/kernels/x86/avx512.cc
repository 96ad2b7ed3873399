// AVX-512 (F/BW/VL/DQ) + VNNI kernels. The quantised kernels are the shared
// code of simd_kernels.inc with VNNI primitives (vpdpbusd replaces
// maddubs+madd, vpdpwssd replaces madd+add; the K-quant core works on
// 512-bit registers), and the batched tiles of kquant_tiles_avx512.inc and
// f32act_tiles_avx512.inc put two tokens in each 512-bit register with the
// same lane operations; the float matvec uses 512-bit vectors with masked
// tails.
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"
#include "kernels/x86/x86_kernels.h"

namespace entropix::avx512 {
namespace {

__m256i DotU8S8(__m256i u, __m256i s) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s); }

__m256i MaddAcc16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }

// The K-quant tiles' integer core (see simd_kernels.inc) in 512-bit
// registers: one dpbusd dots both halves at once; each 4-byte dot fits in
// int16, so one dpwssd against (scale, 0) pairs scales it. Half b's lanes
// are folded onto half a's at the end: the same int32 lane values as the
// 256-bit code. vpdpbusd zmm issues as fast as ymm on the CPUs we measured
// (bench_peak: 526 vs 265 G int8 madds/s per core), so this halves the
// multiplies per token.
using KPair = __m512i;
using KAcc = __m512i;
KPair KPairOf(__m256i a, __m256i b) { return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1); }
KAcc KAccZero() { return _mm512_setzero_si512(); }
// `scales` as KScalePair / KChunkScalePair make them: (scale, 0) word pairs,
// so the dot's sign-extension word is multiplied by 0.
KAcc KPairDot(KAcc acc, KPair w, const int8_t* y, KPair scales) {
  const __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, _mm512_loadu_si512(y));
  return _mm512_dpwssd_epi32(acc, d, scales);
}
// Scale pairs (sc[2k], 0) in the first half, (sc[2k + 1], 0) in the
// second, by one word permute of the 8 scales (instead of two broadcasts
// from memory and an insert).
KPair KScalePair(const int16_t*, __m128i scales, int k) {
  const __m512i idx = _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(2 * k), _mm512_set1_epi32(2 * k + 1));
  return _mm512_maskz_permutexvar_epi16(0x55555555, idx, _mm512_castsi128_si512(scales));
}
__m256i KAccLanes(KAcc acc) {
  return _mm256_add_epi32(_mm512_castsi512_si256(acc), _mm512_extracti64x4_epi64(acc, 1));
}

void MatvecFloat(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
                 const float* x, float* y);
KPair KChunkScalePair(__m128i sc8, int c);

#include "kernels/x86/simd_kernels.inc"

// (scale, 0) pairs: sub-blocks 2c .. 2c + 3 in dwords 0-3, 4-7, 8-11, 12-15
// (the values avx2.cc's ChunkScales gives, with the pair's second word zeroed,
// which KPairDot ignores), by one word permute.
KPair KChunkScalePair(__m128i sc8, int c) {
  const __m512i idx = _mm512_setr_epi32(2 * c, 2 * c, 2 * c, 2 * c, 2 * c + 1, 2 * c + 1, 2 * c + 1,
                                        2 * c + 1, 2 * c + 2, 2 * c + 2, 2 * c + 2, 2 * c + 2,
                                        2 * c + 3, 2 * c + 3, 2 * c + 3, 2 * c + 3);
  return _mm512_maskz_permutexvar_epi16(0x55555555, idx,
                                        _mm512_castsi256_si512(_mm256_cvtepi8_epi16(sc8)));
}
#include "kernels/x86/simd_f32act.inc"

// Tile shapes of the batched kernels (rows x activations), measured on Zen 4
// (bench_kernels matmul/, T = 16 and 64): 2 x 8 beat 4 x 4 by 5-15 % for
// Q4_1/Q8_0 (float activations), Q4_K and Q6_K (8-bit); 4 x 4 stays ahead
// for the float-activation Q4_K/Q5_K kernel (its two accumulators per pair
// spill at 2 x 8); 4 x 2, 2 x 4 and 1 x 8 were slower.
constexpr int kTileRows = 2;
constexpr int kTileTokens = 8;
constexpr int kTileRowsQ45KF32 = 4;
constexpr int kTileTokensQ45KF32 = 4;
#include "kernels/x86/kquant_tiles_avx512.inc"
template <bool kFiveBit, typename Block>
using TileQ45K = DotQ45KPairs<kFiveBit, Block>;
using TileQ6K = DotQ6KPairs;
#include "kernels/x86/f32act_tiles_avx512.inc"
template <typename Block, bool kHasMin>
using TileF32 = Dot32FPairs<Block, kHasMin>;
template <bool kFiveBit, typename Block>
using TileQ45KF = DotQ45KF<kFiveBit, Block>;
using TileQ6KF = DotQ6KFPairs;
#include "kernels/x86/simd_tiles.inc"
#include "kernels/x86/kquant_packed_avx512.inc"

__m512 LoadF32(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
__m512 LoadF16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}
__m512 LoadBf16(const uint16_t* p, __mmask16 m) {
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}

// NR rows x 32 columns per step, two accumulators per row; the tail runs
// masked through the first accumulator.
template <typename T, __m512 (*kLoad)(const T*, __mmask16), int NR>
void FloatRows(const uint8_t* w, size_t row_bytes, int64_t n, const float* x, float* out) {
  __m512 acc0[NR], acc1[NR];
  for (int r = 0; r < NR; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + j), x1 = _mm512_loadu_ps(x + j + 16);
    for (int r = 0; r < NR; ++r) {
      const T* row = reinterpret_cast<const T*>(w + r * row_bytes);
      Prefetch(row + j);
      Prefetch(row + j + 16);
      acc0[r] = _mm512_fmadd_ps(kLoad(row + j, 0xFFFF), x0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(kLoad(row + j + 16, 0xFFFF), x1, acc1[r]);
    }
  }
  for (; j < n; j += 16) {
    const __mmask16 m =
        n - j >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - j)) - 1);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, x + j);
    for (int r = 0; r < NR; ++r) {
      const T* row = reinterpret_cast<const T*>(w + r * row_bytes);
      acc0[r] = _mm512_fmadd_ps(kLoad(row + j, m), x0, acc0[r]);
    }
  }
  for (int r = 0; r < NR; ++r) out[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
}

template <typename T, __m512 (*kLoad)(const T*, __mmask16)>
void FloatMatvec(const void* w, size_t row_bytes, int64_t n_rows, int64_t n, const float* x,
                 float* y) {
  const uint8_t* p = static_cast<const uint8_t*>(w);
  int64_t r = 0;
  for (; r + 4 <= n_rows; r += 4) FloatRows<T, kLoad, 4>(p + r * row_bytes, row_bytes, n, x, y + r);
  for (; r < n_rows; ++r) FloatRows<T, kLoad, 1>(p + r * row_bytes, row_bytes, n, x, y + r);
}

void MatvecFloat(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
                 const float* x, float* y) {
  switch (type) {
    case GgmlType::F32:
      return FloatMatvec<float, LoadF32>(w, row_bytes, n_rows, n_cols, x, y);
    case GgmlType::F16:
      return FloatMatvec<uint16_t, LoadF16>(w, row_bytes, n_rows, n_cols, x, y);
    default:
      return FloatMatvec<uint16_t, LoadBf16>(w, row_bytes, n_rows, n_cols, x, y);
  }
}

}  // namespace
}  // namespace entropix::avx512

namespace entropix {

void QuantizeActivationAvx512(GgmlType weight_type, const float* x, void* dst, int64_t n) {
  avx512::QuantizeActivation(weight_type, x, dst, n);
}
void MatvecAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                  int64_t n_cols, const void* xq, float* y) {
  avx512::Matvec(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}
void DequantizeRowAvx512(GgmlType type, const void* src, float* dst, int64_t n) {
  avx512::DequantizeRow(type, src, dst, n);
}
void MatvecF32ActAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, float* y) {
  avx512::MatvecF32Act(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}

void MatmulAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                  int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                  int64_t y_stride) {
  avx512::Matmul(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y, y_stride);
}
void MatmulF32ActAvx512(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                        int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                        float* y, int64_t y_stride) {
  avx512::MatmulF32Act(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y,
                      y_stride);
}

// Up to 64 columns of `out` stay in four registers while every row is
// added; the last partial vector is masked. Multiply, then add: no FMA, so
// the bits equal the scalar reference's.
void AccumulateRowsAvx512(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                          int64_t n, float* out) {
  for (int64_t c = 0; c < n; c += 64) {
    __mmask16 m[4];
    __m512 acc[4];
    for (int k = 0; k < 4; ++k) {
      const int64_t left = n - c - 16 * k;
      m[k] = left >= 16 ? __mmask16(0xFFFF)
                        : left <= 0 ? __mmask16(0) : static_cast<__mmask16>((1u << left) - 1);
      acc[k] = _mm512_maskz_loadu_ps(m[k], out + c + 16 * k);
    }
    for (int64_t r = 0; r < n_rows; ++r) {
      const __m512 w = _mm512_set1_ps(p[r]);
      const float* row = v + static_cast<size_t>(r) * v_stride + c;
      for (int k = 0; k < 4; ++k) {
        acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(w, _mm512_maskz_loadu_ps(m[k], row + 16 * k)));
      }
    }
    for (int k = 0; k < 4; ++k) _mm512_mask_storeu_ps(out + c + 16 * k, m[k], acc[k]);
  }
}

}  // namespace entropix
