// ENTROPIX_ENGINE_ONLY builds (e.g. the ARM64 cross build): `eval`, `replay`
// and `serve` need libraries left out of them (libcld2, cpp-httplib), so
// these stand-ins take the place of eval_command.cc, pool_command.cc and
// serve_command.cc and say so clearly instead of the command vanishing.
#include <string>

#include "commands.h"
#include "core/error.h"

namespace entropix {
namespace {

[[noreturn]] void NotBuilt(const std::string& command, const std::string& needs) {
  throw Error(ErrorCode::kUnsupported,
              "`entropix " + command + "` is not built in this configuration (ENTROPIX_ENGINE_ONLY, "
              "without " + needs + "); use a full build (scripts/build.sh)");
}

}  // namespace

int EvalCommand(const EvalArgs&) { NotBuilt("eval", "the evaluation library and libcld2"); }
int PoolCommand(const EvalArgs&, const Model&, const Tokenizer&, const std::string&, const Task&) {
  NotBuilt("eval --pool", "the evaluation library");
}
int ReplayCommand(const ReplayArgs&) { NotBuilt("replay", "the evaluation library"); }

void AddServeFlags(CLI::App* cmd, ServeArgs&) {
  cmd->allow_extras();  // any flags: the command itself explains
}
int ServeCommand(const ServeArgs&) { NotBuilt("serve", "the HTTP server and cpp-httplib"); }

}  // namespace entropix
