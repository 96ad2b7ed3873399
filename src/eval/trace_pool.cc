#include "eval/trace_pool.h"

#include <fstream>
#include <limits>

#include "core/error.h"
#include "eval/json_fields.h"
#include "text/answer_extract.h"

namespace entropix {

using json = nlohmann::json;

namespace {

constexpr int64_t kMaxCount = std::numeric_limits<int32_t>::max();

const char* RuleKindName(TokenRule::Kind k) {
  switch (k) {
    case TokenRule::Kind::kGreedy: return "greedy";
    case TokenRule::Kind::kRanked: return "ranked";
    case TokenRule::Kind::kSample: return "sample";
  }
  return "?";
}

const char* EndNames[] = {"end", "length", "loop", "other"};

TraceEnd EndFrom(const JsonFields& f) {
  const std::string s = f.String("end");
  for (int k = 0; k < 4; ++k) {
    if (s == EndNames[k]) return static_cast<TraceEnd>(k);
  }
  f.Fail("field '" + f.Name("end") + "' must be end, length, loop or other");
}

std::vector<float> Floats(const JsonFields& f, const char* key) {
  std::vector<float> out;
  for (const json& v : f.Array(key)) {
    if (!v.is_number()) f.Fail("field '" + f.Name(key) + "' must hold numbers");
    out.push_back(v.get<float>());
  }
  return out;
}

json TraceJson(const PoolTrace& t) {
  const TraceRequest& q = t.request;
  const TraceResult& r = t.result;
  return {{"id", q.id},
          {"parent", q.parent},
          {"fork_position", q.fork_position},
          {"origin", q.origin},
          {"first", TokenRuleJson(q.first)},
          {"rest", TokenRuleJson(q.rest)},
          {"seed", q.seed},
          {"tokens", r.tokens},
          {"pieces", r.pieces},
          {"held_bytes", r.held_bytes},
          {"entropy_bits", r.entropy_bits},
          {"margin", r.margin},
          {"logprob", r.logprob},
          {"end", EndNames[static_cast<int>(r.end)]},
          {"forward_tokens", r.forward_tokens},
          {"answer", t.answer ? json(*t.answer) : json(nullptr)},
          {"answer_margin", t.answer_margin},
          {"confidence", t.confidence},
          {"correct", t.correct}};
}

PoolTrace TraceFrom(const JsonFields& f, int expected_id) {
  f.OnlyKeys({"id", "parent", "fork_position", "origin", "first", "rest", "seed", "tokens", "pieces", "held_bytes",
              "entropy_bits", "margin", "logprob", "end", "forward_tokens", "answer", "answer_margin", "confidence",
              "correct"},
             "a pool trace field");
  PoolTrace t;
  TraceRequest& q = t.request;
  q.id = static_cast<int>(f.Integer("id"));
  if (q.id != expected_id) f.Fail("field '" + f.Name("id") + "' must be " + std::to_string(expected_id));
  q.parent = static_cast<int>(f.Integer("parent", -1, expected_id - 1));
  q.fork_position = static_cast<int>(f.Integer("fork_position"));
  q.origin = f.String("origin");
  q.first = TokenRuleFrom(f.Object("first"));
  q.rest = TokenRuleFrom(f.Object("rest"));
  q.seed = f.Unsigned("seed");
  TraceResult& r = t.result;
  r.id = q.id;
  r.tokens = f.Int32s("tokens");
  r.pieces = f.Strings("pieces");
  for (const json& v : f.Array("held_bytes")) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0) f.Fail("field '" + f.Name("held_bytes") + "' must hold counts");
    r.held_bytes.push_back(v.get<int>());
  }
  r.entropy_bits = Floats(f, "entropy_bits");
  r.margin = Floats(f, "margin");
  r.logprob = Floats(f, "logprob");
  const size_t n = r.tokens.size();
  if (r.pieces.size() != n || r.entropy_bits.size() != n || r.margin.size() != n || r.logprob.size() != n ||
      (!r.held_bytes.empty() && r.held_bytes.size() != n)) {
    f.Fail("the per-token arrays of trace " + std::to_string(q.id) + " differ in length from 'tokens'");
  }
  if (q.fork_position > static_cast<int>(n)) f.Fail("field '" + f.Name("fork_position") + "' is past the trace");
  r.end = EndFrom(f);
  r.forward_tokens = f.Integer("forward_tokens", 0, std::numeric_limits<int64_t>::max());
  if (f.Has("answer")) t.answer = f.String("answer");
  t.answer_margin = f.Number("answer_margin");
  t.confidence = f.Number("confidence");
  t.correct = f.Number("correct");
  return t;
}

const char* AnswerKindNames[] = {"none", "math", "first"};

json AnswerRuleJson(const AnswerRule& r) {
  json j = {{"kind", AnswerKindNames[static_cast<int>(r.kind)]}};
  if (r.kind == AnswerRule::Kind::kMath) j["require_marker"] = r.require_marker;
  if (r.kind == AnswerRule::Kind::kFirst) j["candidates"] = r.candidates;
  return j;
}

