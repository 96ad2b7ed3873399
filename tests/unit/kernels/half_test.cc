// fp16/bf16 conversions of core/half.h: exact widening, round-to-nearest-even
// narrowing (checked exhaustively at every tie and against the hardware
// conversion: F16C on x86, FCVT on ARM64).
#include "core/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace entropix {
namespace {

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// The CPU's own conversions: F16C on x86, FCVT (every AArch64 CPU) on ARM.
#if defined(__x86_64__) || defined(__i386__)
bool HasHardwareHalf() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;  // F16C: CPUID leaf 1, ECX bit 29
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}
__attribute__((target("f16c"))) uint16_t HardwareFp32ToFp16(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float HardwareFp16ToFp32(uint16_t h) {
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}
#elif defined(__aarch64__)
bool HasHardwareHalf() { return true; }
uint16_t HardwareFp32ToFp16(float f) {
  return vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(f))), 0);
}
float HardwareFp16ToFp32(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}
#else
bool HasHardwareHalf() { return false; }
uint16_t HardwareFp32ToFp16(float) { return 0; }
float HardwareFp16ToFp32(uint16_t) { return 0.0f; }
#endif

TEST(Half, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = Fp16ToFp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(Fp16ToFp32(Fp32ToFp16(f)))) << std::hex << h;
      continue;
    }
    ASSERT_EQ(Fp32ToFp16(f), h) << std::hex << h;
  }
}

// Halfway between two adjacent finite halves of the same sign rounds to the
// one with an even mantissa; a hair either side rounds to the nearer one.
TEST(Half, TiesRoundToEven) {
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    for (uint32_t sign : {0u, 0x8000u}) {
      const double a = Fp16ToFp32(static_cast<uint16_t>(h | sign));
      const double b = Fp16ToFp32(static_cast<uint16_t>((h + 1) | sign));
      const float mid = static_cast<float>((a + b) / 2);  // exact in float
      ASSERT_EQ(static_cast<double>(mid), (a + b) / 2);
      const uint16_t even =
          (h & 1) ? static_cast<uint16_t>((h + 1) | sign) : static_cast<uint16_t>(h | sign);
      ASSERT_EQ(Fp32ToFp16(mid), even) << std::hex << h;
      ASSERT_EQ(Fp32ToFp16(std::nextafter(mid, static_cast<float>(a))), h | sign) << std::hex << h;
      ASSERT_EQ(Fp32ToFp16(std::nextafter(mid, static_cast<float>(b))), (h + 1) | sign)
          << std::hex << h;
    }
  }
}

TEST(Half, OverflowAndUnderflow) {
  EXPECT_EQ(Fp32ToFp16(65504.0f), 0x7bff);
  EXPECT_EQ(Fp32ToFp16(65519.99f), 0x7bff);
  EXPECT_EQ(Fp32ToFp16(65520.0f), 0x7c00);  // the tie rounds to even: inf
  EXPECT_EQ(Fp32ToFp16(-1e30f), 0xfc00);
  EXPECT_EQ(Fp32ToFp16(INFINITY), 0x7c00);
  EXPECT_EQ(Fp32ToFp16(std::ldexp(1.0f, -25)), 0x0000);  // tie with 0 -> 0
  EXPECT_EQ(Fp32ToFp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(Fp32ToFp16(-std::ldexp(3.0f, -25)), 0x8002);  // 1.5 ulp -> 2
  EXPECT_EQ(Fp32ToFp16(1e-10f), 0x0000);
}

TEST(Half, MatchesF16cHardware) {
  if (!HasHardwareHalf()) GTEST_SKIP() << "no hardware half conversion (F16C / FCVT)";
  for (uint64_t b = 0; b < (1ull << 32); b += 251) {
    const uint32_t bits = static_cast<uint32_t>(b);
    const float f = FromBits(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(Fp32ToFp16(f), HardwareFp32ToFp16(f)) << std::hex << bits;
  }
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float a = Fp16ToFp32(static_cast<uint16_t>(h)),
                b = HardwareFp16ToFp32(static_cast<uint16_t>(h));
    if (std::isnan(a)) {
      ASSERT_TRUE(std::isnan(b));
      continue;
    }
    ASSERT_EQ(std::memcmp(&a, &b, 4), 0) << std::hex << h;
  }
}

TEST(Half, Bf16IsTheTopHalf) {
  EXPECT_EQ(Bf16ToFp32(0x3f80), 1.0f);
  EXPECT_EQ(Bf16ToFp32(0xc040), -3.0f);
}

}  // namespace
}  // namespace entropix
