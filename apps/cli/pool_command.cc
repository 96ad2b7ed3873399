// `entropix eval --pool`: builds a trace pool (src/eval/pool_runner.h);
// `entropix replay`: replays methods on pools (src/eval/replay.h).
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

int ReplayCommand(const ReplayArgs& a) {
  const std::vector<ReplayMethod> methods = ParseReplayMethods(a.methods);
  std::vector<PoolItem> items;
  for (const std::string& p : a.pools) {
    const fs::path file = fs::is_directory(p) ? fs::path(p) / "pool.jsonl" : fs::path(p);
    if (!fs::is_regular_file(file)) throw Error(ErrorCode::kNotFound, "no pool file '" + file.string() + "'");
    bool torn = false;
    std::vector<PoolItem> more = ReadPoolFile(file, &torn);
    if (torn) std::fprintf(stderr, "replay: %s: a torn last line was left out\n", file.string().c_str());
    items.insert(items.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (items.empty()) throw Error(ErrorCode::kInvalidArgument, "the pools hold no items");
  const std::vector<ReplayRow> rows = ReplayPool(items, methods, a.resamples, a.seed);
  const std::string md = ReplayMarkdown(rows);
  if (!a.out_dir.empty()) {
    fs::create_directories(a.out_dir);
    WriteFileAtomically(fs::path(a.out_dir) / "replay.json",
                        nlohmann::json{{"items", items.size()}, {"methods", ReplayJson(rows)}}.dump(2) + "\n");
    WriteFileAtomically(fs::path(a.out_dir) / "replay.md", md);
    WriteFileAtomically(fs::path(a.out_dir) / "replay_items.jsonl", ReplayItemsJsonl(rows));
    WriteFileAtomically(fs::path(a.out_dir) / "replay.svg", ReplayChartSvg(rows));
  }
  std::printf("%zu pool items\n\n%s", items.size(), md.c_str());
  return 0;
}

}  // namespace entropix
