// Byte-level BPE merging inside one pre-tokenized word (GPT-2 style).
//
// Symbols are ids: vocabulary ids, or ids >= vocab_size for strings that a
// merge produces but the vocabulary lacks (kept so the merge table is used
// exactly as written), or -1 for a byte whose alphabet character is not a
// token. Merges are applied lowest rank first; among equal ranks the
// leftmost pair first (llama.cpp's llm_tokenizer_bpe_session).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace entropix {

class BpeMerger {
 public:
  struct Symbol {
    int32_t id;
    uint32_t begin, end;  // byte range in the word
    int32_t prev, next;   // linked list over live symbols; -1 at the ends
  };
  struct Pair {
    int32_t rank;
    int32_t left;  // symbol index
    int32_t left_id, right_id;
    bool operator<(const Pair& o) const {  // priority_queue: top = lowest rank, then leftmost
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  struct Scratch {
    std::vector<Symbol> symbols;
    std::vector<Pair> heap;
  };

  // `lookup(text)` returns the vocabulary id of a token text or -1.
  // `merges` are the "left right" strings of tokenizer.ggml.merges, rank =
  // index (the first of duplicate pairs wins).
  BpeMerger(int32_t vocab_size, std::span<const std::string_view> merges,
            const std::function<int32_t(std::string_view)>& lookup);

  // Merges the bytes of `word`; afterwards the live symbols are
  // scratch->symbols[0], then following .next links.
  void Merge(std::string_view word, Scratch* scratch) const;

  // Alphabet text of a symbol id >= vocab_size.
  const std::string& extra_text(int32_t id) const { return extra_texts_[id - vocab_size_]; }
  size_t merge_count() const { return merges_.size(); }

 private:
  struct MergeResult {
    int32_t rank;
    int32_t id;
  };
  static uint64_t Key(int32_t l, int32_t r) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) | static_cast<uint32_t>(r);
  }
  void PushPair(const std::vector<Symbol>& syms, int32_t left, std::vector<Pair>* heap) const;

  int32_t vocab_size_;
  int32_t byte_symbol_[256];  // id of each byte's alphabet character
  std::unordered_map<uint64_t, MergeResult> merges_;
  std::vector<std::string> extra_texts_;
};

}  // namespace entropix
