#include "eval/summary.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "eval/checkpoint.h"
#include "eval/statistics.h"
#include "eval/svg_chart.h"
#include "eval/task.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// One sampler's records on the summary's items: [item][draw].
using Draws = std::vector<const EvalRecord*>;

struct SamplerStats {
  std::vector<double> value;    // per item: mean over draws
  std::vector<double> pass;     // per item: any draw scores
  std::vector<double> majority; // per item: majority@M
  std::vector<double> compute;  // per item: mean forward tokens over draws
  bool compute_known = true;
  bool any_answer = false;
};

SamplerStats Collect(const std::vector<Draws>& per_item) {
  SamplerStats s;
  for (const Draws& draws : per_item) {
    double sum = 0, fwd = 0, any = 0;
    std::vector<DrawOutcome> votes;
    for (const EvalRecord* r : draws) {
      sum += r->correct;
      any = std::max(any, r->correct > 0.5 ? 1.0 : 0.0);
      if (r->forward_tokens) fwd += static_cast<double>(*r->forward_tokens);
      else s.compute_known = false;
      votes.push_back({VotingAnswer(*r), r->correct});
      s.any_answer |= !votes.back().answer.empty();
    }
    const double m = static_cast<double>(draws.size());
    s.value.push_back(sum / m);
    s.pass.push_back(any);
    s.majority.push_back(MajorityScore(votes));
    s.compute.push_back(fwd / m);
  }
  return s;
}

json MeanJson(std::span<const double> v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? json(nullptr) : json(sum / static_cast<double>(v.size()));
}

// A paired comparison a − b with its raw p-values; Holm is filled in later.
json Compare(const std::vector<double>& a, const std::vector<double>& b, bool binary, int resamples, uint64_t seed,
             const char* a_only_key, const char* b_only_key) {
  const PairedComparison c = ComparePaired(a, b, resamples, seed);
  json j = {{"difference", c.difference.estimate}, {"low", c.difference.low}, {"high", c.difference.high},
            {"bootstrap_p", c.bootstrap_p}};
  if (binary) {
    j[a_only_key] = c.a_only;
    j[b_only_key] = c.b_only;
    j["mcnemar_p"] = c.mcnemar_p;
  } else {
    j["mcnemar_p"] = nullptr;  // per-item means are not 0/1
  }
  return j;
}

// Holm over every comparison of the summary, per test. A bootstrap p of 0
// is below the resolution 1/R; it enters the adjustment as 1/R, so the
// adjusted value is an upper bound there ("bootstrap_p_holm_bound").
void AddHolm(std::vector<json*>& family, int resamples) {
  std::vector<double> boot;
  std::vector<double> mcnemar;
  std::vector<json*> with_mcnemar;
  for (json* c : family) {
    boot.push_back(std::max((*c)["bootstrap_p"].get<double>(), 1.0 / resamples));
    if (!(*c)["mcnemar_p"].is_null()) {
      mcnemar.push_back((*c)["mcnemar_p"].get<double>());
      with_mcnemar.push_back(c);
    }
  }
  const std::vector<double> boot_holm = HolmAdjust(boot);
  for (size_t i = 0; i < family.size(); ++i) {
    (*family[i])["bootstrap_p_holm"] = boot_holm[i];
    (*family[i])["bootstrap_p_holm_bound"] = (*family[i])["bootstrap_p"].get<double>() < 1.0 / resamples;
  }
  const std::vector<double> mcnemar_holm = HolmAdjust(mcnemar);
  for (size_t i = 0; i < with_mcnemar.size(); ++i) (*with_mcnemar[i])["mcnemar_p_holm"] = mcnemar_holm[i];
  for (json* c : family) {
    if (!c->contains("mcnemar_p_holm")) (*c)["mcnemar_p_holm"] = nullptr;
  }
}

std::string ChartLabel(const std::string& sampler) {
  // A profile file is labelled by its stem ("profiles/x/cool.json" -> "cool").
  return sampler.ends_with(".json") ? fs::path(sampler).stem().string() : sampler;
}

