// `entropix rm`: remove a model from the cache.
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

CLI::App* AddRmCommand(CLI::App& app, RmArgs& a) {
  CLI::App* cmd = app.add_subcommand("rm", "Remove a model from the cache");
  cmd->add_option("name", a.name, "A name as `entropix list` shows it")->required();
  return cmd;
}

int RmCommand(const RmArgs& a) {
  for (const ModelSummary& s : CachedModels()) {
    if (s.name != a.name && s.file != a.name) continue;
    std::error_code ec;
    fs::remove(s.path, ec);
    if (ec) throw Error(ErrorCode::kIo, "cannot remove '" + s.path + "': " + ec.message());
    fs::remove(s.path + ".sha256", ec);  // the verification marker; absent is fine
    std::printf("removed %s (%s)\n", s.name.c_str(), s.path.c_str());
    return 0;
  }
  throw Error(ErrorCode::kNotFound, "no model named '" + a.name +
                                        "' in the cache; `entropix list` shows the names rm takes");
}

}  // namespace entropix
