// Which tokens produced a stretch of a response's text.
//
// The streaming decoder (tokenizer/streaming_decoder.h) emits, per token,
// the complete characters that token finishes; bytes of a character split
// across tokens are held back and emitted with the token that completes it.
// So the response text is the concatenation of the emitted pieces, and a
// character belongs to the token that emitted it plus the earlier tokens
// whose held-back bytes it contains. The answer-span margin (CoT-decoding,
// arXiv 2402.10200) averages over exactly these tokens: an off-by-one here
// silently turns it into noise (MULTI_TRACE_NOTES.md C7).
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace entropix {

// Token indices [begin, end); empty when begin == end.
struct TokenRange {
  int begin = 0;
  int end = 0;
  bool empty() const { return begin >= end; }
  bool Contains(int i) const { return i >= begin && i < end; }
};

// The tokens that produced bytes [text_begin, text_end) of the text
// concat(pieces). pieces[i]: the text emitted for token i. held[i]: the bytes
// the decoder still held back after token i (StreamingDecoder::pending_bytes);
// pass an empty span when unknown, and only the emitting tokens count.
// Empty range for an empty span or one outside the text.
TokenRange TokensOfSpan(std::span<const std::string> pieces, std::span<const int> held, size_t text_begin,
                        size_t text_end);

}  // namespace entropix
