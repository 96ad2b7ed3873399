#include "eval/replay.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <map>
#include <random>

#include "core/error.h"
#include "decoding/answer_hook.h"
#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "eval/summary.h"
#include "eval/svg_chart.h"

namespace entropix {
namespace {

using json = nlohmann::json;

struct PoolMiss {};

// `asked` with its parent as a pool id.
bool Matches(const TraceRequest& stored, TraceRequest asked, int parent) {
  asked.parent = parent;
  return SameWork(stored, asked);
}

// Serves each request its stored trace; throws PoolMiss when there is none.
class ReplayHost final : public TraceHost {
 public:
  explicit ReplayHost(const PoolItem& item) : item_(item) {}

  std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) override {
    std::vector<TraceResult> out;
    for (const TraceRequest& r : batch) {
      const int parent = r.parent < 0 ? -1 : pool_of_.at(r.parent);
      const PoolTrace* found = nullptr;
      for (const PoolTrace& t : item_.traces) {
        if (Matches(t.request, r, parent)) {
          found = &t;
          break;
        }
      }
      if (!found) throw PoolMiss{};
      pool_of_[r.id] = found->request.id;
      TraceResult res = found->result;
      res.id = r.id;
      out.push_back(std::move(res));
    }
    return out;
  }
  int pool_of(int trace) const { return pool_of_.at(trace); }

