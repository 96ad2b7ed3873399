#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "core/error.h"
#include "io/gguf.h"
#include "tokenizer/bpe_merger.h"
#include "tokenizer/unicode.h"

namespace entropix {

namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581 '▁'

// Texts that end a turn in the chat formats we know. Like llama.cpp, such a
// token counts as end-of-generation and as a control token even when the
// file types it as normal.
constexpr std::string_view kEndOfTurnTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<|eom_id|>", "<EOT>",
};

// A special-token id (bos, eos, eot, unk) from the file, or `fallback` when
// the key is absent. The rule for an id outside the vocabulary: it is
// ignored, i.e. the token is treated as absent (-1), never rejected and never
// used as an index. Converters write 0xFFFFFFFF (some -1) for "none", so
// rejecting would refuse valid files; llama.cpp likewise warns and ignores
// such ids. Model::Load has already checked the vocabulary against
// token_embd, so an id kept here is a valid row of the embedding table and of
// the logits. (A value that is not an integer at all is still an Error.)
int32_t IdOr(const GgufFile& f, std::string_view key, int32_t fallback, int32_t vocab_size) {
  const GgufValue* raw = f.Find(key);
  if (raw == nullptr) return fallback < vocab_size ? fallback : -1;
  using T = GgufValueType;
  const bool is_signed = raw->type == T::kInt8 || raw->type == T::kInt16 || raw->type == T::kInt32 ||
                         raw->type == T::kInt64;
  if (is_signed && raw->scalar.i64 < 0) return -1;
  const uint64_t v = f.GetU64(key);
  return v < static_cast<uint64_t>(vocab_size) ? static_cast<int32_t>(v) : -1;
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s->size());
  size_t pos = 0;
  for (size_t hit; (hit = s->find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(*s, pos, hit - pos);
    out.append(to);
  }
  out.append(*s, pos);
  *s = std::move(out);
}

// A piece of the input: raw text [begin, end) or one special token.
struct Fragment {
  int32_t token;  // -1 for raw text
  size_t begin, end;
};

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromGguf(const GgufFile& f) {
  const std::string_view model = f.GetStringOr("tokenizer.ggml.model", "");
  Spec spec;
  if (model == "llama") {
    spec.kind = Kind::kSpm;
  } else if (model == "gpt2") {
    spec.kind = Kind::kBpe;
  } else if (model.empty()) {
    throw Error(ErrorCode::kUnsupported, f.path() + " has no tokenizer (tokenizer.ggml.model is missing); "
                                                    "use a GGUF that embeds its tokenizer");
  } else {
    throw Error(ErrorCode::kUnsupported, "tokenizer.ggml.model = '" + std::string(model) + "' in " + f.path() +
                                             " is not supported; supported tokenizers are 'llama' "
                                             "(SentencePiece) and 'gpt2' (byte-level BPE)");
  }
  const GgufArray tokens = f.GetArray("tokenizer.ggml.tokens", GgufValueType::kString);
  const uint64_t n = tokens.size();
  if (n == 0 || n > INT32_MAX / 2) {
    throw Error(ErrorCode::kCorruptFile, "tokenizer.ggml.tokens in " + f.path() + " has " + std::to_string(n) +
                                             " entries; convert the model again");
  }
  spec.tokens.reserve(n);
  for (const GgufValue& t : tokens) spec.tokens.emplace_back(t.str);
  const auto check_len = [&](const GgufArray& a, const char* key) {
    if (a.size() != n) {
      throw Error(ErrorCode::kCorruptFile, std::string(key) + " in " + f.path() + " has " +
                                               std::to_string(a.size()) + " entries but there are " +
                                               std::to_string(n) + " tokens; convert the model again");
    }
  };
  if (f.Find("tokenizer.ggml.scores")) {
    const GgufArray a = f.GetArray("tokenizer.ggml.scores", GgufValueType::kFloat32);
    check_len(a, "tokenizer.ggml.scores");
    spec.scores.reserve(n);
    for (const GgufValue& v : a) spec.scores.push_back(static_cast<float>(v.scalar.f64));
  }
  if (f.Find("tokenizer.ggml.token_type")) {
    const GgufArray a = f.GetArray("tokenizer.ggml.token_type", GgufValueType::kInt32);
    check_len(a, "tokenizer.ggml.token_type");
    spec.types.reserve(n);
    for (const GgufValue& v : a) spec.types.push_back(static_cast<int32_t>(v.scalar.i64));
  }
  if (spec.kind == Kind::kBpe) {
    if (!f.Find("tokenizer.ggml.merges")) {
      throw Error(ErrorCode::kCorruptFile, f.path() + " has a gpt2 tokenizer without tokenizer.ggml.merges; "
                                                      "convert the model again");
    }
    const GgufArray a = f.GetArray("tokenizer.ggml.merges", GgufValueType::kString);
    spec.merges.reserve(a.size());
    for (const GgufValue& v : a) spec.merges.emplace_back(v.str);
    spec.pre = std::string(f.GetStringOr("tokenizer.ggml.pre", "default"));
  }
  const int32_t nv = static_cast<int32_t>(n);
  const bool spm = spec.kind == Kind::kSpm;
  // llama.cpp's defaults when the ids are absent: SPM 1/2/0, BPE none.
  spec.bos_id = IdOr(f, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, nv);
  spec.eos_id = IdOr(f, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, nv);
  spec.unk_id = IdOr(f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, nv);
  spec.eot_id = IdOr(f, "tokenizer.ggml.eot_token_id", -1, nv);
  if (f.Find("tokenizer.ggml.add_bos_token")) spec.add_bos = f.GetBoolOr("tokenizer.ggml.add_bos_token", true);
  if (f.Find("tokenizer.ggml.add_space_prefix")) {
    spec.add_space_prefix = f.GetBoolOr("tokenizer.ggml.add_space_prefix", true);
  }
  return FromSpec(spec);
}

