// What an eval record keeps of a `vote` generation (issue 10): how the
// strategy stopped, which trace it chose, and per trace its origin, answer,
// weight, confidence and cost, so that a run can be audited (and compared
// with an offline replay) without the per-token trace.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace entropix {

class JsonFields;

struct VoteTraceRecord {
  int id = 0;
  int parent = -1;         // -1: started from the prompt
  int fork_position = 0;
  std::string origin;      // "greedy", "entropy", "first_token", "random", "sample", "loop_escape"
  std::optional<std::string> answer;  // none: the trace gave no answer
  double weight = 0.0;     // its weight in the last vote (0: no vote was taken, or it did not vote)
  double confidence = 0.0;     // trace confidence (lowest window mean)
  double answer_margin = 0.0;  // answer-span margin
  int64_t forward_tokens = 0;  // its own token-steps (prompt and reused prefix excluded)
  std::string end;             // how it ended: end, length, loop, other

  bool operator==(const VoteTraceRecord&) const = default;
};

struct VoteRecord {
  // "gate" (greedy passed the gate), "consensus", "max_traces", "max_forward_tokens", "no_forks"
  std::string stop_reason;
  int chosen_trace = 0;
  int traces = 0;  // traces finished
  std::vector<VoteTraceRecord> per_trace;  // by trace id
  int64_t speculative_tokens = 0;  // token-steps of speculative forks never used (not in per_trace;
                                   // written only when > 0)

  static VoteRecord FromFields(const JsonFields& fields);  // Error "FILE line N: field 'vote.x' ..."
  nlohmann::json ToJson() const;
  bool operator==(const VoteRecord&) const = default;
};

}  // namespace entropix