 private:
  const PoolItem& item_;
  std::map<int, int> pool_of_;  // strategy trace id -> pool id
};

ReplayOutcome ReplayVote(const PoolItem& item, const VoteProfile& profile) {
  ReplayHost host(item);
  // The item's own answer rule (the pool's), whatever the profile's answer settings say.
  VoteStrategy strategy(profile, RuleAnswerHook(item.answer_rule), item.seed);
  ReplayOutcome o;
  try {
    RunVote(strategy, host);
  } catch (const PoolMiss&) {
    return o;
  }
  const VoteOutcome& v = strategy.outcome();
  int from_prompt = 0;
  for (const VoteEvent& e : strategy.events()) {
    from_prompt += e.kind == VoteEvent::Kind::kTraceStarted && e.parent < 0;
  }
  o.replayed = true;
  o.chosen_trace = host.pool_of(v.chosen_trace);
  o.correct = item.traces[o.chosen_trace].correct;
  o.forward_tokens = item.prompt_tokens * from_prompt + v.forward_tokens;
  o.traces = v.traces;
  o.stop_reason = v.stop_reason;
  return o;
}

// The first n traces of this origin, in pool order (empty: fewer stored).
std::vector<const PoolTrace*> FirstOf(const PoolItem& item, const std::string& origin, int n) {
  std::vector<const PoolTrace*> out;
  for (const PoolTrace& t : item.traces) {
    if (static_cast<int>(out.size()) < n && t.request.origin == origin) out.push_back(&t);
  }
  if (static_cast<int>(out.size()) < n) out.clear();
  return out;
}

ReplayOutcome Finish(const PoolItem& item, const std::vector<const PoolTrace*>& used, const PoolTrace& chosen) {
  ReplayOutcome o;
  o.replayed = true;
  o.chosen_trace = chosen.request.id;
  o.correct = chosen.correct;
  o.traces = static_cast<int>(used.size());
  for (const PoolTrace* t : used) {
    o.forward_tokens += t->result.forward_tokens + (t->request.parent < 0 ? item.prompt_tokens : 0);
  }
  return o;
}

// Majority over `used` (in pool order: ties go to the answer seen first).
ReplayOutcome Majority(const PoolItem& item, const std::vector<const PoolTrace*>& used) {
  std::map<std::string, int> count;
  for (const PoolTrace* t : used) count[t->answer.value_or("")] += t->answer ? 1 : 0;
  const PoolTrace* best = used[0];
  int best_count = 0;
  for (const PoolTrace* t : used) {  // in order: ties go to the answer seen first
    if (t->answer && count[*t->answer] > best_count) {
      best = t;
      best_count = count[*t->answer];
    }
  }
  return Finish(item, used, *best);
}

// Index sets of size k from n (each sorted, so pool order decides ties):
// every one, in lexicographic order, when there are at most kMaxSubsets;
// else kMaxSubsets drawn at random (with replacement) by a generator seeded
// with `seed`.
constexpr int kMaxSubsets = 200;
std::vector<std::vector<int>> Subsets(int n, int k, uint64_t seed) {
  std::vector<std::vector<int>> out;
  double count = 1.0;  // C(n, k), as a double: it only has to be compared with kMaxSubsets
  for (int i = 0; i < k; ++i) count = count * (n - i) / (i + 1);
  if (count <= kMaxSubsets + 0.5) {
    std::vector<int> s(k);
    for (int i = 0; i < k; ++i) s[i] = i;
    for (;;) {
      out.push_back(s);
      int i = k - 1;  // the next combination: bump the last index that can move
      while (i >= 0 && s[i] == n - k + i) --i;
      if (i < 0) return out;
      ++s[i];
      for (int j = i + 1; j < k; ++j) s[j] = s[j - 1] + 1;
    }
  }
  std::mt19937_64 rng(seed);
  std::vector<int> all(n);
  while (static_cast<int>(out.size()) < kMaxSubsets) {
    for (int i = 0; i < n; ++i) all[i] = i;
    for (int i = 0; i < k; ++i) std::swap(all[i], all[i + static_cast<int>(rng() % (n - i))]);
    std::vector<int> pick(all.begin(), all.begin() + k);
    std::sort(pick.begin(), pick.end());
    out.push_back(std::move(pick));
  }
  return out;
}

// The oracle: the first right trace of `used`, if any.
ReplayOutcome AnyRight(const PoolItem& item, const std::vector<const PoolTrace*>& used) {
  for (const PoolTrace* t : used) {
    if (t->correct > 0.5) return Finish(item, used, *t);
  }
  return Finish(item, used, *used[0]);
}

using Aggregate = ReplayOutcome (*)(const PoolItem&, const std::vector<const PoolTrace*>&);

// An aggregate of k samples as an expectation: its score averaged over
// k-subsets of every stored sample (Subsets), so the row does not rest on
// one draw of k; its forward tokens are averaged too. The chosen trace and
// stop are those of the first k samples. sc@k: Majority; pass@k: AnyRight.
ReplayOutcome ReplaySamples(const PoolItem& item, int k, Aggregate aggregate) {
  std::vector<const PoolTrace*> samples;
  for (const PoolTrace& t : item.traces) {
    if (t.request.origin == "sample") samples.push_back(&t);
  }
  if (static_cast<int>(samples.size()) < k) return {};
  double correct = 0.0, forward = 0.0;
  const std::vector<std::vector<int>> subsets = Subsets(static_cast<int>(samples.size()), k, item.seed ^ k);
  for (const std::vector<int>& subset : subsets) {
    std::vector<const PoolTrace*> used;
    for (int i : subset) used.push_back(samples[i]);
    const ReplayOutcome o = aggregate(item, used);
    correct += o.correct;
    forward += static_cast<double>(o.forward_tokens);
  }
  ReplayOutcome first = aggregate(item, std::vector<const PoolTrace*>(samples.begin(), samples.begin() + k));
  first.correct = correct / static_cast<double>(subsets.size());
  first.forward_tokens = std::llround(forward / static_cast<double>(subsets.size()));
  return first;
}

ReplayOutcome ReplayCot(const PoolItem& item, int k) {
  std::vector<const PoolTrace*> used = FirstOf(item, "first_token", k - 1);
  if (k > 1 && used.empty()) return {};
  used.insert(used.begin(), &item.traces[0]);
  const PoolTrace* best = &item.traces[0];
  bool any = false;
  for (const PoolTrace* t : used) {
    if (t->answer && (!any || t->answer_margin > best->answer_margin)) {
      best = t;
      any = true;
    }
  }
  return Finish(item, used, *best);
}

// An exact p: three decimals, or two significant digits below 0.001.
std::string ExactP(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 0.001 ? "%.1e" : "%.3f", p);
  return buf;
}

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

ReplayOutcome ReplayItem(const PoolItem& item, const ReplayMethod& m) {
  switch (m.kind) {
    case ReplayMethod::Kind::kGreedy: return Finish(item, {&item.traces[0]}, item.traces[0]);
    case ReplayMethod::Kind::kSelfConsistency: return ReplaySamples(item, m.k, Majority);
    case ReplayMethod::Kind::kPassAtK: return ReplaySamples(item, m.k, AnyRight);
    case ReplayMethod::Kind::kCotDecoding: return ReplayCot(item, m.k);
    case ReplayMethod::Kind::kVote: return ReplayVote(item, m.profile);
  }
  return {};
}

