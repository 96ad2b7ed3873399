// Row dot products: the scalar reference against a float64 oracle, every
// SIMD table against the reference, row-range determinism, and matmul.
// Tolerances are relative to scale = sum_j |a_j| (|w_j| + |offset_j|) (+ the
// Q8_1 min terms), the size of what is summed; see OracleFor.
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

struct Oracle {
  double value;  // dot of dequantised weights and dequantised activation
  double scale;  // magnitude the float rounding is relative to
  double exact;  // dot with the unquantised activation
  double bound;  // |value - exact| may be this large from quantising x
};

struct Problem {
  GgmlType type;
  int64_t rows, cols;
  size_t row_bytes;
  std::vector<uint8_t> w;
  std::vector<float> x;     // [cols]
  std::vector<uint8_t> xq;  // reference-quantised x
  std::vector<float> a;     // xq dequantised: the activation actually used
};

Problem MakeProblem(GgmlType t, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  Problem p{t,
            rows,
            cols,
            RowBytes(t, cols),
            testing::RandomWeights(t, rows, cols, rng),
            testing::RandomActivation(cols, rng),
            {},
            {}};
  p.xq.resize(ActivationBytes(t, cols));
  QuantizeActivationRef(t, p.x.data(), p.xq.data(), cols);
  p.a.resize(cols);
  DequantizeRowRef(ActivationType(t), p.xq.data(), p.a.data(), cols);
  return p;
}

Oracle OracleFor(const Problem& p, int64_t r) {
  const uint8_t* row = p.w.data() + r * p.row_bytes;
  std::vector<float> w(p.cols);
  DequantizeRowRef(p.type, row, w.data(), p.cols);
  const std::vector<float> off = testing::OffsetPart(p.type, row, p.cols);
  Oracle o{0, 0, 0, 0};
  for (int64_t j = 0; j < p.cols; ++j) {
    o.value += static_cast<double>(w[j]) * p.a[j];
    o.scale += std::fabs(p.a[j]) * (std::fabs(w[j]) + std::fabs(off[j]));
    o.exact += static_cast<double>(w[j]) * p.x[j];
    o.bound +=
        std::fabs(static_cast<double>(w[j])) * std::fabs(static_cast<double>(p.x[j]) - p.a[j]);
  }
  if (ActivationType(p.type) == GgmlType::Q8_1) {
    // The kernel uses the stored s = fp16(d * sum q) where the dequantised
    // activation implies fp16(d) * sum q: add m * (s - fp16(d) * sum q).
    const auto* y = reinterpret_cast<const BlockQ8_1*>(p.xq.data());
    for (int64_t b = 0; b < p.cols / kQk; ++b) {
      uint16_t mbits;
      std::memcpy(&mbits, row + b * TypeTraits(p.type).block_bytes + 2, 2);
      const double m = Fp16ToFp32(mbits), s = Fp16ToFp32(y[b].s);
      double sum_q = 0;
      for (int j = 0; j < kQk; ++j) sum_q += y[b].qs[j];
      const double corr = m * (s - Fp16ToFp32(y[b].d) * sum_q);
      o.value += corr;
      o.bound += std::fabs(corr);
      o.scale += std::fabs(m * s);
    }
  }
  return o;
}

std::vector<int64_t> ColsFor(GgmlType t) {
  const int64_t b = TypeTraits(t).block_elems;
  if (b == 1) return {1, 3, 17, 33, 4096};
  return {b, 3 * b, 17 * b, 4096};
}

std::string Name(GgmlType t, int64_t rows, int64_t cols) {
  return std::string(TypeName(t)) + " " + std::to_string(rows) + "x" + std::to_string(cols);
}

TEST(Matvec, ReferenceMatchesFloat64Oracle) {
  uint32_t seed = 1;
  for (GgmlType t : testing::kWeightTypes) {
    double worst_rel = 0, worst_quant = 0;
    for (int64_t cols : ColsFor(t)) {
      const Problem p = MakeProblem(t, 7, cols, seed++);
      std::vector<float> y(p.rows);
      MatvecRef(t, p.w.data(), p.row_bytes, p.rows, p.cols, p.xq.data(), y.data());
      for (int64_t r = 0; r < p.rows; ++r) {
        const Oracle o = OracleFor(p, r);
        const double err = std::fabs(y[r] - o.value);
        EXPECT_LE(err, kRelTol * o.scale) << Name(t, p.rows, cols) << " row " << r;
        worst_rel = std::max(worst_rel, err / o.scale);
        // Against the unquantised activation: within the quantisation bound.
        const double qerr = std::fabs(y[r] - o.exact);
        EXPECT_LE(qerr, o.bound + kRelTol * o.scale) << Name(t, p.rows, cols) << " row " << r;
        worst_quant = std::max(worst_quant, qerr / o.scale);
      }
    }
    std::printf(
        "[oracle] %-5s max |ref - f64| / scale = %.2e; max |ref - exact x| / scale = %.2e\n",
        TypeName(t), worst_rel, worst_quant);
  }
}

