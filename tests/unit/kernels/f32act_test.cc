// Float-activation path (ActPrecision::kF32): the scalar reference against a
// float64 dot of the dequantised weights and the float activation, every
// SIMD table against the reference, row-range determinism, and matmul.
// Tolerances are relative to scale = sum_j |x_j| (|w_j| + |offset_j|).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/blocks.h"
#include "test_util.h"

namespace entropix {
namespace {

constexpr double kRelTol = 1e-5;
constexpr ActPrecision kF32 = ActPrecision::kF32;

struct Problem {
  GgmlType type;
  int64_t rows, cols;
  size_t row_bytes;
  std::vector<uint8_t> w;
  std::vector<float> x;
  std::vector<uint8_t> xp;  // prepared by the reference
};

Problem MakeProblem(GgmlType t, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  Problem p{t, rows, cols, RowBytes(t, cols), testing::RandomWeights(t, rows, cols, rng),
            testing::RandomActivation(cols, rng), {}};
  p.xp.resize(ActivationBytes(t, cols, kF32));
  PrepareF32ActRef(t, p.x.data(), p.xp.data(), cols);
  return p;
}

struct Oracle {
  double value, scale;
};

Oracle OracleFor(const Problem& p, int64_t r) {
  const uint8_t* row = p.w.data() + r * p.row_bytes;
  std::vector<float> w(p.cols);
  DequantizeRowRef(p.type, row, w.data(), p.cols);
  const std::vector<float> off = testing::OffsetPart(p.type, row, p.cols);
  Oracle o{0, 0};
  for (int64_t j = 0; j < p.cols; ++j) {
    o.value += static_cast<double>(w[j]) * p.x[j];
    o.scale += std::fabs(static_cast<double>(p.x[j])) * (std::fabs(w[j]) + std::fabs(off[j]));
  }
  return o;
}

std::vector<int64_t> ColsFor(GgmlType t) {
  const int64_t b = TypeTraits(t).block_elems;
  if (b == 1) return {1, 3, 17, 33, 4096};
  if (b == kQk) return {b, 3 * b, 17 * b, 18 * b, 4096};
  return {b, 3 * b, 6 * b, 4096};
}

std::string Name(GgmlType t, int64_t rows, int64_t cols) {
  return std::string(TypeName(t)) + " " + std::to_string(rows) + "x" + std::to_string(cols);
}

TEST(F32Act, Layout) {
  EXPECT_EQ(ActivationType(GgmlType::Q4_1, kF32), GgmlType::F32);
  EXPECT_EQ(ActivationBytes(GgmlType::Q4_1, 64, kF32), 64 * 4 + 2 * 4u);
  EXPECT_EQ(ActivationBytes(GgmlType::F16, 17, kF32), 17 * 4u);
  EXPECT_EQ(ParseActPrecision("q8"), ActPrecision::kQ8);
  EXPECT_EQ(ParseActPrecision("f32"), ActPrecision::kF32);
  EXPECT_ANY_THROW(ParseActPrecision("f16"));
}

TEST(F32Act, ReferenceMatchesFloat64Oracle) {
  uint32_t seed = 1000;
  for (GgmlType t : testing::kWeightTypes) {
    double worst = 0;
    for (int64_t cols : ColsFor(t)) {
      const Problem p = MakeProblem(t, 7, cols, seed++);
      std::vector<float> y(p.rows);
      MatvecF32ActRef(t, p.w.data(), p.row_bytes, p.rows, p.cols, p.xp.data(), y.data());
      for (int64_t r = 0; r < p.rows; ++r) {
        const Oracle o = OracleFor(p, r);
        const double err = std::fabs(y[r] - o.value);
        EXPECT_LE(err, kRelTol * o.scale) << Name(t, p.rows, cols) << " row " << r;
        worst = std::max(worst, err / o.scale);
      }
    }
    std::printf("[f32act oracle] %-5s max |ref - f64| / scale = %.2e\n", TypeName(t), worst);
  }
}

TEST(F32Act, SimdMatchesReference) {
  uint32_t seed = 2000;
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (GgmlType t : testing::kWeightTypes) {
      double worst = 0, worst_f64 = 0;
      for (int64_t rows : {1, 3, 7, 33}) {
        for (int64_t cols : ColsFor(t)) {
          const Problem p = MakeProblem(t, rows, cols, seed++);
          std::vector<float> ref(rows), got(rows);
          MatvecF32ActRef(t, p.w.data(), p.row_bytes, rows, cols, p.xp.data(), ref.data());
          std::vector<uint8_t> xp(p.xp.size());
          k.Prepare(kF32, t, p.x.data(), xp.data(), cols);
          ASSERT_EQ(xp, p.xp) << Name(t, rows, cols) << " " << IsaName(isa);
          k.Matvec(kF32, t, p.w.data(), p.row_bytes, rows, cols, xp.data(), got.data());
          for (int64_t r = 0; r < rows; ++r) {
            const Oracle o = OracleFor(p, r);
            const double err = std::fabs(static_cast<double>(got[r]) - ref[r]);
            EXPECT_LE(err, kRelTol * o.scale)
                << Name(t, rows, cols) << " " << IsaName(isa) << " row " << r;
            const double err64 = std::fabs(static_cast<double>(got[r]) - o.value);
            EXPECT_LE(err64, kRelTol * o.scale)
                << Name(t, rows, cols) << " " << IsaName(isa) << " row " << r << " vs f64";
            worst = std::max(worst, err / o.scale);
            worst_f64 = std::max(worst_f64, err64 / o.scale);
          }
          for (int64_t begin = 0; begin < rows; begin += 3) {
            for (int64_t len : {1, 2, 3, 4, 5, 9}) {
              const int64_t n = std::min<int64_t>(len, rows - begin);
              std::vector<float> part(n);
              k.Matvec(kF32, t, p.w.data() + begin * p.row_bytes, p.row_bytes, n, cols, xp.data(),
                       part.data());
              for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(std::memcmp(&part[i], &got[begin + i], 4), 0)
                    << Name(t, rows, cols) << " " << IsaName(isa) << " rows [" << begin << ","
                    << begin + n << ") row " << begin + i;
              }
            }
          }
        }
      }
      std::printf("[f32act simd] %-7s %-5s max |simd - ref| / scale = %.2e, vs f64 %.2e\n",
                  IsaName(isa), TypeName(t), worst, worst_f64);
    }
  }
}

