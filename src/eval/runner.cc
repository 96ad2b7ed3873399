#include "eval/runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/error.h"
#include "eval/checkpoint.h"
#include "eval/engine_version.h"
#include "eval/json_fields.h"
#include "eval/sampler_identity.h"
#include "eval/batch_runner.h"
#include "model/model.h"
#include "sampling/profile.h"
#include "store/progress_bar.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdull;
  return x ^ (x >> 33);
}

using RecordKey = std::tuple<std::string, std::string, int64_t>;  // (sampler, item, draw)

fs::path ResultsPath(const std::string& out_dir) { return fs::path(out_dir) / "results.jsonl"; }

std::string ReadSmallFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path.string() + "'");
  return text;
}

json RunIdentity(const std::string& model_label, const Task& task, const EvalOptions& o) {
  const int max_tokens = o.max_tokens > 0 ? o.max_tokens : task.default_max_tokens();
  return {{"task", task.Identity()}, {"model", model_label}, {"seed", o.seed}, {"max_tokens", max_tokens},
          {"force_raw", o.prompt.force_raw}, {"chat_template", o.prompt.chat_template}};
}

// The folder's run.json must describe the same run; a fresh folder gets one
// when `create` is set.
void CheckRunIdentity(const fs::path& dir, const json& identity, const std::string& out_dir, bool create) {
  const fs::path run_json = dir / "run.json";
  std::error_code ec;
  if (fs::exists(run_json, ec)) {
    const json old = ParseJsonObject(ReadSmallFile(run_json), run_json.string());
    if (old != identity) {
      throw Error(ErrorCode::kInvalidArgument,
                  "'" + out_dir + "' holds a run with other settings (" + old.dump() + "); use another -o folder");
    }
  } else if (create) {
    WriteFileAtomically(run_json, identity.dump(2) + "\n");
  } else {
    throw Error(ErrorCode::kNotFound, "'" + out_dir + "' holds no evaluation run (no run.json); nothing to rescore");
  }
}

// Where two parameter sets differ, as "a.b: x -> y" lines (at most a few).
void DiffJson(const json& old_v, const json& new_v, const std::string& path, std::vector<std::string>& out) {
  if (out.size() >= 6) return;
  if (old_v.is_object() && new_v.is_object()) {
    std::set<std::string> keys;
    for (const auto& e : old_v.items()) keys.insert(e.key());
    for (const auto& e : new_v.items()) keys.insert(e.key());
    for (const auto& k : keys) {
      const std::string sub = path.empty() ? k : path + "." + k;
      DiffJson(old_v.contains(k) ? old_v[k] : json(), new_v.contains(k) ? new_v[k] : json(), sub, out);
    }
  } else if (old_v != new_v) {
    out.push_back(path + ": " + (old_v.is_null() ? "(absent)" : old_v.dump()) + " -> " +
                  (new_v.is_null() ? "(absent)" : new_v.dump()));
  }
}

// samplers.json: per label, {"spec", "sha256", "params"} of the parameters
// its records were made with. A label whose stored parameters (or whose
// records' sampler_sha256) differ from the ones resolved now is refused, so
// an edited profile never mixes into an old label.
class SamplerRegistry {
 public:
  explicit SamplerRegistry(const std::string& out_dir)
      : out_dir_(out_dir), path_(fs::path(out_dir) / "samplers.json") {
    std::error_code ec;
    if (fs::exists(path_, ec)) entries_ = ParseJsonObject(ReadSmallFile(path_), path_.string());
  }

