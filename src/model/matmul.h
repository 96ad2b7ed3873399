// Multi-threaded matrix products over quantised weights: the driver around
// the per-ISA kernels. Rows are split across threads in chunks of 16 (whole
// kernel tiles); each output element is written by exactly one thread, and
// the kernels give every (row, token) the same result whatever the batch
// (KernelTable::matmul equals per-token matvec bit for bit), so results do
// not depend on the thread count or on which tokens share a call.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernels.h"
#include "model/weights.h"

namespace entropix {

class ThreadPool;

// y[t][r] = dot(W row r, x[t]) + (bias ? bias[r] : 0)
//   w: [rows][cols], x: [n_tokens][cols], y: [n_tokens][rows]
// xq_scratch grows as needed to hold the prepared activations; `precision`
// says how they enter the products (the model's load option).
void MatMul(const WeightView& w, const float* x, int n_tokens, float* y, const float* bias,
            std::vector<uint8_t>& xq_scratch, ActPrecision precision, ThreadPool& pool);

}  // namespace entropix
