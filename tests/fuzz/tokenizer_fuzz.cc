// Fuzz target for the tokenizers: arbitrary bytes are encoded (with and
// without special-token parsing, as one text and as markup/content pieces),
// decoded, streamed, and arbitrary ids are decoded. Checked properties:
//  * byte-level BPE round-trips any text without special tokens exactly;
//  * every id the encoder emits is inside the vocabulary;
//  * the streaming decoder's output plus its flush equals Decode for the
//    ids the encoder made (no bytes lost or invented);
//  * content pieces never yield control tokens.
// Seeds: tests/fuzz/corpus/tokenizer_fuzz/. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "fuzz_tokenizers.h"
#include "tokenizer/streaming_decoder.h"

namespace {

using entropix::Tokenizer;

void Require(bool ok) {
  if (!ok) std::abort();  // a broken property is a finding
}

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (b < 0x80) { ++i; continue; }
    if ((b & 0xE0) == 0xC0) { n = 2; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { n = 3; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { n = 4; cp = b & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

void CheckIdsInRange(const Tokenizer& t, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) Require(id >= 0 && id < t.vocab_size());
}

void FuzzOne(const Tokenizer& t, std::string_view text, uint8_t flags) {
  const bool add_bos = flags & 1;
  const std::vector<int32_t> plain = t.Encode(text, add_bos, /*parse_special=*/false);
  CheckIdsInRange(t, plain);
  const std::vector<int32_t> special = t.Encode(text, add_bos, /*parse_special=*/true);
  CheckIdsInRange(t, special);

  // Content pieces: no control token may come out of them.
  const size_t cut = text.empty() ? 0 : (flags >> 1) % (text.size() + 1);
  const entropix::TextPiece pieces[] = {{text.substr(0, cut), false}, {text.substr(cut), false}};
  for (int32_t id : t.Encode(pieces, false)) {
    Require(t.token_type(id) != entropix::TokenType::kControl);
  }

  const std::string decoded = t.Decode(plain);
  if (t.kind() == Tokenizer::Kind::kBpe && t.vocab_size() < 1000 && IsValidUtf8(text)) {
    // The tiny BPE has no user-defined tokens: valid text must come back
    // whole (invalid UTF-8 becomes U+FFFD, as in llama.cpp).
    Require(decoded == text);
  }
  entropix::StreamingDecoder stream(t);
  std::string streamed;
  for (int32_t id : plain) streamed += stream.Push(id);
  streamed += stream.Flush();
  if (IsValidUtf8(decoded)) Require(streamed == decoded);

  // Arbitrary ids (out of range included) decode without reading out of bounds.
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 4 <= text.size() && ids.size() < 64; i += 4) {
    int32_t id;
    __builtin_memcpy(&id, text.data() + i, 4);
    ids.push_back(id % (t.vocab_size() + 8));
  }
  (void)t.Decode(ids, /*render_special=*/flags & 4);
  entropix::StreamingDecoder s2(t, flags & 4);
  for (int32_t id : ids) (void)s2.Push(id);
  (void)s2.Flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  const auto& toks = entropix::fuzz::Tokenizers().all;
  const uint8_t flags = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    FuzzOne(*toks[flags % toks.size()], text, flags);
  } catch (const entropix::Error&) {
    // Rejecting input is allowed (none is expected for text).
  }
  return 0;
}
