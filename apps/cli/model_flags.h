// The model flags every model-loading command shares and how a model
// argument becomes a loaded model (model_flags.cc).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace entropix {

class Model;

struct ModelArgs {
  std::string model;  // path or known model name; empty = the default model
  int threads = 0;    // 0 = all cores
  int context = 4096;
  std::string precision = "auto";  // activation precision: auto | f32 | q8
};
void AddModelFlags(CLI::App* cmd, ModelArgs& args);
// Resolves and loads the model with --precision as its load option (auto:
// the rule of model/precision.h, f32 below 1 GiB of weights).
std::unique_ptr<class Model> LoadModel(const ModelArgs& args, std::string* path_out = nullptr);
// Path of the GGUF file to load: a path as given, a known model name from the
// cache, or the default model (pulled on first use).
std::string ResolveModelPath(const std::string& model_arg);
// Whether `path` names an existing file; a path that cannot exist (a
// component over NAME_MAX, ...) is an Error(kIo) naming `what`.
bool PathExists(const std::string& path, const char* what);

}  // namespace entropix
