// AVX-512 attention kernels (kernels.h: dot_rows, exp_sum), bit for bit the
// scalar reference (reference/attention.cc): 16 lane partials per row, then
// the reference's reduction tree done for 16 rows at once by shuffles, so
// no row pays a horizontal reduction of its own.
#include <immintrin.h>

#include <cmath>

#include "kernels/attention_order.h"
#include "kernels/reference/reference.h"
#include "kernels/x86/x86_kernels.h"

namespace entropix {
namespace {

using namespace attention;

__mmask16 Mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
}

// Lane l: q[l] * k[l], then fma over l + 16, l + 32, ... (0 past n).
__m512 RowPartials(const float* q, const float* k, int64_t n) {
  const __mmask16 m0 = Mask(n);
  __m512 acc = _mm512_mul_ps(_mm512_maskz_loadu_ps(m0, q), _mm512_maskz_loadu_ps(m0, k));
  for (int64_t c = 16; c < n; c += 16) {
    const __mmask16 m = Mask(n - c);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + c), _mm512_maskz_loadu_ps(m, k + c), acc);
  }
  return acc;
}

// The lane tree of 16 rows' partials v[0..15] -> their 16 sums in row order.
// Step by step (A, B: 4-lane chunks): a = p_l + p_{l+8} pairs rows i, i+8;
// b = a_l + a_{l+4} pairs i, i+4; c = b_l + b_{l+2} and c_0 + c_1 within
// 128-bit chunks; the result lanes hold rows 0,2,1,3, 8,10,9,11, 4,6,5,7,
// 12,14,13,15, put back in order by one permute.
__m512 Tree16(const __m512* v) {
  __m512 w[8], x[4], y[2];
  for (int i = 0; i < 8; ++i) {
    w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[i], v[i + 8], 0x44),
                         _mm512_shuffle_f32x4(v[i], v[i + 8], 0xEE));
  }
  for (int i = 0; i < 4; ++i) {
    x[i] = _mm512_add_ps(_mm512_shuffle_f32x4(w[i], w[i + 4], 0x88),
                         _mm512_shuffle_f32x4(w[i], w[i + 4], 0xDD));
  }
  for (int i = 0; i < 2; ++i) {
    y[i] = _mm512_add_ps(_mm512_shuffle_ps(x[i], x[i + 2], 0x44),
                         _mm512_shuffle_ps(x[i], x[i + 2], 0xEE));
  }
  const __m512 z = _mm512_add_ps(_mm512_shuffle_ps(y[0], y[1], 0x88),
                                 _mm512_shuffle_ps(y[0], y[1], 0xDD));
  const __m512i order = _mm512_setr_epi32(0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15);
  return _mm512_permutexvar_ps(order, z);
}

// One row's tree, for the rows past the last full 16.
float Tree1(__m512 p) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, p);
  float a[8], b[4];
  for (int l = 0; l < 8; ++l) a[l] = lanes[l] + lanes[l + 8];
  for (int l = 0; l < 4; ++l) b[l] = a[l] + a[l + 4];
  return (b[0] + b[2]) + (b[1] + b[3]);
}

__m512 Exp(__m512 x) {
  const __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpMin), _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_set1_ps(kExpMax), x);  // a NaN x stays NaN
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Hi), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Lo), r);
  __m512 y = _mm512_set1_ps(kExpC[5]);
  for (int i = 4; i >= 0; --i) y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kExpC[i]));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), r);
  y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  y = _mm512_mul_ps(y, _mm512_castsi512_ps(e));
  return _mm512_mask_blend_ps(tiny, y, _mm512_setzero_ps());
}

}  // namespace

float DotRowsAvx512(const float* q, const float* k, size_t k_stride, int64_t n_rows, int64_t n,
                    float scale, float* out) {
  const __m512 s = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  int64_t r = 0;
  for (; r + 16 <= n_rows; r += 16) {
    __m512 v[16];
    for (int i = 0; i < 16; ++i) v[i] = RowPartials(q, k + static_cast<size_t>(r + i) * k_stride, n);
    const __m512 z = _mm512_mul_ps(Tree16(v), s);
    _mm512_storeu_ps(out + r, z);
    vmax = _mm512_max_ps(vmax, z);
  }
  float max = _mm512_reduce_max_ps(vmax);
  for (; r < n_rows; ++r) {
    out[r] = Tree1(RowPartials(q, k + static_cast<size_t>(r) * k_stride, n)) * scale;
    max = out[r] > max ? out[r] : max;
  }
  return max;
}

float ExpSumAvx512(float* p, int64_t n, float max) {
  const __m512 m = _mm512_set1_ps(max);
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 in = Mask(n - j);
    const __m512 e = Exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(in, p + j), m));
    _mm512_mask_storeu_ps(p + j, in, e);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(in, e));
  }
  return Tree1(sum);
}

}  // namespace entropix