std::string Direction(const json& summary) {
  return summary["higher_is_better"].get<bool>() ? "higher is better" : "lower is better";
}

}  // namespace

std::string VotingAnswer(const EvalRecord& r) {
  if (r.details.is_object() && r.details.contains("answer") && r.details["answer"].is_string()) {
    return r.details["answer"].get<std::string>();
  }
  return r.extracted;
}

double MajorityScore(std::span<const DrawOutcome> draws) {
  std::map<std::string, int> count;
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < draws.size(); ++i) {
    if (draws[i].answer.empty()) continue;
    ++count[draws[i].answer];
    first.emplace(draws[i].answer, i);
  }
  std::optional<size_t> best;  // index of the first draw of the winning answer
  int best_count = 0;
  for (const auto& [answer, n] : count) {
    const size_t at = first[answer];
    if (n > best_count || (n == best_count && at < *best)) {
      best = at;
      best_count = n;
    }
  }
  return best ? draws[*best].correct : 0.0;
}

std::string FormatP(double p, double resolution) {
  char buf[32];
  if (p < resolution) std::snprintf(buf, sizeof buf, "< %.4g", resolution);
  else std::snprintf(buf, sizeof buf, "%.3f", p);
  return buf;
}

json Summarize(const Task& task, std::span<const SummarySampler> samplers, std::span<const EvalRecord> records,
               int resamples, uint64_t seed) {
  // sampler -> item -> draw -> record; only the draws this summary uses.
  std::map<std::string, std::map<std::string, std::map<int64_t, const EvalRecord*>>> index;
  std::map<std::string, int> draws_of;
  for (const auto& s : samplers) draws_of[s.label] = s.draws;
  for (const auto& r : records) {
    const auto it = draws_of.find(r.sampler);
    if (it != draws_of.end() && r.draw < it->second) index[r.sampler][r.item][r.draw] = &r;
  }
  // Only this run's items count, in task order: a checkpoint may also hold
  // records of items a rerun left out (a lower --limit).
  std::vector<std::vector<Draws>> scored(samplers.size());  // [sampler][item][draw]: the metric's items
  std::vector<std::vector<EvalRecord>> finished(samplers.size());  // every draw of items finished by all
  int n_items = 0, skipped = 0;
  for (const EvalItem& item : task.items()) {
    bool all = true, is_scored = true;
    for (const auto& s : samplers) {
      const auto& by_draw = index[s.label][item.id];
      all &= static_cast<int>(by_draw.size()) == s.draws;
      for (const auto& [d, r] : by_draw) is_scored &= r->scored;
    }
    if (!all) continue;
    for (size_t si = 0; si < samplers.size(); ++si) {
      Draws draws;
      for (const auto& [d, r] : index[samplers[si].label][item.id]) {
        finished[si].push_back(*r);
        draws.push_back(r);
      }
      if (is_scored) scored[si].push_back(std::move(draws));
    }
    is_scored ? ++n_items : ++skipped;
  }

  json summary = {{"task", task.name()}, {"metric", task.metric()}, {"higher_is_better", task.higher_is_better()},
                  {"n_items", n_items}, {"n_unscored_items", skipped}, {"resamples", resamples},
                  {"bootstrap_seed", seed}, {"samplers", json::array()}};
  std::vector<SamplerStats> stats;
  for (size_t si = 0; si < samplers.size(); ++si) {
    stats.push_back(Collect(scored[si]));
    const SamplerStats& st = stats.back();
    double tokens = 0, decode_s = 0, generations = 0, capped = 0;
    std::array<double, kNumStates> states{};
    std::set<std::string> engines, hashes;
    for (const Draws& draws : scored[si]) {
      for (const EvalRecord* r : draws) {
        tokens += static_cast<double>(r->tokens);
        decode_s += r->decode_seconds;
        generations += 1;
        capped += CutShort(*r) ? 1 : 0;
        for (int k = 0; k < kNumStates; ++k) states[k] += static_cast<double>(r->states[k]);
        engines.insert(r->engine.value_or("unknown"));
        hashes.insert(r->sampler_sha256.value_or("unknown"));
      }
    }
    const Interval ci = BootstrapMean(st.value, resamples, seed);
    json mix = json::object();
    for (int k = 0; k < kNumStates; ++k) mix[StateName(static_cast<State>(k))] = tokens > 0 ? states[k] / tokens : 0.0;
    json s = {{"sampler", samplers[si].label},
              {"draws", samplers[si].draws},
              {"metric", {{"estimate", ci.estimate}, {"low", ci.low}, {"high", ci.high}}},
              {"cap_hit_rate", generations > 0 ? json(capped / generations) : json(nullptr)},
              {"tokens_per_answer", generations > 0 ? tokens / generations : 0.0},
              {"tokens_per_s", tokens / std::max(decode_s, 1e-9)},
              {"state_mix", mix},
              {"engines", engines},
              {"sampler_sha256", hashes},
              {"task", task.Summarize(finished[si])}};
    s["forward_tokens_per_item"] =
        st.compute_known && !st.compute.empty()
            ? json{{"mean", MeanJson(st.compute)}, {"p90", Percentile(st.compute, 0.9)}}
            : json(nullptr);
    if (samplers[si].draws > 1 && task.higher_is_better()) {
      s["pass_at_draws"] = MeanJson(st.pass);
      s["majority_at_draws"] = st.any_answer ? MeanJson(st.majority) : json(nullptr);
    }
    summary["samplers"].push_back(s);
  }

  // vs greedy in the table, and every other pair below it (entropix
  // samples, so "vs sample@PROFILE" matters as much as "vs greedy").
  const bool vs_greedy = !samplers.empty() && samplers[0].label == "greedy";
  summary["pairs"] = json::array();
  for (size_t a = 1; a < samplers.size(); ++a) {
    for (size_t b = 0; b < a; ++b) {
      const bool binary = samplers[a].draws == 1 && samplers[b].draws == 1;
      if (b == 0 && vs_greedy) {
        // The names summary.json has always used here.
        summary["samplers"][a]["vs_greedy"] =
            Compare(stats[a].value, stats[b].value, binary, resamples, seed, "only_this", "only_greedy");
        continue;
      }
      json c = Compare(stats[a].value, stats[b].value, binary, resamples, seed, "only_a", "only_b");
      c["a"] = samplers[a].label;
      c["b"] = samplers[b].label;
      summary["pairs"].push_back(c);
    }
  }
  std::vector<json*> family;
  for (auto& s : summary["samplers"]) {
    if (s.contains("vs_greedy")) family.push_back(&s["vs_greedy"]);
  }
  for (auto& p : summary["pairs"]) family.push_back(&p);
  AddHolm(family, resamples);
  summary["holm_family_size"] = family.size();
  return summary;
}