std::unique_ptr<Tokenizer> Tokenizer::FromSpec(const Spec& spec) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  const size_t n = spec.tokens.size();
  ENTROPIX_CHECK(spec.scores.empty() || spec.scores.size() == n);
  ENTROPIX_CHECK(spec.types.empty() || spec.types.size() == n);
  t->kind_ = spec.kind;
  t->tokens_ = spec.tokens;
  t->scores_ = spec.scores.empty() ? std::vector<float>(n, 0.0f) : spec.scores;
  t->types_.resize(n, TokenType::kNormal);
  for (size_t i = 0; i < spec.types.size(); ++i) {
    const int32_t v = spec.types[i];
    t->types_[i] = v >= 0 && v <= 6 ? static_cast<TokenType>(v) : TokenType::kUndefined;
  }
  const auto valid = [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < n ? id : -1; };
  t->bos_id_ = valid(spec.bos_id);
  t->eos_id_ = valid(spec.eos_id);
  t->eot_id_ = valid(spec.eot_id);
  t->unk_id_ = valid(spec.unk_id);
  const bool spm = spec.kind == Kind::kSpm;
  t->add_bos_ = spec.add_bos.value_or(spm);
  // Only SentencePiece models put a space in front; llama.cpp ignores the key for BPE.
  t->add_space_prefix_ = spm && spec.add_space_prefix.value_or(true);
  if (!spm) {
    t->pre_ = PreTokenizerFromName(spec.pre);
    t->ignore_merges_ = t->pre_ == PreTokenizerKind::kLlama3;
  }
  t->Init();
  if (!spm) {
    std::vector<std::string_view> merges(spec.merges.begin(), spec.merges.end());
    Tokenizer* self = t.get();
    t->bpe_ = std::make_unique<BpeMerger>(
        t->vocab_size(), merges, [self](std::string_view s) { return self->FindToken(s).value_or(-1); });
  }
  return t;
}

void Tokenizer::Init() {
  const int32_t n = vocab_size();
  token_ids_.reserve(n);
  // A repeated text maps to its last id, as in llama.cpp.
  for (int32_t i = 0; i < n; ++i) token_ids_.insert_or_assign(tokens_[i], i);

  std::fill(std::begin(byte_tokens_), std::end(byte_tokens_), -1);
  if (kind_ == Kind::kSpm) {
    char buf[8];
    for (int b = 0; b < 256; ++b) {
      std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
      auto it = token_ids_.find(std::string_view(buf));
      if (it == token_ids_.end()) it = token_ids_.find(std::string_view(reinterpret_cast<const char*>(&b), 1));
      if (it != token_ids_.end()) byte_tokens_[b] = it->second;
    }
  }

  for (std::string_view text : kEndOfTurnTexts) {
    if (auto it = token_ids_.find(text); it != token_ids_.end()) {
      eog_ids_.push_back(it->second);
      types_[it->second] = TokenType::kControl;
    }
  }
  for (int32_t id : {eos_id_, eot_id_}) {
    if (id >= 0) eog_ids_.push_back(id);
  }
  std::sort(eog_ids_.begin(), eog_ids_.end());
  eog_ids_.erase(std::unique(eog_ids_.begin(), eog_ids_.end()), eog_ids_.end());

  for (int32_t i = 0; i < n; ++i) {
    const TokenType ty = types_[i];
    if ((ty == TokenType::kControl || ty == TokenType::kUserDefined || ty == TokenType::kUnknown) &&
        !tokens_[i].empty()) {
      special_ids_.push_back(i);
    }
  }
  std::stable_sort(special_ids_.begin(), special_ids_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });

  pieces_.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    const std::string& text = tokens_[i];
    std::string& piece = pieces_[i];
    switch (types_[i]) {
      case TokenType::kNormal:
      case TokenType::kByte:
        if (kind_ == Kind::kSpm) {
          unsigned v = 0;
          if (types_[i] == TokenType::kByte && text.size() == 6 && std::sscanf(text.c_str(), "<0x%02X>", &v) == 1) {
            piece.assign(1, static_cast<char>(v));
          } else {
            piece = text;
            ReplaceAll(&piece, kSpmSpace, " ");
          }
        } else {
          size_t pos = 0;
          while (pos < text.size()) {
            const size_t start = pos;
            const int b = UnicodeToByte(DecodeUtf8(text, &pos));
            if (b >= 0) {
              piece.push_back(static_cast<char>(b));
            } else {
              piece.append(text, start, pos - start);  // not of the byte alphabet: keep as is
            }
          }
        }
        break;
      case TokenType::kUserDefined:
        piece = text;
        break;
      default:  // control and unknown render only on request; unused/undefined never
        break;
    }
  }
}