  void Check(const SamplerSpec& s, const std::string& sha, const json& params,
             const std::vector<EvalRecord>& records) const {
    std::optional<std::string> old_sha;  // parameters of the label's records, when they differ
    json old_params;
    if (entries_.contains(s.label)) {
      const JsonFields f(entries_[s.label], path_.string(), s.label + ".");
      if (f.String("sha256") != sha) {
        old_sha = f.String("sha256");
        if (f.Has("params")) old_params = entries_[s.label]["params"];
      }
    }
    for (size_t i = 0; i < records.size() && !old_sha; ++i) {
      const EvalRecord& r = records[i];
      if (r.sampler == s.label && r.sampler_sha256 && *r.sampler_sha256 != sha) old_sha = r.sampler_sha256;
    }
    if (!old_sha) return;
    std::vector<std::string> diff;
    if (!old_params.is_null()) DiffJson(old_params, params, "", diff);
    std::string what;
    for (const auto& d : diff) what += "\n  " + d;
    if (what.empty()) what = "\n  (the old parameters are not stored; sha256 " + old_sha->substr(0, 12) + " -> " +
                             sha.substr(0, 12) + ")";
    throw Error(ErrorCode::kInvalidArgument,
                "'" + out_dir_ + "' holds records of sampler '" + s.label +
                    "' made with other parameters than '" + s.spec + "' resolves to now:" + what +
                    "\nRun into another -o folder, or file the new parameters under a new label (e.g. --samplers " +
                    s.label + "-v2=" + s.spec + ")");
  }

  // Unknown: records of the label from before parameters were recorded.
  int UncheckedRecords(const SamplerSpec& s, const std::vector<EvalRecord>& records) const {
    if (entries_.contains(s.label)) return 0;
    int n = 0;
    for (const auto& r : records) n += r.sampler == s.label && !r.sampler_sha256 ? 1 : 0;
    return n;
  }

  void Set(const SamplerSpec& s, const std::string& sha, const json& params) {
    entries_[s.label] = {{"spec", s.spec}, {"sha256", sha}, {"params", params}};
  }
  void Save() const { WriteFileAtomically(path_, entries_.dump(2) + "\n"); }

 private:
  std::string out_dir_;
  fs::path path_;
  json entries_ = json::object();
};

std::vector<SummarySampler> SummarySamplers(std::span<const SamplerSpec> samplers, int draws) {
  std::vector<SummarySampler> out;
  for (const auto& s : samplers) out.push_back({s.label, DrawsFor(s, draws)});
  return out;
}

// The folder for a run's files, created if needed; a path that names
// something else (a file) is refused up front.
void PrepareOutputDir(const std::string& out_dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(out_dir, ec);
  if (fs::exists(st) && !fs::is_directory(st)) {
    throw Error(ErrorCode::kInvalidArgument,
                "-o '" + out_dir + "' is not a folder (a file of that name exists); name a folder for the results");
  }
  fs::create_directories(out_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create the folder '" + out_dir + "': " + ec.message());
}

// runs.jsonl: one line per invocation that generated something, with its
// total wall time (per-record seconds overlap under --parallel).
void AppendRunLog(const std::string& out_dir, int parallel, const EvalRunStats& stats) {
  const json line = {{"parallel", parallel}, {"evaluated", stats.evaluated}, {"resumed", stats.resumed},
                     {"wall_seconds", stats.wall_seconds}, {"engine", EngineVersion()}};
  std::ofstream log(fs::path(out_dir) / "runs.jsonl", std::ios::app);
  log << line.dump() << "\n";
}

void CheckDraws(int draws) {
  if (draws < 1 || draws > 1000) throw Error(ErrorCode::kInvalidArgument, "--draws must be between 1 and 1000");
}

void CheckParallel(int parallel) {
  if (parallel < 1 || parallel > 256) throw Error(ErrorCode::kInvalidArgument, "--parallel must be between 1 and 256");
}

}  // namespace

uint64_t ItemSeed(uint64_t run_seed, const std::string& item_id) { return Mix64(run_seed ^ Fnv1a(item_id)); }

uint64_t DrawSeed(uint64_t item_seed, int draw) {
  // Draw 0 keeps the item seed, so one-draw runs reproduce earlier records.
  return draw == 0 ? item_seed : Mix64(item_seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(draw));
}

