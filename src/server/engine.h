// Engine: the one thread that owns the scheduler and steps it. HTTP handler
// threads Submit() jobs (a tokenized prompt, n choices, a policy); the engine
// adds each choice as a Sequence to the same Scheduler, so concurrent
// requests share every batched forward step (continuous batching), and sends
// each token back through the job's Channel.
//
//   handler threads ──Submit──▶ inbox ──(between steps)──▶ Scheduler::Add
//         ▲                                                     │ Step()
//         └──────────── Channel (per request) ◀── on_token / on_text
//
// Admission: at most parallel + queue sequences in flight; beyond that
// Submit throws ApiError 503 (the HTTP layer adds Retry-After). The
// scheduler runs at most `parallel` sequences per step; the others wait in
// id order. A job whose channel is cancelled (its client went away) has its
// sequences cancelled before the next step, which frees their caches.
//
// Sampler vote: a job with a vote profile is one VoteRun (runtime/vote_run.h)
// whose traces are sequences of the same scheduler: each batch the strategy
// proposes is added between steps, and when the batch's last sequence
// finishes the next one starts. It holds max(1, budget.batch) places of the
// admission count for its whole life. Nothing is sent until the vote is
// decided; then one VoteOut (vote_summary.h). A cancelled vote cancels the
// batch in flight and starts no other.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "decoding/vote_profile.h"
#include "runtime/scheduler.h"
#include "sampling/policy.h"
#include "server/channel.h"
#include "server/metrics.h"
#include "server/stop_matcher.h"
#include "threading/thread_pool.h"

namespace entropix {
class Model;
class Tokenizer;
}  // namespace entropix

namespace entropix::server {

struct EngineOptions {
  int parallel = 4;   // sequences per step
  int queue = 16;     // sequences admitted beyond `parallel`, waiting
  int context = 4096; // KV cache capacity of each sequence
  int threads = 0;    // 0: all hardware threads
  int max_rows = 32;  // token rows per step (prefill chunk)
};

struct GenerationJob {
  std::vector<int32_t> prompt;
  int n = 1;              // choices; choice i uses seed + i
  int max_tokens = 16;    // already clamped to the context
  uint64_t seed = 0;
  std::shared_ptr<const Policy> policy;        // null for a vote
  std::shared_ptr<const VoteProfile> vote;     // sampler vote (then n is 1)
  std::vector<std::string> stop;
  int top_logprobs = 0;   // alternatives per token
  bool records = false;   // trace records (TokenOut::record)
  std::shared_ptr<Channel> channel;
};

class Engine {
 public:
  Engine(const Model& model, const Tokenizer& tokenizer, const EngineOptions& options, Metrics& metrics);
  ~Engine();  // stops the thread; open requests fail with "shutting down"
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Throws ApiError: 503 when the queue is full, 400 for more choices (or a
  // vote batch larger) than the server ever admits.
  void Submit(GenerationJob job);
  int context() const { return options_.context; }

 private:
  struct Choice;
  struct Job;

  void Loop();
  void Start(GenerationJob job);
  void StartVoteBatch(Job& job);
  void CancelGone();
  void Collect();
  void CollectVote(Job& job, std::unique_ptr<Sequence> s);
  void FailAll(const std::string& message);
  void Release(int sequences);
  void OnToken(Choice& c, const TokenEvent& ev);
  bool OnText(Choice& c, std::string_view text);
  void UpdateGauges();

  const Model& model_;
  const Tokenizer& tokenizer_;
  EngineOptions options_;
  Metrics& metrics_;
  ThreadPool pool_;
  Scheduler scheduler_;  // the engine thread's only

  std::mutex mu_;  // guards inbox_, in_flight_, stop_
  std::condition_variable cv_;
  std::vector<GenerationJob> inbox_;
  int in_flight_ = 0;  // sequences admitted and not finished
  int inbox_sequences_ = 0;
  bool stop_ = false;

  // The engine thread's own state.
  std::vector<std::unique_ptr<Job>> jobs_;
  std::map<int, Choice*> by_sequence_;
  std::map<int, Job*> vote_of_sequence_;  // a running vote trace's job
  std::thread thread_;
};

}  // namespace entropix::server