std::optional<int32_t> Tokenizer::FindToken(std::string_view piece_text) const {
  const auto it = token_ids_.find(piece_text);
  if (it == token_ids_.end()) return std::nullopt;
  return it->second;
}

std::string_view Tokenizer::TokenText(int32_t id) const {
  return id >= 0 && id < vocab_size() ? std::string_view(tokens_[id]) : std::string_view();
}

TokenType Tokenizer::token_type(int32_t id) const {
  return id >= 0 && id < vocab_size() ? types_[id] : TokenType::kUndefined;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return std::binary_search(eog_ids_.begin(), eog_ids_.end(), id);
}

std::string Tokenizer::TokenPiece(int32_t id, bool render_special) const {
  if (id < 0 || id >= vocab_size()) return {};
  const TokenType ty = types_[id];
  if (ty == TokenType::kControl || ty == TokenType::kUnknown) return render_special ? tokens_[id] : std::string();
  return pieces_[id];
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool render_special) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    const TokenType ty = types_[id];
    if (ty == TokenType::kControl || ty == TokenType::kUnknown) {
      if (render_special) out += tokens_[id];
    } else {
      out += pieces_[id];
    }
  }
  return out;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_bos, bool parse_special) const {
  const TextPiece piece{text, parse_special};
  return Encode(std::span<const TextPiece>(&piece, 1), add_bos);
}

std::vector<int32_t> Tokenizer::Encode(std::span<const TextPiece> pieces, bool add_bos) const {
  std::vector<int32_t> out;
  if (add_bos && bos_id_ >= 0) out.push_back(bos_id_);

  // The text, and the byte ranges [begin, end) of adjacent pieces that may
  // hold control/unknown token texts.
  std::string text;
  std::vector<std::pair<size_t, size_t>> allowed;
  for (const TextPiece& p : pieces) {
    if (p.parse_special && !p.text.empty()) {
      if (!allowed.empty() && allowed.back().second == text.size()) {
        allowed.back().second += p.text.size();
      } else {
        allowed.emplace_back(text.size(), text.size() + p.text.size());
      }
    }
    text.append(p.text);
  }
  const auto may_be_special = [&](TokenType ty, size_t begin, size_t end) {
    if (ty == TokenType::kUserDefined) return true;
    for (const auto& [b, e] : allowed) {
      if (begin >= b && end <= e) return true;
    }
    return false;
  };

  // Special-token partition, as llama.cpp's tokenizer_st_partition: each
  // special text, longest first, splits every raw fragment at all of its
  // permitted occurrences (leftmost first).
  std::vector<Fragment> frags;
  if (!text.empty()) frags.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  const std::string_view view(text);
  for (int32_t id : special_ids_) {
    const TokenType ty = types_[id];
    if (allowed.empty() && ty != TokenType::kUserDefined) continue;
    const std::string& s = tokens_[id];
    if (view.find(s) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& fr : frags) {
      if (fr.token >= 0) {
        next.push_back(fr);
        continue;
      }
      size_t pos = fr.begin;
      for (size_t from = fr.begin;;) {
        const size_t hit = view.substr(0, fr.end).find(s, from);
        if (hit == std::string_view::npos) break;
        if (!may_be_special(ty, hit, hit + s.size())) {
          from = hit + 1;
          continue;
        }
        if (hit > pos) next.push_back({-1, pos, hit});
        next.push_back({id, hit, hit + s.size()});
        pos = from = hit + s.size();
      }
      if (pos < fr.end) next.push_back({-1, pos, fr.end});
    }
    frags.swap(next);
  }

  bool prev_special = true;  // SPM: a space goes in front of the text and after special tokens
  std::string buf;
  for (const Fragment& fr : frags) {
    if (fr.token >= 0) {
      out.push_back(fr.token);
      prev_special = true;
      continue;
    }
    const std::string_view raw = view.substr(fr.begin, fr.end - fr.begin);
    if (kind_ == Kind::kSpm) {
      buf.clear();
      if (add_space_prefix_ && prev_special) buf.push_back(' ');
      buf.append(raw);
      ReplaceAll(&buf, " ", kSpmSpace);
      EncodeSpm(buf, &out);
    } else {
      EncodeBpe(raw, &out);
    }
    prev_special = false;
  }
  return out;
}

