// `entropix eval --pool`: builds a trace pool (src/eval/pool_runner.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "eval/checkpoint.h"
#include "eval/pool_runner.h"
#include "eval/replay.h"
#include "eval/task.h"
#include "runtime/vote_profiles.h"

namespace entropix {

namespace fs = std::filesystem;

int PoolCommand(const EvalArgs& a, const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                const Task& task) {
  PoolOptions po;
  po.out_dir = a.out_dir.empty() ? "pool-" + a.task : a.out_dir;
  po.spec = a.pool;
  po.kinds = ParsePoolSpec(a.pool);
  po.base = ResolveVoteProfile(a.pool_profile);
  po.seed = a.seed;
  po.max_tokens = a.max_tokens;
  po.threads = a.model.threads;
  po.parallel = a.parallel;
  po.prompt.force_raw = a.raw;
  po.prompt.chat_template = a.chat_template;
  po.progress = !a.quiet;
  std::fprintf(stderr, "eval --pool: %s, %zu items, pool %s (base %s), output %s\n", task.name().c_str(),
               task.items().size(), a.pool.c_str(), po.base.name.c_str(), po.out_dir.c_str());
  const PoolRunStats stats = BuildTracePool(model, tokenizer, model_label, task, po);
  std::fprintf(stderr, "eval --pool: %d items built, %d resumed from %s/pool.jsonl\n", stats.built, stats.resumed,
               po.out_dir.c_str());
  return 0;
}

}  // namespace entropix
