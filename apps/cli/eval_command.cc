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

int EvalCommand(const EvalArgs& a) {
  std::string path;
  auto model = LoadModel(a.model, &path);
  auto tokenizer = Tokenizer::FromGguf(model->file());

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
    RescoreStats rs = RescoreEvaluation(label, *task, samplers, eo);
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
