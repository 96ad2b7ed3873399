#include "eval/runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "eval/checkpoint.h"
#include "eval/json_fields.h"
#include "eval/statistics.h"
#include "eval/svg_chart.h"
#include "io/gguf.h"
#include "model/model.h"
#include "runtime/session.h"
#include "sampling/profile.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string FormatDuration(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  return buf;
}

// Progress on stderr: a redrawn bar on a terminal, else a plain line about
// every 5 % (and for the first and last item).
class EvalProgress {
 public:
  EvalProgress(int total, bool enabled) : total_(total), enabled_(enabled && total > 0), tty_(isatty(STDERR_FILENO) == 1) {
    start_ = std::chrono::steady_clock::now();
  }
  void Update(int done, const std::string& what) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = done > 0 ? elapsed / done * (total_ - done) : 0.0;
    const int pct = static_cast<int>(100.0 * done / total_);
    if (tty_) {
      constexpr int kWidth = 30;
      const int fill = kWidth * done / total_;
      std::fprintf(stderr, "\r[%s%s] %d/%d %3d%% | %s | ETA %s   ", std::string(fill, '#').c_str(),
                   std::string(kWidth - fill, '.').c_str(), done, total_, pct, what.c_str(),
                   FormatDuration(eta).c_str());
      if (done == total_) std::fputc('\n', stderr);
    } else {
      const int step = std::max(1, total_ / 20);
      if (done == 1 || done == total_ || done % step == 0) {
        std::fprintf(stderr, "eval: %d/%d (%d%%) %s, elapsed %s, ETA %s\n", done, total_, pct, what.c_str(),
                     FormatDuration(elapsed).c_str(), FormatDuration(eta).c_str());
      }
    }
    std::fflush(stderr);
  }

 private:
  int total_;
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_;
};

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string Key(const std::string& sampler, const std::string& item) { return sampler + '\x1f' + item; }

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

// summary.json, summary.md and accuracy.svg for `samplers` from results.jsonl.
void WriteSummaryFiles(const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  const fs::path dir(o.out_dir);
  std::vector<std::string> labels;
  for (const auto& s : samplers) labels.push_back(s.label);
  const auto records = ReadResults(o.out_dir, &task);
  const json summary = Summarize(task, labels, records, o.resamples, o.seed);
  WriteFileAtomically(dir / "summary.json", summary.dump(2) + "\n");
  WriteFileAtomically(dir / "summary.md", SummaryMarkdown(summary));
  std::vector<ChartBar> bars;
  for (const auto& s : summary["samplers"]) {
    // A profile file is labelled by its stem ("profiles/x/cool.json" -> "cool").
    std::string label = s["sampler"];
    if (label.ends_with(".json")) label = fs::path(label).stem().string();
    bars.push_back({label, s["metric"]["estimate"], s["metric"]["low"], s["metric"]["high"]});
  }
  WriteFileAtomically(dir / "accuracy.svg",
            BarChartSvg(task.name() + ": " + summary["metric"].get<std::string>() + " (95% bootstrap CI), n = " +
                            std::to_string(summary["n_items"].get<int>()),
                        bars));
}

}  // namespace

uint64_t ItemSeed(uint64_t run_seed, const std::string& item_id) {
  uint64_t x = run_seed ^ Fnv1a(item_id);
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdull;
  return x ^ (x >> 33);
}

std::vector<SamplerSpec> ParseSamplers(const std::string& list, const Model& model) {
  std::vector<SamplerSpec> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string name = list.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    if (!seen.insert(name).second) throw Error(ErrorCode::kInvalidArgument, "--samplers: '" + name + "' given twice");
    SamplerSpec s;
    s.label = name;
    if (name == "greedy" || name == "sample") {
      s.config.kind = ParsePolicyKind(name);
    } else {
      s.config.kind = PolicyKind::kEntropix;
      s.config.profile = ResolveProfile(
          name == "entropix" ? DefaultProfileFor(model.config().name, model.config().vocab_size) : name);
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, "--samplers: name at least one sampler");
  return out;
}

