// The model flags every model-loading command shares (-m, -t, -c,
// --precision) and how a model argument becomes a loaded model.
#include "model_flags.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "model/model.h"
#include "model/precision.h"
#include "store/model_spec.h"
#include "store/model_store.h"

namespace entropix {

void AddModelFlags(CLI::App* cmd, ModelArgs& args) {
  cmd->add_option("-m,--model", args.model,
                  "GGUF file or known model name (default: smollm2-135m, downloaded on first use)");
  cmd->add_option("-t,--threads", args.threads, "Threads (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("-c,--ctx-size", args.context, "Context size in tokens")->check(CLI::Range(16, 1 << 20));
  cmd->add_option("--precision", args.precision,
                  "Activation precision of the matrix products: f32 (exact), q8 (8-bit, as llama.cpp; "
                  "faster on large models), auto (f32 below 1 GiB of weights)")
      ->check(CLI::IsMember({"auto", "f32", "q8"}))
      ->capture_default_str();
}

std::unique_ptr<Model> LoadModel(const ModelArgs& args, std::string* path_out) {
  const std::string path = ResolveModelPath(args.model);
  ModelOptions options;
  options.precision = ParsePrecisionChoice(args.precision);
  auto model = Model::Load(path, options);
  if (path_out) *path_out = path;
  return model;
}

// Whether `path` names an existing file; a path that cannot exist (a
// component over NAME_MAX, ...) is an Error, not a std::filesystem_error.
bool PathExists(const std::string& path, const char* what) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) throw Error(ErrorCode::kIo, std::string("cannot use '") + path + "' as " + what + ": " + ec.message());
  return exists;
}

std::string ResolveModelPath(const std::string& arg) {
  const std::string name = arg.empty() ? "default" : arg;
  if (!arg.empty() && PathExists(arg, "a model file")) return arg;
  if (const ModelSpec* spec = FindModelSpec(name)) {
    const std::string path = CachedModelPath(*spec);
    if (PathExists(path, "a cached model")) return path;
    std::fprintf(stderr, "entropix: %s is not in the cache yet; downloading it (once)\n",
                 spec->name.c_str());
    return PullModel(*spec);
  }
  throw Error(ErrorCode::kNotFound, "no such model file: '" + arg +
                                        "' (give a path to a .gguf file or a known model name; "
                                        "`entropix pull --list` lists them)");
}

}  // namespace entropix
