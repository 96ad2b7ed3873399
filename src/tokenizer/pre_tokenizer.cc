#include "tokenizer/pre_tokenizer.h"

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace entropix {

PreTokenizerKind PreTokenizerFromName(std::string_view pre) {
  if (pre.empty() || pre == "default" || pre == "gpt2" || pre == "gpt-2") return PreTokenizerKind::kGpt2;
  if (pre == "smollm" || pre == "starcoder" || pre == "refact") return PreTokenizerKind::kSmolLm;
  if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") return PreTokenizerKind::kLlama3;
  if (pre == "qwen2") return PreTokenizerKind::kQwen2;
  throw Error(ErrorCode::kUnsupported,
              "tokenizer.ggml.pre = '" + std::string(pre) +
                  "' is not supported (supported: gpt2, default, smollm, starcoder, refact, llama-bpe, "
                  "qwen2); use a model with one of these tokenizers");
}

namespace {

// A view of code points [begin, end) of the text; positions outside read as
// "absent" (flags 0 with kPresent clear), which is what lookaheads see at the
// edge of a piece.
constexpr uint8_t kPresent = 0x80;

class Cursor {
 public:
  Cursor(const PreTokenizerScratch& s, size_t begin, size_t end, std::vector<size_t>* out)
      : s_(s), begin_(begin), end_(end), out_(out) {}

  uint32_t cpt(size_t i) const { return i < end_ ? s_.cpts[i] : 0xFFFFFFFFu; }
  uint8_t flags(size_t i) const { return i < end_ ? static_cast<uint8_t>(s_.flags[i] | kPresent) : 0; }
  size_t end() const { return end_; }
  size_t begin() const { return begin_; }
  // Ends a word at code point i (empty words are dropped).
  void Emit(size_t i) {
    const size_t off = s_.offs[i];
    if (off > last_) {
      out_->push_back(off);
      last_ = off;
    }
  }
  void Start(size_t i) { last_ = s_.offs[i]; }

 private:
  const PreTokenizerScratch& s_;
  size_t begin_, end_;
  std::vector<size_t>* out_;
  size_t last_ = 0;
};

bool IsOtherClass(uint8_t f) {  // [^\s\p{L}\p{N}], present
  return (f & kPresent) && !IsWhitespace(f) && !IsLetter(f) && !IsNumber(f);
}

char AsciiLower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c); }

// Length of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
size_t Contraction(const Cursor& c, size_t i, bool case_insensitive) {
  if (c.cpt(i) != '\'' || i + 1 >= c.end()) return 0;
  const auto norm = [&](uint32_t x) -> char {
    if (x > 0x7F) return 0;
    return case_insensitive ? AsciiLower(x) : static_cast<char>(x);
  };
  const char a = norm(c.cpt(i + 1));
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= c.end()) return 0;
  const char b = norm(c.cpt(i + 2));
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

void SplitGpt2(Cursor& c) {
  size_t pos = c.begin();
  c.Start(pos);
  while (pos < c.end()) {
    const uint32_t cp = c.cpt(pos);
    const uint8_t f = c.flags(pos);
    if (const size_t n = Contraction(c, pos, false)) {
      pos += n;
      c.Emit(pos);
      continue;
    }
    // ' ?\p{L}+' | ' ?\p{N}+' | ' ?[^\s\p{L}\p{N}]+'
    const uint8_t f2 = cp == ' ' ? c.flags(pos + 1) : f;
    if (IsLetter(f2) && (f2 & kPresent)) {
      pos += cp == ' ';
      while (IsLetter(c.flags(pos)) && pos < c.end()) ++pos;
      c.Emit(pos);
      continue;
    }
    if (IsNumber(f2) && (f2 & kPresent)) {
      pos += cp == ' ';
      while (IsNumber(c.flags(pos)) && pos < c.end()) ++pos;
      c.Emit(pos);
      continue;
    }
    if (IsOtherClass(f2)) {
      pos += cp == ' ';
      while (IsOtherClass(c.flags(pos))) ++pos;
      c.Emit(pos);
      continue;
    }
    // '\s+(?!\S)' then '\s+'
    size_t n_ws = 0;
    while (pos + n_ws < c.end() && IsWhitespace(c.flags(pos + n_ws))) ++n_ws;
    if (n_ws > 1 && pos + n_ws < c.end()) {
      pos += n_ws - 1;
    } else if (n_ws > 0) {
      pos += n_ws;
    } else {
      ++pos;
    }
    c.Emit(pos);
  }
}