namespace {

std::string Num(const json& v, const char* fmt) {
  if (v.is_null()) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v.get<double>());
  return buf;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string McNemarCell(const json& c, const char* a_key, const char* b_key) {
  if (c["mcnemar_p"].is_null()) return "— | —";
  return FormatP(c["mcnemar_p"].get<double>(), 0.0005) + " (" + std::to_string(c[a_key].get<int>()) + "/" +
         std::to_string(c[b_key].get<int>()) + ") | " + FormatP(c["mcnemar_p_holm"].get<double>(), 0.0005);
}

std::string BootstrapCell(const json& c, int resamples) {
  const double resolution = 1.0 / resamples;
  const std::string holm = FormatP(c["bootstrap_p_holm"].get<double>(), resolution);
  return FormatP(c["bootstrap_p"].get<double>(), resolution) + " | " +
         (c["bootstrap_p_holm_bound"].get<bool>() ? "≤ " : "") + holm;
}

}  // namespace

std::string SummaryMarkdown(const json& summary) {
  const int resamples = summary["resamples"].get<int>();
  int max_draws = 1;
  std::vector<std::string> draws_note;
  for (const auto& s : summary["samplers"]) {
    max_draws = std::max(max_draws, s.value("draws", 1));
    draws_note.push_back(s["sampler"].get<std::string>() + " " + std::to_string(s.value("draws", 1)));
  }
  std::string md;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s, %s (%s), n = %d items (%d unscored), 95%% bootstrap intervals (%d resamples), "
                "Holm-adjusted p over %d comparisons\n",
                summary["task"].get<std::string>().c_str(), summary["metric"].get<std::string>().c_str(),
                Direction(summary).c_str(), summary["n_items"].get<int>(), summary["n_unscored_items"].get<int>(),
                resamples, summary.value("holm_family_size", 0));
  md += buf;
  if (max_draws > 1) {
    md += "draws per item: " + Join(draws_note, ", ") + " (a sampler's per-item value is its mean over draws)\n";
  }
  md += "\n";
  md += "| sampler | " + summary["metric"].get<std::string>() +
        " [95% CI] | vs greedy [95% CI] | p (bootstrap) | p Holm | p (McNemar) | p Holm |" +
        (max_draws > 1 ? " pass@M | maj@M |" : "") +
        " cap hit | forward tokens/item, mean (p90) | tokens/answer | tokens/s | state mix |\n";
  md += std::string("|---|---|---|---|---|---|---|") + (max_draws > 1 ? "---|---|" : "") + "---|---|---|---|---|\n";
  for (const auto& s : summary["samplers"]) {
    const auto& mt = s["metric"];
    std::vector<std::string> cells = {s["sampler"].get<std::string>()};
    std::snprintf(buf, sizeof buf, "%.3f [%.3f, %.3f]", mt["estimate"].get<double>(), mt["low"].get<double>(),
                  mt["high"].get<double>());
    cells.emplace_back(buf);
    if (s.contains("vs_greedy")) {
      const auto& v = s["vs_greedy"];
      std::snprintf(buf, sizeof buf, "%+.3f [%+.3f, %+.3f]", v["difference"].get<double>(), v["low"].get<double>(),
                    v["high"].get<double>());
      cells.emplace_back(buf);
      cells.push_back(BootstrapCell(v, resamples));
      cells.push_back(McNemarCell(v, "only_this", "only_greedy"));
    } else {
      cells.insert(cells.end(), {"—", "— | —", "— | —"});
    }
    if (max_draws > 1) {
      cells.push_back(s.contains("pass_at_draws") ? Num(s["pass_at_draws"], "%.3f") : "—");
      cells.push_back(s.contains("majority_at_draws") ? Num(s["majority_at_draws"], "%.3f") : "—");
    }
    cells.push_back(s["cap_hit_rate"].is_null() ? "—" : Num(json(100.0 * s["cap_hit_rate"].get<double>()), "%.1f%%"));
    const json& fwd = s["forward_tokens_per_item"];
    cells.push_back(fwd.is_null() ? "unknown" : Num(fwd["mean"], "%.0f") + " (" + Num(fwd["p90"], "%.0f") + ")");
    cells.push_back(Num(s["tokens_per_answer"], "%.1f"));
    cells.push_back(Num(s["tokens_per_s"], "%.1f"));
    std::vector<std::string> mix;
    for (auto [state, share] : s["state_mix"].items()) {
      if (share.get<double>() <= 0.0) continue;
      std::snprintf(buf, sizeof buf, "%s %.0f%%", state.c_str(), 100.0 * share.get<double>());
      mix.emplace_back(buf);
    }
    cells.push_back(Join(mix, ", "));
    md += "| " + Join(cells, " | ") + " |\n";
  }
  if (max_draws > 1) md += "\npass@M: share of items where any of the sampler's M draws scores; maj@M: score of the "
                           "most frequent extracted answer among them.\n";
  if (summary.contains("pairs") && !summary["pairs"].empty()) {
    md += "\nOther paired differences (a − b on the same items):\n\n"
          "| a | b | a − b [95% CI] | p (bootstrap) | p Holm | p (McNemar) (only a / only b) | p Holm |\n"
          "|---|---|---|---|---|---|---|\n";
    for (const auto& p : summary["pairs"]) {
      std::snprintf(buf, sizeof buf, "| %s | %s | %+.3f [%+.3f, %+.3f] | ", p["a"].get<std::string>().c_str(),
                    p["b"].get<std::string>().c_str(), p["difference"].get<double>(), p["low"].get<double>(),
                    p["high"].get<double>());
      md += buf + BootstrapCell(p, resamples) + " | " + McNemarCell(p, "only_a", "only_b") + " |\n";
    }
  }
  md += "\n";
  for (const auto& s : summary["samplers"]) {
    if (!s["task"].empty()) md += s["sampler"].get<std::string>() + ": " + s["task"].dump() + "\n\n";
  }
  std::string ids;
  for (const auto& s : summary["samplers"]) {
    std::vector<std::string> hashes, engines;
    for (const auto& h : s.value("sampler_sha256", json::array())) hashes.push_back(h.get<std::string>().substr(0, 12));
    for (const auto& e : s.value("engines", json::array())) engines.push_back(e.get<std::string>());
    ids += "- " + s["sampler"].get<std::string>() + ": parameters " + Join(hashes, " + ") + ", engine " +
           Join(engines, ", ") + "\n";
  }
  md += "Identity (sha256 of the resolved parameters, first 12 hex digits; engine version):\n\n" + ids;
  return md;
}

