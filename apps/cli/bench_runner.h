// The timed tests of `entropix bench`, in the shape of llama-bench's: every
// step goes through Model::ForwardBatch, so the bench measures whatever
// batched step the model has (one sequence is the B = 1 case of the same call).
//
//   pp<n>            n prompt tokens of one sequence in one call, from an empty cache
//   tg<n> [@ d<d>]   n decode steps of one sequence, after d cached positions
//   tg<n> B=<k>      n decode steps of k sequences stepped together, each with
//                    its own cache after a short prompt of d tokens
//
// Tokens are random ids (fixed seed), as llama-bench's; no sampling is timed.
// Filling the cache to the depth is not timed, and is done once per test:
// each repetition rewinds the cache to the depth (KvCache::Truncate).
#pragma once

#include <string>
#include <vector>

#include "model/model.h"
#include "sampling/rng.h"

namespace entropix {

class ThreadPool;

struct BenchTest {
  bool prompt = false;  // pp (else tg)
  int n_tokens = 0;     // prompt tokens (pp) or decode steps (tg)
  int depth = 0;        // cached positions per sequence before the timed part
  int batch = 1;        // sequences stepped together
  bool batch_test = false;  // a tg B=k test (named so even for k = 1)

  std::string Name() const;
  // Cache capacity each sequence needs.
  int Capacity() const { return depth + n_tokens; }
  // Tokens processed per repetition (all sequences together).
  int TotalTokens() const { return n_tokens * batch; }
};

class BenchRunner {
 public:
  // `capacity` >= every test's Capacity(); `max_batch` sizes the Workspace.
  BenchRunner(const Model& model, ThreadPool& pool, int max_batch, int capacity);

  // Runs one untimed warm-up, then `repetitions` timed ones; returns the
  // seconds of each.
  std::vector<double> Run(const BenchTest& test, int repetitions);

 private:
  std::vector<int32_t> RandomTokens(size_t n);
  void FillToDepth(std::vector<KvCache>& caches, int depth);
  double TimePrompt(KvCache& cache, const std::vector<int32_t>& tokens);
  double TimeDecode(std::vector<KvCache>& caches, int depth, int steps);

  const Model& model_;
  ThreadPool& pool_;
  Workspace ws_;
  Rng rng_{1234};
  std::vector<BatchSegment> segments_;  // reused between steps
  std::vector<int32_t> step_tokens_;    // [steps][batch]
};

}  // namespace entropix
