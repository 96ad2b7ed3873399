// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c). The
// quantised kernels live in simd_kernels.inc, shared with the AVX-512 file;
// this file supplies its integer primitives and the float matvec.
#include <immintrin.h>

#include <cstring>

#include "kernels/blocks.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"
#include "kernels/x86/x86_kernels.h"

namespace entropix::avx2 {
namespace {

__m256i DotU8S8(__m256i u, __m256i s) {
  // maddubs pairs cannot saturate here: |u| <= 128 (abs of int8), |s| <= 127.
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

__m256i MaddAcc16(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
}

// The K-quant tiles' integer core (see simd_kernels.inc): two 256-bit
// halves, maddubs + madd each.
struct KPair {
  __m256i a, b;
};
using KAcc = __m256i;
KPair KPairOf(__m256i a, __m256i b) { return {a, b}; }
KAcc KAccZero() { return _mm256_setzero_si256(); }
KAcc KPairDot(KAcc acc, const KPair& w, const int8_t* y, const KPair& scales) {
  const __m256i* v = reinterpret_cast<const __m256i*>(y);
  acc = MaddAcc16(acc, _mm256_maddubs_epi16(w.a, _mm256_loadu_si256(v)), scales.a);
  return MaddAcc16(acc, _mm256_maddubs_epi16(w.b, _mm256_loadu_si256(v + 1)), scales.b);
}
__m256i KAccLanes(KAcc acc) { return acc; }
KPair KScalePair(const int16_t* sc, __m128i, int k) {
  return {_mm256_set1_epi16(sc[2 * k]), _mm256_set1_epi16(sc[2 * k + 1])};
}

void MatvecFloat(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
                 const float* x, float* y);
KPair KChunkScalePair(__m128i sc8, int c);

#include "kernels/x86/simd_kernels.inc"

// Q6_K: the int16 scales of 32-element chunk c: sub-block 2c's in lanes 0-7,
// 2c + 1's in lanes 8-15.
__m256i ChunkScales(__m128i sc8, int c) {
  const __m128i pick = _mm_set_epi64x(static_cast<int64_t>(0x0101010101010101ULL * (2 * c + 1)),
                                      static_cast<int64_t>(0x0101010101010101ULL * (2 * c)));
  return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, pick));
}
KPair KChunkScalePair(__m128i sc8, int c) { return KPairOf(ChunkScales(sc8, c), ChunkScales(sc8, c + 1)); }
#include "kernels/x86/simd_f32act.inc"

// Tile shapes of the batched kernels (rows x activations): 2 x 2 keeps the
// accumulators within the 16 ymm registers (not tuned: this ISA is the
// fallback on the machines we measure).
constexpr int kTileRows = 2;
constexpr int kTileTokens = 2;
constexpr int kTileRowsQ45KF32 = 2;
constexpr int kTileTokensQ45KF32 = 2;
template <bool kFiveBit, typename Block>
using TileQ45K = DotQ45K<kFiveBit, Block>;
using TileQ6K = DotQ6K;
template <typename Block, bool kHasMin>
using TileF32 = Dot32F<Block, kHasMin>;
template <bool kFiveBit, typename Block>
using TileQ45KF = DotQ45KF<kFiveBit, Block>;
using TileQ6KF = DotQ6KF;
#include "kernels/x86/simd_tiles.inc"

__m256 LoadF32(const float* p) { return _mm256_loadu_ps(p); }
__m256 LoadF16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
__m256 LoadBf16(const uint16_t* p) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}
float ScalarF32(const float* p) { return *p; }
float ScalarF16(const uint16_t* p) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(*p))); }
float ScalarBf16(const uint16_t* p) {
  const uint32_t bits = static_cast<uint32_t>(*p) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float HsumPs(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// NR rows x 16 columns per step, two accumulators per row; the n % 16 tail
// is summed in order in scalar code and added last.
template <typename T, __m256 (*kLoad)(const T*), float (*kScalar)(const T*), int NR>
void FloatRows(const uint8_t* w, size_t row_bytes, int64_t n, const float* x, float* out) {
  __m256 acc0[NR], acc1[NR];
  for (int r = 0; r < NR; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + j), x1 = _mm256_loadu_ps(x + j + 8);
    for (int r = 0; r < NR; ++r) {
      const T* row = reinterpret_cast<const T*>(w + r * row_bytes);
      Prefetch(row + j);
      acc0[r] = _mm256_fmadd_ps(kLoad(row + j), x0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(kLoad(row + j + 8), x1, acc1[r]);
    }
  }
  for (int r = 0; r < NR; ++r) {
    const T* row = reinterpret_cast<const T*>(w + r * row_bytes);
    float tail = 0.0f;
    for (int64_t k = j; k < n; ++k) tail += kScalar(row + k) * x[k];
    out[r] = HsumPs(_mm256_add_ps(acc0[r], acc1[r])) + tail;
  }
}

template <typename T, __m256 (*kLoad)(const T*), float (*kScalar)(const T*)>
void FloatMatvec(const void* w, size_t row_bytes, int64_t n_rows, int64_t n, const float* x,
                 float* y) {
  const uint8_t* p = static_cast<const uint8_t*>(w);
  int64_t r = 0;
  for (; r + 4 <= n_rows; r += 4)
    FloatRows<T, kLoad, kScalar, 4>(p + r * row_bytes, row_bytes, n, x, y + r);
  for (; r < n_rows; ++r)
    FloatRows<T, kLoad, kScalar, 1>(p + r * row_bytes, row_bytes, n, x, y + r);
}

void MatvecFloat(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
                 const float* x, float* y) {
  switch (type) {
    case GgmlType::F32:
      return FloatMatvec<float, LoadF32, ScalarF32>(w, row_bytes, n_rows, n_cols, x, y);
    case GgmlType::F16:
      return FloatMatvec<uint16_t, LoadF16, ScalarF16>(w, row_bytes, n_rows, n_cols, x, y);
    default:
      return FloatMatvec<uint16_t, LoadBf16, ScalarBf16>(w, row_bytes, n_rows, n_cols, x, y);
  }
}

}  // namespace
}  // namespace entropix::avx2

