#include "decoding/vote.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace entropix {
namespace {

// Marks later ballots with an earlier ballot's text as its duplicates.
void MarkDuplicates(std::span<const Ballot> ballots, Tally& t) {
  std::map<std::string_view, int> first;
  for (size_t i = 0; i < ballots.size(); ++i) {
    const auto [it, inserted] = first.emplace(ballots[i].text, ballots[i].trace_id);
    if (!inserted) t.ballots[i].duplicate_of = it->second;
  }
}

// Indices of the ballots that vote: distinct, with an answer, and among the
// ceil(share * n) most confident of those.
std::vector<size_t> Voters(std::span<const Ballot> ballots, double keep_share, Tally& t) {
  std::vector<size_t> v;
  for (size_t i = 0; i < ballots.size(); ++i) {
    if (t.ballots[i].duplicate_of < 0 && ballots[i].answer) v.push_back(i);
  }
  // The epsilon keeps 0.9 * 10 from rounding up to 10 through 9.000000000000002.
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::ceil(keep_share * v.size() - 1e-9)));
  if (keep >= v.size()) return v;
  std::stable_sort(v.begin(), v.end(),
                   [&](size_t a, size_t b) { return ballots[a].confidence > ballots[b].confidence; });
  for (size_t k = keep; k < v.size(); ++k) t.ballots[v[k]].filtered = true;
  v.resize(keep);
  std::sort(v.begin(), v.end());
  return v;
}

double WeightOf(const Ballot& b, const VoteParams& p, double max_confidence) {
  switch (p.weight) {
    case VoteWeight::kUniform: return 1.0;
    // Relative to the most confident voter: the same shares as exp(beta * C),
    // without overflow for large |C|.
    case VoteWeight::kConfidence: return std::exp(p.beta * (b.confidence - max_confidence));
    case VoteWeight::kMargin: return b.answer_margin;
  }
  return 0.0;
}

AnswerTotal& TotalFor(std::vector<AnswerTotal>& totals, const std::string& answer) {
  for (AnswerTotal& a : totals) {
    if (a.answer == answer) return a;
  }
  totals.push_back({answer, 0.0, 0});
  return totals.back();
}

// The most confident of `candidates` (ballot indices in order); -1 if none.
int MostConfident(std::span<const Ballot> ballots, const std::vector<size_t>& candidates) {
  int best = -1;
  for (size_t i : candidates) {
    if (best < 0 || ballots[i].confidence > ballots[best].confidence) best = static_cast<int>(i);
  }
  return best < 0 ? -1 : ballots[best].trace_id;
}

void ChooseLeader(std::span<const Ballot> ballots, const std::vector<size_t>& voters, const VoteParams& p,
                  Tally& t) {
  double total = 0.0;
  for (size_t k = 0; k < t.answers.size(); ++k) {
    const AnswerTotal& a = t.answers[k];
    total += a.weight;
    if (t.leader < 0 || a.weight > t.answers[t.leader].weight ||
        (a.weight == t.answers[t.leader].weight && a.traces > t.answers[t.leader].traces)) {
      t.leader = static_cast<int>(k);
    }
  }
  if (t.leader < 0) return;
  const AnswerTotal& lead = t.answers[t.leader];
  t.leader_share = total > 0 ? lead.weight / total : 0.0;
  t.consensus = t.leader_share >= p.stop_share && lead.traces >= p.min_agreeing;
  std::vector<size_t> backing;
  for (size_t i : voters) {
    if (*ballots[i].answer == lead.answer) backing.push_back(i);
  }
  t.chosen_trace = MostConfident(ballots, backing);
}

}  // namespace

Tally CountVotes(std::span<const Ballot> ballots, const VoteParams& p) {
  Tally t;
  for (const Ballot& b : ballots) t.ballots.push_back({b.trace_id, -1, false, 0.0});
  MarkDuplicates(ballots, t);
  const std::vector<size_t> voters = Voters(ballots, p.keep_top_share, t);
  double max_confidence = -INFINITY;
  for (size_t i : voters) max_confidence = std::max(max_confidence, ballots[i].confidence);
  for (size_t i : voters) {
    t.ballots[i].weight = WeightOf(ballots[i], p, max_confidence);
    AnswerTotal& a = TotalFor(t.answers, *ballots[i].answer);
    a.weight += t.ballots[i].weight;
    a.traces += 1;
  }
  ChooseLeader(ballots, voters, p, t);
  if (t.leader < 0) {  // no answers: best-of-N by trace confidence, traces the model ended first
    std::vector<size_t> distinct, ended;
    for (size_t i = 0; i < ballots.size(); ++i) {
      if (t.ballots[i].duplicate_of >= 0) continue;
      distinct.push_back(i);
      if (ballots[i].ended) ended.push_back(i);
    }
    t.chosen_trace = MostConfident(ballots, ended.empty() ? distinct : ended);
  }
  return t;
}

}  // namespace entropix
