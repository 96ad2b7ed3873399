// JSON for the per-token trace: one object per strategy event, with only
// the fields that mean something for its kind.
#include <nlohmann/json.hpp>

#include "decoding/trace_request.h"
#include "decoding/vote_strategy.h"

namespace entropix {
namespace {

using json = nlohmann::json;

const char* KindName(VoteEvent::Kind k) {
  switch (k) {
    case VoteEvent::Kind::kTraceStarted: return "trace_started";
    case VoteEvent::Kind::kTraceFinished: return "trace_finished";
    case VoteEvent::Kind::kVote: return "vote";
    case VoteEvent::Kind::kStop: return "stop";
  }
  return "?";
}

json AnswerJson(const std::optional<std::string>& a) { return a ? json(*a) : json(nullptr); }

json BallotsJson(const std::vector<BallotResult>& ballots) {
  json out = json::array();
  for (const BallotResult& b : ballots) {
    json x = {{"trace", b.trace_id}, {"weight", b.weight}};
    if (b.duplicate_of >= 0) x["duplicate_of"] = b.duplicate_of;
    if (b.filtered) x["filtered"] = true;
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace

std::string VoteEventToJson(const VoteEvent& e) {
  json j = {{"event", KindName(e.kind)}};
  switch (e.kind) {
    case VoteEvent::Kind::kTraceStarted:
      j.update({{"trace", e.trace_id}, {"parent", e.parent}, {"fork_position", e.fork_position},
                {"rank", e.rank}, {"origin", e.origin}});
      break;
    case VoteEvent::Kind::kTraceFinished:
      j.update({{"trace", e.trace_id}, {"answer", AnswerJson(e.answer)}, {"confidence", e.confidence},
                {"answer_margin", e.answer_margin}, {"forward_tokens", e.forward_tokens}, {"end", e.reason}});
      break;
    case VoteEvent::Kind::kVote:
      j.update({{"leader", AnswerJson(e.answer)}, {"leader_share", e.leader_share}, {"traces", e.traces},
                {"ballots", BallotsJson(e.ballots)}});
      break;
    case VoteEvent::Kind::kStop:
      j.update({{"reason", e.reason}, {"chosen_trace", e.trace_id}, {"answer", AnswerJson(e.answer)},
                {"traces", e.traces}, {"forward_tokens", e.forward_tokens}});
      break;
  }
  return j.dump();
}

}  // namespace entropix