TEST(Matvec, SimdMatchesReference) {
  uint32_t seed = 100;
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (GgmlType t : testing::kWeightTypes) {
      double worst = 0;
      for (int64_t rows : {1, 7, 33}) {
        for (int64_t cols : ColsFor(t)) {
          const Problem p = MakeProblem(t, rows, cols, seed++);
          std::vector<float> ref(rows), got(rows);
          MatvecRef(t, p.w.data(), p.row_bytes, rows, cols, p.xq.data(), ref.data());
          // The table quantises x itself (bytes identical to the reference: quantize_test).
          std::vector<uint8_t> xq(p.xq.size());
          k.quantize_activation(t, p.x.data(), xq.data(), cols);
          ASSERT_EQ(xq, p.xq) << Name(t, rows, cols) << " " << IsaName(isa);
          k.matvec(t, p.w.data(), p.row_bytes, rows, cols, xq.data(), got.data());
          for (int64_t r = 0; r < rows; ++r) {
            const double scale = OracleFor(p, r).scale;
            const double err = std::fabs(static_cast<double>(got[r]) - ref[r]);
            EXPECT_LE(err, kRelTol * scale)
                << Name(t, rows, cols) << " " << IsaName(isa) << " row " << r;
            worst = std::max(worst, err / scale);
          }
          // Any sub-range gives bit-identical rows (threads split rows freely).
          for (int64_t begin = 0; begin < rows; begin += 3) {
            for (int64_t len : {1, 2, 3, 4, 5, 9}) {
              const int64_t n = std::min<int64_t>(len, rows - begin);
              std::vector<float> part(n);
              k.matvec(t, p.w.data() + begin * p.row_bytes, p.row_bytes, n, cols, xq.data(),
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
      std::printf("[simd] %-7s %-5s max |simd - ref| / scale = %.2e\n", IsaName(isa), TypeName(t),
                  worst);
    }
  }
}

TEST(Matvec, MatmulEqualsMatvecPerToken) {
  for (Isa isa : testing::AvailableIsas()) {
    const KernelTable& k = GetKernels(isa);
    for (GgmlType t : testing::kWeightTypes) {
      // 15 = 8 + 4 + 2 + 1: the full tile, the half- and quarter-width ones and
      // the one-token path.
      const int64_t rows = 37, cols = 512, n_tokens = 15;
      std::mt19937 rng(7);
      const std::vector<uint8_t> w = testing::RandomWeights(t, rows, cols, rng);
      const size_t row_bytes = RowBytes(t, cols), xq_stride = ActivationBytes(t, cols) + 4;
      std::vector<uint8_t> xq(xq_stride * n_tokens);
      for (int64_t i = 0; i < n_tokens; ++i) {
        k.quantize_activation(t, testing::RandomActivation(cols, rng).data(),
                              xq.data() + i * xq_stride, cols);
      }
      const int64_t y_stride = rows + 5;
      std::vector<float> y(y_stride * n_tokens, 0.0f), one(rows);
      k.matmul(t, w.data(), row_bytes, rows, cols, xq.data(), xq_stride, n_tokens, y.data(),
               y_stride);
      for (int64_t i = 0; i < n_tokens; ++i) {
        k.matvec(t, w.data(), row_bytes, rows, cols, xq.data() + i * xq_stride, one.data());
        ASSERT_EQ(std::memcmp(one.data(), y.data() + i * y_stride, rows * 4), 0)
            << TypeName(t) << " " << IsaName(isa) << " token " << i;
      }
    }
  }
}

// On quantised weights the SIMD levels compute the same integer lane sums and
// run the same float operations per lane in the same order (the 512-bit
// tiles put two tokens, or the two halves of a sub-block pair, in one
// register and fold them back onto the 256-bit lanes), so a run gives the
// same tokens on an AVX2 and an AVX-512 machine, with 8-bit or float
// activations. Float weights are not covered: the AVX-512 float matvec sums
// in 16 lanes, AVX2 in 8.
TEST(Matvec, SimdLevelsAgreeBitForBit) {
  std::vector<Isa> simd;
  for (Isa isa : testing::AvailableIsas()) {
    if (isa != Isa::kScalar) simd.push_back(isa);
  }
  if (simd.size() < 2) GTEST_SKIP() << "one SIMD level on this CPU";
  for (ActPrecision prec : {ActPrecision::kQ8, ActPrecision::kF32}) {
    for (GgmlType t : testing::kWeightTypes) {
      if (t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16) continue;
      const int64_t rows = 19, cols = 768, n_tokens = 15;
      std::mt19937 rng(11);
      const std::vector<uint8_t> w = testing::RandomWeights(t, rows, cols, rng);
      const size_t row_bytes = RowBytes(t, cols), xq_stride = ActivationBytes(t, cols, prec);
      std::vector<uint8_t> xq(xq_stride * n_tokens);
      for (int64_t i = 0; i < n_tokens; ++i) {
        GetKernels(simd[0]).Prepare(prec, t, testing::RandomActivation(cols, rng).data(),
                                    xq.data() + i * xq_stride, cols);
      }
      std::vector<float> first(rows * n_tokens), y(rows * n_tokens);
      for (size_t l = 0; l < simd.size(); ++l) {
        GetKernels(simd[l]).Matmul(prec, t, w.data(), row_bytes, rows, cols, xq.data(), xq_stride,
                                   n_tokens, l == 0 ? first.data() : y.data(), rows);
        if (l > 0) {
          EXPECT_EQ(std::memcmp(first.data(), y.data(), y.size() * 4), 0)
              << TypeName(t) << " " << ActPrecisionName(prec) << ": " << IsaName(simd[l])
              << " differs from " << IsaName(simd[0]);
        }
      }
    }
  }
}

}  // namespace
}  // namespace entropix
