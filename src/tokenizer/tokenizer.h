// Tokenizers built from GGUF metadata (tokenizer.ggml.*), matching llama.cpp:
//
//   "llama": SentencePiece-style. Spaces become U+2581 ('▁'), a space is put
//            in front of the text and after every special token
//            (tokenizer.ggml.add_space_prefix, default true), adjacent pieces
//            are merged best-score-first, and characters no token covers fall
//            back to the <0xXX> byte tokens.
//   "gpt2":  byte-level BPE. A pre-tokenizer chosen by tokenizer.ggml.pre
//            (pre_tokenizer.h) splits the text into words, bytes are mapped
//            to GPT-2's printable alphabet, and tokenizer.ggml.merges apply
//            lowest-rank-first inside each word.
//
// Special tokens: with parse_special, the texts of control (type 3) and
// unknown (2) tokens in the input become those tokens; user-defined tokens
// (4) are always matched. Longer special texts are matched first. Text made
// of several pieces (a chat template's markup around untrusted message
// contents) is encoded as one text in which only the pieces that allow it
// may contain special tokens: a control token's text must lie wholly inside
// one such run of pieces.
//
// Decoding concatenates each token's bytes. For SPM models this keeps the
// space the encoder put in front: Decode(Encode(s)) == " " + s for non-empty
// s without special tokens when add_space_prefix is on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pre_tokenizer.h"

namespace entropix {

class GgufFile;
class BpeMerger;

// tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

// A piece of a text to encode; see Tokenizer::Encode.
struct TextPiece {
  std::string_view text;
  bool parse_special = false;
};

class Tokenizer {
 public:
  enum class Kind { kSpm, kBpe };

  // Throws Error(kUnsupported) for other tokenizer.ggml.model values and
  // unknown pre-tokenizers, Error(kCorruptFile) for inconsistent metadata.
  static std::unique_ptr<Tokenizer> FromGguf(const GgufFile& f);

  // Builds a tokenizer from plain arrays (tests, tools). `scores` may be
  // empty (all 0), `types` may be empty (all normal); `merges` ("a b") are
  // used by kBpe only.
  struct Spec {
    Kind kind = Kind::kSpm;
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    std::vector<std::string> merges;
    std::string pre;  // tokenizer.ggml.pre
    int32_t bos_id = -1, eos_id = -1, eot_id = -1, unk_id = -1;
    std::optional<bool> add_bos, add_space_prefix;
  };
  static std::unique_ptr<Tokenizer> FromSpec(const Spec& spec);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  std::vector<int32_t> Encode(std::string_view text, bool add_bos, bool parse_special) const;
  // The concatenation of `pieces`, with special tokens only inside pieces
  // that allow them. Raw text is split only at special tokens, never at piece
  // boundaries, so the ids equal Encode(concatenation, add_bos, false) when
  // the text has no special tokens.
  std::vector<int32_t> Encode(std::span<const TextPiece> pieces, bool add_bos) const;
  // Control and unknown tokens contribute their text only with render_special.
  std::string Decode(std::span<const int32_t> ids, bool render_special = false) const;
  // The bytes one token contributes to Decode (may be a partial UTF-8
  // sequence: byte tokens, byte-level pieces). Empty for out-of-range ids.
  std::string TokenPiece(int32_t id, bool render_special = false) const;
  // The token's text as stored in the vocabulary.
  std::string_view TokenText(int32_t id) const;
  TokenType token_type(int32_t id) const;

  Kind kind() const { return kind_; }
  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }
  // tokenizer.ggml.add_bos_token (default true for SPM, false for BPE).
  bool add_bos_default() const { return add_bos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  // eos, eot (tokenizer.ggml.eot_token_id) and known end-of-turn tokens
  // present in the vocabulary (<|im_end|>, <|eot_id|>, <|endoftext|>, ...).
  bool IsEndOfGeneration(int32_t id) const;
  const std::vector<int32_t>& end_of_generation_ids() const { return eog_ids_; }
  std::optional<int32_t> FindToken(std::string_view piece_text) const;

 private:
  Tokenizer();
  void Init();
  void EncodeSpm(std::string_view text, std::vector<int32_t>* out) const;
  void EncodeBpe(std::string_view text, std::vector<int32_t>* out) const;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using TokenMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

  Kind kind_ = Kind::kSpm;
  std::vector<std::string> tokens_;     // [vocab_size] text as stored
  std::vector<float> scores_;           // [vocab_size]
  std::vector<TokenType> types_;        // [vocab_size]
  std::vector<std::string> pieces_;     // [vocab_size] decoded bytes (normal/byte/user-defined)
  TokenMap token_ids_;                  // text -> first id with that text
  std::vector<int32_t> special_ids_;    // matched in the input; longest text first
  std::vector<int32_t> eog_ids_;
  int32_t byte_tokens_[256];            // SPM: id of <0xXX> (or -1)
  int32_t bos_id_ = -1, eos_id_ = -1, eot_id_ = -1, unk_id_ = -1;
  bool add_bos_ = true;
  bool add_space_prefix_ = true;
  PreTokenizerKind pre_ = PreTokenizerKind::kGpt2;
  bool ignore_merges_ = false;
  std::unique_ptr<BpeMerger> bpe_;
};

}  // namespace entropix
