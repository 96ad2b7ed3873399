#include "tokenizer/bpe_merger.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace entropix {

BpeMerger::BpeMerger(int32_t vocab_size, std::span<const std::string_view> merges,
                     const std::function<int32_t(std::string_view)>& lookup)
    : vocab_size_(vocab_size) {
  std::unordered_map<std::string, int32_t> extra_ids;
  const auto intern = [&](std::string_view text) -> int32_t {
    const int32_t id = lookup(text);
    if (id >= 0) return id;
    auto [it, inserted] = extra_ids.try_emplace(std::string(text), 0);
    if (inserted) {
      it->second = vocab_size_ + static_cast<int32_t>(extra_texts_.size());
      extra_texts_.emplace_back(text);
    }
    return it->second;
  };
  std::string text;
  for (int b = 0; b < 256; ++b) {
    text.clear();
    AppendUtf8(ByteToUnicode(static_cast<uint8_t>(b)), &text);
    byte_symbol_[b] = lookup(text);
  }
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string_view m = merges[rank];
    const size_t sp = m.find(' ', 1);
    if (sp == std::string_view::npos) {
      throw Error(ErrorCode::kCorruptFile, "tokenizer.ggml.merges entry " + std::to_string(rank) + " ('" +
                                               std::string(m) + "') is not two pieces separated by a space; "
                                               "convert the model again");
    }
    const std::string_view l = m.substr(0, sp), r = m.substr(sp + 1);
    const int32_t lid = intern(l), rid = intern(r);
    text.assign(l);
    text.append(r);
    const int32_t rank32 = static_cast<int32_t>(rank);
    // Interning may grow extra_texts_; do it before the emplace below.
    const int32_t res = intern(text);
    merges_.try_emplace(Key(lid, rid), MergeResult{rank32, res});
  }
}

void BpeMerger::PushPair(const std::vector<Symbol>& syms, int32_t left, std::vector<Pair>* heap) const {
  if (left < 0) return;
  const int32_t right = syms[left].next;
  if (right < 0) return;
  const int32_t lid = syms[left].id, rid = syms[right].id;
  if (lid < 0 || rid < 0) return;
  const auto it = merges_.find(Key(lid, rid));
  if (it == merges_.end()) return;
  heap->push_back(Pair{it->second.rank, left, lid, rid});
  std::push_heap(heap->begin(), heap->end());
}

void BpeMerger::Merge(std::string_view word, Scratch* s) const {
  auto& syms = s->symbols;
  auto& heap = s->heap;
  syms.clear();
  heap.clear();
  const int32_t n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n; ++i) {
    syms.push_back(Symbol{byte_symbol_[static_cast<uint8_t>(word[i])], static_cast<uint32_t>(i),
                          static_cast<uint32_t>(i + 1), i - 1, i + 1 < n ? i + 1 : -1});
  }
  for (int32_t i = 0; i + 1 < n; ++i) PushPair(syms, i, &heap);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Pair p = heap.back();
    heap.pop_back();
    Symbol& l = syms[p.left];
    // Stale if either side has merged since the pair was queued.
    if (l.id != p.left_id || l.next < 0 || syms[l.next].id != p.right_id) continue;
    Symbol& r = syms[l.next];
    const auto it = merges_.find(Key(p.left_id, p.right_id));
    l.id = it->second.id;
    l.end = r.end;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = p.left;
    r.id = -2;  // dead
    PushPair(syms, l.prev, &heap);
    PushPair(syms, p.left, &heap);
  }
}

}  // namespace entropix
