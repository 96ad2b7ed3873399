// `entropix list`: the cached models and whether each can run.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "model_summary.h"
#include "store/model_store.h"

namespace entropix {
namespace fs = std::filesystem;

CLI::App* AddListCommand(CLI::App& app, ListArgs& a) {
  CLI::App* cmd = app.add_subcommand("list", "List the cached models: name, file, quant, size, architecture, "
                                             "whether entropix can run each (and why not)");
  cmd->add_flag("--json", a.json, "A JSON array");
  return cmd;
}

int ListCommand(const ListArgs& a) {
  const std::vector<ModelSummary> models = CachedModels();
  if (a.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const ModelSummary& s : models) arr.push_back(SummaryJson(s));
    std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (models.empty()) {
    std::printf("no models in %s yet: `entropix pull --list` shows what can be downloaded\n",
                ModelCacheDir().c_str());
    return 0;
  }
  std::printf("%-22s %-42s %-6s %9s %-8s %s\n", "NAME", "FILE", "QUANT", "SIZE", "ARCH", "RUNNABLE");
  for (const ModelSummary& s : models) {
    std::printf("%-22s %-42s %-6s %9s %-8s %s\n", s.name.c_str(), s.file.c_str(), s.quant.c_str(),
                HumanBytes(s.file_bytes).c_str(), s.arch.c_str(), s.runnable ? "yes" : ("no: " + s.why_not).c_str());
  }
  return 0;
}

}  // namespace entropix
