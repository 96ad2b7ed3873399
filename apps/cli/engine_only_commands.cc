// ENTROPIX_ENGINE_ONLY builds (e.g. the ARM64 cross build): `eval`, `replay`
// and `serve` need libraries left out of them (the evaluation tasks, libcld2,
// cpp-httplib), so these stand-ins take the place of eval_command.cc,
// pool_command.cc, replay_command.cc and serve_command.cc and say so clearly
// instead of the command vanishing. Any flags are accepted: the command
// itself explains.
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

CLI::App* AddStandIn(CLI::App& app, const char* name, const char* what) {
  CLI::App* cmd = app.add_subcommand(name, std::string(what) + " (not built in this configuration)");
  cmd->allow_extras();
  return cmd;
}

}  // namespace

CLI::App* AddEvalCommand(CLI::App& app, EvalArgs&) { return AddStandIn(app, "eval", "Evaluate samplers"); }
int EvalCommand(const EvalArgs&) { NotBuilt("eval", "the evaluation library and libcld2"); }
int PoolCommand(const EvalArgs&, const Model&, const Tokenizer&, const std::string&, const Task&) {
  NotBuilt("eval --pool", "the evaluation library");
}
CLI::App* AddReplayCommand(CLI::App& app, ReplayArgs&) { return AddStandIn(app, "replay", "Replay trace pools"); }
int ReplayCommand(const ReplayArgs&) { NotBuilt("replay", "the evaluation library"); }
CLI::App* AddServeCommand(CLI::App& app, ServeArgs&) { return AddStandIn(app, "serve", "Serve over HTTP"); }
int ServeCommand(const ServeArgs&) { NotBuilt("serve", "the HTTP server and cpp-httplib"); }

}  // namespace entropix