int DrawsFor(const SamplerSpec& sampler, int draws) {
  return sampler.config.kind == PolicyKind::kGreedy ? 1 : draws;
}

int64_t ForwardTokenSteps(const GenerationResult& r, int pause_tokens) {
  // forward_passes counts Forward calls: one token each, except a pause
  // insertion, which feeds its pause_tokens in one call.
  return static_cast<int64_t>(r.prompt_tokens) + r.forward_passes +
         static_cast<int64_t>(r.pauses_inserted) * std::max(0, pause_tokens - 1);
}

std::vector<SamplerSpec> ParseSamplers(const std::string& list, const Model& model) {
  return ParseSamplerList(list, DefaultProfileFor(model.config().name, model.config().vocab_size));
}

std::vector<EvalRecord> ReadResults(const std::string& out_dir, const Task* task) {
  return ReadCheckpoint(ResultsPath(out_dir), task).records;
}

EvalRunStats RunEvaluation(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                           const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  CheckDraws(o.draws);
  CheckParallel(o.parallel);
  const fs::path dir(o.out_dir);
  PrepareOutputDir(o.out_dir);
  CheckRunIdentity(dir, RunIdentity(model_label, task, o), o.out_dir, /*create=*/true);
  const int max_tokens = o.max_tokens > 0 ? o.max_tokens : task.default_max_tokens();

  // The checkpoint: finished triples. A torn last line (killed mid-write) is
  // dropped, and a last line without its '\n' completed, by rewriting the
  // file from the parsed records before anything is appended.
  const fs::path results = ResultsPath(o.out_dir);
  std::set<RecordKey> done;
  std::vector<EvalRecord> existing;
  {
    Checkpoint checkpoint = ReadCheckpoint(results, &task);
    for (const auto& r : checkpoint.records) done.insert({r.sampler, r.item, r.draw});
    if (checkpoint.needs_rewrite) WriteFileAtomically(results, CheckpointText(checkpoint.records));
    existing = std::move(checkpoint.records);
  }

  // Sampler identity: refused before anything is generated.
  SamplerRegistry registry(o.out_dir);
  std::vector<EvalSampler> run;
  for (const auto& s : samplers) {
    EvalSampler rs;
    rs.spec = &s;
    rs.policy = MakePolicy(s.config, &tokenizer);
    rs.sha256 = SamplerParamsSha256(s);
    rs.draws = DrawsFor(s, o.draws);
    if (const auto* e = dynamic_cast<const EntropixPolicy*>(rs.policy.get())) {
      rs.pause_tokens = static_cast<int>(e->pause_ids().size());
    }
    const json params = SamplerParamsJson(s);
    registry.Check(s, rs.sha256, params, existing);
    if (const int n = registry.UncheckedRecords(s, existing); n > 0 && o.progress) {
      std::fprintf(stderr, "eval: note: %d records of '%s' predate parameter hashes; cannot check that they used "
                   "the same parameters\n", n, s.label.c_str());
    }
    registry.Set(s, rs.sha256, params);
    run.push_back(std::move(rs));
  }
  existing.clear();
  registry.Save();

  // The generations still to run, item-major: an interrupted run still has
  // paired results.
  EvalRunStats stats;
  std::vector<EvalJob> jobs;
  for (size_t index = 0; index < task.items().size(); ++index) {
    const EvalItem& item = task.items()[index];
    const uint64_t item_seed = ItemSeed(o.seed, item.id);
    for (const EvalSampler& rs : run) {
      for (int d = 0; d < rs.draws; ++d) {
        if (done.count({rs.spec->label, item.id, d})) {
          ++stats.resumed;
          continue;
        }
        jobs.push_back({static_cast<int64_t>(index), &item, &rs, d, DrawSeed(item_seed, d)});
      }
    }
  }

  std::FILE* out = std::fopen(results.c_str(), "ab");
  if (!out) throw Error(ErrorCode::kIo, "cannot append to '" + results.string() + "'");
  std::optional<ProgressBar> progress;
  if (o.progress && !jobs.empty()) {
    progress.emplace("eval", static_cast<int>(jobs.size()), ProgressOptions{ProgressUnit::kItems, 20, stderr});
  }
  BatchRunOptions bo;
  bo.parallel = o.parallel;
  bo.threads = o.threads;
  bo.context = o.context;
  bo.max_tokens = max_tokens;
  bo.prompt = o.prompt;
  bo.engine = EngineVersion();
  // Each record is appended and flushed as its generation finishes.
  const RecordSink sink = [&](const EvalRecord& rec) {
    const std::string line = rec.ToLine();
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
      throw Error(ErrorCode::kIo, "cannot write '" + results.string() + "'");
    }
    ++stats.evaluated;
    if (progress) {
      progress->SetDetail(rec.sampler + " item " + rec.item + (rec.draw > 0 ? " draw " + std::to_string(rec.draw) : ""));
      progress->Set(stats.evaluated);
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  try {
    RunEvalJobs(model, tokenizer, task, jobs, bo, sink);
  } catch (...) {
    std::fclose(out);
    throw;
  }
  stats.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fclose(out);
  if (progress) progress->Finish();
  if (stats.evaluated > 0) AppendRunLog(o.out_dir, o.parallel, stats);

  stats.summary = WriteSummaryFiles(o.out_dir, task, SummarySamplers(samplers, o.draws), ReadResults(o.out_dir, &task),
                                    o.resamples, o.seed);
  return stats;
}

// Every label of `records` (greedy first: the summary compares with it, then
// in order of first appearance) with the draws recorded for it, capped at
// `draws` unless 0.
std::vector<SummarySampler> RecordedSamplers(const std::vector<EvalRecord>& records, int draws) {
  std::vector<SummarySampler> out;
  std::map<std::string, size_t> at;
  for (const EvalRecord& r : records) {
    const auto [it, fresh] = at.try_emplace(r.sampler, out.size());
    if (fresh) out.push_back({r.sampler, 0});
    SummarySampler& s = out[it->second];
    s.draws = static_cast<int>(std::clamp<int64_t>(r.draw + 1, s.draws, 1000));  // --draws' range
  }
  std::stable_partition(out.begin(), out.end(), [](const SummarySampler& s) { return s.label == "greedy"; });
  if (draws > 0) {
    for (SummarySampler& s : out) s.draws = std::min(s.draws, draws);
  }
  return out;
}

RescoreStats RescoreEvaluation(const std::string& model_label, const Task& task,
                               std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  if (!samplers.empty() || o.draws != 0) CheckDraws(o.draws);
  const fs::path dir(o.out_dir);
  CheckRunIdentity(dir, RunIdentity(model_label, task, o), o.out_dir, /*create=*/false);
  std::map<std::string, const EvalItem*> items;
  for (const auto& item : task.items()) items[item.id] = &item;
  RescoreStats stats;
  std::vector<EvalRecord> records = ReadResults(o.out_dir, &task);
  for (EvalRecord& r : records) {
    const auto it = items.find(r.item);
    if (it == items.end()) continue;
    const ItemScore score = task.ScoreGeneration(*it->second, r.response, r.token_ids);
    const bool changed = r.correct != score.value || r.scored != score.scored;
    r.extracted = score.extracted;
    r.scored = score.scored;
    r.correct = score.value;
    r.details = score.details;
    ++stats.rescored;
    stats.changed += changed ? 1 : 0;
  }
  WriteFileAtomically(ResultsPath(o.out_dir), CheckpointText(records));
  const std::vector<SummarySampler> summarised =
      samplers.empty() ? RecordedSamplers(records, o.draws) : SummarySamplers(samplers, o.draws);
  stats.summary = WriteSummaryFiles(o.out_dir, task, summarised, records, o.resamples, o.seed);
  return stats;
}

}  // namespace entropix
