// entropix: the command-line front end. No inference logic lives here: it
// parses flags (CLI11), resolves the model, and drives a Session.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  using namespace entropix;
  CLI::App app{"entropix: local language models with entropy-adaptive decoding", "entropix"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "entropix 0.1.0");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Generate text from a prompt (streams the answer)");
  AddModelFlags(run_cmd, run.model);
  run_cmd->add_option("-p,--prompt", run.prompt, "The prompt (or the user message in chat mode)")->required();
  run_cmd->add_option("-n,--n-predict", run.max_tokens, "Maximum tokens to generate")->check(CLI::Range(1, 1 << 20));
  run_cmd->add_option("--temp", run.temperature, "Sampling temperature (0 = greedy)")->check(CLI::Range(0.0, 100.0));
  run_cmd->add_option("-s,--seed", run.seed, "Random seed");
  auto* sys = run_cmd->add_option("--sys,--system-prompt", run.system_prompt, "System message in chat mode")
                  ->capture_default_str();
  run_cmd->add_flag("--template-system", run.template_system,
                    "Use the chat template's built-in system message instead")->excludes(sys);
  auto* chat = run_cmd->add_flag("--chat", run.force_chat, "Apply the model's chat template (default for instruct models)");
  run_cmd->add_flag("--raw", run.force_raw, "Feed the prompt as is, without a chat template")->excludes(chat);
  run_cmd->add_option("--chat-template", run.chat_template,
                      "Override the chat template: chatml, llama3, gemma or none");
  run_cmd->add_flag("--no-timings", run.no_timings, "Do not print the timing line");

  InspectArgs inspect;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Print a GGUF file's metadata, tensors and whether entropix can run it");
  inspect_cmd->add_option("model", inspect.path, "Path to a .gguf file, or a known model name")->required();
  inspect_cmd->add_flag("--all", inspect.all, "Print every array element");

  PullArgs pull;
  CLI::App* pull_cmd = app.add_subcommand("pull", "Download a known model into the cache");
  pull_cmd->add_option("name", pull.name, "Model name (see `entropix pull --list`)");
  pull_cmd->add_flag("--list", pull.list, "List the known models");
  pull_cmd->add_flag("--force", pull.force, "Download again even if cached");

  BenchArgs bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "Measure prompt and decode speed");
  AddModelFlags(bench_cmd, bench.model);
  bench_cmd->add_option("-p,--n-prompt", bench.prompt_tokens, "Prompt tokens")->check(CLI::Range(1, 1 << 16));
  bench_cmd->add_option("-n,--n-gen", bench.gen_tokens, "Generated tokens")->check(CLI::Range(1, 1 << 16));
  bench_cmd->add_option("-r,--repetitions", bench.repetitions, "Repetitions (the median is reported)")->check(CLI::Range(1, 1000));
  bench_cmd->add_flag("--json", bench.json, "Print one JSON line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*run_cmd) return RunCommand(run);
    if (*inspect_cmd) return InspectCommand(inspect);
    if (*pull_cmd) return PullCommand(pull);
    if (*bench_cmd) return BenchCommand(bench);
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "entropix: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "entropix: error: out of memory; try a smaller context (-c)\n");
    return 1;
  }
  return 0;
}
