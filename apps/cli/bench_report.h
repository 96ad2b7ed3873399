// What `entropix bench` reports for each test: tokens/s (mean ± sd over the
// repetitions, as llama-bench) and, for decode, the memory traffic of a step
// as GB/s and as a share of the measured read bandwidth. Printed as a
// markdown table in llama-bench's shape, or as one JSON object per test.
//
// Traffic model of one decode step (B sequences at cache sizes s_i):
//   weight bytes: every tensor once (the embedding table only when it is
//                 also the output matrix; otherwise one row is gathered)
//   KV bytes:     sum_i (s_i + 1) positions of keys and values, all layers
// averaged over the test's steps. Activations and KV writes are left out
// (small). Prompt processing is compute-bound and its weight traffic depends
// on the kernels' blocking, so pp gets no GB/s.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_runner.h"

namespace entropix {

struct BenchModelFacts {
  std::string path;
  std::string name;
  uint64_t file_bytes = 0;           // all tensors
  uint64_t params = 0;               // all tensor elements
  uint64_t step_weight_bytes = 0;    // read by one decode step
  uint64_t kv_bytes_per_position = 0;  // keys + values, all layers
  uint64_t kv_values_per_position = 0;  // 2 * n_layers * kv_dim (for another engine's KV type)
  std::string precision;             // activation precision
  int threads = 0;
  double bandwidth_gbs = 0;          // read bandwidth, the 100 % of "% bw"
  bool bandwidth_measured = true;    // false: given with --bandwidth-gbs
};
BenchModelFacts DescribeModel(const Model& model, const std::string& path);

struct BenchFigures {
  double tokens_per_s = 0;       // mean over repetitions (all sequences together)
  double tokens_per_s_sd = 0;    // sample standard deviation
  std::vector<double> samples;   // tokens/s of each repetition
  // Decode only (0 for pp):
  double ms_per_step = 0;
  double weight_bytes_per_step = 0;
  double kv_bytes_per_step = 0;
  double gbps = 0;
  double bandwidth_pct = 0;
};
BenchFigures Summarize(const BenchTest& test, const std::vector<double>& seconds,
                       const BenchModelFacts& facts);

void PrintTableHeader();
void PrintTableRow(const BenchTest& test, const BenchFigures& f, const BenchModelFacts& facts);
nlohmann::json ToJson(const BenchTest& test, const BenchFigures& f, const BenchModelFacts& facts,
                      int repetitions);

}  // namespace entropix
