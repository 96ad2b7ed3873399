// The tokenizers' own Unicode helpers: SentencePiece-style splitting by
// sequence length and GPT-2's byte <-> unicode alphabet. Internal to
// src/tokenizer; every other layer uses tokenizer/utf8.h (included here).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tokenizer/utf8.h"

namespace entropix {

// Length of a UTF-8 sequence from its lead byte (1 for a stray continuation
// byte), as SentencePiece-style splitting uses it.
inline size_t Utf8SeqLen(uint8_t lead) {
  static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// GPT-2 byte-level alphabet: each byte maps to one printable code point.
uint32_t ByteToUnicode(uint8_t b);
// The byte for a code point of that alphabet, or -1.
int UnicodeToByte(uint32_t cp);

}  // namespace entropix
