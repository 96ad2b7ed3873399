#include "eval/eval_record.h"

#include <limits>

#include "eval/json_fields.h"
#include "runtime/session.h"

namespace entropix {

using json = nlohmann::json;

namespace {

constexpr int64_t kMaxCount = std::numeric_limits<int32_t>::max();

std::array<int64_t, kNumStates> ReadStates(const JsonFields& f) {
  const JsonFields states = f.Object("states");
  std::array<int64_t, kNumStates> out{};
  for (const auto& [key, value] : states.value().items()) {
    int k = 0;
    while (k < kNumStates && key != StateName(static_cast<State>(k))) ++k;
    if (k == kNumStates) states.Fail("field '" + states.Name(key) + "' is not a sampler state");
  }
  for (int k = 0; k < kNumStates; ++k) {
    const char* name = StateName(static_cast<State>(k));
    if (states.Has(name)) out[k] = states.Integer(name, 0, kMaxCount);
  }
  return out;
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

EvalRecord EvalRecord::FromJson(std::string_view line, const std::string& file, int line_no) {
  const std::string where = LineWhere(file, line_no);
  const json j = ParseJsonObject(line, where);
  return FromFields(JsonFields(j, where));
}

EvalRecord EvalRecord::FromFields(const JsonFields& f) {
  f.OnlyKeys({"sampler", "policy", "item", "index", "seed", "prompt", "reference", "response", "extracted",
              "scored", "correct", "tokens", "prompt_tokens", "stop", "states", "pauses", "branches", "seconds",
              "decode_seconds", "tokens_per_s", "token_ids", "details", "profile", "draw", "forward_tokens",
              "sampler_sha256", "engine", "vote"},
             "a checkpoint field (a record from a newer entropix, or edited by hand?)");
  EvalRecord r;
  r.sampler = f.String("sampler");
  r.policy = f.String("policy");
  r.item = f.String("item");
  r.index = f.Integer("index", 0, kMaxCount);
  r.seed = f.Unsigned("seed");
  r.prompt = f.String("prompt");
  r.reference = f.String("reference");
  r.response = f.String("response");
  r.extracted = f.String("extracted");
  r.scored = f.Bool("scored");
  r.correct = f.Number("correct");
  if (r.correct < 0.0 || r.correct > 1.0) f.Fail("field 'correct' must be between 0 and 1");
  r.tokens = f.Integer("tokens", 0, kMaxCount);
  r.prompt_tokens = f.Integer("prompt_tokens", 0, kMaxCount);
  r.stop = f.String("stop");
  r.states = ReadStates(f);
  r.pauses = f.Integer("pauses", 0, kMaxCount);
  r.branches = f.Integer("branches", 0, kMaxCount);
  r.seconds = f.Number("seconds");
  r.decode_seconds = f.Number("decode_seconds");
  r.tokens_per_s = f.Number("tokens_per_s");
  r.token_ids = f.Int32s("token_ids");
  if (static_cast<size_t>(r.tokens) != r.token_ids.size()) {
    f.Fail("field 'tokens' (" + std::to_string(r.tokens) + ") differs from the length of 'token_ids' (" +
           std::to_string(r.token_ids.size()) + ")");
  }
  r.details = f.Object("details").value();
  if (f.Has("profile")) r.profile = f.String("profile");
  if (f.Has("draw")) r.draw = f.Integer("draw", 0, kMaxCount);
  if (f.Has("forward_tokens")) r.forward_tokens = f.Integer("forward_tokens", 0, std::numeric_limits<int64_t>::max());
  if (f.Has("sampler_sha256")) {
    r.sampler_sha256 = f.String("sampler_sha256");
    if (!IsSha256Hex(*r.sampler_sha256)) f.Fail("field 'sampler_sha256' must be 64 lowercase hex digits");
  }
  if (f.Has("engine")) r.engine = f.String("engine");
  if (f.Has("vote")) r.vote = VoteRecord::FromFields(f.Object("vote"));
  return r;
}

json EvalRecord::ToJson() const {
  json states_json = json::object();
  for (int k = 0; k < kNumStates; ++k) states_json[StateName(static_cast<State>(k))] = states[k];
  json j = {{"sampler", sampler},
            {"policy", policy},
            {"item", item},
            {"index", index},
            {"seed", seed},
            {"prompt", prompt},
            {"reference", reference},
            {"response", response},
            {"extracted", extracted},
            {"scored", scored},
            {"correct", correct},
            {"tokens", tokens},
            {"prompt_tokens", prompt_tokens},
            {"stop", stop},
            {"states", states_json},
            {"pauses", pauses},
            {"branches", branches},
            {"seconds", seconds},
            {"decode_seconds", decode_seconds},
            {"tokens_per_s", tokens_per_s},
            {"token_ids", token_ids},
            {"details", details}};
  if (profile) j["profile"] = *profile;
  if (draw != 0) j["draw"] = draw;  // absent = draw 0, so one-draw checkpoints keep their old lines
  if (forward_tokens) j["forward_tokens"] = *forward_tokens;
  if (sampler_sha256) j["sampler_sha256"] = *sampler_sha256;
  if (engine) j["engine"] = *engine;
  if (vote) j["vote"] = vote->ToJson();
  return j;
}

std::string EvalRecord::ToLine() const {
  // Model output can hold broken UTF-8: written replaced, never refused.
  return ToJson().dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool CutShort(const EvalRecord& r) {
  return r.stop == StopReasonName(StopReason::kMaxTokens) || r.stop == StopReasonName(StopReason::kContextFull);
}

}  // namespace entropix
