// `entropix bench`: prompt-processing and decode speed on synthetic tokens,
// in the shape of llama-bench's pp/tg tests (bench/compare_llamacpp.py runs
// both engines side by side).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "commands.h"
#include "io/gguf.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "runtime/session.h"
#include "sampling/rng.h"

namespace entropix {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int BenchCommand(const BenchArgs& a) {
  using Clock = std::chrono::steady_clock;
  std::string path;
  auto model = LoadModel(a.model, &path);
  SessionOptions so;
  so.n_threads = a.model.threads;
  so.context = std::max(a.model.context, a.prompt_tokens + a.gen_tokens + 1);
  Session session(*model, nullptr, so);
  Rng rng(1234);
  const int vocab = model->config().vocab_size;
  std::vector<int32_t> prompt(a.prompt_tokens);
  for (auto& t : prompt) t = static_cast<int32_t>(rng.Next() % static_cast<uint64_t>(vocab));

  std::vector<double> pp, tg;
  // One untimed warm-up pass pages the weights in.
  session.Feed(std::span<const int32_t>(prompt.data(), std::min<size_t>(prompt.size(), 8)));
  for (int rep = 0; rep < a.repetitions; ++rep) {
    session.Reset();
    const auto t0 = Clock::now();
    session.Feed(prompt);
    const auto t1 = Clock::now();
    pp.push_back(a.prompt_tokens / std::chrono::duration<double>(t1 - t0).count());
    session.Reset();
    int32_t tok = prompt[0];
    const auto t2 = Clock::now();
    for (int i = 0; i < a.gen_tokens; ++i) {
      auto logits = session.Feed(std::span<const int32_t>(&tok, 1));
      tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
    const auto t3 = Clock::now();
    tg.push_back(a.gen_tokens / std::chrono::duration<double>(t3 - t2).count());
  }
  uint64_t weight_bytes = 0;
  for (const auto& t : model->file().tensors()) weight_bytes += t.nbytes;
  const double pp_med = Median(pp), tg_med = Median(tg);
  if (a.json) {
    nlohmann::json j = {{"model", path},
                        {"threads", session.pool().size()},
                        {"precision", ActPrecisionName(DefaultActPrecision())},
                        {"prompt_tokens", a.prompt_tokens},
                        {"gen_tokens", a.gen_tokens},
                        {"repetitions", a.repetitions},
                        {"prompt_tokens_per_s", pp_med},
                        {"decode_tokens_per_s", tg_med},
                        {"weight_bytes", weight_bytes}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    const char* prec = ActPrecisionName(DefaultActPrecision());
    std::printf("| model | threads | precision | test | tok/s |\n|---|---|---|---|---|\n");
    std::printf("| %s | %d | %s | pp%d | %.1f |\n", model->config().name.c_str(), session.pool().size(),
                prec, a.prompt_tokens, pp_med);
    std::printf("| %s | %d | %s | tg%d | %.1f |\n", model->config().name.c_str(), session.pool().size(),
                prec, a.gen_tokens, tg_med);
  }
  return 0;
}

}  // namespace entropix
