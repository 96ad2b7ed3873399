// Pre-tokenizers of byte-level BPE models: split text into the "words" that
// BPE merges never cross. Each kind is one of the regexes llama.cpp selects
// from tokenizer.ggml.pre (src/llama-vocab.cpp), evaluated by hand over
// Unicode category flags instead of with a regex engine:
//
//   kGpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   kSmolLm: first \p{N} (every digit its own piece), then kGpt2 on each piece
//            (also StarCoder, Refact)
//   kLlama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   kQwen2:  kLlama3 with \p{N} instead of \p{N}{1,3}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

enum class PreTokenizerKind { kGpt2, kSmolLm, kLlama3, kQwen2 };

// From the value of tokenizer.ggml.pre; throws Error(kUnsupported) for a name
// we have no rules for.
PreTokenizerKind PreTokenizerFromName(std::string_view pre);

// Splits `text` (which must be valid UTF-8 in llama.cpp's loose sense: see
// DecodeUtf8; callers replace invalid bytes first) and appends the byte
// offset where each word ends to `word_ends` (the last one is text.size()).
// `cpts` and `flags` are scratch buffers.
struct PreTokenizerScratch {
  std::vector<uint32_t> cpts;   // [n_cpts]
  std::vector<uint32_t> offs;   // [n_cpts + 1] byte offset of each code point
  std::vector<uint8_t> flags;   // [n_cpts]
};
void PreTokenize(PreTokenizerKind kind, std::string_view text, PreTokenizerScratch* scratch,
                 std::vector<size_t>* word_ends);

}  // namespace entropix
