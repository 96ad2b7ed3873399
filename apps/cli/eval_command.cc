// `entropix eval`: loads the model, builds the task and samplers, and hands
// them to the resumable runner (src/eval/runner.h), or with --rescore scores
// the stored responses again; prints the summary table.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  const auto task = MakeTask(to);
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
  const std::string label = std::filesystem::path(path).filename().string();
  if (a.rescore) {
    const RescoreStats rs = RescoreEvaluation(label, *task, samplers, eo);
    std::fprintf(stderr, "eval: rescored %d records in %s, %d changed score\n", rs.rescored, eo.out_dir.c_str(),
                 rs.changed);
  } else {
    std::fprintf(stderr, "eval: %s, %zu items x %zu samplers, model %s, output %s\n", task->name().c_str(),
                 task->items().size(), samplers.size(), label.c_str(), eo.out_dir.c_str());
    const EvalRunStats stats = RunEvaluation(*model, *tokenizer, label, *task, samplers, eo);
    std::fprintf(stderr, "eval: %d generations run, %d resumed from the checkpoint\n", stats.evaluated,
                 stats.resumed);
  }
  std::ifstream md(std::filesystem::path(eo.out_dir) / "summary.md");
  std::stringstream ss;
  ss << md.rdbuf();
  std::fputs(ss.str().c_str(), stdout);
  return 0;
}

}  // namespace entropix
