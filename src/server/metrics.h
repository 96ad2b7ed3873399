// Metrics: the server's counters and gauges, rendered as Prometheus text
// (GET /metrics). Handler threads count requests; the engine thread counts
// tokens, states and its queue. Thread-safe.
//
//   entropix_requests_total{endpoint, status}   answered requests
//   entropix_prompt_tokens_total, entropix_completion_tokens_total
//   entropix_tokens_per_second                   completion tokens/s over the last window
//   entropix_queue_depth                         sequences admitted but not yet in a step
//   entropix_active_sequences                    sequences the scheduler holds
//   entropix_tokens_by_state_total{state}        the state mix of emitted tokens
//   entropix_votes_total                         vote decodings (sampler "vote")
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sampling/policy.h"

namespace entropix::server {

class Metrics {
 public:
  void CountRequest(const std::string& endpoint, int status);
  void CountPromptTokens(int n);
  // A finished sequence's tokens and their states.
  void CountCompletion(int tokens, const std::array<int, kNumStates>& states);
  void CountVote();
  // The engine's view after each step.
  void SetQueue(int queue_depth, int active_sequences);
  int active_sequences() const;

  std::string Render() const;

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, long long> requests_;
  long long prompt_tokens_ = 0, completion_tokens_ = 0, votes_ = 0;
  std::array<long long, kNumStates> states_{};
  int queue_depth_ = 0, active_ = 0;
  // Tokens per second: completion tokens counted since window_start_, rolled
  // over every few seconds.
  Clock::time_point window_start_ = Clock::now();
  long long window_tokens_ = 0;
  double tokens_per_second_ = 0.0;
};

}  // namespace entropix::server