// llama.cpp's SPM session (itself from SentencePiece's BPE model): start
// from UTF-8 characters and repeatedly merge the adjacent pair whose
// concatenation is a token with the highest score (ties: leftmost).
void Tokenizer::EncodeSpm(std::string_view text, std::vector<int32_t>* out) const {
  struct Sym {
    int32_t prev, next;
    uint32_t begin, len;
  };
  struct Bigram {
    float score;
    int32_t left, right;
    uint32_t len;
    bool operator<(const Bigram& o) const { return score != o.score ? score < o.score : left > o.left; }
  };
  std::vector<Sym> syms;
  syms.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const uint32_t len =
        static_cast<uint32_t>(std::min(text.size() - pos, Utf8SeqLen(static_cast<uint8_t>(text[pos]))));
    const int32_t idx = static_cast<int32_t>(syms.size());
    syms.push_back({idx - 1, pos + len < text.size() ? idx + 1 : -1, static_cast<uint32_t>(pos), len});
    pos += len;
  }
  std::priority_queue<Bigram> queue;
  const auto try_add = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const uint32_t len = syms[l].len + syms[r].len;
    const auto it = token_ids_.find(text.substr(syms[l].begin, len));
    if (it == token_ids_.end()) return;
    queue.push({scores_[it->second], l, r, len});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(syms.size()); ++i) try_add(i - 1, i);
  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Sym& l = syms[b.left];
    Sym& r = syms[b.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }
  for (int32_t i = syms.empty() ? -1 : 0; i >= 0; i = syms[i].next) {
    const std::string_view piece = text.substr(syms[i].begin, syms[i].len);
    if (const auto it = token_ids_.find(piece); it != token_ids_.end()) {
      out->push_back(it->second);
      continue;
    }
    for (char c : piece) {  // byte fallback
      const int32_t id = byte_tokens_[static_cast<uint8_t>(c)];
      if (id >= 0) {
        out->push_back(id);
      } else if (unk_id_ >= 0) {
        out->push_back(unk_id_);
      }
    }
  }
}

void Tokenizer::EncodeBpe(std::string_view raw, std::vector<int32_t>* out) const {
  // llama.cpp decodes the text to code points first, turning each invalid
  // byte into U+FFFD; do the same so the words match.
  std::string fixed;
  {
    size_t pos = 0;
    bool clean = true;
    while (pos < raw.size() && clean) {
      const size_t start = pos;
      const uint32_t cp = DecodeUtf8(raw, &pos);
      clean = !(cp == kReplacementChar && pos - start == 1);
    }
    if (!clean) {
      pos = 0;
      while (pos < raw.size()) AppendUtf8(DecodeUtf8(raw, &pos), &fixed);
      raw = fixed;
    }
  }
  PreTokenizerScratch pre;
  std::vector<size_t> ends;
  PreTokenize(pre_, raw, &pre, &ends);
  BpeMerger::Scratch scratch;
  std::string alpha;  // a word in the byte alphabet
  const auto to_alphabet = [&](std::string_view bytes) {
    alpha.clear();
    for (char c : bytes) AppendUtf8(ByteToUnicode(static_cast<uint8_t>(c)), &alpha);
  };
  size_t begin = 0;
  for (size_t end : ends) {
    const std::string_view word = raw.substr(begin, end - begin);
    begin = end;
    if (word.empty()) continue;
    if (ignore_merges_) {
      to_alphabet(word);
      if (const auto it = token_ids_.find(std::string_view(alpha)); it != token_ids_.end()) {
        out->push_back(it->second);
        continue;
      }
    }
    bpe_->Merge(word, &scratch);
    for (int32_t i = 0; i >= 0; i = scratch.symbols[i].next) {
      const BpeMerger::Symbol& s = scratch.symbols[i];
      if (s.id >= 0 && s.id < vocab_size()) {
        out->push_back(s.id);
        continue;
      }
      // Not a token: llama.cpp emits the tokens of the single bytes of its
      // alphabet text, where such tokens exist.
      if (s.id >= vocab_size()) {
        alpha = bpe_->extra_text(s.id);
      } else {
        to_alphabet(word.substr(s.begin, s.end - s.begin));
      }
      for (char c : alpha) {
        if (const auto it = token_ids_.find(std::string_view(&c, 1)); it != token_ids_.end()) {
          out->push_back(it->second);
        }
      }
    }
  }
}

}  // namespace entropix
