#include "eval/vote_record.h"

#include <limits>

#include "eval/json_fields.h"

namespace entropix {

using json = nlohmann::json;

namespace {

VoteTraceRecord TraceFromFields(const JsonFields& f) {
  f.OnlyKeys({"id", "parent", "fork_position", "origin", "answer", "weight", "confidence", "answer_margin",
              "forward_tokens", "end"},
             "a vote trace field");
  VoteTraceRecord t;
  t.id = static_cast<int>(f.Integer("id"));
  t.parent = static_cast<int>(f.Integer("parent", -1));
  t.fork_position = static_cast<int>(f.Integer("fork_position"));
  t.origin = f.String("origin");
  if (f.Has("answer")) t.answer = f.String("answer");
  t.weight = f.Number("weight");
  t.confidence = f.Number("confidence");
  t.answer_margin = f.Number("answer_margin");
  t.forward_tokens = f.Integer("forward_tokens", 0, std::numeric_limits<int64_t>::max());
  t.end = f.String("end");
  return t;
}

json TraceJson(const VoteTraceRecord& t) {
  return {{"id", t.id},
          {"parent", t.parent},
          {"fork_position", t.fork_position},
          {"origin", t.origin},
          {"answer", t.answer ? json(*t.answer) : json(nullptr)},
          {"weight", t.weight},
          {"confidence", t.confidence},
          {"answer_margin", t.answer_margin},
          {"forward_tokens", t.forward_tokens},
          {"end", t.end}};
}

}  // namespace

VoteRecord VoteRecord::FromFields(const JsonFields& f) {
  f.OnlyKeys({"stop_reason", "chosen_trace", "traces", "per_trace", "speculative_tokens"}, "a vote field");
  VoteRecord v;
  v.stop_reason = f.String("stop_reason");
  v.chosen_trace = static_cast<int>(f.Integer("chosen_trace"));
  v.traces = static_cast<int>(f.Integer("traces"));
  for (const JsonFields& t : f.Objects("per_trace")) v.per_trace.push_back(TraceFromFields(t));
  if (f.Has("speculative_tokens")) {
    v.speculative_tokens = f.Integer("speculative_tokens", 0, std::numeric_limits<int64_t>::max());
  }
  if (static_cast<int>(v.per_trace.size()) != v.traces) {
    f.Fail("field '" + f.Name("traces") + "' (" + std::to_string(v.traces) + ") differs from the length of '" +
           f.Name("per_trace") + "' (" +
           std::to_string(v.per_trace.size()) + ")");
  }
  return v;
}

json VoteRecord::ToJson() const {
  json traces_json = json::array();
  for (const VoteTraceRecord& t : per_trace) traces_json.push_back(TraceJson(t));
  json j = {{"stop_reason", stop_reason}, {"chosen_trace", chosen_trace}, {"traces", traces}, {"per_trace", traces_json}};
  // Only when there were some: records from before speculation read back byte for byte.
  if (speculative_tokens > 0) j["speculative_tokens"] = speculative_tokens;
  return j;
}

}  // namespace entropix
