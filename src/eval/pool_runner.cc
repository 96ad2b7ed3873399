#include "eval/pool_runner.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/error.h"
#include "decoding/vote_strategy.h"
#include "eval/checkpoint.h"
#include "eval/json_fields.h"
#include "eval/runner.h"
#include "eval/task.h"
#include "eval/trace_pool.h"
#include "model/model.h"
#include "runtime/vote_runner.h"
#include "store/progress_bar.h"
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

// One kind's strategy, and where its trace ids live on the shared host.
struct Lane {
  VoteStrategy strategy;
  std::map<int, int> host_of;  // strategy trace id -> pool (host) id
};

// Runs every lane to its end on one host, in lockstep: one RunBatch per
// round with every lane's next batch. Returns the pool traces (requests and
// results by pool id; answers filled in by the caller).
class LockstepPool {
 public:
  explicit LockstepPool(TraceHost& host) : host_(host) {}

  void Run(std::vector<Lane>& lanes) {
    for (;;) {
      std::vector<TraceRequest> batch;
      std::vector<std::pair<Lane*, int>> owner;  // per batch entry: lane and its trace id
      std::vector<std::pair<Lane*, int>> shared;  // greedy requests answered by the first lane's
      for (Lane& lane : lanes) {
        for (TraceRequest r : lane.strategy.NextBatch()) {
          if (r.parent < 0 && r.origin == "greedy" && greedy_ >= 0) {
            lane.host_of[r.id] = greedy_;
            shared.push_back({&lane, r.id});
            continue;
          }
          const int local = r.id;
          r.id = static_cast<int>(requests_.size());
          if (r.parent >= 0) r.parent = lane.host_of.at(r.parent);
          if (r.origin == "greedy" && r.parent < 0) greedy_ = r.id;
          lane.host_of[local] = r.id;
          requests_.push_back(r);
          batch.push_back(r);
          owner.push_back({&lane, local});
        }
      }
      if (batch.empty() && shared.empty()) return;
      std::vector<TraceResult> results = host_.RunBatch(batch);
      for (TraceResult& res : results) {
        if (static_cast<int>(results_.size()) <= res.id) results_.resize(res.id + 1);
        results_[res.id] = res;
      }
      for (size_t i = 0; i < batch.size(); ++i) Finish(*owner[i].first, owner[i].second);
      for (auto& [lane, local] : shared) Finish(*lane, local);
    }
  }

  const std::vector<TraceRequest>& requests() const { return requests_; }
  const std::vector<TraceResult>& results() const { return results_; }

 private:
  void Finish(Lane& lane, int local) {
    TraceResult r = results_.at(lane.host_of.at(local));
    r.id = local;
    lane.strategy.Finish(std::move(r));
  }

  TraceHost& host_;
  int greedy_ = -1;
  std::vector<TraceRequest> requests_;  // by pool id
  std::vector<TraceResult> results_;    // by pool id
};

// The answer, margin and confidence each lane's strategy found for its
// traces (a shared greedy trace gets the first lane's).
void FillVerdicts(const std::vector<Lane>& lanes, std::vector<PoolTrace>& traces) {
  std::vector<bool> seen(traces.size(), false);
  for (const Lane& lane : lanes) {
    for (const VoteEvent& e : lane.strategy.events()) {
      if (e.kind != VoteEvent::Kind::kTraceFinished) continue;
      const int id = lane.host_of.at(e.trace_id);
      if (seen[id]) continue;
      seen[id] = true;
      traces[id].answer = e.answer;
      traces[id].answer_margin = e.answer_margin;
      traces[id].confidence = e.confidence;
    }
  }
}

std::string FullText(const Tokenizer& tokenizer, const TraceResult& r) {
  std::string text;
  for (const std::string& piece : r.pieces) text += piece;
  StreamingDecoder decoder(tokenizer);
  for (int32_t t : r.tokens) decoder.Push(t);
  return text + decoder.Flush();
}

json PoolIdentity(const std::string& model_label, const Task& task, const PoolOptions& o, int max_tokens) {
  return {{"task", task.Identity()}, {"model", model_label}, {"seed", o.seed}, {"max_tokens", max_tokens},
          {"force_raw", o.prompt.force_raw}, {"chat_template", o.prompt.chat_template}, {"pool", o.spec},
          {"base_profile", json::parse(VoteProfileToJson(o.base))}};
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
                                    uint64_t seed) {
  std::vector<Lane> lanes;
  for (const PoolKind& k : kinds) {
    const VoteProfile profile = PoolProfile(base, k);
    lanes.push_back({VoteStrategy(profile, MathAnswerHook(profile.answer_require_marker), seed), {}});
  }
  LockstepPool run(host);
  run.Run(lanes);
  std::vector<PoolTrace> traces;
  for (size_t id = 0; id < run.requests().size(); ++id) {
    PoolTrace t;
    t.request = run.requests()[id];
    t.result = run.results()[id];
    traces.push_back(std::move(t));
  }
  FillVerdicts(lanes, traces);
  return traces;
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
  std::FILE* out = std::fopen(file.c_str(), "ab");
  if (!out) throw Error(ErrorCode::kIo, "cannot append to '" + file.string() + "'");
  ThreadPool pool(ResolveThreads(o.threads));
  const int todo = static_cast<int>(task.items().size()) - stats.resumed;
  std::optional<ProgressBar> progress;
  if (o.progress && todo > 0) progress.emplace("pool", todo, ProgressOptions{ProgressUnit::kItems, 20, stderr});
  int max_rows = 1;
  for (const PoolKind& k : o.kinds) max_rows += k.traces;
  for (size_t index = 0; index < task.items().size(); ++index) {
    const EvalItem& item = task.items()[index];
    if (done.count(item.id)) continue;
    const std::vector<int32_t> prompt = EncodeConversation(model, tokenizer, o.prompt, item.messages);
    PoolItem p;
    p.item = item.id;
    p.index = static_cast<int64_t>(index);
    p.seed = DrawSeed(ItemSeed(o.seed, item.id), 0);
    p.prompt_tokens = static_cast<int64_t>(prompt.size());
    p.reference = item.reference;
    VoteHostOptions ho;
    ho.max_tokens = max_tokens;
    ho.max_rows = std::max(32, max_rows);
    SchedulerTraceHost host(model, tokenizer, pool, prompt, ho);
    p.traces = RunPoolKinds(host, o.kinds, o.base, p.seed);
    for (PoolTrace& t : p.traces) {
      t.correct = task.ScoreGeneration(item, FullText(tokenizer, t.result), t.result.tokens).value;
    }
    const std::string line = p.ToLine();
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
      std::fclose(out);
      throw Error(ErrorCode::kIo, "cannot write '" + file.string() + "'");
    }
    ++stats.built;
    if (progress) {
      progress->SetDetail("item " + item.id);
      progress->Set(stats.built);
    }
  }
  std::fclose(out);
  if (progress) progress->Finish();
  return stats;
}

}  // namespace entropix
