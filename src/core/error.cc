#include "core/error.h"

namespace entropix {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kCorruptFile: return "corrupt file";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kOutOfRange: return "out of range";
  }
  return "error";
}

void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "entropix: internal check failed at %s:%d: %s\n", file, line, expr);
  std::abort();
}

}  // namespace entropix
