#include "decoding/vote_strategy.h"

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "decoding/loop_escape.h"
#include "decoding/trace_signals.h"

namespace entropix {
namespace {

TokenRule Greedy() { return {}; }

TokenRule Ranked(int rank) {
  TokenRule r;
  r.kind = TokenRule::Kind::kRanked;
  r.rank = rank;
  return r;
}

TokenRule Sampled(const SamplingParams& params, bool exclude_greedy) {
  TokenRule r;
  r.kind = TokenRule::Kind::kSample;
  r.params = params;
  r.exclude_greedy = exclude_greedy;
  return r;
}

// Each trace's own seed: the request seed and the trace id, mixed (Rng seeds
// through splitmix64, so neighbouring values give unrelated streams).
uint64_t TraceSeed(uint64_t seed, int id) { return seed ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(id + 1)); }

// The host must describe the whole response; a mismatch is a host bug.
void CheckResultShape(const TraceResult& r) {
  const size_t n = r.tokens.size();
  ENTROPIX_CHECK(r.pieces.size() == n && r.entropy_bits.size() == n && r.margin.size() == n &&
                 r.logprob.size() == n);
  ENTROPIX_CHECK(r.held_bytes.empty() || r.held_bytes.size() == n);
  ENTROPIX_CHECK(r.forward_tokens >= 0);
}

}  // namespace

VoteStrategy::VoteStrategy(VoteProfile profile, AnswerHook hook, uint64_t seed)
    : profile_(std::move(profile)), hook_(std::move(hook)), seed_(seed), rng_(seed) {
  ENTROPIX_CHECK(hook_ != nullptr);
}

const TraceResult& VoteStrategy::trace(int id) const {
  ENTROPIX_CHECK(id >= 0 && static_cast<size_t>(id) < records_.size() && records_[id].finished);
  return records_[id].result;
}

TraceRequest VoteStrategy::Start(TraceRequest r) {
  VoteEvent e;
  e.kind = VoteEvent::Kind::kTraceStarted;
  e.trace_id = r.id;
  e.parent = r.parent;
  e.fork_position = r.fork_position;
  e.rank = r.first.kind == TokenRule::Kind::kRanked ? r.first.rank : 0;
  e.origin = r.origin;
  events_.push_back(std::move(e));
  records_.push_back(Record{r, {}, {}, {}, 0.0, 0.0, {}, false});
  ++outstanding_;
  return r;
}

void VoteStrategy::Finish(TraceResult result) {
  ENTROPIX_CHECK(result.id >= 0 && static_cast<size_t>(result.id) < records_.size());
  Record& r = records_[result.id];
  ENTROPIX_CHECK(!r.finished && outstanding_ > 0);
  CheckResultShape(result);
  if (r.request.parent >= 0) {
    const std::vector<int32_t>& parent = records_[r.request.parent].result.tokens;
    const size_t p = static_cast<size_t>(r.request.fork_position);
    ENTROPIX_CHECK(result.tokens.size() >= p && std::equal(parent.begin(), parent.begin() + p, result.tokens.begin()));
  }
  r.result = std::move(result);
  for (const std::string& piece : r.result.pieces) r.text += piece;
  r.answer = hook_(r.text);
  if (r.answer) {
    r.answer_tokens = TokensOfSpan(r.result.pieces, r.result.held_bytes, r.answer->begin, r.answer->end);
    r.answer_margin = AnswerSpanMargin(r.result.margin, r.answer_tokens);
  }
  const ConfidenceParams& c = profile_.confidence;
  r.confidence = TraceConfidence({r.result.entropy_bits, r.result.logprob, r.result.margin}, c.token, c.rule,
                                 c.window);
  r.finished = true;
  --outstanding_;
  forward_tokens_ += r.result.forward_tokens;
  VoteEvent e;
  e.kind = VoteEvent::Kind::kTraceFinished;
  e.trace_id = r.request.id;
  if (r.answer) e.answer = r.answer->key;
  e.confidence = r.confidence;
  e.answer_margin = r.answer_margin;
  e.forward_tokens = r.result.forward_tokens;
  e.reason = TraceEndName(r.result.end);
  events_.push_back(std::move(e));
}

bool VoteStrategy::GatePasses(const Record& r) const {
  const VoteGate& g = profile_.gate;
  if (r.result.end != TraceEnd::kEndOfGeneration || r.confidence < g.trace_confidence) return false;
  return r.answer ? r.answer_margin >= g.answer_margin : !g.require_answer;
}

void VoteStrategy::PlanFromGreedy() {
  const Record& g = records_[0];
  const int forks = profile_.budget.max_traces - 1;
  for (const ForkPoint& p :
       PlanForks(g.result.entropy_bits, g.result.margin, profile_.fork, g.answer_tokens, forks, rng_)) {
    plan_.push_back({0, p, ForkRuleName(profile_.fork.rule)});
  }
}

void VoteStrategy::QueueLoopEscapes(size_t from) {
  if (!profile_.fork.loop_escape) return;
  for (size_t i = from; i < records_.size(); ++i) {
    const TraceResult& t = records_[i].result;
    if (t.end == TraceEnd::kEndOfGeneration) continue;
    const TrailingLoop loop = FindTrailingLoop(t.tokens, profile_.loop);
    if (loop.period == 0 || t.margin[loop.first_repeat] >= 1.0f) continue;
    escapes_.push_back({static_cast<int>(i), {loop.first_repeat, 2}, "loop_escape"});
  }
}

