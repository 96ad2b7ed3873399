// Tokenizers the text fuzz targets share: a byte-level BPE with ChatML
// control tokens built in code (always available), the SentencePiece
// tokenizer of ../shared/models/stories260K.gguf (when the shared folder is
// beside the checkout), and the default model's BPE tokenizer when it is in
// the model cache. Built once per process.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace entropix::fuzz {

// GPT-2's byte alphabet: printable bytes map to themselves, the rest to
// U+0100 + n in order (the same mapping the BPE tokenizer uses).
inline std::vector<std::string> ByteLevelAlphabet() {
  std::vector<std::string> out(256);
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const unsigned cp = printable ? static_cast<unsigned>(b) : 0x100u + n++;
    std::string s;
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    out[b] = s;
  }
  return out;
}

inline std::unique_ptr<Tokenizer> TinyChatBpe() {
  Tokenizer::Spec s;
  s.kind = Tokenizer::Kind::kBpe;
  s.pre = "smollm";
  s.tokens = ByteLevelAlphabet();
  s.types.assign(s.tokens.size(), 1);
  const char* merged[] = {"Ġt", "he", "Ġthe", "in", "Ġa"};
  for (const char* m : merged) {
    s.tokens.push_back(m);
    s.types.push_back(1);
  }
  s.merges = {"Ġ t", "h e", "Ġt he", "i n", "Ġ a"};
  for (const char* sp : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    s.tokens.push_back(sp);
    s.types.push_back(3);
  }
  s.eos_id = static_cast<int32_t>(s.tokens.size()) - 1;
  return Tokenizer::FromSpec(s);
}

struct FuzzTokenizers {
  std::vector<std::unique_ptr<GgufFile>> files;
  std::vector<std::unique_ptr<Tokenizer>> all;
};

inline const FuzzTokenizers& Tokenizers() {
  static const FuzzTokenizers t = [] {
    FuzzTokenizers out;
    out.all.push_back(TinyChatBpe());
    std::vector<std::string> paths = {std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf"};
    if (const char* h = std::getenv("HOME")) {
      paths.push_back(std::string(h) + "/.cache/entropix/models/SmolLM2-135M-Instruct.Q4_1.gguf");
    }
    for (const std::string& p : paths) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) continue;
      out.files.push_back(GgufFile::Open(p));
      out.all.push_back(Tokenizer::FromGguf(*out.files.back()));
    }
    return out;
  }();
  return t;
}

}  // namespace entropix::fuzz