std::vector<EvalRecord> ReadResults(const std::string& out_dir, const Task* task) {
  return ReadCheckpoint(ResultsPath(out_dir), task).records;
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

EvalRunStats RunEvaluation(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                           const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  const fs::path dir(o.out_dir);
  PrepareOutputDir(o.out_dir);
  CheckRunIdentity(dir, RunIdentity(model_label, task, o), o.out_dir, /*create=*/true);
  const int max_tokens = o.max_tokens > 0 ? o.max_tokens : task.default_max_tokens();

  // The checkpoint: finished pairs. A torn last line (killed mid-write) is
  // dropped, and a last line without its '\n' completed, by rewriting the
  // file from the parsed records before anything is appended.
  const fs::path results = ResultsPath(o.out_dir);
  std::set<std::string> done;
  {
    const Checkpoint checkpoint = ReadCheckpoint(results, &task);
    for (const auto& r : checkpoint.records) done.insert(Key(r.sampler, r.item));
    if (checkpoint.needs_rewrite) WriteFileAtomically(results, CheckpointText(checkpoint.records));
  }
  std::FILE* out = std::fopen(results.c_str(), "ab");
  if (!out) throw Error(ErrorCode::kIo, "cannot append to '" + results.string() + "'");

  EvalRunStats stats;
  int todo = 0;
  for (const auto& item : task.items()) {
    for (const auto& s : samplers) {
      if (done.count(Key(s.label, item.id))) ++stats.resumed;
      else ++todo;
    }
  }

  std::vector<std::unique_ptr<Policy>> policies;
  for (const auto& s : samplers) policies.push_back(MakePolicy(s.config, &tokenizer));
  SessionOptions so;
  so.n_threads = o.threads;
  so.context = o.context;
  Session session(model, &tokenizer, so);
  EvalProgress progress(todo, o.progress);

  // Item-major: an interrupted run still has paired results.
  for (size_t index = 0; index < task.items().size(); ++index) {
    const EvalItem& item = task.items()[index];
    const std::vector<int32_t> prompt = EncodeConversation(model, tokenizer, o.prompt, item.messages);
    if (static_cast<int>(prompt.size()) + 1 >= session.context()) {
      throw Error(ErrorCode::kOutOfRange, "item " + item.id + ": the prompt (" + std::to_string(prompt.size()) +
                                              " tokens) does not fit the context; raise -c");
    }
    for (size_t si = 0; si < samplers.size(); ++si) {
      const SamplerSpec& s = samplers[si];
      if (done.count(Key(s.label, item.id))) continue;
      session.Reset();
      GenerateOptions go;
      go.max_tokens = max_tokens;
      go.seed = ItemSeed(o.seed, item.id);
      go.policy = policies[si].get();
      std::string response;
      const auto t0 = std::chrono::steady_clock::now();
      const GenerationResult r = session.Generate(prompt, go, [&](std::string_view text) {
        response += text;
        return true;
      });
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const ItemScore score = task.ScoreGeneration(item, response, r.tokens);
      EvalRecord rec;
      rec.sampler = s.label;
      rec.policy = policies[si]->name();
      rec.item = item.id;
      rec.index = static_cast<int64_t>(index);
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
      const std::string line = rec.ToLine();
      if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
        std::fclose(out);
        throw Error(ErrorCode::kIo, "cannot write '" + results.string() + "'");
      }
      ++stats.evaluated;
      progress.Update(stats.evaluated, s.label + " item " + item.id);
    }
  }
  std::fclose(out);

  WriteSummaryFiles(task, samplers, o);
  return stats;
}

RescoreStats RescoreEvaluation(const std::string& model_label, const Task& task,
                               std::span<const SamplerSpec> samplers, const EvalOptions& o) {
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
  WriteSummaryFiles(task, samplers, o);
  return stats;
}

json Summarize(const Task& task, std::span<const std::string> labels, std::span<const EvalRecord> records,
               int resamples, uint64_t seed) {
  // Only this run's items count, in task order: a checkpoint may also hold
  // records of items a rerun left out (a lower --limit).
  std::map<std::string, std::map<std::string, const EvalRecord*>> by_sampler;  // sampler -> item -> record
  for (const auto& r : records) by_sampler[r.sampler][r.item] = &r;
  std::vector<std::string> items;     // finished by all and scored: the metric's items
  std::vector<std::string> finished;  // finished by all (the task summary counts unscored ones too)
  int skipped = 0;
  for (const EvalItem& item : task.items()) {
    const std::string& id = item.id;
    bool all = true, scored = true;
    for (const auto& l : labels) {
      auto it = by_sampler[l].find(id);
      all &= it != by_sampler[l].end();
      if (it != by_sampler[l].end()) scored &= it->second->scored;
    }
    if (!all) continue;
    finished.push_back(id);
    if (!scored) {
      ++skipped;
      continue;
    }
    items.push_back(id);
  }
  json summary = {{"task", task.name()}, {"metric", task.metric()}, {"higher_is_better", task.higher_is_better()},
                  {"n_items", items.size()}, {"n_unscored_items", skipped}, {"resamples", resamples},
                  {"bootstrap_seed", seed}, {"samplers", json::array()}};
  std::vector<std::vector<double>> values(labels.size());
  for (size_t si = 0; si < labels.size(); ++si) {
    double tokens = 0, decode_s = 0;
    std::array<double, kNumStates> states{};
    std::vector<EvalRecord> recs;
    for (const auto& id : finished) recs.push_back(*by_sampler[labels[si]][id]);
    for (const auto& id : items) {
      const EvalRecord& r = *by_sampler[labels[si]][id];
      values[si].push_back(r.correct);
      tokens += static_cast<double>(r.tokens);
      decode_s += r.decode_seconds;
      for (int k = 0; k < kNumStates; ++k) states[k] += static_cast<double>(r.states[k]);
    }
    const Interval ci = BootstrapMean(values[si], resamples, seed);
    json mix = json::object();
    for (int k = 0; k < kNumStates; ++k) mix[StateName(static_cast<State>(k))] = tokens > 0 ? states[k] / tokens : 0.0;
    json s = {{"sampler", labels[si]},
              {"metric", {{"estimate", ci.estimate}, {"low", ci.low}, {"high", ci.high}}},
              {"tokens_per_answer", items.empty() ? 0.0 : tokens / items.size()},
              {"tokens_per_s", tokens / std::max(decode_s, 1e-9)},
              {"state_mix", mix},
              {"task", task.Summarize(recs)}};
    if (si > 0 && labels[0] == "greedy") {
      const PairedComparison c = ComparePaired(values[si], values[0], resamples, seed);
      s["vs_greedy"] = {{"difference", c.difference.estimate}, {"low", c.difference.low}, {"high", c.difference.high},
                        {"bootstrap_p", c.bootstrap_p}, {"only_this", c.a_only}, {"only_greedy", c.b_only},
                        {"mcnemar_p", c.mcnemar_p}};
    }
    summary["samplers"].push_back(s);
  }
  // Every other pair too (entropix samples, so "vs sample" matters as much
  // as "vs greedy"): difference of row a minus row b on the same items.
  summary["pairs"] = json::array();
  for (size_t a = 1; a < labels.size(); ++a) {
    for (size_t b = 0; b < a; ++b) {
      if (b == 0 && labels[0] == "greedy") continue;  // already in the table
      const PairedComparison c = ComparePaired(values[a], values[b], resamples, seed);
      summary["pairs"].push_back({{"a", labels[a]}, {"b", labels[b]}, {"difference", c.difference.estimate},
                                  {"low", c.difference.low}, {"high", c.difference.high},
                                  {"bootstrap_p", c.bootstrap_p}, {"only_a", c.a_only}, {"only_b", c.b_only},
                                  {"mcnemar_p", c.mcnemar_p}});
    }
  }
  return summary;
}

