// `entropix bench`: prompt-processing and decode speed on random tokens, in
// the shape of llama-bench's tests (pp512, tg128, tg128 @ d4096) plus
// aggregate decode of B sequences stepped together (tg128 B=4), with memory
// traffic as GB/s and as a share of the read bandwidth measured in the same
// process. bench/side_by_side.py runs it against a native llama.cpp;
// bench/README.md says exactly what each test measures.
#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench_bandwidth.h"
#include "bench_report.h"
#include "bench_runner.h"
#include "commands.h"
#include "core/error.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "runtime/session.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

// Order as given, duplicates dropped (a repeated value would only repeat a test).
std::vector<int> Unique(const std::vector<int>& v) {
  std::vector<int> out;
  for (int x : v) {
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  }
  return out;
}

// pp first, then tg at each depth, then the batched tests: cheap ones first.
std::vector<BenchTest> PlanTests(const BenchArgs& a) {
  const bool depth_given = std::any_of(a.depth.begin(), a.depth.end(), [](int d) { return d > 0; });
  if (a.prompt_tokens == 0 && a.gen_tokens == 0) {
    throw Error(ErrorCode::kInvalidArgument, "nothing to measure: -p and -n are both 0");
  }
  if (a.gen_tokens == 0 && (!a.batch.empty() || depth_given)) {
    throw Error(ErrorCode::kInvalidArgument, "--batch and --depth are decode tests: they need -n > 0");
  }
  std::vector<BenchTest> tests;
  if (a.prompt_tokens > 0) tests.push_back({.prompt = true, .n_tokens = a.prompt_tokens});
  if (a.gen_tokens == 0) return tests;
  for (int d : Unique(a.depth)) tests.push_back({.n_tokens = a.gen_tokens, .depth = d});
  for (int b : Unique(a.batch)) {
    tests.push_back({.n_tokens = a.gen_tokens, .depth = a.batch_prompt, .batch = b, .batch_test = true});
  }
  return tests;
}

int ResolveThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchArgs& a) {
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt, decode and batched decode speed (llama-bench's tests)");
  AddModelFlags(cmd, a.model);
  cmd->add_option("-p,--n-prompt", a.prompt_tokens, "pp test: prompt tokens (0 = no pp test)")
      ->check(CLI::Range(0, 1 << 16))->capture_default_str();
  cmd->add_option("-n,--n-gen", a.gen_tokens, "tg tests: decode steps (0 = no tg test)")
      ->check(CLI::Range(0, 1 << 16))->capture_default_str();
  cmd->add_option("-d,--depth", a.depth, "tg tests: cached positions before decoding, comma-separated")
      ->delimiter(',')->check(CLI::Range(0, 1 << 20))->capture_default_str();
  cmd->add_option("--batch", a.batch,
                  "tg B=k tests: sequences decoded together, comma-separated (e.g. 1,2,4,8)")
      ->delimiter(',')->check(CLI::Range(1, 256));
  cmd->add_option("--batch-prompt", a.batch_prompt, "tg B=k tests: prompt tokens of each sequence")
      ->check(CLI::Range(0, 1 << 16))->capture_default_str();
  cmd->add_option("-r,--repetitions", a.repetitions, "Timed repetitions of each test (mean ± sd)")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--bandwidth-gbs", a.bandwidth_gbs,
                  "Read bandwidth for '% bw' in GB/s (default: measured in-process)")
      ->check(FiniteRange(0.001, 1e6));
  cmd->add_flag("--json", a.json, "One JSON object per test, one per line");
  return cmd;
}

int BenchCommand(const BenchArgs& a) {
  const std::vector<BenchTest> tests = PlanTests(a);
  std::string path;
  auto model = LoadModel(a.model, &path);
  ThreadPool pool(ResolveThreadCount(a.model.threads));
  BenchModelFacts facts = DescribeModel(*model, path);
  facts.precision = ActPrecisionName(model->precision());
  facts.threads = pool.size();
  facts.bandwidth_measured = a.bandwidth_gbs <= 0;
  facts.bandwidth_gbs = facts.bandwidth_measured ? MeasureReadBandwidthGbs(pool) : a.bandwidth_gbs;

  int capacity = 1, max_batch = SessionOptions{}.max_batch;  // the prefill chunk `run` uses
  for (const auto& t : tests) {
    capacity = std::max(capacity, t.Capacity());
    max_batch = std::max(max_batch, t.batch);
  }
  BenchRunner runner(*model, pool, max_batch, capacity);
  if (!a.json) {
    std::printf("read bandwidth: %.1f GB/s (%s, %d threads)\n\n", facts.bandwidth_gbs,
                facts.bandwidth_measured ? "measured" : "given", facts.threads);
    PrintTableHeader();
  }
  for (const auto& t : tests) {
    const BenchFigures f = Summarize(t, runner.Run(t, a.repetitions), facts);
    if (a.json) {
      std::printf("%s\n", ToJson(t, f, facts, a.repetitions).dump().c_str());
      std::fflush(stdout);
    } else {
      PrintTableRow(t, f, facts);
    }
  }
  return 0;
}

}  // namespace entropix
