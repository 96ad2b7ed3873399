#include "bench_runner.h"

#include <chrono>
#include <span>

namespace entropix {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

std::string BenchTest::Name() const {
  std::string name = (prompt ? "pp" : "tg") + std::to_string(n_tokens);
  if (batch_test) return name + " B=" + std::to_string(batch);
  if (depth > 0) name += " @ d" + std::to_string(depth);
  return name;
}

BenchRunner::BenchRunner(const Model& model, ThreadPool& pool, int max_batch, int capacity)
    : model_(model), pool_(pool), ws_(model.config(), max_batch, capacity) {}

std::vector<int32_t> BenchRunner::RandomTokens(size_t n) {
  const auto vocab = static_cast<uint64_t>(model_.config().vocab_size);
  std::vector<int32_t> tokens(n);
  for (auto& t : tokens) t = static_cast<int32_t>(rng_.Next() % vocab);
  return tokens;
}

// One call with every prompt token, logits of the last only (as llama-bench).
double BenchRunner::TimePrompt(KvCache& cache, const std::vector<int32_t>& tokens) {
  cache.Truncate(0);
  const BatchSegment seg{.cache = &cache, .tokens = tokens};
  const auto t0 = Clock::now();
  model_.ForwardBatch(std::span(&seg, 1), ws_, pool_);
  return Since(t0);
}

// `steps` decode steps of every cache at once, from `depth` cached positions.
double BenchRunner::TimeDecode(std::vector<KvCache>& caches, int depth, int steps) {
  const size_t b = caches.size();
  step_tokens_ = RandomTokens(static_cast<size_t>(steps) * b);
  segments_.assign(b, BatchSegment{});
  for (size_t i = 0; i < b; ++i) {
    caches[i].Truncate(depth);
    segments_[i].cache = &caches[i];
  }
  const auto t0 = Clock::now();
  for (int s = 0; s < steps; ++s) {
    for (size_t i = 0; i < b; ++i) segments_[i].tokens = std::span(&step_tokens_[s * b + i], 1);
    model_.ForwardBatch(segments_, ws_, pool_);
  }
  return Since(t0);
}

// Every cache to `depth` positions of random tokens, in one untimed call.
void BenchRunner::FillToDepth(std::vector<KvCache>& caches, int depth) {
  if (depth == 0) return;
  std::vector<std::vector<int32_t>> prompts;
  prompts.reserve(caches.size());  // the segments point into these
  std::vector<BatchSegment> fill;
  for (auto& c : caches) {
    prompts.push_back(RandomTokens(depth));
    fill.push_back({.cache = &c, .tokens = prompts.back(), .logits = false});
  }
  model_.ForwardBatch(fill, ws_, pool_);
}

std::vector<double> BenchRunner::Run(const BenchTest& test, int repetitions) {
  std::vector<KvCache> caches;
  for (int i = 0; i < test.batch; ++i) caches.push_back(model_.NewCache(test.Capacity()));
  std::vector<double> seconds;
  if (test.prompt) {
    const auto tokens = RandomTokens(test.n_tokens);
    TimePrompt(caches[0], tokens);  // warm-up: pages in the weights, sizes the buffers
    for (int r = 0; r < repetitions; ++r) seconds.push_back(TimePrompt(caches[0], tokens));
    return seconds;
  }
  FillToDepth(caches, test.depth);
  TimeDecode(caches, test.depth, 1);  // warm-up step
  for (int r = 0; r < repetitions; ++r) seconds.push_back(TimeDecode(caches, test.depth, test.n_tokens));
  return seconds;
}

}  // namespace entropix
