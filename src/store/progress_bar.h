// Progress of a long task on stderr: the one progress reporter of the
// project (model download and extraction in bytes; eval and calibrate in
// items).
// On a terminal: one line redrawn in place at most ~10 times a second.
// Otherwise (CI logs, pipes): a plain line at every 1/plain_steps of the
// total (quarters for bytes), and for items also at the first one, so logs
// stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace entropix {

enum class ProgressUnit { kBytes, kItems };

struct ProgressOptions {
  ProgressUnit unit = ProgressUnit::kBytes;
  int plain_steps = 4;     // plain lines per run when not on a terminal
  std::FILE* out = stderr;  // stderr except in tests
};

class ProgressBar {
 public:
  // total may be 0 when unknown.
  ProgressBar(std::string label, uint64_t total_bytes, std::FILE* out = stderr);
  ProgressBar(std::string label, uint64_t total, const ProgressOptions& options);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Add(uint64_t n) { Set(done_ + n); }
  void Set(uint64_t done);
  // What is being done now, shown after the counts ("greedy item 12").
  void SetDetail(std::string detail) { detail_ = std::move(detail); }
  // Prints the final state and a newline; later calls do nothing.
  void Finish();

 private:
  void Draw(bool final);
  std::string Amount(uint64_t n) const;  // "1.5 MB" / "12"

  std::string label_;
  std::string detail_;
  uint64_t total_;
  uint64_t done_ = 0;
  ProgressOptions options_;
  bool tty_;
  bool finished_ = false;
  bool drawn_ = false;
  int last_step_ = 0;  // plain mode: steps already reported
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "45s", "3m07s", "2h05m".
std::string FormatDuration(double seconds);

}  // namespace entropix