void SplitLlama3(Cursor& c, size_t max_digits) {
  size_t pos = c.begin();
  c.Start(pos);
  while (pos < c.end()) {
    const uint32_t cp = c.cpt(pos);
    const uint8_t f = c.flags(pos);
    if (const size_t n = Contraction(c, pos, true)) {
      pos += n;
      c.Emit(pos);
      continue;
    }
    // '[^\r\n\p{L}\p{N}]?\p{L}+'
    if (cp != '\r' && cp != '\n' && !IsNumber(f)) {
      const uint8_t next = c.flags(pos + 1);
      if (IsLetter(f) || (IsLetter(next) && (next & kPresent))) {
        ++pos;
        while (pos < c.end() && IsLetter(c.flags(pos))) ++pos;
        c.Emit(pos);
        continue;
      }
    }
    // '\p{N}{1,max_digits}'
    if (IsNumber(f)) {
      size_t run = 0;
      while (pos < c.end() && IsNumber(c.flags(pos))) {
        ++pos;
        if (++run == max_digits) {
          c.Emit(pos);
          run = 0;
        }
      }
      c.Emit(pos);
      continue;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    const uint8_t f2 = cp == ' ' ? c.flags(pos + 1) : f;
    if (IsOtherClass(f2)) {
      pos += cp == ' ';
      while (IsOtherClass(c.flags(pos))) ++pos;
      while (pos < c.end() && (c.cpt(pos) == '\r' || c.cpt(pos) == '\n')) ++pos;
      c.Emit(pos);
      continue;
    }
    // '\s*[\r\n]+' | '\s+(?!\S)' | '\s+'
    size_t n_ws = 0, last_newline_end = 0;
    while (pos + n_ws < c.end() && IsWhitespace(c.flags(pos + n_ws))) {
      const uint32_t w = c.cpt(pos + n_ws);
      ++n_ws;
      if (w == '\r' || w == '\n') last_newline_end = pos + n_ws;
    }
    if (last_newline_end > 0) {
      pos = last_newline_end;
    } else if (n_ws > 1 && pos + n_ws < c.end()) {
      pos += n_ws - 1;
    } else if (n_ws > 0) {
      pos += n_ws;
    } else {
      ++pos;
    }
    c.Emit(pos);
  }
}

}  // namespace

void PreTokenize(PreTokenizerKind kind, std::string_view text, PreTokenizerScratch* s,
                 std::vector<size_t>* word_ends) {
  s->cpts.clear();
  s->offs.clear();
  s->flags.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    s->offs.push_back(static_cast<uint32_t>(pos));
    const uint32_t cp = DecodeUtf8(text, &pos);
    s->cpts.push_back(cp);
    s->flags.push_back(UnicodeFlags(cp));
  }
  s->offs.push_back(static_cast<uint32_t>(text.size()));
  const size_t n = s->cpts.size();
  switch (kind) {
    case PreTokenizerKind::kGpt2: {
      Cursor c(*s, 0, n, word_ends);
      SplitGpt2(c);
      break;
    }
    case PreTokenizerKind::kSmolLm: {
      // \p{N} isolates every digit; the GPT-2 regex then runs on each piece
      // separately, so its lookaheads stop at the digits.
      size_t i = 0;
      while (i < n) {
        size_t j = i;
        while (j < n && !IsNumber(s->flags[j])) ++j;
        if (j > i) {
          Cursor c(*s, i, j, word_ends);
          SplitGpt2(c);
        }
        if (j < n) word_ends->push_back(s->offs[j + 1]);
        i = j + 1;
      }
      break;
    }
    case PreTokenizerKind::kLlama3: {
      Cursor c(*s, 0, n, word_ends);
      SplitLlama3(c, 3);
      break;
    }
    case PreTokenizerKind::kQwen2: {
      Cursor c(*s, 0, n, word_ends);
      SplitLlama3(c, 1);
      break;
    }
  }
}

}  // namespace entropix
