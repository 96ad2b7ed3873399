// Turns a stream of token ids into text that is always valid UTF-8.
//
// A character can be split across tokens (SentencePiece byte-fallback
// tokens <0xE2><0x9C><0x85>, byte-level BPE pieces of an emoji), so bytes
// that start a sequence not yet complete are held back until the next
// token completes it. Bytes that can never become valid are replaced by
// U+FFFD at once; Flush() emits whatever is still held, repaired.
#pragma once

#include <cstdint>
#include <string>

namespace entropix {

class Tokenizer;

class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool render_special = false)
      : tokenizer_(tokenizer), render_special_(render_special) {}

  // The complete characters this token finishes (possibly empty).
  std::string Push(int32_t id);
  // Everything still held back, with incomplete sequences as U+FFFD.
  std::string Flush();
  // Forgets held bytes (for example after a rewind).
  void Reset() { pending_.clear(); }
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  bool render_special_;
  std::string pending_;  // bytes of an incomplete trailing sequence
};

}  // namespace entropix
