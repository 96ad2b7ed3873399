// Constants shared by the scalar and SIMD attention kernels (data only: no
// inline functions here, see x86/x86_kernels.h). The kernels' arithmetic is
// specified in kernels.h (dot_rows, exp_sum) so that every ISA gives the
// same bits.
#pragma once

namespace entropix::attention {

// Lanes of the partial sums: element j of a row goes to lane j % kLanes.
inline constexpr int kLanes = 16;

// exp(x) = 2^n * e^r with n = nearest(x * log2(e)), r = x - n * ln2 (in two
// steps, hi then lo), e^r by a degree-5 polynomial (Cephes expf's
// coefficients, ~1 ulp on [-ln2/2, ln2/2]) as
//   y = c5; y = fma(y, r, c4); ...; y = fma(y, r, c0); y = fma(y, r*r, r); y += 1.
// Below kExpMin the result is 0 (exp(-87.3) ~ 1.2e-38, the smallest normal
// float); above kExpMax the argument is clamped (attention only ever asks
// for x <= 0).
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kExpC[6] = {5.0000001201e-1f, 1.6666665459e-1f, 4.1665795894e-2f,
                                   8.3334519073e-3f, 1.3981999507e-3f, 1.9875691500e-4f};
inline constexpr float kExpMin = -87.33654f;
inline constexpr float kExpMax = 88.37626f;

}  // namespace entropix::attention
