#include "tokenizer/streaming_decoder.h"

#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace entropix {

std::string StreamingDecoder::Push(int32_t id) {
  pending_ += tokenizer_.TokenPiece(id, render_special_);
  size_t tail = 0;
  const size_t ready = Utf8CompletePrefix(pending_, &tail);
  if (ready == 0) return {};
  std::string out = SanitizeUtf8(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDecoder::Flush() {
  std::string out = SanitizeUtf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace entropix