Summary WriteSummaryFiles(const std::string& out_dir, const Task& task, std::span<const SummarySampler> samplers,
                          std::span<const EvalRecord> records, int resamples, uint64_t seed) {
  const fs::path dir(out_dir);
  Summary out;
  out.json = Summarize(task, samplers, records, resamples, seed);
  out.markdown = SummaryMarkdown(out.json);
  const json& s = out.json;
  WriteFileAtomically(dir / "summary.json", s.dump(2) + "\n");
  WriteFileAtomically(dir / "summary.md", out.markdown);

  const std::string metric = s["metric"].get<std::string>();
  const std::string stem = s["higher_is_better"].get<bool>() ? "accuracy" : metric;
  const std::string n = "n = " + std::to_string(s["n_items"].get<int>());
  std::vector<ChartBar> bars, diffs;
  std::vector<ChartPoint> points;
  bool compute_known = true;
  for (const auto& row : s["samplers"]) {
    const std::string label = ChartLabel(row["sampler"]);
    const auto& mt = row["metric"];
    bars.push_back({label, mt["estimate"], mt["low"], mt["high"]});
    if (row.contains("vs_greedy")) {
      const auto& v = row["vs_greedy"];
      diffs.push_back({label, v["difference"], v["low"], v["high"]});
    }
    const json& fwd = row["forward_tokens_per_item"];
    if (fwd.is_null()) compute_known = false;
    else points.push_back({label, fwd["mean"].get<double>(), mt["estimate"], mt["low"], mt["high"]});
  }
  const std::string title = task.name() + ": " + metric + " (" + Direction(s) + "), 95% bootstrap CI, " + n;
  WriteFileAtomically(dir / (stem + ".svg"), BarChartSvg(title, bars, metric + " (" + Direction(s) + ")"));
  if (!diffs.empty()) {
    WriteFileAtomically(
        dir / (stem + "_difference_vs_greedy.svg"),
        DifferenceChartSvg(task.name() + ": " + metric + ", each sampler minus greedy (paired, 95% CI), " + n,
                           diffs, "difference in " + metric + " vs greedy (" + Direction(s) + ")"));
  }
  if (compute_known && !points.empty()) {
    WriteFileAtomically(dir / (stem + "_vs_compute.svg"),
                        ScatterChartSvg(task.name() + ": " + metric + " vs compute, " + n, points,
                                        "forward token-steps per item (mean)", metric + " (" + Direction(s) + ")"));
  }
  return out;
}

}  // namespace entropix
