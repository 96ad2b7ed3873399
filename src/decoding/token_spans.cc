#include "decoding/token_spans.h"

#include <vector>

namespace entropix {
namespace {

// Extends `first` back over the tokens whose held-back bytes the first
// character of token `first`'s piece contains: token j-1 held bytes after it
// (they were carried into token j), and the chain continues through tokens
// that emitted nothing (so the carried bytes were still pending).
int FirstContributor(std::span<const std::string> pieces, std::span<const int> held, int first) {
  int j = first;
  while (j > 0 && static_cast<size_t>(j - 1) < held.size() && held[j - 1] > 0) {
    --j;
    if (!pieces[j].empty()) break;  // it emitted text: its held tail started the carried character
  }
  return j;
}

}  // namespace

TokenRange TokensOfSpan(std::span<const std::string> pieces, std::span<const int> held, size_t text_begin,
                        size_t text_end) {
  if (text_begin >= text_end) return {};
  int first = -1, last = -1;
  size_t start = 0;  // byte offset of piece i in the text
  size_t first_start = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const size_t stop = start + pieces[i].size();
    if (start < text_end && stop > text_begin && stop > start) {
      if (first < 0) {
        first = static_cast<int>(i);
        first_start = start;
      }
      last = static_cast<int>(i);
    }
    start = stop;
  }
  if (first < 0) return {};
  // Held-back bytes belong to the first character of a piece; they are part
  // of the span only when the span starts at or before that character.
  const int begin = text_begin <= first_start ? FirstContributor(pieces, held, first) : first;
  return {begin, last + 1};
}

}  // namespace entropix
