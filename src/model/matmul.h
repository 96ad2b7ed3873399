// Multi-threaded matrix products over quantised weights: the driver around
// the per-ISA matvec kernels. Rows are split across threads; each output
// element is written by exactly one thread, so results do not depend on the
// thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "model/weights.h"

namespace entropix {

class ThreadPool;

// y[t][r] = dot(W row r, x[t]) + (bias ? bias[r] : 0)
//   w: [rows][cols], x: [n_tokens][cols], y: [n_tokens][rows]
// xq_scratch grows as needed to hold the quantised activations.
void MatMul(const WeightView& w, const float* x, int n_tokens, float* y, const float* bias,
            std::vector<uint8_t>& xq_scratch, ThreadPool& pool);

}  // namespace entropix
