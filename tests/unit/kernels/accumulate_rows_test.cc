// KernelTable::accumulate_rows (attention's weighted sum of value rows):
// the scalar loop against a hand computation, and every SIMD ISA against
// the scalar loop bit for bit (the contract that keeps attention output
// independent of the ISA's vector width).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "test_util.h"

namespace entropix {
namespace {

TEST(AccumulateRows, ScalarMatchesHandComputation) {
  // Two rows of 3 values, stride 4 (the 4th float of each row is not read).
  const float p[2] = {0.5f, 0.25f};
  const float v[8] = {2, 4, 8, 99, 4, -8, 16, 99};
  float out[3] = {1, 1, 1};
  GetKernels(Isa::kScalar).accumulate_rows(p, v, 4, 2, 3, out);
  // 1 + 0.5*2 + 0.25*4 = 3;  1 + 0.5*4 - 0.25*8 = 1;  1 + 0.5*8 + 0.25*16 = 9
  EXPECT_EQ(out[0], 3.0f);
  EXPECT_EQ(out[1], 1.0f);
  EXPECT_EQ(out[2], 9.0f);
}

TEST(AccumulateRows, EveryIsaEqualsScalarBitForBit) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t n : {1, 7, 16, 31, 32, 33, 64, 100, 128, 200}) {
    for (int64_t rows : {1, 2, 5, 64, 67}) {
      const size_t stride = static_cast<size_t>(n) + 3;
      std::vector<float> p(rows), v(rows * stride), start(n);
      for (float& x : p) x = u(rng) * u(rng);
      for (float& x : v) x = u(rng);
      for (float& x : start) x = u(rng);
      std::vector<float> want(start);
      GetKernels(Isa::kScalar).accumulate_rows(p.data(), v.data(), stride, rows, n, want.data());
      for (Isa isa : testing::AvailableIsas()) {
        std::vector<float> got(start);
        got.push_back(12345.0f);  // a guard past the end stays untouched
        GetKernels(isa).accumulate_rows(p.data(), v.data(), stride, rows, n, got.data());
        EXPECT_EQ(got.back(), 12345.0f) << IsaName(isa) << " wrote past n=" << n;
        EXPECT_EQ(std::memcmp(got.data(), want.data(), n * sizeof(float)), 0)
            << IsaName(isa) << " n=" << n << " rows=" << rows;
      }
    }
  }
}

}  // namespace
}  // namespace entropix
