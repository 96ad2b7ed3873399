#include "server/metrics.h"

#include <sstream>

namespace entropix::server {
namespace {

constexpr double kWindowSeconds = 5.0;

void Header(std::ostringstream& o, const char* name, const char* type, const char* help) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

void Metrics::CountRequest(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
}

void Metrics::CountPromptTokens(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += n;
}

void Metrics::CountCompletion(int tokens, const std::array<int, kNumStates>& states) {
  std::lock_guard<std::mutex> lock(mu_);
  completion_tokens_ += tokens;
  window_tokens_ += tokens;
  for (int s = 0; s < kNumStates; ++s) states_[s] += states[s];
  const double elapsed = std::chrono::duration<double>(Clock::now() - window_start_).count();
  if (elapsed >= kWindowSeconds) {
    tokens_per_second_ = window_tokens_ / elapsed;
    window_tokens_ = 0;
    window_start_ = Clock::now();
  }
}

void Metrics::CountVote() {
  std::lock_guard<std::mutex> lock(mu_);
  ++votes_;
}

void Metrics::SetQueue(int queue_depth, int active_sequences) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_depth_ = queue_depth;
  active_ = active_sequences;
}

int Metrics::active_sequences() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream o;
  Header(o, "entropix_requests_total", "counter", "Answered requests by endpoint and HTTP status.");
  for (const auto& [key, n] : requests_) {
    o << "entropix_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << '\n';
  }
  Header(o, "entropix_prompt_tokens_total", "counter", "Prompt tokens of admitted requests.");
  o << "entropix_prompt_tokens_total " << prompt_tokens_ << '\n';
  Header(o, "entropix_completion_tokens_total", "counter", "Generated tokens.");
  o << "entropix_completion_tokens_total " << completion_tokens_ << '\n';
  Header(o, "entropix_tokens_per_second", "gauge", "Generated tokens per second over the last window.");
  o << "entropix_tokens_per_second " << tokens_per_second_ << '\n';
  Header(o, "entropix_queue_depth", "gauge", "Sequences admitted but not yet taking part in steps.");
  o << "entropix_queue_depth " << queue_depth_ << '\n';
  Header(o, "entropix_active_sequences", "gauge", "Sequences the scheduler holds (running or waiting).");
  o << "entropix_active_sequences " << active_ << '\n';
  Header(o, "entropix_tokens_by_state_total", "counter", "Generated tokens by the sampler state that chose them.");
  for (int s = 0; s < kNumStates; ++s) {
    o << "entropix_tokens_by_state_total{state=\"" << StateName(static_cast<State>(s)) << "\"} " << states_[s]
      << '\n';
  }
  Header(o, "entropix_votes_total", "counter", "Vote decodings (sampler vote).");
  o << "entropix_votes_total " << votes_ << '\n';
  return o.str();
}

}  // namespace entropix::server