TEST(F32Act, MatmulEqualsMatvecPerToken) {
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (GgmlType t : testing::kWeightTypes) {
      // 15 = 8 + 4 + 2 + 1: the full tile, the half- and quarter-width ones and
      // the one-token path.
      const int64_t rows = 37, cols = 512, n_tokens = 15;
      std::mt19937 rng(11);
      const std::vector<uint8_t> w = testing::RandomWeights(t, rows, cols, rng);
      const size_t row_bytes = RowBytes(t, cols), xq_stride = ActivationBytes(t, cols, kF32) + 4;
      std::vector<uint8_t> xq(xq_stride * n_tokens);
      for (int64_t i = 0; i < n_tokens; ++i) {
        k.Prepare(kF32, t, testing::RandomActivation(cols, rng).data(), xq.data() + i * xq_stride,
                  cols);
      }
      const int64_t y_stride = rows + 5;
      std::vector<float> y(y_stride * n_tokens, 0.0f), one(rows);
      k.Matmul(kF32, t, w.data(), row_bytes, rows, cols, xq.data(), xq_stride, n_tokens, y.data(),
               y_stride);
      for (int64_t i = 0; i < n_tokens; ++i) {
        k.Matvec(kF32, t, w.data(), row_bytes, rows, cols, xq.data() + i * xq_stride, one.data());
        ASSERT_EQ(std::memcmp(one.data(), y.data() + i * y_stride, rows * 4), 0)
            << TypeName(t) << " " << IsaName(isa) << " token " << i;
      }
    }
  }
}

}  // namespace
}  // namespace entropix