std::vector<ReplayRow> ReplayPool(std::span<const PoolItem> items, std::span<const ReplayMethod> methods,
                                  int resamples, uint64_t seed) {
  std::vector<ReplayRow> rows;
  for (const ReplayMethod& m : methods) {
    ReplayRow row;
    row.label = m.label;
    std::vector<double> correct, greedy, forward;
    int one = 0;
    double one_correct = 0.0, greedy_forward = 0.0;
    for (const PoolItem& item : items) {
      const ReplayOutcome o = ReplayItem(item, m);
      row.per_item.push_back({item.item, o});
      if (!o.replayed) {
        ++row.missed;
        continue;
      }
      correct.push_back(o.correct);
      greedy.push_back(item.traces[0].correct);
      forward.push_back(static_cast<double>(o.forward_tokens));
      greedy_forward += static_cast<double>(item.prompt_tokens + item.traces[0].result.forward_tokens);
      if (o.traces == 1) {
        ++one;
        one_correct += o.correct;
      }
    }
    row.items = static_cast<int>(correct.size());
    row.accuracy = BootstrapMean(correct, resamples, seed);
    row.vs_greedy = ComparePaired(correct, greedy, resamples, seed);
    for (double f : forward) row.mean_forward_tokens += f / std::max<size_t>(1, forward.size());
    row.p90_forward_tokens = Percentile(forward, 0.9);
    row.one_trace_share = row.items > 0 ? static_cast<double>(one) / row.items : 0.0;
    row.one_trace_accuracy = one > 0 ? one_correct / one : 0.0;
    double total_forward = 0.0;
    for (double f : forward) total_forward += f;
    row.compute_vs_greedy = greedy_forward > 0.0 ? total_forward / greedy_forward : 0.0;
    rows.push_back(std::move(row));
  }
  return rows;
}

json ReplayJson(const std::vector<ReplayRow>& rows) {
  json out = json::array();
  for (const ReplayRow& r : rows) {
    out.push_back({{"method", r.label},
                   {"items", r.items},
                   {"missed", r.missed},
                   {"accuracy",
                    {{"estimate", r.accuracy.estimate}, {"low", r.accuracy.low}, {"high", r.accuracy.high}}},
                   {"vs_greedy",
                    {{"difference", r.vs_greedy.difference.estimate},
                     {"low", r.vs_greedy.difference.low},
                     {"high", r.vs_greedy.difference.high},
                     {"mcnemar_p", r.vs_greedy.mcnemar_p}}},
                   {"mean_forward_tokens", r.mean_forward_tokens},
                   {"p90_forward_tokens", r.p90_forward_tokens},
                   {"compute_vs_greedy", r.compute_vs_greedy},
                   {"one_trace_share", r.one_trace_share},
                   {"one_trace_accuracy", r.one_trace_accuracy}});
  }
  return out;
}

std::string ReplayItemsJsonl(const std::vector<ReplayRow>& rows) {
  std::string out;
  for (const ReplayRow& r : rows) {
    for (const auto& [item, o] : r.per_item) {
      json j = {{"method", r.label}, {"item", item}, {"replayed", o.replayed}};
      if (o.replayed) {
        j.update({{"correct", o.correct}, {"forward_tokens", o.forward_tokens}, {"traces", o.traces},
                  {"chosen_trace", o.chosen_trace}});
        if (!o.stop_reason.empty()) j["stop_reason"] = o.stop_reason;
      }
      out += j.dump() + "\n";
    }
  }
  return out;
}

std::string ReplayMarkdown(const std::vector<ReplayRow>& rows) {
  std::string md =
      "| method | items | missed | accuracy [95% CI] | vs greedy [95% CI] | McNemar p "
      "| fwd tokens mean | p90 | x greedy | one trace | its accuracy |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  char buf[320];  // the numbers; the label is appended whole
  for (const ReplayRow& r : rows) {
    std::snprintf(buf, sizeof buf,
                  " | %d | %d | %.3f [%.3f, %.3f] | %+.3f [%+.3f, %+.3f] | %s | %.0f | %.0f | %.2f | %.3f | %s |\n",
                  r.items, r.missed, r.accuracy.estimate, r.accuracy.low, r.accuracy.high,
                  r.vs_greedy.difference.estimate, r.vs_greedy.difference.low, r.vs_greedy.difference.high,
                  ExactP(r.vs_greedy.mcnemar_p).c_str(), r.mean_forward_tokens, r.p90_forward_tokens, r.compute_vs_greedy,
                  r.one_trace_share, r.one_trace_share > 0.0 ? Fixed3(r.one_trace_accuracy).c_str() : "-");
    md += "| " + r.label + buf;
  }
  return md;
}

