#include "bench_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "io/gguf.h"

namespace entropix {
namespace {

// llama-bench's units: binary for size, decimal for parameters.
std::string FormatSize(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / 1073741824.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
  }
  return buf;
}

std::string FormatParams(uint64_t n) {
  char buf[32];
  if (n >= 1000000000) {
    std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  }
  return buf;
}

}  // namespace

BenchModelFacts DescribeModel(const Model& model, const std::string& path) {
  BenchModelFacts f;
  f.path = path;
  f.name = model.config().name.empty() ? std::filesystem::path(path).stem().string() : model.config().name;
  for (const auto& t : model.file().tensors()) {
    f.file_bytes += t.nbytes;
    f.params += static_cast<uint64_t>(t.n_elements());
  }
  const WeightView& embd = model.weights().token_embd;
  f.step_weight_bytes = f.file_bytes;
  if (!model.config().tied_output) f.step_weight_bytes -= static_cast<uint64_t>(embd.rows) * embd.row_bytes;
  // Keys and values of every layer, stored as float32 (KvCache).
  f.kv_values_per_position = 2 * static_cast<uint64_t>(model.config().n_layers) * model.config().kv_dim();
  f.kv_bytes_per_position = f.kv_values_per_position * sizeof(float);
  return f;
}

BenchFigures Summarize(const BenchTest& test, const std::vector<double>& seconds,
                       const BenchModelFacts& facts) {
  BenchFigures f;
  for (double s : seconds) f.samples.push_back(test.TotalTokens() / s);
  const double n = static_cast<double>(f.samples.size());
  f.tokens_per_s = std::accumulate(f.samples.begin(), f.samples.end(), 0.0) / n;
  double ss = 0;
  for (double v : f.samples) ss += (v - f.tokens_per_s) * (v - f.tokens_per_s);
  f.tokens_per_s_sd = n > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  if (test.prompt) return f;
  // Mean cached positions read per sequence over the steps: depth+1 .. depth+n.
  const double mean_positions = test.depth + (test.n_tokens + 1) / 2.0;
  f.ms_per_step = 1e3 * test.batch / f.tokens_per_s;
  f.weight_bytes_per_step = static_cast<double>(facts.step_weight_bytes);
  f.kv_bytes_per_step = test.batch * mean_positions * static_cast<double>(facts.kv_bytes_per_position);
  f.gbps = (f.weight_bytes_per_step + f.kv_bytes_per_step) / (f.ms_per_step * 1e-3) / 1e9;
  f.bandwidth_pct = facts.bandwidth_gbs > 0 ? 100.0 * f.gbps / facts.bandwidth_gbs : 0.0;
  return f;
}

void PrintTableHeader() {
  std::printf("| model | size | params | precision | threads | test | t/s | GB/s | %% bw |\n");
  std::printf("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
}

void PrintTableRow(const BenchTest& test, const BenchFigures& f, const BenchModelFacts& facts) {
  char gbps[48] = "-", pct[16] = "-";
  if (!test.prompt) {
    std::snprintf(gbps, sizeof gbps, "%.1f", f.gbps);
    std::snprintf(pct, sizeof pct, "%.0f%%", f.bandwidth_pct);
  }
  std::printf("| %s | %s | %s | %s | %d | %s | %.2f ± %.2f | %s | %s |\n", facts.name.c_str(),
              FormatSize(facts.file_bytes).c_str(), FormatParams(facts.params).c_str(),
              facts.precision.c_str(), facts.threads, test.Name().c_str(), f.tokens_per_s,
              f.tokens_per_s_sd, gbps, pct);
  std::fflush(stdout);
}

nlohmann::json ToJson(const BenchTest& test, const BenchFigures& f, const BenchModelFacts& facts,
                      int repetitions) {
  nlohmann::json j = {{"model", facts.path},
                      {"model_name", facts.name},
                      {"model_bytes", facts.file_bytes},
                      {"params", facts.params},
                      {"precision", facts.precision},
                      {"threads", facts.threads},
                      {"test", test.Name()},
                      {"kind", test.prompt ? "pp" : "tg"},
                      {"n_tokens", test.n_tokens},
                      {"depth", test.depth},
                      {"batch", test.batch},
                      {"repetitions", repetitions},
                      {"tokens_per_s", f.tokens_per_s},
                      {"tokens_per_s_sd", f.tokens_per_s_sd},
                      {"samples_tokens_per_s", f.samples},
                      {"kv_bytes_per_position", facts.kv_bytes_per_position},
                      {"kv_values_per_position", facts.kv_values_per_position},
                      {"bandwidth_gbs", facts.bandwidth_gbs},
                      {"bandwidth_measured", facts.bandwidth_measured}};
  if (!test.prompt) {
    j["ms_per_step"] = f.ms_per_step;
    // Whole bytes (exact: KV bytes per position are even, the mean position a half at most).
    j["weight_bytes_per_step"] = static_cast<uint64_t>(std::llround(f.weight_bytes_per_step));
    j["kv_bytes_per_step"] = static_cast<uint64_t>(std::llround(f.kv_bytes_per_step));
    j["gbps"] = f.gbps;
    j["bandwidth_pct"] = f.bandwidth_pct;
  }
  return j;
}

}  // namespace entropix
