// KernelTable::dot_rows and ::exp_sum (attention scores and softmax
// numerators): the scalar reference against hand computations (including
// one that only the specified summation tree gives), exp against float64,
// and every SIMD ISA against the scalar reference bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace entropix {
namespace {

TEST(DotRows, ScalarMatchesHandComputation) {
  const float q[3] = {1, 2, 3};
  const float k[8] = {1, 1, 1, 99, 0.5f, -1, 2, 99};  // two rows, stride 4
  float out[2];
  const float max = GetKernels(Isa::kScalar).dot_rows(q, k, 4, 2, 3, 0.5f, out);
  EXPECT_EQ(out[0], 3.0f);   // (1 + 2 + 3) / 2
  EXPECT_EQ(out[1], 2.25f);  // (0.5 - 2 + 6) / 2
  EXPECT_EQ(max, 3.0f);
}

TEST(DotRows, SumsInTheSpecifiedTree) {
  // Products: lane 0 = 2^24, lane 1 = 1, lane 8 = -2^24, others 0. Summed
  // left to right the 1 is lost in 2^24 + 1; the tree pairs lane 0 with
  // lane 8 first (a_0 = 0), so the 1 survives.
  std::vector<float> q(16, 1.0f), k(16, 0.0f);
  k[0] = 16777216.0f;
  k[1] = 1.0f;
  k[8] = -16777216.0f;
  for (Isa isa : testing::AvailableIsas()) {
    float out = 0.0f;
    GetKernels(isa).dot_rows(q.data(), k.data(), 16, 1, 16, 1.0f, &out);
    EXPECT_EQ(out, 1.0f) << IsaName(isa);
  }
}

TEST(DotRows, EveryIsaEqualsScalarBitForBit) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t n : {1, 8, 15, 16, 17, 40, 64, 100, 128, 256}) {
    for (int64_t rows : {0, 1, 7, 8, 9, 15, 16, 17, 33, 64, 100}) {
      const size_t stride = static_cast<size_t>(n) + 5;
      std::vector<float> q(n), k(rows * stride + 1);
      for (float& x : q) x = u(rng);
      for (float& x : k) x = u(rng) * 4.0f;
      std::vector<float> want(rows + 1, 7.0f);
      const float want_max =
          GetKernels(Isa::kScalar).dot_rows(q.data(), k.data(), stride, rows, n, 0.125f, want.data());
      for (Isa isa : testing::AvailableIsas()) {
        std::vector<float> got(rows + 1, 7.0f);  // the guard past the end stays 7
        const float got_max =
            GetKernels(isa).dot_rows(q.data(), k.data(), stride, rows, n, 0.125f, got.data());
        EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
            << IsaName(isa) << " n=" << n << " rows=" << rows;
        EXPECT_EQ(got_max, want_max) << IsaName(isa) << " n=" << n << " rows=" << rows;
      }
    }
  }
}

TEST(ExpRef, WithinTwoUlpOfFloat64AndFlushesBelowTheNormalRange) {
  double worst = 0.0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::fabs(ExpRef(x) - want) / want);
  }
  EXPECT_LT(worst, 2.5e-7);  // about 2 ulp of float
  EXPECT_EQ(ExpRef(0.0f), 1.0f);
  EXPECT_EQ(ExpRef(-100.0f), 0.0f);
  EXPECT_EQ(ExpRef(-INFINITY), 0.0f);
  EXPECT_TRUE(std::isnan(ExpRef(NAN)));
}

TEST(ExpSum, EveryIsaEqualsScalarBitForBitAndTheSumIsRight) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-30.0f, 0.0f);
  for (int64_t n : {1, 5, 8, 15, 16, 17, 31, 100, 4096}) {
    std::vector<float> scores(n + 1, 3.0f);
    for (int64_t j = 0; j < n; ++j) scores[j] = u(rng);
    scores[n / 2] = 0.0f;  // the max
    std::vector<float> want(scores);
    const float want_sum = GetKernels(Isa::kScalar).exp_sum(want.data(), n, 0.0f);
    double sum64 = 0.0;
    for (int64_t j = 0; j < n; ++j) sum64 += std::exp(static_cast<double>(scores[j]));
    EXPECT_NEAR(want_sum, sum64, 1e-6 * sum64) << "n=" << n;
    EXPECT_EQ(want[n], 3.0f);
    for (Isa isa : testing::AvailableIsas()) {
      std::vector<float> got(scores);
      const float got_sum = GetKernels(isa).exp_sum(got.data(), n, 0.0f);
      EXPECT_EQ(got_sum, want_sum) << IsaName(isa) << " n=" << n;
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
          << IsaName(isa) << " n=" << n;
    }
  }
}

TEST(ExpSum, NanPropagates) {
  for (Isa isa : testing::AvailableIsas()) {
    std::vector<float> p = {0.0f, NAN, -1.0f};
    EXPECT_TRUE(std::isnan(GetKernels(isa).exp_sum(p.data(), 3, 0.0f))) << IsaName(isa);
  }
}

}  // namespace
}  // namespace entropix
