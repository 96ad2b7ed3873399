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

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path.string() + "'");
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
  if (fs::exists(run_json)) {
    std::ifstream in(run_json);
    const json old = json::parse(in, nullptr, false);
    if (old != identity) {
      throw Error(ErrorCode::kInvalidArgument,
                  "'" + out_dir + "' holds a run with other settings (" + old.dump() + "); use another -o folder");
    }
  } else if (create) {
    WriteText(run_json, identity.dump(2) + "\n");
  } else {
    throw Error(ErrorCode::kNotFound, "'" + out_dir + "' holds no evaluation run (no run.json); nothing to rescore");
  }
}

// summary.json, summary.md and accuracy.svg for `samplers` from results.jsonl.
void WriteSummaryFiles(const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  const fs::path dir(o.out_dir);
  std::vector<std::string> labels;
  for (const auto& s : samplers) labels.push_back(s.label);
  const auto records = ReadResults(o.out_dir);
  const json summary = Summarize(task, labels, records, o.resamples, o.seed);
  WriteText(dir / "summary.json", summary.dump(2) + "\n");
  WriteText(dir / "summary.md", SummaryMarkdown(summary));
  std::vector<ChartBar> bars;
  for (const auto& s : summary["samplers"]) {
    // A profile file is labelled by its stem ("profiles/x/cool.json" -> "cool").
    std::string label = s["sampler"];
    if (label.ends_with(".json")) label = fs::path(label).stem().string();
    bars.push_back({label, s["metric"]["estimate"], s["metric"]["low"], s["metric"]["high"]});
  }
  WriteText(dir / "accuracy.svg",
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

std::vector<json> ReadResults(const std::string& out_dir) {
  std::vector<json> out;
  std::ifstream in(fs::path(out_dir) / "results.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("sampler") && j.contains("item")) out.push_back(std::move(j));
  }
  return out;
}

EvalRunStats RunEvaluation(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                           const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& o) {
  const fs::path dir(o.out_dir);
  fs::create_directories(dir);
  CheckRunIdentity(dir, RunIdentity(model_label, task, o), o.out_dir, /*create=*/true);
  const int max_tokens = o.max_tokens > 0 ? o.max_tokens : task.default_max_tokens();

  // The checkpoint: finished pairs. A torn last line (killed mid-write) is
  // dropped by rewriting the file from the parsed records.
  const fs::path results = dir / "results.jsonl";
  std::set<std::string> done;
  {
    const auto records = ReadResults(o.out_dir);
    for (const auto& r : records) done.insert(Key(r["sampler"], r["item"]));
    std::ifstream in(results);
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
    if (lines != records.size()) {
      std::string text;
      for (const auto& r : records) text += r.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
      WriteText(results, text);
    }
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
      json states = json::object();
      for (int k = 0; k < kNumStates; ++k) states[StateName(static_cast<State>(k))] = r.state_counts[k];
      const std::string& user = item.messages.back().content;
      json rec = {{"sampler", s.label},
                  {"policy", policies[si]->name()},
                  {"item", item.id},
                  {"index", index},
                  {"seed", go.seed},
                  {"prompt", user},
                  {"reference", item.reference},
                  {"response", response},
                  {"extracted", score.extracted},
                  {"scored", score.scored},
                  {"correct", score.value},
                  {"tokens", r.tokens.size()},
                  {"prompt_tokens", r.prompt_tokens},
                  {"stop", StopReasonName(r.stop)},
                  {"states", states},
                  {"pauses", r.pauses_inserted},
                  {"branches", r.branches.size()},
                  {"seconds", seconds},
                  {"decode_seconds", r.decode_seconds},
                  {"tokens_per_s", r.tokens.size() / std::max(r.decode_seconds, 1e-9)},
                  {"token_ids", r.tokens},
                  {"details", score.details}};
      if (s.config.kind == PolicyKind::kEntropix) rec["profile"] = s.config.profile.name;
      const std::string line = rec.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
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
  std::string text;
  for (json& r : ReadResults(o.out_dir)) {
    const auto it = items.find(r["item"].get<std::string>());
    if (it != items.end()) {
      const ItemScore score =
          task.ScoreGeneration(*it->second, r["response"].get<std::string>(), r["token_ids"].get<std::vector<int32_t>>());
      const bool changed = r["correct"] != score.value || r["scored"] != score.scored;
      r["extracted"] = score.extracted;
      r["scored"] = score.scored;
      r["correct"] = score.value;
      r["details"] = score.details;
      ++stats.rescored;
      stats.changed += changed ? 1 : 0;
    }
    text += r.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  // Written beside and renamed over: a crash leaves the old file whole.
  const fs::path results = dir / "results.jsonl";
  const fs::path tmp = dir / "results.jsonl.rescore";
  WriteText(tmp, text);
  fs::rename(tmp, results);
  WriteSummaryFiles(task, samplers, o);
  return stats;
}

json Summarize(const Task& task, std::span<const std::string> labels, std::span<const json> records, int resamples,
               uint64_t seed) {
  // Items every sampler has finished, in task order (by index).
  std::map<std::string, std::map<std::string, const json*>> by_sampler;  // sampler -> item -> record
  std::map<int, std::string> order;                                      // index -> item
  for (const auto& r : records) {
    by_sampler[r["sampler"]][r["item"]] = &r;
    order[r.value("index", 0)] = r["item"];
  }
  std::vector<std::string> items;     // finished by all and scored: the metric's items
  std::vector<std::string> finished;  // finished by all (the task summary counts unscored ones too)
  int skipped = 0;
  for (const auto& [_, id] : order) {
    bool all = true, scored = true;
    for (const auto& l : labels) {
      auto it = by_sampler[l].find(id);
      all &= it != by_sampler[l].end();
      if (it != by_sampler[l].end()) scored &= it->second->value("scored", true);
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
    std::vector<json> recs;
    for (const auto& id : finished) recs.push_back(*by_sampler[labels[si]][id]);
    for (const auto& id : items) {
      const json& r = *by_sampler[labels[si]][id];
      values[si].push_back(r["correct"].get<double>());
      tokens += r["tokens"].get<double>();
      decode_s += r["decode_seconds"].get<double>();
      for (int k = 0; k < kNumStates; ++k) states[k] += r["states"].value(StateName(static_cast<State>(k)), 0);
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
