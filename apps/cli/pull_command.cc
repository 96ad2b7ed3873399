// `entropix pull`: download a known model into the cache, or list them.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "model/archs/registry.h"
#include "model_summary.h"
#include "store/model_spec.h"
#include "store/model_store.h"

namespace entropix {
namespace fs = std::filesystem;

namespace {

// pull --list --json.
int PullListJson() {
  nlohmann::json arr = nlohmann::json::array();
  for (const ModelSpec& m : KnownModels()) {
    std::error_code ec;
    const std::string why = CannotRunReason(m);
    nlohmann::json j = {{"name", m.name},
                        {"file", m.file_name},
                        {"architecture", m.architecture},
                        {"description", m.description},
                        {"cached", fs::exists(CachedModelPath(m), ec)},
                        {"runnable", why.empty()}};
    if (!why.empty()) j["why_not"] = why;
    arr.push_back(j);
  }
  std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace

CLI::App* AddPullCommand(CLI::App& app, PullArgs& a) {
  CLI::App* cmd = app.add_subcommand("pull", "Download a known model into the cache");
  cmd->add_option("name", a.name, "Model name (see `entropix pull --list`)");
  cmd->add_flag("--list", a.list, "List the known models");
  cmd->add_flag("--force", a.force, "Download again even if cached");
  cmd->add_flag("--json", a.json, "With --list: a JSON array");
  return cmd;
}

int PullCommand(const PullArgs& a) {
  if (a.list && a.json) return PullListJson();
  if (a.list || a.name.empty()) {
    for (const ModelSpec& m : KnownModels()) {
      std::error_code ec;
      const bool cached = std::filesystem::exists(CachedModelPath(m), ec);
      const bool runnable = FindArch(m.architecture) != nullptr;
      std::printf("%-22s %s%s%s\n", m.name.c_str(), m.description.c_str(), cached ? " [cached]" : "",
                  runnable ? "" : " [cannot run yet: unsupported architecture]");
    }
    if (!a.list) {
      std::fprintf(stderr, "entropix pull: name a model to download, e.g. `entropix pull smollm2-135m`\n");
      return 2;
    }
    return 0;
  }
  const ModelSpec* spec = FindModelSpec(a.name);
  if (!spec) {
    std::string names;
    for (const ModelSpec& m : KnownModels()) names += (names.empty() ? "" : ", ") + m.name;
    throw Error(ErrorCode::kNotFound, "unknown model '" + a.name + "' (known: " + names + ")");
  }
  std::printf("%s\n", PullModel(*spec, a.force).c_str());
  return 0;
}

}  // namespace entropix
