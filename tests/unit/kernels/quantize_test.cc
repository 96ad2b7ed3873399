// Activation quantisation: SIMD bytes identical to the reference (ties,
// zero blocks, +-max ties included), and the reference within half a step.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/blocks.h"
#include "test_util.h"

namespace entropix {
namespace {

// Random values plus the cases rounding and max-finding can get wrong.
std::vector<float> TrickyActivation(int64_t n, std::mt19937& rng) {
  std::vector<float> x = testing::RandomActivation(n, rng);
  std::uniform_int_distribution<int> pick(0, 5);
  for (int64_t b = 0; b + 32 <= n; b += 32) {
    float* v = x.data() + b;
    switch (pick(rng)) {
      case 0:  // all zero
        for (int j = 0; j < 32; ++j) v[j] = 0.0f;
        break;
      case 1:  // amax 127 -> d = 1: exact .5 ties for roundf
        for (int j = 0; j < 32; ++j)
          v[j] = 0.5f * static_cast<float>(j - 16) + (j == 31 ? 127.0f : 0.0f);
        break;
      case 2:  // +max and -max both present (Q8_K keeps the first)
        v[3] = -5.0f, v[9] = 5.0f;
        for (int j = 0; j < 32; ++j) v[j] = std::fmax(-4.9f, std::fmin(4.9f, v[j]));
        v[3] = -5.0f, v[9] = 5.0f;
        break;
      case 3:  // large dynamic range
        for (int j = 0; j < 32; ++j) v[j] *= std::exp2(static_cast<float>(j % 20) - 10.0f);
        break;
      default:
        break;
    }
  }
  return x;
}

TEST(QuantizeActivation, SimdBytesEqualReference) {
  std::mt19937 rng(3);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q4_K, GgmlType::F16}) {
    for (int64_t n : {256, 512, 4096, 8960}) {
      for (int rep = 0; rep < 20; ++rep) {
        const std::vector<float> x = TrickyActivation(n, rng);
        std::vector<uint8_t> ref(ActivationBytes(t, n));
        QuantizeActivationRef(t, x.data(), ref.data(), n);
        for (Isa isa : testing::AvailableIsas()) {
          std::vector<uint8_t> got(ref.size(), 0xAB);
          GetKernels(isa).quantize_activation(t, x.data(), got.data(), n);
          ASSERT_EQ(got, ref) << TypeName(ActivationType(t)) << " n=" << n << " " << IsaName(isa);
        }
      }
    }
  }
}

// |x - dequantised| <= half a step, plus the fp16 rounding of d (Q8_0/Q8_1:
// |q| * |d - fp16(d)| <= 127 d 2^-11); Q8_K's float d adds nothing.
TEST(QuantizeActivation, ReferenceWithinHalfStep) {
  std::mt19937 rng(4);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q4_K}) {
    const int64_t n = 4096;
    const int64_t block = TypeTraits(ActivationType(t)).block_elems;
    const std::vector<float> x = TrickyActivation(n, rng);
    std::vector<uint8_t> q(ActivationBytes(t, n));
    QuantizeActivationRef(t, x.data(), q.data(), n);
    std::vector<float> a(n);
    DequantizeRowRef(ActivationType(t), q.data(), a.data(), n);
    for (int64_t b = 0; b < n; b += block) {
      float amax = 0;
      for (int64_t j = b; j < b + block; ++j) amax = std::fmax(amax, std::fabs(x[j]));
      const double d = amax / 127.0;
      const double tol = block == 32 ? d * (0.5 + 127.0 / 2048) * 1.0001 : d * 0.5 * 1.0001;
      for (int64_t j = b; j < b + block; ++j) {
        ASSERT_LE(std::fabs(static_cast<double>(x[j]) - a[j]), tol)
            << TypeName(t) << " element " << j;
      }
    }
    if (ActivationType(t) == GgmlType::Q8_1) {  // s = fp16(d * sum q)
      const auto* y = reinterpret_cast<const BlockQ8_1*>(q.data());
      for (int64_t b = 0; b < n / 32; ++b) {
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += y[b].qs[j];
        const double s = Fp16ToFp32(y[b].s), want = Fp16ToFp32(y[b].d) * sum;
        ASSERT_LE(std::fabs(s - want), std::fabs(want) * 2e-3 + 1e-6) << "block " << b;
      }
    }
    if (ActivationType(t) == GgmlType::Q8_K) {  // bsums
      const auto* y = reinterpret_cast<const BlockQ8_K*>(q.data());
      for (int64_t b = 0; b < n / 256; ++b) {
        for (int g = 0; g < 16; ++g) {
          int sum = 0;
          for (int j = 0; j < 16; ++j) sum += y[b].qs[16 * g + j];
          ASSERT_EQ(sum, y[b].bsums[g]);
        }
      }
    }
  }
}

}  // namespace
}  // namespace entropix
