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
#include "model_commands.h"
#include "run_flags.h"
#include "core/error.h"

int main(int argc, char** argv) {
  using namespace entropix;
  CLI::App app{"entropix: local language models with entropy-adaptive decoding", "entropix"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());
  app.option_defaults()->always_capture_default();  // --help shows every default

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Generate text from a prompt (streams the answer)");
  AddModelFlags(run_cmd, run.model);
  AddRunInputFlags(run_cmd, run);
  AddSamplerFlags(run_cmd, run.sampler);
  AddPromptFlags(run_cmd, run.prompt_format);
  run_cmd->add_option("--trace", run.trace, "Write a JSONL trace: one record per token (signals, state, action)");
  run_cmd->add_option("--color", run.color, "Colour tokens by state: auto (a terminal without NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run_cmd->add_flag("--no-timings", run.no_timings, "Do not print the timing line");
  run_cmd->add_flag("--show-pauses", run.show_pauses,
                    "entropix: print the inserted pause text in the answer (the trace always has it)");
  run_cmd->add_option("--budget", run.budget, "--sampler vote: traces in all, the first one included "
                                              "(default: the vote profile's)")
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--vote-profile", run.vote_profile,
                      "--sampler vote: a vote profile, JSON file or built-in name (vote-default, vote-cot)");

  CalibrateArgs cal;
  CLI::App* cal_cmd = app.add_subcommand(
      "calibrate", "Fit an entropix profile's thresholds to a model: run it over a prompt corpus, "
                   "record every signal, write thresholds at chosen quantiles");
  AddModelFlags(cal_cmd, cal.model);
  AddPromptFlags(cal_cmd, cal.prompt_format);
  cal_cmd->add_option("--corpus", cal.corpus, "Prompts: JSONL (\"prompt\"/\"question\"/\"text\") or one per line")->required();
  cal_cmd->add_option("-o,--output", cal.output, "The profile file to write")->required();
  cal_cmd->add_option("--base", cal.base, "Profile whose coefficients and base sampler are kept")->capture_default_str();
  cal_cmd->add_option("--name", cal.name, "Profile name (default: the output file's stem)");
  cal_cmd->add_option("-n,--tokens-per-prompt", cal.tokens_per_prompt, "Tokens generated per prompt")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  cal_cmd->add_option("--max-prompts", cal.max_prompts, "Use at most this many prompts (0 = all)");
  cal_cmd->add_option("-s,--seed", cal.seed, "Random seed of the base sampler (prompt i uses seed + i)")
      ->check(CLI::NonNegativeNumber);
  cal_cmd->add_option("--dump-signals", cal.dump_signals, "Also write every recorded step's signals as CSV");
  cal_cmd->add_option("--q-low-entropy", cal.q_low_entropy, "Quantile for low_entropy (default 0.30)")->check(FiniteRange(0.0, 1.0));
  cal_cmd->add_option("--q-low-varentropy", cal.q_low_varentropy, "Quantile of V among steps with H > high_entropy, for low_varentropy (default 0.15)")->check(FiniteRange(0.0, 1.0));
  cal_cmd->add_option("--q-medium-entropy", cal.q_medium_entropy, "Quantile for medium_entropy (default 0.60)")->check(FiniteRange(0.0, 1.0));
  cal_cmd->add_option("--q-high-entropy", cal.q_high_entropy, "Quantile for high_entropy (default 0.90)")->check(FiniteRange(0.0, 1.0));
  cal_cmd->add_option("--q-high-varentropy", cal.q_high_varentropy, "Quantile for high_varentropy (default 0.85)")->check(FiniteRange(0.0, 1.0));

  InspectArgs inspect;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Print a GGUF file's metadata, tensors and whether entropix can run it");
  inspect_cmd->add_option("model", inspect.path, "Path to a .gguf file, or a known model name")->required();
  inspect_cmd->add_flag("--all", inspect.all, "Print every array element");
  inspect_cmd->add_flag("--json", inspect.json, "Print the metadata, tensors and verdict as one JSON object");

  PullArgs pull;
  CLI::App* pull_cmd = app.add_subcommand("pull", "Download a known model into the cache");
  pull_cmd->add_option("name", pull.name, "Model name (see `entropix pull --list`)");
  pull_cmd->add_flag("--list", pull.list, "List the known models");
  pull_cmd->add_flag("--force", pull.force, "Download again even if cached");
  pull_cmd->add_flag("--json", pull.json, "With --list: a JSON array");

  ListArgs list;
  CLI::App* list_cmd = AddListCommand(app, list);
  RmArgs rm;
  CLI::App* rm_cmd = AddRmCommand(app, rm);
  ShowArgs show;
  CLI::App* show_cmd = AddShowCommand(app, show);
  RunArgs chat;
  CLI::App* chat_cmd = AddChatCommand(app, chat);

  BenchArgs bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "Measure prompt, decode and batched decode speed (llama-bench's tests)");
  AddBenchFlags(bench_cmd, bench);

  EvalArgs eval;
  CLI::App* eval_cmd = app.add_subcommand(
      "eval", "Run samplers on the same items of a task (gsm8k, ifeval, arith, loops); resumable");
  AddModelFlags(eval_cmd, eval.model);
  eval_cmd->add_option("--task", eval.task, "gsm8k | ifeval | arith | loops")->required()
      ->check(CLI::IsMember({"gsm8k", "ifeval", "arith", "loops"}));
  eval_cmd->add_option("--samplers", eval.samplers,
                       "Comma-separated: greedy, sample, sample@PROFILE (plain sampling at the profile's base), "
                       "lowT[@PROFILE] (T 0.5, the profile's truncation), entropix[@PROFILE], vote[@VOTE_PROFILE] "
                       "(several traces, the chosen one scored), a profile name or file; LABEL=SPEC files one "
                       "under another label")
      ->capture_default_str();
  eval_cmd->add_option("--split", eval.split,
                       "gsm8k, ifeval: only the items of this declared split (data/splits/TASK.json)")
      ->check(CLI::IsMember({"dev", "holdout", "calibration"}));
  eval_cmd->add_option("--draws", eval.draws, "Generations per item for stochastic samplers (greedy: 1)")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  eval_cmd->add_option("--parallel", eval.parallel,
                       "Generations at once, batched on one scheduler (1: one at a time; records are the same)")
      ->check(CLI::Range(1, 256))->capture_default_str();
  eval_cmd->add_option("--data", eval.data, "Task data (JSONL; default: shared/data)");
  eval_cmd->add_option("-o,--output", eval.out_dir, "Output folder; rerunning continues its checkpoint (default: eval-TASK)");
  eval_cmd->add_option("--limit", eval.limit, "Use the first N items, of the split with --split (0 = all)")
      ->check(CLI::NonNegativeNumber);
  eval_cmd->add_option("-s,--seed", eval.seed, "Run seed (item seeds, arith items, bootstrap)")
      ->check(CLI::NonNegativeNumber);
  eval_cmd->add_option("-n,--max-tokens", eval.max_tokens, "Tokens per answer (0 = the task's default)")
      ->check(CLI::Range(0, 1 << 16));
  eval_cmd->add_option("--difficulty", eval.difficulty, "arith difficulty 1..3")->check(CLI::Range(1, 3));
  eval_cmd->add_option("--shots", eval.shots, "gsm8k few-shot exemplars from the train split (0 = zero-shot)")
      ->check(CLI::Range(0, 16));
  eval_cmd->add_flag("--raw", eval.raw, "Never apply a chat template");
  eval_cmd->add_option("--chat-template", eval.chat_template, "Override the model's template: chatml | llama3 | gemma | none");
  eval_cmd->add_option("--system", eval.system_prompt,
                       "System message of every item, the one `run` sends by default (\"\" = none)");
  eval_cmd->add_option("--prompt-style", eval.prompt_style,
                       "gsm8k: plain-boxed (default), plain-boxed-system, qwen-boxed, answer-is (before issue 8)");
  eval_cmd->add_option("--resamples", eval.resamples, "Bootstrap resamples")->check(CLI::Range(100, 1000000));
  eval_cmd->add_flag("-q,--quiet", eval.quiet, "No progress on stderr");
  eval_cmd->add_option("--pool", eval.pool,
                       "Build a trace pool instead of running samplers: greedy plus K traces per fork kind, e.g. "
                       "entropy:8,first_token:8,random:8,sample:8 (gsm8k, arith; see `entropix replay`)");
  eval_cmd->add_option("--pool-profile", eval.pool_profile,
                       "The pool's base vote profile (sampling, fork token, continuation, confidence)")
      ->capture_default_str();
  eval_cmd->add_flag("--rescore", eval.rescore,
                     "Generate nothing: score the folder's stored responses again with the current checkers, "
                     "rewrite results.jsonl and the summary");

  ReplayArgs replay;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Replay greedy, self-consistency, CoT-decoding and vote profiles on stored trace pools (no model)");
  replay_cmd->add_option("pools", replay.pools, "Pool folders made by `eval --pool` (or their pool.jsonl)")->required();
  replay_cmd->add_option("--methods", replay.methods,
                         "Comma-separated: greedy, sc@K, cot@K, a vote profile name or file")
      ->capture_default_str();
  replay_cmd->add_option("-o,--output", replay.out_dir, "Folder for replay.json, replay.md, replay_items.jsonl and replay.svg");
  replay_cmd->add_option("--resamples", replay.resamples, "Bootstrap resamples")->check(CLI::Range(100, 1000000));
  replay_cmd->add_option("-s,--seed", replay.seed, "Bootstrap seed")->check(CLI::NonNegativeNumber);

  ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve the model over an OpenAI-compatible HTTP API");
  AddServeFlags(serve_cmd, serve);

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