std::vector<VersusRow> CompareWith(const std::vector<ReplayRow>& rows, size_t base, int resamples, uint64_t seed) {
  const auto& base_items = rows.at(base).per_item;
  std::vector<VersusRow> out;
  std::vector<double> family;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& per_item = rows[r].per_item;
    if (per_item.size() != base_items.size()) {
      throw Error(ErrorCode::kInvalidArgument, "replay: rows of different item counts cannot be paired");
    }
    std::vector<double> a, b;
    for (size_t i = 0; i < per_item.size(); ++i) {
      if (!per_item[i].second.replayed || !base_items[i].second.replayed) continue;
      a.push_back(per_item[i].second.correct);
      b.push_back(base_items[i].second.correct);
    }
    VersusRow v;
    v.label = rows[r].label;
    v.items = static_cast<int>(a.size());
    v.comparison = ComparePaired(a, b, resamples, seed);
    out.push_back(v);
    if (r != base) family.push_back(v.comparison.mcnemar_p);
  }
  const std::vector<double> holm = HolmAdjust(family);
  for (size_t i = 0, j = 0; i < out.size(); ++i) {
    if (i != base) out[i].mcnemar_holm = holm[j++];
  }
  return out;
}

std::string VersusMarkdown(const std::vector<VersusRow>& rows, size_t base, int resamples) {
  std::string md = "| method | items | vs " + rows.at(base).label +
                   " [95% CI] | p (bootstrap) | McNemar p (only / only base) | Holm |\n|---|---|---|---|---|---|\n";
  char buf[256];
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == base) continue;
    const VersusRow& v = rows[i];
    const PairedComparison& c = v.comparison;
    std::snprintf(buf, sizeof buf, " | %d | %+.3f [%+.3f, %+.3f] | %s | %s (%d/%d) | %s |\n", v.items,
                  c.difference.estimate, c.difference.low, c.difference.high,
                  FormatP(c.bootstrap_p, 1.0 / resamples).c_str(), ExactP(c.mcnemar_p).c_str(), c.a_only, c.b_only,
                  ExactP(v.mcnemar_holm).c_str());
    md += "| " + v.label + buf;
  }
  return md;
}

json VersusJson(const std::vector<VersusRow>& rows, size_t base) {
  json out = {{"base", rows.at(base).label}, {"rows", json::array()}};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == base) continue;
    const VersusRow& v = rows[i];
    const PairedComparison& c = v.comparison;
    out["rows"].push_back({{"method", v.label},
                           {"items", v.items},
                           {"difference", c.difference.estimate},
                           {"low", c.difference.low},
                           {"high", c.difference.high},
                           {"bootstrap_p", c.bootstrap_p},
                           {"only_method", c.a_only},
                           {"only_base", c.b_only},
                           {"mcnemar_p", c.mcnemar_p},
                           {"mcnemar_holm", v.mcnemar_holm}});
  }
  return out;
}

int ChooseMethod(std::span<const ReplayRow> rows, std::span<const ReplayMethod> methods, double max_compute) {
  int best = -1;
  for (size_t i = 0; i < rows.size() && i < methods.size(); ++i) {
    const ReplayRow& r = rows[i];
    if (methods[i].kind != ReplayMethod::Kind::kVote || r.missed > 0 || r.items == 0) continue;
    if (r.compute_vs_greedy > max_compute) continue;
    if (best >= 0) {
      const ReplayRow& b = rows[static_cast<size_t>(best)];
      const bool better = r.accuracy.estimate > b.accuracy.estimate ||
                          (r.accuracy.estimate == b.accuracy.estimate && r.mean_forward_tokens < b.mean_forward_tokens);
      if (!better) continue;
    }
    best = static_cast<int>(i);
  }
  return best;
}

std::string ReplayChartSvg(const std::vector<ReplayRow>& rows) {
  std::vector<ChartPoint> points;
  for (const ReplayRow& r : rows) {
    points.push_back({r.label, r.mean_forward_tokens, r.accuracy.estimate, r.accuracy.low, r.accuracy.high});
  }
  return ScatterChartSvg("Accuracy versus compute (replayed on the trace pool)", points,
                         "forward token-steps per item (mean)", "accuracy");
}

}  // namespace entropix
