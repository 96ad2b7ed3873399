#include "model/matmul.h"

#include <algorithm>

#include "kernels/kernels.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

// Everything a chunk of rows needs, in one struct the parallel loops'
// lambdas capture by reference (ThreadPool::ParallelFor copies nothing).
struct MatMulJob {
  const KernelTable* k;
  ActPrecision prec;
  const WeightView* w;
  const float* x;  // [n_tokens][cols]
  int n_tokens;
  uint8_t* xq;  // [n_tokens][xq_bytes]
  size_t xq_bytes;
  float* y;  // [n_tokens][rows]
  const float* bias;
};

// Rows per chunk: a multiple of 16 (so of every kernel tile height), about 8
// chunks per thread to balance uneven progress, at least one tile.
int64_t RowGrain(int64_t rows, int n_threads) {
  int64_t grain = rows / (n_threads * 8);
  return grain < 16 ? 16 : (grain + 15) / 16 * 16;
}

void PrepareTokens(const MatMulJob& j, int64_t begin, int64_t end) {
  const int64_t cols = j.w->cols;
  for (int64_t t = begin; t < end; ++t) {
    j.k->Prepare(j.prec, j.w->type, j.x + t * cols, j.xq + t * j.xq_bytes, cols);
  }
}

// Rows [begin, end) for every token: the kernels walk them in register tiles
// of rows x tokens, each weight block unpacked once per tile.
void MultiplyRows(const MatMulJob& j, int64_t begin, int64_t end) {
  const WeightView& w = *j.w;
  const int64_t rows = w.rows;
  if (j.n_tokens == 1) {
    j.k->Matvec(j.prec, w.type, w.row(begin), w.row_bytes, end - begin, w.cols, j.xq, j.y + begin);
  } else {
    j.k->Matmul(j.prec, w.type, w.row(begin), w.row_bytes, end - begin, w.cols, j.xq, j.xq_bytes,
                j.n_tokens, j.y + begin, rows);
  }
  if (j.bias) {
    for (int t = 0; t < j.n_tokens; ++t) {
      for (int64_t r = begin; r < end; ++r) j.y[t * rows + r] += j.bias[r];
    }
  }
}

}  // namespace

void MatMul(const WeightView& w, const float* x, int n_tokens, float* y, const float* bias,
            std::vector<uint8_t>& xq_scratch, ActPrecision prec, ThreadPool& pool) {
  // kF32: quantised weights x float activations (exact to float rounding);
  // kQ8: activations quantised to 8 bits as llama.cpp.
  // Rows of prepared activations start 64-byte aligned (kernels need 4).
  const size_t xq_bytes = (ActivationBytes(w.type, w.cols, prec) + 63) / 64 * 64;
  if (xq_scratch.size() < xq_bytes * n_tokens) xq_scratch.resize(xq_bytes * n_tokens);
  const MatMulJob job{&GetKernels(), prec, &w, x, n_tokens, xq_scratch.data(), xq_bytes, y, bias};
  // Several tokens' activations are prepared by all threads too (a batched
  // decode step's rows as well as a prefill chunk): up to 8 tokens a chunk.
  const int64_t prepare_grain = std::clamp<int64_t>((n_tokens + pool.size() - 1) / pool.size(), 1, 8);
  pool.ParallelFor(n_tokens, prepare_grain,
                   [&job](int64_t begin, int64_t end) { PrepareTokens(job, begin, end); });
  pool.ParallelFor(w.rows, RowGrain(w.rows, pool.size()),
                   [&job](int64_t begin, int64_t end) { MultiplyRows(job, begin, end); });
}

}  // namespace entropix
