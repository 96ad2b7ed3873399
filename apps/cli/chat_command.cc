#include "chat_command.h"

#include "core/error.h"
#include "run_flags.h"

namespace entropix {

CLI::App* AddChatCommand(CLI::App& app, RunArgs& a) {
  CLI::App* cmd = app.add_subcommand("chat", "Chat with a model in the terminal (keeps the context between turns)");
  AddModelFlags(cmd, a.model);
  AddSamplerFlags(cmd, a.sampler);
  AddPromptFlags(cmd, a.prompt_format);
  return cmd;
}

int ChatCommand(const RunArgs&) {
  throw Error(ErrorCode::kInvalidArgument, "no prompt: give one with -p TEXT, -f FILE or on standard input");
}

}  // namespace entropix
