// Progress of a long byte-stream task (extracting, hashing) on stderr.
// On a terminal: one line redrawn in place at most ~10 times a second.
// Otherwise (CI logs, pipes): a plain line at every quarter, so logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace entropix {

class ProgressBar {
 public:
  // total_bytes may be 0 when unknown. out is stderr except in tests.
  ProgressBar(std::string label, uint64_t total_bytes, std::FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Add(uint64_t bytes) { Set(done_bytes_ + bytes); }
  void Set(uint64_t done_bytes);
  // Prints the final state and a newline; later calls do nothing.
  void Finish();

 private:
  void Draw(bool final);

  std::string label_;
  uint64_t total_bytes_;
  uint64_t done_bytes_ = 0;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  int last_quarter_ = 0;  // plain mode: quarters already reported
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace entropix
