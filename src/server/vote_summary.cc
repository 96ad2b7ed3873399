#include "server/vote_summary.h"

#include <map>
#include <optional>

#include "tokenizer/tokenizer.h"

namespace entropix::server {
namespace {

using json = nlohmann::json;

json OrNull(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

std::string TextOf(const TraceResult& r) {
  std::string text;
  for (const std::string& p : r.pieces) text += p;
  return text;
}

json TokenAt(const TraceResult& r, int i, const Tokenizer& tokenizer) {
  if (i < 0 || i >= static_cast<int>(r.tokens.size())) return nullptr;
  return tokenizer.TokenPiece(r.tokens[i]);
}

// The answer table of the last vote: voting ballots only (not duplicates,
// not filtered), answers in order of first appearance.
json Table(const VoteEvent& vote, const std::map<int, std::optional<std::string>>& answers) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<int, double>> totals;  // answer -> (traces, weight)
  double all = 0.0;
  for (const BallotResult& b : vote.ballots) {
    const auto it = answers.find(b.trace_id);
    if (it == answers.end() || !it->second || b.duplicate_of >= 0 || b.filtered) continue;
    if (!totals.count(*it->second)) order.push_back(*it->second);
    totals[*it->second].first += 1;
    totals[*it->second].second += b.weight;
    all += b.weight;
  }
  json table = json::array();
  for (const std::string& a : order) {
    const auto& [traces, weight] = totals[a];
    table.push_back({{"answer", a}, {"traces", traces}, {"weight", weight}, {"share", all > 0 ? weight / all : 0.0}});
  }
  return table;
}

}  // namespace

json VoteSummary(const VoteStrategy& s, const Tokenizer& tokenizer, const std::string& profile) {
  std::map<int, const VoteEvent*> started, finished;
  std::map<int, std::optional<std::string>> answers;
  const VoteEvent* last_vote = nullptr;
  for (const VoteEvent& e : s.events()) {
    if (e.kind == VoteEvent::Kind::kTraceStarted) started[e.trace_id] = &e;
    if (e.kind == VoteEvent::Kind::kTraceFinished) {
      finished[e.trace_id] = &e;
      answers[e.trace_id] = e.answer;
    }
    if (e.kind == VoteEvent::Kind::kVote) last_vote = &e;
  }
  std::map<int, const BallotResult*> ballots;
  if (last_vote) {
    for (const BallotResult& b : last_vote->ballots) ballots[b.trace_id] = &b;
  }
  json traces = json::array();
  for (const auto& [id, fin] : finished) {
    const VoteEvent& st = *started.at(id);
    const TraceResult& r = s.trace(id);
    json t = {{"id", id},
              {"parent", st.parent >= 0 ? json(st.parent) : json(nullptr)},
              {"fork_position", st.parent >= 0 ? json(st.fork_position) : json(nullptr)},
              {"origin", st.origin},
              {"fork_token", st.parent >= 0 ? TokenAt(r, st.fork_position, tokenizer) : json(nullptr)},
              {"replaced_token",
               st.parent >= 0 ? TokenAt(s.trace(st.parent), st.fork_position, tokenizer) : json(nullptr)},
              {"text", TextOf(r)},
              {"answer", OrNull(fin->answer)},
              {"confidence", fin->confidence},
              {"answer_margin", fin->answer_margin},
              {"weight", nullptr},
              {"duplicate_of", nullptr},
              {"filtered", nullptr},
              {"stop", fin->reason},
              {"tokens", r.tokens.size()},
              {"forward_tokens", fin->forward_tokens}};
    if (const auto b = ballots.find(id); b != ballots.end()) {
      t["weight"] = b->second->weight;
      t["duplicate_of"] = b->second->duplicate_of >= 0 ? json(b->second->duplicate_of) : json(nullptr);
      t["filtered"] = b->second->filtered;
    }
    traces.push_back(std::move(t));
  }
  const VoteOutcome& o = s.outcome();
  return {{"profile", profile},
          {"stop_reason", o.stop_reason},
          {"chosen_trace", o.chosen_trace},
          {"answer", OrNull(o.answer)},
          {"forward_tokens", o.forward_tokens},
          {"traces", traces},
          {"table", last_vote ? Table(*last_vote, answers) : json::array()}};
}

VoteOut MakeVoteOut(const VoteStrategy& s, const Tokenizer& tokenizer, const std::string& profile, bool records) {
  const VoteOutcome& o = s.outcome();
  const TraceResult& r = s.trace(o.chosen_trace);
  // Which trace decoded each token: a fork's first fork_position tokens are its parent's.
  std::map<int, std::pair<int, int>> origin;  // trace -> (parent, fork_position)
  for (const VoteEvent& e : s.events()) {
    if (e.kind == VoteEvent::Kind::kTraceStarted) origin[e.trace_id] = {e.parent, e.fork_position};
  }
  auto decoded_by = [&](int i) {
    int id = o.chosen_trace;
    for (auto it = origin.find(id); it != origin.end() && it->second.first >= 0 && i < it->second.second;
         it = origin.find(id)) {
      id = it->second.first;
    }
    return id;
  };
  VoteOut out;
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    TokenOut t;
    t.token = r.tokens[i];
    t.piece = tokenizer.TokenPiece(r.tokens[i]);
    t.text = r.pieces[i];
    t.logprob = r.logprob[i];
    if (records) {
      t.record = {{"index", i},          {"token", t.token},          {"piece", t.piece},
                  {"logprob", t.logprob}, {"entropy", r.entropy_bits[i]}, {"margin", r.margin[i]},
                  {"trace", decoded_by(static_cast<int>(i))}};
    }
    out.tokens.push_back(std::move(t));
  }
  out.finish_reason = r.end == TraceEnd::kEndOfGeneration || r.end == TraceEnd::kLoop ? "stop" : "length";
  out.completion_tokens = static_cast<int>(o.forward_tokens);
  if (records) out.vote = VoteSummary(s, tokenizer, profile);
  return out;
}

}  // namespace entropix::server