TraceRequest VoteStrategy::ForkRequest(const Pending& p, int id) const {
  TraceRequest r;
  r.id = id;
  r.parent = p.parent;
  r.fork_position = p.point.position;
  const bool ranked = profile_.fork.token == ForkToken::kSecond || p.origin == "loop_escape";
  r.first = ranked ? Ranked(p.point.rank) : Sampled(profile_.sample, /*exclude_greedy=*/true);
  r.rest = profile_.fork.continuation == Continuation::kGreedy ? Greedy() : Sampled(profile_.sample, false);
  r.seed = TraceSeed(seed_, id);
  r.origin = p.origin;
  return r;
}

TraceRequest VoteStrategy::SampleRequest(int id) const {
  TraceRequest r;
  r.id = id;
  r.first = Sampled(profile_.sample, false);
  r.rest = r.first;
  r.seed = TraceSeed(seed_, id);
  r.origin = "sample";
  return r;
}

std::vector<TraceRequest> VoteStrategy::ProposeBatch() {
  const size_t room = std::min<size_t>(profile_.budget.batch, profile_.budget.max_traces - records_.size());
  std::vector<TraceRequest> out;
  size_t escape_next = 0;
  while (out.size() < room) {
    const int id = static_cast<int>(records_.size());
    if (escape_next < escapes_.size()) {
      out.push_back(Start(ForkRequest(escapes_[escape_next++], id)));
    } else if (profile_.fork.rule == ForkRule::kIndependentSample) {
      out.push_back(Start(SampleRequest(id)));
    } else if (plan_next_ < plan_.size()) {
      out.push_back(Start(ForkRequest(plan_[plan_next_++], id)));
    } else {
      break;
    }
  }
  escapes_.erase(escapes_.begin(), escapes_.begin() + escape_next);
  return out;
}

Tally VoteStrategy::Vote() {
  std::vector<Ballot> ballots;
  for (const Record& r : records_) {
    ballots.push_back({r.request.id, r.text, r.answer ? std::optional(r.answer->key) : std::nullopt,
                       r.confidence, r.answer_margin, r.result.end == TraceEnd::kEndOfGeneration});
  }
  Tally t = CountVotes(ballots, profile_.vote);
  VoteEvent e;
  e.kind = VoteEvent::Kind::kVote;
  if (t.leader >= 0) e.answer = t.answers[t.leader].answer;
  e.leader_share = t.leader_share;
  e.traces = static_cast<int>(records_.size());
  e.ballots = t.ballots;
  events_.push_back(std::move(e));
  return t;
}

void VoteStrategy::Stop(const std::string& reason, int chosen) {
  stopped_ = true;
  outcome_.stop_reason = reason;
  outcome_.chosen_trace = chosen;
  if (records_[chosen].answer) outcome_.answer = records_[chosen].answer->key;
  outcome_.traces = static_cast<int>(records_.size());
  outcome_.forward_tokens = forward_tokens_;
  VoteEvent e;
  e.kind = VoteEvent::Kind::kStop;
  e.trace_id = chosen;
  e.answer = outcome_.answer;
  e.traces = outcome_.traces;
  e.forward_tokens = forward_tokens_;
  e.reason = reason;
  events_.push_back(std::move(e));
}

std::vector<TraceRequest> VoteStrategy::SpeculativeBatch() const {
  std::vector<TraceRequest> out;
  if (records_.size() != 1 || evaluated_ != 0 || records_[0].finished) return out;
  const int room = std::min(profile_.budget.batch, profile_.budget.max_traces - 1);
  if (profile_.fork.rule == ForkRule::kIndependentSample) {
    for (int k = 0; k < room; ++k) out.push_back(SampleRequest(1 + k));
    return out;
  }
  const std::string origin = ForkRuleName(profile_.fork.rule);
  int id = 1;
  for (const ForkPoint& p : PlannedAhead(profile_.fork, room)) out.push_back(ForkRequest({0, p, origin}, id++));
  return out;
}

std::vector<TraceRequest> VoteStrategy::NextBatch() {
  ENTROPIX_CHECK(outstanding_ == 0);
  if (stopped_) return {};
  if (records_.empty()) {
    TraceRequest greedy;
    greedy.origin = "greedy";
    greedy.seed = TraceSeed(seed_, 0);
    return {Start(greedy)};
  }
  const size_t fresh = evaluated_;
  evaluated_ = records_.size();
  if (fresh == 0) {  // the greedy trace has just finished
    if (GatePasses(records_[0])) {
      Stop("gate", 0);
      return {};
    }
    PlanFromGreedy();
  }
  QueueLoopEscapes(fresh);
  const Tally t = records_.size() > 1 ? Vote() : Tally{};
  const int chosen = t.chosen_trace >= 0 ? t.chosen_trace : 0;
  if (t.consensus) {
    Stop("consensus", chosen);
  } else if (records_.size() >= static_cast<size_t>(profile_.budget.max_traces)) {
    Stop("max_traces", chosen);
  } else if (profile_.budget.max_forward_tokens > 0 && forward_tokens_ >= profile_.budget.max_forward_tokens) {
    Stop("max_forward_tokens", chosen);
  }
  if (stopped_) return {};
  std::vector<TraceRequest> batch = ProposeBatch();
  if (batch.empty()) Stop("no_forks", chosen);
  return batch;
}

}  // namespace entropix
