// The models the runtime tests run: stories260K from the shared folder, the
// cached real models (skipped when absent unless ENTROPIX_REQUIRE_MODELS=1).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace entropix::test_models {

inline std::string StoriesPath() { return std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf"; }

// The path of a model in the model cache, or "" when it is not there.
inline std::string CachedModel(const std::string& file) {
  std::string dir;
  if (const char* d = std::getenv("ENTROPIX_MODEL_DIR")) dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME")) dir = std::string(x) + "/entropix/models";
  else if (const char* h = std::getenv("HOME")) dir = std::string(h) + "/.cache/entropix/models";
  const std::string path = dir + "/" + file;
  return std::filesystem::exists(path) ? path : "";
}

inline bool ModelsRequired() {
  const char* r = std::getenv("ENTROPIX_REQUIRE_MODELS");
  return r && std::string(r) == "1";
}

struct Loaded {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

inline Loaded Load(const std::string& path) {
  Loaded l;
  l.model = Model::Load(path);
  l.tokenizer = Tokenizer::FromGguf(l.model->file());
  return l;
}

}  // namespace entropix::test_models
