#include "eval/pool_runner.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "core/error.h"
#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "eval/checkpoint.h"
#include "eval/json_fields.h"
#include "eval/runner.h"
#include "eval/task.h"
#include "eval/trace_pool.h"
#include "model/model.h"
#include "eval/pool_batch.h"
#include "eval/pool_lockstep.h"
#include "store/progress_bar.h"
#include "threading/thread_pool.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::optional<ForkRule> KindRule(const std::string& name) {
  if (name == "entropy") return ForkRule::kEntropy;
  if (name == "first_token") return ForkRule::kFirstToken;
  if (name == "random") return ForkRule::kRandom;
  if (name == "sample" || name == "independent_sample") return ForkRule::kIndependentSample;
  return std::nullopt;
}

std::string FullText(const Tokenizer& tokenizer, const TraceResult& r) {
  std::string text;
  for (const std::string& piece : r.pieces) text += piece;
  StreamingDecoder decoder(tokenizer);
  for (int32_t t : r.tokens) decoder.Push(t);
  return text + decoder.Flush();
}

json PoolIdentity(const std::string& model_label, const Task& task, const PoolOptions& o, int max_tokens) {
  json base = json::parse(VoteProfileToJson(o.base));
  base.erase("answer");  // the task's rule reads the answers (Task::VoteAnswerRule)
  return {{"task", task.Identity()}, {"model", model_label}, {"seed", o.seed}, {"max_tokens", max_tokens},
          {"force_raw", o.prompt.force_raw}, {"chat_template", o.prompt.chat_template}, {"pool", o.spec},
          {"base_profile", base}};
}

void CheckPoolIdentity(const fs::path& dir, const json& identity) {
  const fs::path path = dir / "pool.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    WriteFileAtomically(path, identity.dump(2) + "\n");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (ParseJsonObject(text, path.string()) != identity) {
    throw Error(ErrorCode::kInvalidArgument,
                "'" + dir.string() + "' holds a pool with other settings (pool.json); use another -o folder");
  }
}

int ResolveThreads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

std::vector<PoolKind> ParsePoolSpec(const std::string& spec) {
  std::vector<PoolKind> kinds;
  std::set<ForkRule> seen;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string part = spec.substr(start, comma - start);
    start = comma + 1;
    if (part == "greedy") continue;
    const size_t colon = part.find(':');
    const auto rule = KindRule(part.substr(0, colon));
    int k = 0;
    if (colon != std::string::npos) {
      try {
        size_t used = 0;
        k = std::stoi(part.substr(colon + 1), &used);
        if (used != part.size() - colon - 1) k = 0;
      } catch (const std::exception&) {
        k = 0;
      }
    }
    if (!rule || k < 1 || k > 64) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--pool: '" + part + "' is not greedy or KIND:K with KIND entropy, first_token, random or sample "
                  "and K in 1..64");
    }
    if (!seen.insert(*rule).second) throw Error(ErrorCode::kInvalidArgument, "--pool: '" + part + "' repeats a kind");
    kinds.push_back({*rule, k});
  }
  if (kinds.empty()) throw Error(ErrorCode::kInvalidArgument, "--pool names no fork kind (e.g. entropy:8)");
  return kinds;
}

VoteProfile PoolProfile(const VoteProfile& base, const PoolKind& kind) {
  VoteProfile p = base;
  p.fork.rule = kind.rule;
  p.budget.max_traces = kind.traces + 1;
  // base.budget.batch stays: loop escapes then get the trace ids (and seeds)
  // they get in a live run of the base profile.
  p.budget.max_forward_tokens = 0;
  p.gate.answer_margin = 2.0;  // margins are at most 1: greedy never passes
  p.vote.stop_share = 2.0;     // shares are at most 1: never consensus
  return p;
}

std::vector<PoolTrace> RunPoolKinds(TraceHost& host, const std::vector<PoolKind>& kinds, const VoteProfile& base,
                                    uint64_t seed, const AnswerHook& answer) {
  PoolLockstep lockstep(kinds, base, seed, answer);
  for (auto round = lockstep.NextRound(); !round.empty(); round = lockstep.NextRound()) {
    lockstep.FinishRound(host.RunBatch(round));
  }
  return lockstep.Traces();
}

PoolRunStats BuildTracePool(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                            const Task& task, const PoolOptions& o) {
  if (task.name() != "gsm8k" && task.name() != "arith") {
    throw Error(ErrorCode::kInvalidArgument, "trace pools need answers to vote on: --task gsm8k or arith");
  }
  const int max_tokens = o.max_tokens > 0 ? o.max_tokens : task.default_max_tokens();
  const fs::path dir(o.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create the folder '" + o.out_dir + "': " + ec.message());
  CheckPoolIdentity(dir, PoolIdentity(model_label, task, o, max_tokens));
  const fs::path file = dir / "pool.jsonl";
  bool torn = false;
  std::set<std::string> done;
  {
    std::vector<PoolItem> items = ReadPoolFile(file, &torn);
    for (const PoolItem& p : items) done.insert(p.item);
    if (torn) {
      std::string text;
      for (const PoolItem& p : items) text += p.ToLine();
      WriteFileAtomically(file, text);
    }
  }
  PoolRunStats stats;
  stats.resumed = static_cast<int>(done.size());
  const auto close = [](std::FILE* f) { std::fclose(f); };
  std::unique_ptr<std::FILE, decltype(close)> out(std::fopen(file.c_str(), "ab"), close);
  if (!out) throw Error(ErrorCode::kIo, "cannot append to '" + file.string() + "'");
  std::vector<PoolJob> jobs;
  for (size_t index = 0; index < task.items().size(); ++index) {
    const EvalItem& item = task.items()[index];
    if (done.count(item.id)) continue;
    jobs.push_back({index, EncodeConversation(model, tokenizer, o.prompt, item.messages),
                    DrawSeed(ItemSeed(o.seed, item.id), 0), task.VoteAnswerRule(item)});
  }
  std::optional<ProgressBar> progress;
  if (o.progress && !jobs.empty()) {
    progress.emplace("pool", static_cast<int>(jobs.size()), ProgressOptions{ProgressUnit::kItems, 20, stderr});
  }
  PoolBatchOptions bo;
  bo.kinds = o.kinds;
  bo.base = o.base;
  bo.max_tokens = max_tokens;
  bo.parallel = o.parallel;
  ThreadPool pool(ResolveThreads(o.threads));
  RunPoolJobs(model, tokenizer, pool, jobs, bo, [&](const PoolJob& job, std::vector<PoolTrace> traces) {
    const EvalItem& item = task.items()[job.index];
    PoolItem p;
    p.item = item.id;
    p.index = static_cast<int64_t>(job.index);
    p.seed = job.seed;
    p.prompt_tokens = static_cast<int64_t>(job.prompt.size());
    p.reference = item.reference;
    p.answer_rule = job.answer_rule;
    p.traces = std::move(traces);
    for (PoolTrace& t : p.traces) {
      t.correct = task.ScoreGeneration(item, FullText(tokenizer, t.result), t.result.tokens).value;
    }
    const std::string line = p.ToLine();
    if (std::fwrite(line.data(), 1, line.size(), out.get()) != line.size() || std::fflush(out.get()) != 0) {
      throw Error(ErrorCode::kIo, "cannot write '" + file.string() + "'");
    }
    ++stats.built;
    if (progress) {
      progress->SetDetail("item " + item.id);
      progress->Set(stats.built);
    }
  });
  if (progress) progress->Finish();
  return stats;
}

}  // namespace entropix
