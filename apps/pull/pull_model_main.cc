// entropix-pull: a stand-alone front end to the model store, for CI and for
// use before the main CLI's `entropix pull` exists. Prints each model's path
// on stdout; progress and errors go to stderr.
//
//   entropix-pull [--force] NAME...    fetch (or verify) models by name/alias
//   entropix-pull --list               the known models
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/model_spec.h"
#include "store/model_store.h"

int main(int argc, char** argv) {
  bool force = false;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--force") {
      force = true;
    } else if (arg == "--list") {
      for (const entropix::ModelSpec& spec : entropix::KnownModels()) {
        std::printf("%-20s %s\n", spec.name.c_str(), spec.description.c_str());
      }
      return 0;
    } else if (arg == "-h" || arg == "--help" || arg.empty() || arg[0] == '-') {
      std::fprintf(stderr, "usage: %s [--force] NAME...   |   %s --list\nmodels: %s\n", argv[0],
                   argv[0], entropix::KnownModelNames().c_str());
      return arg == "-h" || arg == "--help" ? 0 : 2;
    } else {
      names.push_back(arg);
    }
  }
  if (names.empty()) names.push_back("default");
  try {
    for (const std::string& name : names) {
      std::printf("%s\n", entropix::PullModel(entropix::GetModelSpec(name), force).c_str());
      std::fflush(stdout);
    }
  } catch (const entropix::Error& e) {
    std::fprintf(stderr, "entropix: %s: %s\n", entropix::ErrorCodeName(e.code()), e.what());
    return 1;
  }
  return 0;
}
