// One line of an evaluation checkpoint (results.jsonl): the outcome of one
// (sampler, item, draw) generation. The runner, the summary and the fuzzer use
// this struct, never string-keyed JSON: FromJson checks every field's type
// and range and refuses unknown fields, so a damaged or hand-edited
// checkpoint gives "FILE line N: field 'x' must be ..." instead of a crash,
// and ToJson writes back exactly what FromJson accepts.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/vote_record.h"
#include "sampling/policy.h"

namespace entropix {

class JsonFields;

struct EvalRecord {
  std::string sampler;  // the label given to --samplers
  std::string policy;   // the policy's own name
  std::string item;     // the task's item id
  int64_t index = 0;    // the item's position in the task when it ran
  uint64_t seed = 0;    // the item seed
  std::string prompt;   // the user message
  std::string reference;
  std::string response;
  std::string extracted;  // what the scorer read from the response
  bool scored = true;     // false: left out of the primary metric
  double correct = 0.0;   // the primary metric's value, 0..1
  int64_t tokens = 0;     // generated tokens (= token_ids.size())
  int64_t prompt_tokens = 0;
  std::string stop;                           // the stop reason's name
  std::array<int64_t, kNumStates> states{};  // emitted tokens per sampler state
  int64_t pauses = 0;
  int64_t branches = 0;
  double seconds = 0.0;         // wall time of the generation
  double decode_seconds = 0.0;  // of which decoding
  double tokens_per_s = 0.0;
  std::vector<int32_t> token_ids;
  nlohmann::json details = nlohmann::json::object();  // task-specific; an object
  std::optional<std::string> profile;                 // entropix samplers: the profile's name
  // Added with draws and compute accounting; records written before lack
  // them (read as "unknown", never refused).
  int64_t draw = 0;  // which draw of a stochastic sampler (0-based; absent in the line = 0)
  // Forward token-steps: prompt tokens processed + every decoded token over
  // all traces and branches (eval/runner.cc ForwardTokenSteps).
  std::optional<int64_t> forward_tokens;
  std::optional<std::string> sampler_sha256;  // of the resolved sampler parameters (eval/sampler_identity.h)
  std::optional<std::string> engine;          // engine version that generated the record
  std::optional<VoteRecord> vote;             // vote samplers: how the vote went (eval/vote_record.h)

  // Error(kCorruptFile) "FILE line N: ..." for anything but a whole, valid record.
  static EvalRecord FromJson(std::string_view line, const std::string& file, int line_no);
  static EvalRecord FromFields(const JsonFields& fields);
  nlohmann::json ToJson() const;
  std::string ToLine() const;  // compact JSON and '\n'

  bool operator==(const EvalRecord&) const = default;
};

// Whether the generation was cut by the token cap or the context (its answer
// may be missing for that reason alone): what "cap hit" counts everywhere.
bool CutShort(const EvalRecord& r);

}  // namespace entropix
