// Trace pools (issue 10 item 5): per item, the greedy trace and K traces of
// each fork kind, stored with everything an offline replay needs, so that
// decoding strategies are compared on stored traces instead of by running
// the model again (eval/replay.h).
//
// DIR/pool.json    what defines the pool (task identity, model, seed,
//                  max_tokens, the kinds, the base vote profile); a rerun
//                  with other values is refused
// DIR/pool.jsonl   one PoolItem per line, appended as each item finishes;
//                  a rerun skips the items there (a torn last line is
//                  dropped; any other damage is "FILE line N: ..." Error)
//
// A trace is stored with the request that made it (parent, fork position,
// token rules, seed): a replayed strategy asks for traces by request, and
// gets the stored one when the same request was run (eval/replay.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "decoding/answer_hook.h"
#include "decoding/trace_request.h"

namespace entropix {

class JsonFields;

struct PoolTrace {
  TraceRequest request;  // ids are pool ids: unique in the item, parent -1 or an earlier id
  TraceResult result;    // the whole response with per-token signals (result.id = request.id)
  std::optional<std::string> answer;  // the vote's answer key (none: no answer)
  double answer_margin = 0.0;
  double confidence = 0.0;  // trace confidence under the base profile's confidence rule
  double correct = 0.0;     // the task's score of this trace's response
};

struct PoolItem {
  std::string item;
  int64_t index = 0;
  uint64_t seed = 0;  // the strategies' seed (the eval seed of draw 0)
  int64_t prompt_tokens = 0;
  std::string reference;
  AnswerRule answer_rule;         // how the task reads this item's answers (replay's answer hook)
  std::vector<PoolTrace> traces;  // by pool id; 0 is the greedy trace

  static PoolItem FromJson(std::string_view line, const std::string& file, int line_no);
  std::string ToLine() const;  // compact JSON and '\n'
};

// The items of a pool file; a torn last line is dropped (`torn` set).
std::vector<PoolItem> ReadPoolFile(const std::filesystem::path& path, bool* torn = nullptr);

// TokenRule as JSON and back (the pool stores the rules of each request).
nlohmann::json TokenRuleJson(const TokenRule& r);
TokenRule TokenRuleFrom(const JsonFields& f);

}  // namespace entropix
