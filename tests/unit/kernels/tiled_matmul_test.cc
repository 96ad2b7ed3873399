// Batched products (KernelTable::matmul / matmul_f32act, the register-tiled
// kernels): for every ISA, weight type and activation precision, on odd
// shapes (rows not a multiple of the tile, 1-3 blocks per row) and 1..17,
// 19, 21, 23 and 40 activations:
//   * each output equals the scalar reference for its activation, within
//     1e-5 of scale = sum_j |a_j| (|w_j| + |offset_j|) (a: the activation the
//     kernel sees, i.e. dequantised for kQ8);
//   * each output equals matvec of that activation alone bit for bit, also
//     when the rows are split into sub-ranges (as threads do) and whatever
//     the batch size (the contract that lets a sequence decode to the same
//     tokens alone or in a batch).
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

// A batch of activations prepared by one table, and what the reference needs.
struct Batch {
  size_t stride;               // bytes between prepared activations
  std::vector<uint8_t> xq;     // [n_tokens][stride]
  std::vector<float> a;        // [n_tokens][cols]: the activation as the kernel sees it
};

Batch MakeBatch(const KernelTable& k, ActPrecision p, GgmlType t, int64_t cols, int64_t n_tokens,
                std::mt19937& rng) {
  Batch b;
  // An odd stride (multiple of 4, not of 64) so nothing relies on alignment.
  b.stride = ActivationBytes(t, cols, p) + 12;
  b.xq.assign(b.stride * n_tokens, 0);
  b.a.resize(cols * n_tokens);
  for (int64_t i = 0; i < n_tokens; ++i) {
    const std::vector<float> x = testing::RandomActivation(cols, rng);
    uint8_t* dst = b.xq.data() + i * b.stride;
    k.Prepare(p, t, x.data(), dst, cols);
    const GgmlType at = ActivationType(t, p);
    if (at == GgmlType::F32) {
      std::memcpy(&b.a[i * cols], x.data(), cols * 4);
    } else {
      DequantizeRowRef(at, dst, &b.a[i * cols], cols);
    }
  }
  return b;
}

// scale[r][t] of the tolerance.
std::vector<double> Scales(GgmlType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols,
                           const Batch& b, int64_t n_tokens) {
  const size_t row_bytes = RowBytes(t, cols);
  std::vector<double> scale(rows * n_tokens, 0.0);
  std::vector<float> wd(cols);
  for (int64_t r = 0; r < rows; ++r) {
    DequantizeRowRef(t, w.data() + r * row_bytes, wd.data(), cols);
    const std::vector<float> off = testing::OffsetPart(t, w.data() + r * row_bytes, cols);
    for (int64_t i = 0; i < n_tokens; ++i) {
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) {
        s += std::fabs(static_cast<double>(b.a[i * cols + j])) * (std::fabs(wd[j]) + std::fabs(off[j]));
      }
      scale[r * n_tokens + i] = s;
    }
  }
  return scale;
}

std::vector<int64_t> ColsFor(GgmlType t) {
  const int64_t b = TypeTraits(t).block_elems;
  if (b == 1) return {1, 3, 17, 40};
  return {b, 2 * b, 3 * b};
}

std::vector<int64_t> TokenCounts() {
  std::vector<int64_t> n;
  for (int64_t i = 1; i <= 17; ++i) n.push_back(i);
  // 16 or more take the packed AVX-512 K-quant driver: remainders of 3, 5
  // and 7 run padded, 40 none.
  for (int64_t i : {19, 21, 23, 40}) n.push_back(i);
  return n;
}

std::string Where(const KernelTable& k, ActPrecision p, GgmlType t, int64_t rows, int64_t cols,
                  int64_t n_tokens) {
  return std::string(IsaName(k.isa)) + " " + ActPrecisionName(p) + " " + TypeName(t) + " " +
         std::to_string(rows) + "x" + std::to_string(cols) + " tokens " + std::to_string(n_tokens);
}