namespace entropix {

void QuantizeActivationAvx2(GgmlType weight_type, const float* x, void* dst, int64_t n) {
  avx2::QuantizeActivation(weight_type, x, dst, n);
}
void MatvecAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                int64_t n_cols, const void* xq, float* y) {
  avx2::Matvec(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}
void DequantizeRowAvx2(GgmlType type, const void* src, float* dst, int64_t n) {
  avx2::DequantizeRow(type, src, dst, n);
}
void MatvecF32ActAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                      int64_t n_cols, const void* xq, float* y) {
  avx2::MatvecF32Act(weight_type, w, row_bytes, n_rows, n_cols, xq, y);
}

void MatmulAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                  int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens, float* y,
                  int64_t y_stride) {
  avx2::Matmul(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y, y_stride);
}
void MatmulF32ActAvx2(GgmlType weight_type, const void* w, size_t row_bytes, int64_t n_rows,
                        int64_t n_cols, const void* xq, size_t xq_stride, int64_t n_tokens,
                        float* y, int64_t y_stride) {
  avx2::MatmulF32Act(weight_type, w, row_bytes, n_rows, n_cols, xq, xq_stride, n_tokens, y,
                      y_stride);
}

// 32 columns of `out` stay in four registers while every row is added; the
// remaining columns (n % 32) run as the scalar loop. Multiply, then add: no
// FMA, so the bits equal the scalar reference's.
void AccumulateRowsAvx2(const float* p, const float* v, size_t v_stride, int64_t n_rows,
                        int64_t n, float* out) {
  int64_t c = 0;
  for (; c + 32 <= n; c += 32) {
    __m256 acc[4];
    for (int k = 0; k < 4; ++k) acc[k] = _mm256_loadu_ps(out + c + 8 * k);
    for (int64_t r = 0; r < n_rows; ++r) {
      const __m256 w = _mm256_set1_ps(p[r]);
      const float* row = v + static_cast<size_t>(r) * v_stride + c;
      for (int k = 0; k < 4; ++k) {
        acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(w, _mm256_loadu_ps(row + 8 * k)));
      }
    }
    for (int k = 0; k < 4; ++k) _mm256_storeu_ps(out + c + 8 * k, acc[k]);
  }
  if (c < n) AccumulateRowsRef(p, v + c, v_stride, n_rows, n - c, out + c);
}

}  // namespace entropix
