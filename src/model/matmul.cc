#include "model/matmul.h"

#include "kernels/kernels.h"
#include "threading/thread_pool.h"

namespace entropix {

void MatMul(const WeightView& w, const float* x, int n_tokens, float* y, const float* bias,
            std::vector<uint8_t>& xq_scratch, ThreadPool& pool) {
  const KernelTable& k = GetKernels();
  // kF32: quantised weights x float activations (exact to float rounding);
  // kQ8: activations quantised to 8 bits as llama.cpp (SetDefaultActPrecision).
  const ActPrecision prec = DefaultActPrecision();
  const int64_t rows = w.rows, cols = w.cols;
  // Rows of prepared activations start 64-byte aligned (kernels need 4).
  const size_t xq_bytes = (ActivationBytes(w.type, cols, prec) + 63) / 64 * 64;
  if (xq_scratch.size() < xq_bytes * n_tokens) xq_scratch.resize(xq_bytes * n_tokens);
  uint8_t* xq = xq_scratch.data();
  for (int t = 0; t < n_tokens; ++t) {
    k.Prepare(prec, w.type, x + t * cols, xq + t * xq_bytes, cols);
  }
  // Chunks of rows small enough to balance threads, large enough to amortise
  // the dispatch; for a batch, each chunk of W stays in cache while every
  // token is multiplied with it.
  const int n_threads = pool.size();
  int64_t grain = rows / (n_threads * 8);
  grain = grain < 16 ? 16 : (grain + 15) / 16 * 16;
  pool.ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
    if (n_tokens == 1) {
      k.Matvec(prec, w.type, w.row(begin), w.row_bytes, end - begin, cols, xq, y + begin);
    } else {
      k.Matmul(prec, w.type, w.row(begin), w.row_bytes, end - begin, cols, xq, xq_bytes, n_tokens,
               y + begin, rows);
    }
    if (bias) {
      for (int t = 0; t < n_tokens; ++t) {
        for (int64_t r = begin; r < end; ++r) y[t * rows + r] += bias[r];
      }
    }
  });
}

}  // namespace entropix