void CheckShape(const KernelTable& k, ActPrecision p, GgmlType t, int64_t rows, int64_t cols,
                double* worst) {
  std::mt19937 rng(static_cast<uint32_t>(rows * 1000003 + cols * 31 + static_cast<int>(t)));
  const std::vector<uint8_t> w = testing::RandomWeights(t, rows, cols, rng);
  const size_t row_bytes = RowBytes(t, cols);
  const int64_t max_tokens = 40;  // the largest of TokenCounts()
  const Batch b = MakeBatch(k, p, t, cols, max_tokens, rng);
  const std::vector<double> scale = Scales(t, w, rows, cols, b, max_tokens);

  // Per activation: matvec alone, and the scalar reference.
  std::vector<float> alone(rows * max_tokens), ref(rows * max_tokens);
  for (int64_t i = 0; i < max_tokens; ++i) {
    const uint8_t* xq = b.xq.data() + i * b.stride;
    k.Matvec(p, t, w.data(), row_bytes, rows, cols, xq, &alone[i * rows]);
    (p == ActPrecision::kF32 ? MatvecF32ActRef : MatvecRef)(t, w.data(), row_bytes, rows, cols, xq,
                                                            &ref[i * rows]);
    for (int64_t r = 0; r < rows; ++r) {
      const double err = std::fabs(static_cast<double>(alone[i * rows + r]) - ref[i * rows + r]) /
                         (scale[r * max_tokens + i] + 1e-30);
      *worst = std::max(*worst, err);
      ASSERT_LE(err, kRelTol) << Where(k, p, t, rows, cols, 1) << " row " << r << " token " << i;
    }
  }

  const int64_t y_stride = rows + 3;
  std::vector<float> y(y_stride * max_tokens);
  for (int64_t n_tokens : TokenCounts()) {
    // Whole range, then the rows split at several points (one call per part,
    // as ParallelFor hands them to threads).
    for (int64_t split : {int64_t{0}, int64_t{1}, int64_t{3}, rows / 2, rows - 1}) {
      if (split < 0 || split >= rows) continue;
      std::fill(y.begin(), y.end(), std::nanf(""));
      const int64_t parts[3] = {0, split, rows};
      for (int q = 0; q < 2; ++q) {
        const int64_t r0 = parts[q], r1 = parts[q + 1];
        if (r1 == r0) continue;
        k.Matmul(p, t, w.data() + r0 * row_bytes, row_bytes, r1 - r0, cols, b.xq.data(), b.stride,
                 n_tokens, y.data() + r0, y_stride);
      }
      for (int64_t i = 0; i < n_tokens; ++i) {
        ASSERT_EQ(std::memcmp(&y[i * y_stride], &alone[i * rows], rows * 4), 0)
            << Where(k, p, t, rows, cols, n_tokens) << " split " << split << " token " << i;
      }
      // Untouched padding between output rows.
      for (int64_t i = 0; i + 1 < n_tokens; ++i) {
        ASSERT_TRUE(std::isnan(y[i * y_stride + rows])) << Where(k, p, t, rows, cols, n_tokens);
      }
    }
  }
}

TEST(TiledMatmul, EqualsReferenceAndMatvecBitwise) {
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (ActPrecision p : {ActPrecision::kQ8, ActPrecision::kF32}) {
      for (GgmlType t : testing::kWeightTypes) {
        double worst = 0;
        for (int64_t rows : {1, 3, 5, 67}) {
          for (int64_t cols : ColsFor(t)) {
            CheckShape(k, p, t, rows, cols, &worst);
            if (HasFatalFailure()) return;
          }
        }
        std::printf("[tiled] %-6s %-3s %-4s max |matmul - ref| / scale = %.2e\n", IsaName(isa),
                    ActPrecisionName(p), TypeName(t), worst);
      }
    }
  }
}

// A prefill-sized batch crosses the token-block boundary of the driver
// (activations are processed in L2-sized blocks of 80 here): still equal to
// matvec. The last block holds 70 (8 groups of 8 and a padded 6 in the
// packed K-quant driver), 1 (no group) or 5 (only a padded group) tokens.
TEST(TiledMatmul, LargeBatchCrossesTokenBlocks) {
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (ActPrecision p : {ActPrecision::kQ8, ActPrecision::kF32}) {
      for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q8_0, GgmlType::Q6_K}) {
      for (int64_t n_tokens : {150, 81, 85}) {
        const int64_t rows = 9, cols = 4096;
        std::mt19937 rng(5);
        const std::vector<uint8_t> w = testing::RandomWeights(t, rows, cols, rng);
        const size_t row_bytes = RowBytes(t, cols);
        const Batch b = MakeBatch(k, p, t, cols, n_tokens, rng);
        std::vector<float> y(rows * n_tokens), one(rows);
        k.Matmul(p, t, w.data(), row_bytes, rows, cols, b.xq.data(), b.stride, n_tokens, y.data(),
                 rows);
        for (int64_t i = 0; i < n_tokens; ++i) {
          k.Matvec(p, t, w.data(), row_bytes, rows, cols, b.xq.data() + i * b.stride, one.data());
          ASSERT_EQ(std::memcmp(one.data(), &y[i * rows], rows * 4), 0)
              << Where(k, p, t, rows, cols, n_tokens) << " token " << i;
        }
      }
      }
    }
  }
}

}  // namespace
}  // namespace entropix
