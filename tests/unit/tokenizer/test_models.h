// Model paths and JSON loading for the tokenizer tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace entropix::tokenizer_test {

inline std::string StoriesPath() { return std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf"; }

// Where the model store keeps downloads: $ENTROPIX_MODEL_DIR, else
// $XDG_CACHE_HOME/entropix/models, else ~/.cache/entropix/models.
inline std::string CachedModelPath(const std::string& file) {
  std::string dir;
  if (const char* d = std::getenv("ENTROPIX_MODEL_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') {
    dir = std::string(x) + "/entropix/models";
  } else if (const char* h = std::getenv("HOME")) {
    dir = std::string(h) + "/.cache/entropix/models";
  }
  return dir + "/" + file;
}

inline bool ModelsRequired() {
  const char* r = std::getenv("ENTROPIX_REQUIRE_MODELS");
  return r && std::string(r) == "1";
}

inline const char* kSmolLm2File = "SmolLM2-135M-Instruct.Q4_1.gguf";
inline const char* kQwenFile = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";
inline const char* kGemma3File = "gemma-3-270m-q4_k_m.gguf";

// A model's tokenizer, loaded once per process (Qwen's has 152k tokens).
struct LoadedTokenizer {
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Tokenizer> tok;
};
inline const LoadedTokenizer* LoadTokenizer(const std::string& path) {
  static std::map<std::string, std::unique_ptr<LoadedTokenizer>> cache;
  auto& slot = cache[path];
  if (!slot && std::filesystem::exists(path)) {
    slot = std::make_unique<LoadedTokenizer>();
    slot->file = GgufFile::Open(path);
    slot->tok = Tokenizer::FromGguf(*slot->file);
  }
  return slot.get();
}

inline nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

}  // namespace entropix::tokenizer_test

// Skips (or, with ENTROPIX_REQUIRE_MODELS=1, fails) when the model is absent.
#define ENTROPIX_TOKENIZER_OR_SKIP(var, path)                                              \
  const ::entropix::tokenizer_test::LoadedTokenizer* var##_loaded =                        \
      ::entropix::tokenizer_test::LoadTokenizer(path);                                     \
  if (!var##_loaded) {                                                                     \
    if (::entropix::tokenizer_test::ModelsRequired()) FAIL() << "missing model " << (path); \
    GTEST_SKIP() << "model not downloaded: " << (path);                                    \
  }                                                                                        \
  const ::entropix::Tokenizer& var = *var##_loaded->tok
