// `entropix chat`: a multi-turn conversation in the terminal that keeps the
// KV cache between turns (chat_command.cc says how).
#pragma once

#include <CLI/CLI.hpp>

#include "commands.h"

namespace entropix {

CLI::App* AddChatCommand(CLI::App& app, RunArgs& a);

}  // namespace entropix