AnswerRule AnswerRuleFrom(const JsonFields& f) {
  AnswerRule r;
  const std::string kind = f.String("kind");
  if (kind == "none") {
    f.OnlyKeys({"kind"}, "a field of answer rule 'none'");
    r.kind = AnswerRule::Kind::kNone;
  } else if (kind == "math") {
    f.OnlyKeys({"kind", "require_marker"}, "a field of answer rule 'math'");
    r.kind = AnswerRule::Kind::kMath;
    r.require_marker = f.Bool("require_marker");
  } else if (kind == "first") {
    f.OnlyKeys({"kind", "candidates"}, "a field of answer rule 'first'");
    r.kind = AnswerRule::Kind::kFirst;
    for (const json& c : f.Array("candidates")) {
      if (!c.is_string() || !NormalizeNumber(c.get<std::string>())) {
        f.Fail("field '" + f.Name("candidates") + "' must hold numbers written as strings");
      }
      r.candidates.push_back(c.get<std::string>());
    }
    if (r.candidates.size() < 2) f.Fail("field '" + f.Name("candidates") + "' needs at least two candidates");
  } else {
    f.Fail("field '" + f.Name("kind") + "' must be none, math or first");
  }
  return r;
}

}  // namespace

json TokenRuleJson(const TokenRule& r) {
  json j = {{"kind", RuleKindName(r.kind)}};
  if (r.kind == TokenRule::Kind::kRanked) j["rank"] = r.rank;
  if (r.kind == TokenRule::Kind::kSample) {
    j.update({{"exclude_greedy", r.exclude_greedy}, {"temperature", r.params.temperature},
              {"top_k", r.params.top_k}, {"top_p", r.params.top_p}, {"min_p", r.params.min_p}});
  }
  return j;
}

TokenRule TokenRuleFrom(const JsonFields& f) {
  f.OnlyKeys({"kind", "rank", "exclude_greedy", "temperature", "top_k", "top_p", "min_p"}, "a token rule field");
  TokenRule r;
  const std::string kind = f.String("kind");
  if (kind == "greedy") {
    r.kind = TokenRule::Kind::kGreedy;
  } else if (kind == "ranked") {
    r.kind = TokenRule::Kind::kRanked;
    r.rank = static_cast<int>(f.Integer("rank", 1));
  } else if (kind == "sample") {
    r.kind = TokenRule::Kind::kSample;
    r.exclude_greedy = f.Bool("exclude_greedy");
    r.params.temperature = f.Number("temperature");
    r.params.top_k = static_cast<int>(f.Integer("top_k", 0));
    r.params.top_p = f.Number("top_p");
    r.params.min_p = f.Number("min_p");
  } else {
    f.Fail("field '" + f.Name("kind") + "' must be greedy, ranked or sample");
  }
  return r;
}

PoolItem PoolItem::FromJson(std::string_view line, const std::string& file, int line_no) {
  const std::string where = LineWhere(file, line_no);
  const json j = ParseJsonObject(line, where);
  const JsonFields f(j, where);
  f.OnlyKeys({"item", "index", "seed", "prompt_tokens", "reference", "answer_rule", "traces"}, "a pool item field");
  PoolItem p;
  p.item = f.String("item");
  p.index = f.Integer("index", 0, kMaxCount);
  p.seed = f.Unsigned("seed");
  p.prompt_tokens = f.Integer("prompt_tokens", 0, kMaxCount);
  p.reference = f.String("reference");
  p.answer_rule = AnswerRuleFrom(f.Object("answer_rule"));
  const std::vector<JsonFields> traces = f.Objects("traces");
  if (traces.empty()) f.Fail("field 'traces' is empty (the greedy trace comes first)");
  for (size_t i = 0; i < traces.size(); ++i) p.traces.push_back(TraceFrom(traces[i], static_cast<int>(i)));
  return p;
}

std::string PoolItem::ToLine() const {
  json traces_json = json::array();
  for (const PoolTrace& t : traces) traces_json.push_back(TraceJson(t));
  const json j = {{"item", item}, {"index", index}, {"seed", seed}, {"prompt_tokens", prompt_tokens},
                  {"reference", reference}, {"answer_rule", AnswerRuleJson(answer_rule)}, {"traces", traces_json}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::vector<PoolItem> ReadPoolFile(const std::filesystem::path& path, bool* torn) {
  if (torn) *torn = false;
  std::vector<PoolItem> items;
  std::ifstream in(path, std::ios::binary);
  if (!in) return items;  // a new pool
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    ++line_no;
    if (nl == std::string::npos) {  // the last line, without its '\n': killed mid-write
      if (torn) *torn = true;
      break;
    }
    items.push_back(PoolItem::FromJson(std::string_view(text).substr(start, nl - start), path.string(), line_no));
    start = nl + 1;
  }
  return items;
}

}  // namespace entropix