std::string SummaryMarkdown(const json& summary) {
  std::string md;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s, %s, n = %d items (%d unscored), 95%% bootstrap intervals (%d resamples)\n\n",
                summary["task"].get<std::string>().c_str(), summary["metric"].get<std::string>().c_str(),
                summary["n_items"].get<int>(), summary["n_unscored_items"].get<int>(),
                summary["resamples"].get<int>());
  md += buf;
  md += "| sampler | " + summary["metric"].get<std::string>() +
        " [95% CI] | vs greedy [95% CI] | p (bootstrap) | p (McNemar) | tokens/answer | tokens/s | state mix |\n";
  md += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : summary["samplers"]) {
    const auto& m = s["metric"];
    std::snprintf(buf, sizeof buf, "| %s | %.3f [%.3f, %.3f] |", s["sampler"].get<std::string>().c_str(),
                  m["estimate"].get<double>(), m["low"].get<double>(), m["high"].get<double>());
    md += buf;
    if (s.contains("vs_greedy")) {
      const auto& v = s["vs_greedy"];
      std::snprintf(buf, sizeof buf, " %+.3f [%+.3f, %+.3f] | %.3f | %.3f (%d/%d) |", v["difference"].get<double>(),
                    v["low"].get<double>(), v["high"].get<double>(), v["bootstrap_p"].get<double>(),
                    v["mcnemar_p"].get<double>(), v["only_this"].get<int>(), v["only_greedy"].get<int>());
      md += buf;
    } else {
      md += " — | — | — |";
    }
    std::string mix;
    for (auto [state, share] : s["state_mix"].items()) {
      if (share.get<double>() <= 0.0) continue;
      std::snprintf(buf, sizeof buf, "%s%s %.0f%%", mix.empty() ? "" : ", ", state.c_str(), 100.0 * share.get<double>());
      mix += buf;
    }
    std::snprintf(buf, sizeof buf, " %.1f | %.1f | %s |\n", s["tokens_per_answer"].get<double>(),
                  s["tokens_per_s"].get<double>(), mix.c_str());
    md += buf;
  }
  if (summary.contains("pairs") && !summary["pairs"].empty()) {
    md += "\nOther paired differences (a − b on the same items):\n\n"
          "| a | b | a − b [95% CI] | p (bootstrap) | p (McNemar) (only a / only b) |\n|---|---|---|---|---|\n";
    for (const auto& p : summary["pairs"]) {
      std::snprintf(buf, sizeof buf, "| %s | %s | %+.3f [%+.3f, %+.3f] | %.3f | %.3f (%d/%d) |\n",
                    p["a"].get<std::string>().c_str(), p["b"].get<std::string>().c_str(),
                    p["difference"].get<double>(), p["low"].get<double>(), p["high"].get<double>(),
                    p["bootstrap_p"].get<double>(), p["mcnemar_p"].get<double>(), p["only_a"].get<int>(),
                    p["only_b"].get<int>());
      md += buf;
    }
  }
  for (const auto& s : summary["samplers"]) {
    if (!s["task"].empty()) md += "\n" + s["sampler"].get<std::string>() + ": " + s["task"].dump() + "\n";
  }
  return md;
}

}  // namespace entropix
