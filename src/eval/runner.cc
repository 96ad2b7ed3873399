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
#include "eval/vote_generation.h"
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

void CheckDraws(int draws) {
  if (draws < 1 || draws > 1000) throw Error(ErrorCode::kInvalidArgument, "--draws must be between 1 and 1000");
}

// One resolved sampler of a run: its policy, identity and pause length.
struct RunSampler {
  const SamplerSpec* spec;
  std::unique_ptr<Policy> policy;
  std::string sha256;
  int draws = 1;
  int pause_tokens = 0;
};

}  // namespace

uint64_t ItemSeed(uint64_t run_seed, const std::string& item_id) { return Mix64(run_seed ^ Fnv1a(item_id)); }

uint64_t DrawSeed(uint64_t item_seed, int draw) {
  // Draw 0 keeps the item seed, so one-draw runs reproduce earlier records.
  return draw == 0 ? item_seed : Mix64(item_seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(draw));
}

namespace {

// What a vote compares: the number for the math tasks (their own scoring
// rule); none for open-ended tasks, where the vote falls back to the most
// confident trace (best-of-N).
AnswerHook VoteAnswerHook(const Task& task, const VoteProfile& profile) {
  if (task.name() == "gsm8k" || task.name() == "arith") return MathAnswerHook(profile.answer_require_marker);
  return [](std::string_view) { return std::optional<Answer>(); };
}

}  // namespace

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
  std::vector<RunSampler> run;
  for (const auto& s : samplers) {
    RunSampler rs;
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

  std::FILE* out = std::fopen(results.c_str(), "ab");
  if (!out) throw Error(ErrorCode::kIo, "cannot append to '" + results.string() + "'");

  EvalRunStats stats;
  int todo = 0;
  for (const auto& item : task.items()) {
    for (const auto& rs : run) {
      for (int d = 0; d < rs.draws; ++d) {
        if (done.count({rs.spec->label, item.id, d})) ++stats.resumed;
        else ++todo;
      }
    }
  }

  SessionOptions so;
  so.n_threads = o.threads;
  so.context = o.context;
  Session session(model, &tokenizer, so);
  std::optional<ProgressBar> progress;
  if (o.progress && todo > 0) progress.emplace("eval", todo, ProgressOptions{ProgressUnit::kItems, 20, stderr});
  const std::string engine = EngineVersion();

  // Item-major: an interrupted run still has paired results.
  for (size_t index = 0; index < task.items().size(); ++index) {
    const EvalItem& item = task.items()[index];
    const std::vector<int32_t> prompt = EncodeConversation(model, tokenizer, o.prompt, item.messages);
    if (static_cast<int>(prompt.size()) + 1 >= session.context()) {
      throw Error(ErrorCode::kOutOfRange, "item " + item.id + ": the prompt (" + std::to_string(prompt.size()) +
                                              " tokens) does not fit the context; raise -c");
    }
    const uint64_t item_seed = ItemSeed(o.seed, item.id);
    for (const RunSampler& rs : run) {
      const SamplerSpec& s = *rs.spec;
      for (int d = 0; d < rs.draws; ++d) {
        if (done.count({s.label, item.id, d})) continue;
        session.Reset();
        GenerateOptions go;
        go.max_tokens = max_tokens;
        go.seed = DrawSeed(item_seed, d);
        go.policy = rs.policy.get();
        std::string response;
        const auto t0 = std::chrono::steady_clock::now();
        std::optional<VoteGeneration> vote;
        if (s.vote) {
          vote = GenerateByVote(model, tokenizer, session.pool(), prompt, *s.vote, VoteAnswerHook(task, *s.vote),
                                max_tokens, go.seed);
          response = vote->response;
        }
        const GenerationResult r = vote ? vote->result : session.Generate(prompt, go, [&](std::string_view text) {
          response += text;
          return true;
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const ItemScore score = task.ScoreGeneration(item, response, r.tokens);
        EvalRecord rec;
        rec.sampler = s.label;
        rec.policy = vote ? "vote" : rs.policy->name();
        rec.item = item.id;
        rec.index = static_cast<int64_t>(index);
        rec.draw = d;
        rec.seed = go.seed;
        rec.prompt = item.messages.back().content;
        rec.reference = item.reference;
        rec.response = response;
        rec.extracted = score.extracted;
        rec.scored = score.scored;
        rec.correct = score.value;
        rec.tokens = static_cast<int64_t>(r.tokens.size());
        rec.prompt_tokens = r.prompt_tokens;
        rec.stop = StopReasonName(r.stop);
        for (int k = 0; k < kNumStates; ++k) rec.states[k] = r.state_counts[k];
        rec.pauses = r.pauses_inserted;
        rec.branches = static_cast<int64_t>(r.branches.size());
        rec.seconds = seconds;
        rec.decode_seconds = r.decode_seconds;
        rec.tokens_per_s = r.tokens.size() / std::max(r.decode_seconds, 1e-9);
        rec.token_ids = r.tokens;
        rec.details = score.details;
        if (s.config.kind == PolicyKind::kEntropix) rec.profile = s.config.profile.name;
        rec.forward_tokens = vote ? vote->forward_tokens : ForwardTokenSteps(r, rs.pause_tokens);
        if (vote) rec.profile = s.vote->name;
        rec.sampler_sha256 = rs.sha256;
        rec.engine = engine;
        const std::string line = rec.ToLine();
        if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
          std::fclose(out);
          throw Error(ErrorCode::kIo, "cannot write '" + results.string() + "'");
        }
        ++stats.evaluated;
        if (progress) {
          progress->SetDetail(s.label + " item " + item.id + (rs.draws > 1 ? " draw " + std::to_string(d) : ""));
          progress->Set(stats.evaluated);
        }
      }
    }
  }
  std::fclose(out);
  if (progress) progress->Finish();

  stats.summary = WriteSummaryFiles(o.out_dir, task, SummarySamplers(samplers, o.draws), ReadResults(o.out_dir, &task),
                                    o.resamples, o.seed);
  return stats;
}

RescoreStats RescoreEvaluation(const std::string& model_label, const Task& task,
                               std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  CheckDraws(o.draws);
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
  stats.summary = WriteSummaryFiles(o.out_dir, task, SummarySamplers(samplers, o.draws), records, o.resamples, o.seed);
  return stats;
}

}  // namespace entropix
