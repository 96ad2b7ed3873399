#include "decoding/trace_request.h"

namespace entropix {
namespace {

bool Samples(const TokenRule& r) { return r.kind == TokenRule::Kind::kSample; }

}  // namespace

const char* TraceEndName(TraceEnd e) {
  switch (e) {
    case TraceEnd::kEndOfGeneration: return "end";
    case TraceEnd::kLength: return "length";
    case TraceEnd::kLoop: return "loop";
    case TraceEnd::kOther: return "other";
  }
  return "?";
}

bool SameRule(const TokenRule& a, const TokenRule& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == TokenRule::Kind::kRanked) return a.rank == b.rank;
  if (a.kind == TokenRule::Kind::kSample) {
    return a.exclude_greedy == b.exclude_greedy && a.params.temperature == b.params.temperature &&
           a.params.top_k == b.params.top_k && a.params.top_p == b.params.top_p && a.params.min_p == b.params.min_p;
  }
  return true;
}

bool SameWork(const TraceRequest& a, const TraceRequest& b) {
  if (a.parent != b.parent || a.fork_position != b.fork_position) return false;
  if (!SameRule(a.first, b.first) || !SameRule(a.rest, b.rest)) return false;
  const bool samples = Samples(a.first) || Samples(a.rest);
  return !samples || a.seed == b.seed;
}

}  // namespace entropix
