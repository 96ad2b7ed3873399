// entropix: the command-line front end. No inference logic lives here: it
// parses flags (CLI11), resolves the model, and drives a Session.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>

#include "cli_compat.h"
#include "chat_command.h"
#include "commands.h"
#include "run_flags.h"
#include "core/error.h"

int main(int argc, char** argv) {
  using namespace entropix;
  CLI::App app{"entropix: local language models with entropy-adaptive decoding", "entropix"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());
  app.option_defaults()->always_capture_default();  // --help shows every default

  RunArgs run;
  CLI::App* run_cmd = AddRunCommand(app, run);

  CalibrateArgs cal;
  CLI::App* cal_cmd = AddCalibrateCommand(app, cal);

  InspectArgs inspect;
  CLI::App* inspect_cmd = AddInspectCommand(app, inspect);

  PullArgs pull;
  CLI::App* pull_cmd = AddPullCommand(app, pull);

  ListArgs list;
  CLI::App* list_cmd = AddListCommand(app, list);
  RmArgs rm;
  CLI::App* rm_cmd = AddRmCommand(app, rm);
  ShowArgs show;
  CLI::App* show_cmd = AddShowCommand(app, show);
  RunArgs chat;
  CLI::App* chat_cmd = AddChatCommand(app, chat);

  BenchArgs bench;
  CLI::App* bench_cmd = AddBenchCommand(app, bench);

  EvalArgs eval;
  CLI::App* eval_cmd = AddEvalCommand(app, eval);

  ReplayArgs replay;
  CLI::App* replay_cmd = AddReplayCommand(app, replay);

  ServeArgs serve;
  CLI::App* serve_cmd = AddServeCommand(app, serve);

  std::vector<std::string> args = NormalizeLlamaFlags(argc, argv);
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back(sub->get_name());
  }
  if (const std::string unknown = UnknownCommandMessage(args, commands); !unknown.empty()) {
    std::fprintf(stderr, "entropix: error: %s\n", unknown.c_str());
    return 1;
  }
  std::vector<char*> arg_ptrs;
  for (std::string& s : args) arg_ptrs.push_back(s.data());
  try {
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Bad flags exit 1 with "error: ...", as every other bad input does.
    std::fprintf(stderr, "entropix: error: %s\nRun with --help for more information.\n", e.what());
    return 1;
  }
  NoteGivenFlags(*run_cmd, run);
  NoteGivenFlags(*chat_cmd, chat);
  try {
    if (*run_cmd) {
      if (ResolveRunInput(run) == RunMode::kChat) return ChatCommand(run);
      return RunCommand(run);
    }
    if (*chat_cmd) return ChatCommand(chat);
    if (*list_cmd) return ListCommand(list);
    if (*rm_cmd) return RmCommand(rm);
    if (*show_cmd) return ShowCommand(show);
    if (*cal_cmd) return CalibrateCommand(cal);
    if (*inspect_cmd) return InspectCommand(inspect);
    if (*pull_cmd) return PullCommand(pull);
    if (*bench_cmd) return BenchCommand(bench);
    if (*eval_cmd) return EvalCommand(eval);
    if (*replay_cmd) return ReplayCommand(replay);
    if (*serve_cmd) return ServeCommand(serve);
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "entropix: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "entropix: error: out of memory; try a smaller context (-c)\n");
    return 1;
  } catch (const std::exception& e) {
    // Last resort: a missed check is a bug, but it must still end with a
    // message and exit 1, not std::terminate.
    std::fflush(stdout);
    std::fprintf(stderr, "entropix: error: internal: %s (please report this)\n", e.what());
    return 1;
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "entropix: error: internal: unknown exception (please report this)\n");
    return 1;
  }
  return 0;
}
