// `entropix eval`: loads the model, builds the task and samplers, and hands
// them to the resumable runner (src/eval/runner.h), or with --rescore scores
// the stored responses again; prints the summary table.
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "eval/runner.h"
#include "eval/task.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

CLI::App* AddEvalCommand(CLI::App& app, EvalArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "eval", "Run samplers on the same items of a task (gsm8k, ifeval, arith, loops); resumable");
  AddModelFlags(cmd, a.model);
  cmd->add_option("--task", a.task, "gsm8k | ifeval | arith | loops")->required()
      ->check(CLI::IsMember({"gsm8k", "ifeval", "arith", "loops"}));
  cmd->add_option("--samplers", a.samplers,
                   "Comma-separated: greedy, sample, sample@PROFILE (plain sampling at the profile's base), "
                   "lowT[@PROFILE] (T 0.5, the profile's truncation), entropix[@PROFILE], vote[@VOTE_PROFILE] "
                   "(several traces, the chosen one scored), a profile name or file; LABEL=SPEC files one "
                   "under another label")
      ->capture_default_str()
      ->each([&a](const std::string&) { a.samplers_given = true; });
  cmd->add_option("--split", a.split,
                   "gsm8k, ifeval: only the items of this declared split (data/splits/TASK.json); "
                   "arith: dev | holdout, fixed item seeds")
      ->check(CLI::IsMember({"dev", "holdout", "calibration"}));
  cmd->add_option("--draws", a.draws, "Generations per item for stochastic samplers (greedy: 1)")
      ->check(CLI::Range(1, 1000))->capture_default_str()
      ->each([&a](const std::string&) { a.draws_given = true; });
  cmd->add_option("--parallel", a.parallel,
                   "Generations (with --pool: items) at once, batched on one scheduler "
                   "(1: one at a time; records are the same)")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--data", a.data, "Task data (JSONL; default: shared/data)");
  cmd->add_option("-o,--output", a.out_dir, "Output folder; rerunning continues its checkpoint (default: eval-TASK)");
  cmd->add_option("--limit", a.limit, "Use the first N items, of the split with --split (0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-s,--seed", a.seed, "Run seed (item seeds, arith items, bootstrap)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-n,--max-tokens", a.max_tokens, "Tokens per answer (0 = the task's default)")
      ->check(CLI::Range(0, 1 << 16));
  cmd->add_option("--difficulty", a.difficulty, "arith difficulty 1..3")->check(CLI::Range(1, 3));
  cmd->add_option("--shots", a.shots, "gsm8k few-shot exemplars from the train split (0 = zero-shot)")
      ->check(CLI::Range(0, 16));
  cmd->add_flag("--raw", a.raw, "Never apply a chat template");
  cmd->add_option("--chat-template", a.chat_template, "Override the model's template: chatml | llama3 | gemma | none");
  cmd->add_option("--system", a.system_prompt,
                   "System message of every item, the one `run` sends by default (\"\" = none)");
  cmd->add_option("--prompt-style", a.prompt_style,
                   "gsm8k: plain-boxed-last (default), plain-boxed, plain-boxed-system, qwen-boxed, answer-is "
                   "(before issue 8)");
  cmd->add_option("--resamples", a.resamples, "Bootstrap resamples")->check(CLI::Range(100, 1000000));
  cmd->add_flag("-q,--quiet", a.quiet, "No progress on stderr");
  cmd->add_option("--pool", a.pool,
                   "Build a trace pool instead of running samplers: greedy plus K traces per fork kind, e.g. "
                   "entropy:8,first_token:8,random:8,sample:8 (gsm8k, arith; see `entropix replay`)");
  cmd->add_option("--pool-profile", a.pool_profile,
                   "The pool's base vote profile (sampling, fork token, continuation, confidence)")
      ->capture_default_str();
  cmd->add_flag("--list-items", a.list_items,
                "Print the selected items (id, tab, question) and exit; loads no model (for `replay --items`)");
  cmd->add_flag("--rescore", a.rescore,
                     "Generate nothing: score the folder's stored responses again with the current checkers, "
                     "rewrite results.jsonl and the summary (of --samplers and --draws when given, else of every "
                     "sampler and draw the folder holds)");
  return cmd;
}

namespace {

// --list-items: each selected item's id and question (its last message, on
// one line), tab-separated; `replay --items` reads the first field.
void ListItems(const Task& task) {
  for (const EvalItem& item : task.items()) {
    std::string text = item.messages.empty() ? "" : item.messages.back().content;
    for (char& c : text) {
      if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    }
    std::printf("%s\t%s\n", item.id.c_str(), text.c_str());
  }
}

}  // namespace

int EvalCommand(const EvalArgs& a) {
  TaskOptions to;
  to.name = a.task;
  to.data = a.data;
  to.limit = a.limit;
  to.seed = a.seed;
  to.difficulty = a.difficulty;
  to.shots = a.shots;
  to.system_prompt = a.system_prompt;
  to.split = a.split;
  to.prompt_style = a.prompt_style;
  const auto task = MakeTask(to);
  if (a.list_items) {
    ListItems(*task);
    return 0;
  }
  std::string path;
  auto model = LoadModel(a.model, &path);
  auto tokenizer = Tokenizer::FromGguf(model->file());
  const std::string label = std::filesystem::path(path).filename().string();
  if (!a.pool.empty()) return PoolCommand(a, *model, *tokenizer, label, *task);
  const auto samplers = ParseSamplers(a.samplers, *model);

  EvalOptions eo;
  eo.out_dir = a.out_dir.empty() ? "eval-" + a.task : a.out_dir;
  eo.seed = a.seed;
  eo.max_tokens = a.max_tokens;
  eo.threads = a.model.threads;
  eo.context = a.model.context;
  eo.prompt.force_raw = a.raw;
  eo.prompt.chat_template = a.chat_template;
  eo.progress = !a.quiet;
  eo.resamples = a.resamples;
  eo.draws = a.draws;
  eo.parallel = a.parallel;
  Summary summary;
  if (a.rescore) {
    // Without --samplers: every label and draw the folder holds.
    if (!a.samplers_given && !a.draws_given) eo.draws = 0;
    const std::span<const SamplerSpec> rescored =
        a.samplers_given ? std::span<const SamplerSpec>(samplers) : std::span<const SamplerSpec>();
    RescoreStats rs = RescoreEvaluation(label, *task, rescored, eo);
    std::fprintf(stderr, "eval: rescored %d records in %s, %d changed score\n", rs.rescored, eo.out_dir.c_str(),
                 rs.changed);
    summary = std::move(rs.summary);
  } else {
    std::fprintf(stderr, "eval: %s%s, %zu items x %zu samplers%s, model %s, output %s\n", task->name().c_str(),
                 a.split.empty() ? "" : (" " + a.split).c_str(), task->items().size(), samplers.size(),
                 a.draws > 1 ? (" (" + std::to_string(a.draws) + " draws each but greedy)").c_str() : "",
                 label.c_str(), eo.out_dir.c_str());
    EvalRunStats stats = RunEvaluation(*model, *tokenizer, label, *task, samplers, eo);
    std::fprintf(stderr, "eval: %d generations run in %.1f s (--parallel %d), %d resumed from the checkpoint\n",
                 stats.evaluated, stats.wall_seconds, a.parallel, stats.resumed);
    summary = std::move(stats.summary);
  }
  std::fputs(summary.markdown.c_str(), stdout);
  return 0;
}

}  // namespace entropix
