// The process's console: colour, checked writes to standard output, Ctrl-C
// (console.cc).
#pragma once

#include <signal.h>

#include <atomic>
#include <string>
#include <string_view>

namespace entropix {

// --color: auto (a terminal without NO_COLOR), always, never.
bool UseColor(const std::string& mode);
void WriteStdout(std::string_view text);  // checked: Error(kIo) on a failed write
// Ctrl-C while it lives: the first sets flag() (generation stops, exit 130);
// a second one kills as usual.
class CancelOnSigint {
 public:
  CancelOnSigint();
  ~CancelOnSigint();
  CancelOnSigint(const CancelOnSigint&) = delete;
  CancelOnSigint& operator=(const CancelOnSigint&) = delete;
  const std::atomic<bool>* flag() const;
  bool requested() const;

 private:
  struct sigaction previous_ {};
};

}  // namespace entropix
