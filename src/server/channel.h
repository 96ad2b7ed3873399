// Channel: how one request's tokens travel from the engine thread (which
// steps the scheduler) to the HTTP handler thread that answers the request.
// The engine pushes events; the handler waits for them. The handler sets
// Cancel() when its client is gone; the engine reads cancelled() before each
// step and cancels the request's sequences.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace entropix::server {

struct TopLogprob {
  int32_t token = 0;
  std::string piece;  // the token's bytes (may be partial UTF-8)
  double logprob = 0.0;
};

// One generated token of choice `choice`, and the text it released (text can
// be empty: an incomplete UTF-8 character, or held back by a stop string).
struct TokenOut {
  int choice = 0;
  int32_t token = 0;
  std::string piece;
  std::string text;
  double logprob = 0.0;           // natural log, untempered
  std::vector<TopLogprob> top;    // when asked for: the most likely alternatives, best first
  nlohmann::json record;          // when asked for: the trace record (runtime/trace.h), else null
};

// Text released without a token (held text at the end of generation).
struct TextOut {
  int choice = 0;
  std::string text;
};

struct ChoiceEnd {
  int choice = 0;
  std::string finish_reason;  // stop | length
  int completion_tokens = 0;
};

// The answer of sampler vote, sent once the vote is decided (its traces'
// tokens are not streamed: the first trace need not be the one chosen). It
// ends the request's one choice.
struct VoteOut {
  std::vector<TokenOut> tokens;  // the chosen trace's (text: its piece; no alternatives)
  std::string finish_reason;     // stop | length: how the chosen trace ended
  int completion_tokens = 0;     // forward token-steps of EVERY trace (what the vote cost)
  nlohmann::json vote;           // traces, table, chosen (vote_summary.h); null unless asked for
};

using StreamEvent = std::variant<TokenOut, TextOut, ChoiceEnd, VoteOut>;

class Channel {
 public:
  explicit Channel(int choices) : open_choices_(choices) {}

  // Engine side.
  void Push(StreamEvent event) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (std::holds_alternative<ChoiceEnd>(event) || std::holds_alternative<VoteOut>(event)) --open_choices_;
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  // The request failed in the engine (a damaged model): ends every choice.
  void Fail(std::string message) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::move(message);
      open_choices_ = 0;
    }
    cv_.notify_all();
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Handler side: the events so far, waiting up to `timeout` for the first.
  // *finished: every choice has ended (or the request failed: error()).
  std::vector<StreamEvent> Wait(std::chrono::milliseconds timeout, bool* finished) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty() || open_choices_ <= 0; });
    std::vector<StreamEvent> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
    events_.clear();
    *finished = open_choices_ <= 0;
    return out;
  }
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  void Cancel() { cancelled_.store(true, std::memory_order_release); }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StreamEvent> events_;
  int open_choices_;
  std::string error_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace entropix::server
