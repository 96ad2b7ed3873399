// The process's console: colour, checked writes to stdout, Ctrl-C.
#include "console.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace entropix {

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && no_color[0] != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

// Checked: a full disk or a closed pipe is an Error, not a silently lost answer.
void WriteStdout(std::string_view text) {
  errno = 0;
  if ((!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) ||
      std::fflush(stdout) != 0) {
    throw Error(ErrorCode::kIo, std::string("cannot write to standard output: ") +
                                    (errno ? std::strerror(errno) : "write failed"));
  }
}

// Ctrl-C during generation: the first sets the session's cancel flag (the
// trace gets its end record, the summary prints, exit 130); SA_RESETHAND
// restores the default action, so a second Ctrl-C kills as usual. SA_RESTART:
// a write blocked when the signal arrives resumes instead of failing (EINTR).
namespace {
std::atomic<bool> g_sigint{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
void OnSigint(int) { g_sigint.store(true, std::memory_order_relaxed); }
}  // namespace

CancelOnSigint::CancelOnSigint() {
  g_sigint.store(false);
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &sa, &previous_);
}
CancelOnSigint::~CancelOnSigint() { sigaction(SIGINT, &previous_, nullptr); }
const std::atomic<bool>* CancelOnSigint::flag() const { return &g_sigint; }
bool CancelOnSigint::requested() const { return g_sigint.load(); }

}  // namespace entropix
