// AVX2 attention kernels (kernels.h: dot_rows, exp_sum), bit for bit the
// scalar reference (reference/attention.cc). The 16 lane partials of a row
// are two 8-float registers (lanes 0-7, 8-15) added first, which is the
// reference's first tree level; the rest of the tree runs for 8 rows at once
// by shuffles.
#include <immintrin.h>

#include <cmath>

#include "kernels/attention_order.h"
#include "kernels/reference/reference.h"
#include "kernels/x86/x86_kernels.h"

namespace entropix {
namespace {

using namespace attention;

__m256i Mask8(int64_t left) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 8 ? left : 8)), lane);
}

__m256 Load8(const float* p, int64_t left) {
  if (left >= 8) return _mm256_loadu_ps(p);
  if (left <= 0) return _mm256_setzero_ps();
  return _mm256_maskload_ps(p, Mask8(left));
}

// a_l = p_l + p_{l+8} of one row: lane l of the result.
__m256 RowHalves(const float* q, const float* k, int64_t n) {
  __m256 lo = _mm256_mul_ps(Load8(q, n), Load8(k, n));
  __m256 hi = _mm256_mul_ps(Load8(q + 8, n - 8), Load8(k + 8, n - 8));
  for (int64_t c = 16; c < n; c += 16) {
    lo = _mm256_fmadd_ps(Load8(q + c, n - c), Load8(k + c, n - c), lo);
    hi = _mm256_fmadd_ps(Load8(q + c + 8, n - c - 8), Load8(k + c + 8, n - c - 8), hi);
  }
  return _mm256_add_ps(lo, hi);
}

// The rest of the tree for 8 rows: b pairs rows i, i+4 (128-bit halves),
// then c and c_0 + c_1 within halves; lanes hold rows 0,2,1,3,4,6,5,7.
__m256 Tree8(const __m256* a) {
  __m256 w[4], x[2];
  for (int i = 0; i < 4; ++i) {
    w[i] = _mm256_add_ps(_mm256_permute2f128_ps(a[i], a[i + 4], 0x20),
                         _mm256_permute2f128_ps(a[i], a[i + 4], 0x31));
  }
  for (int i = 0; i < 2; ++i) {
    x[i] = _mm256_add_ps(_mm256_shuffle_ps(w[i], w[i + 2], 0x44),
                         _mm256_shuffle_ps(w[i], w[i + 2], 0xEE));
  }
  const __m256 z = _mm256_add_ps(_mm256_shuffle_ps(x[0], x[1], 0x88),
                                 _mm256_shuffle_ps(x[0], x[1], 0xDD));
  return _mm256_permutevar8x32_ps(z, _mm256_setr_epi32(0, 2, 1, 3, 4, 6, 5, 7));
}

float Tree1(__m256 a) {
  alignas(32) float l[8];
  _mm256_store_ps(l, a);
  const float b0 = l[0] + l[4], b1 = l[1] + l[5], b2 = l[2] + l[6], b3 = l[3] + l[7];
  return (b0 + b2) + (b1 + b3);
}

float HMax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

__m256 Exp(__m256 x) {
  const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(kExpMin), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_set1_ps(kExpMax), x);  // a NaN x stays NaN
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
  __m256 y = _mm256_set1_ps(kExpC[5]);
  for (int i = 4; i >= 0; --i) y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kExpC[i]));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), r);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  return _mm256_andnot_ps(tiny, y);
}

}  // namespace

float DotRowsAvx2(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                  float scale, float* out) {
  const __m256 s = _mm256_set1_ps(scale);
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int64_t r = 0;
  for (; r + 8 <= n_rows; r += 8) {
    __m256 a[8];
    for (int i = 0; i < 8; ++i) a[i] = RowHalves(q, k + static_cast<size_t>(r + i) * k_stride, n);
    const __m256 z = _mm256_mul_ps(Tree8(a), s);
    _mm256_storeu_ps(out + r, z);
    vmax = _mm256_max_ps(vmax, z);
  }
  float max = HMax(vmax);
  for (; r < n_rows; ++r) {
    out[r] = Tree1(RowHalves(q, k + static_cast<size_t>(r) * k_stride, n)) * scale;
    max = out[r] > max ? out[r] : max;
  }
  return max;
}

float ExpSumAvx2(float* p, int64_t n, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (int64_t j = 0; j < n; j += 16) {
    for (int h = 0; h < 2; ++h) {
      const int64_t left = n - j - 8 * h;
      if (left <= 0) break;
      const __m256 e = Exp(_mm256_sub_ps(Load8(p + j + 8 * h, left), m));
      __m256& acc = h == 0 ? lo : hi;
      if (left >= 8) {
        _mm256_storeu_ps(p + j + 8 * h, e);
        acc = _mm256_add_ps(acc, e);
      } else {
        const __m256i in = Mask8(left);
        _mm256_maskstore_ps(p + j + 8 * h, in, e);
        acc = _mm256_add_ps(acc, _mm256_and_ps(e, _mm256_castsi256_ps(in)));
      }
    }
  }
  return Tree1(_mm256_add_ps(lo, hi));
}

}  // namespace entropix
