// The one error type for bad input: corrupt files, bad flags, bad requests.
// It carries a code and a message that says what went wrong and what to do.
// It is caught only at the boundaries (CLI, server, Python). Programming bugs
// are not Errors: they trip ENTROPIX_CHECK, which aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace entropix {

enum class ErrorCode {
  kInvalidArgument,  // a bad flag, option or request field
  kIo,               // a file could not be opened, read or written
  kCorruptFile,      // a file's contents break its format's rules
  kUnsupported,      // well-formed, but not something this build can run
  kNotFound,         // a named thing (model, key, tensor) does not exist
  kOutOfRange,       // a request exceeds a limit (context length, ...)
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);

}  // namespace entropix

// Internal invariant: a failure is a bug in entropix, never a user's input.
#define ENTROPIX_CHECK(cond)                                      \
  do {                                                            \
    if (!(cond)) ::entropix::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)
