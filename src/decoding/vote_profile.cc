#include "decoding/vote_profile.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <set>
#include <utility>

#include "core/error.h"
#include "sampling/json_read.h"

namespace entropix {
namespace {

using json = nlohmann::json;

// The file spelling of every enum value; reading and writing both use it.
template <class E>
struct EnumNames;
template <>
struct EnumNames<ForkRule> {
  static constexpr std::pair<ForkRule, const char*> kAll[] = {{ForkRule::kEntropy, "entropy"},
                                                               {ForkRule::kFirstToken, "first_token"},
                                                               {ForkRule::kRandom, "random"},
                                                               {ForkRule::kIndependentSample, "independent_sample"}};
};
template <>
struct EnumNames<ForkToken> {
  static constexpr std::pair<ForkToken, const char*> kAll[] = {{ForkToken::kSecond, "second"},
                                                                {ForkToken::kSampled, "sampled"}};
};
template <>
struct EnumNames<Continuation> {
  static constexpr std::pair<Continuation, const char*> kAll[] = {{Continuation::kGreedy, "greedy"},
                                                                   {Continuation::kSampled, "sampled"}};
};
template <>
struct EnumNames<VoteWeight> {
  static constexpr std::pair<VoteWeight, const char*> kAll[] = {{VoteWeight::kUniform, "uniform"},
                                                                 {VoteWeight::kConfidence, "confidence"},
                                                                 {VoteWeight::kMargin, "margin"}};
};
template <>
struct EnumNames<TokenConfidence> {
  static constexpr std::pair<TokenConfidence, const char*> kAll[] = {
      {TokenConfidence::kNegEntropy, "neg_entropy"},
      {TokenConfidence::kLogprob, "logprob"},
      {TokenConfidence::kMargin, "margin"}};
};
template <>
struct EnumNames<TraceConfidenceRule> {
  static constexpr std::pair<TraceConfidenceRule, const char*> kAll[] = {
      {TraceConfidenceRule::kLowestWindow, "lowest_window"}, {TraceConfidenceRule::kMean, "mean"}};
};

template <class E>
const char* NameOf(E e) {
  for (const auto& [v, n] : EnumNames<E>::kAll) {
    if (v == e) return n;
  }
  return "?";
}

// Every field, exactly once: reading, writing and the known-key list all
// go through here. f(section, key, field).
template <class P, class F>
void VisitFields(P& p, F&& f) {
  f("budget", "max_traces", p.budget.max_traces);
  f("budget", "batch", p.budget.batch);
  f("budget", "max_forward_tokens", p.budget.max_forward_tokens);
  f("gate", "answer_margin", p.gate.answer_margin);
  f("gate", "trace_confidence", p.gate.trace_confidence);
  f("gate", "require_answer", p.gate.require_answer);
  f("confidence", "token", p.confidence.token);
  f("confidence", "rule", p.confidence.rule);
  f("confidence", "window", p.confidence.window);
  f("answer", "require_marker", p.answer_require_marker);
  f("fork", "rule", p.fork.rule);
  f("fork", "min_gap", p.fork.min_gap);
  f("fork", "include_first", p.fork.include_first);
  f("fork", "token", p.fork.token);
  f("fork", "continuation", p.fork.continuation);
  f("fork", "loop_escape", p.fork.loop_escape);
  f("sample", "temperature", p.sample.temperature);
  f("sample", "top_k", p.sample.top_k);
  f("sample", "top_p", p.sample.top_p);
  f("sample", "min_p", p.sample.min_p);
  f("vote", "weight", p.vote.weight);
  f("vote", "beta", p.vote.beta);
  f("vote", "keep_top_share", p.vote.keep_top_share);
  f("vote", "stop_share", p.vote.stop_share);
  f("vote", "min_agreeing", p.vote.min_agreeing);
  f("loop", "max_period", p.loop.max_period);
  f("loop", "min_repeats", p.loop.min_repeats);
  f("loop", "min_tail", p.loop.min_tail);
}

std::string What(std::string_view source) { return "vote profile " + std::string(source); }

[[noreturn]] void Bad(std::string_view source, const std::string& what) {
  json_read::Fail(What(source), what);
}

template <class T>
  requires(std::is_same_v<T, bool> || std::is_same_v<T, int> || std::is_same_v<T, double>)
void ReadField(const json& v, T& out, std::string_view source, const std::string& key) {
  json_read::Read(v, out, What(source), key);
}

template <class E>
  requires std::is_enum_v<E>
void ReadField(const json& v, E& out, std::string_view source, const std::string& key) {
  std::string names;
  for (const auto& [e, n] : EnumNames<E>::kAll) {
    if (v.is_string() && v.get<std::string>() == n) {
      out = e;
      return;
    }
    names += std::string(names.empty() ? "" : ", ") + "\"" + n + "\"";
  }
  Bad(source, key + " must be one of " + names);
}

template <class T>
void WriteField(json& sec, const char* key, const T& field) {
  if constexpr (std::is_enum_v<T>) {
    sec[key] = NameOf(field);
  } else {
    sec[key] = field;
  }
}

void Validate(const VoteProfile& p, std::string_view source) {
  auto need = [&](bool ok, const char* what) {
    if (!ok) Bad(source, what);
  };
  need(p.budget.max_traces >= 1 && p.budget.max_traces <= 64, "budget.max_traces must be in 1..64");
  need(p.budget.batch >= 1 && p.budget.batch <= 16, "budget.batch must be in 1..16");
  need(p.budget.max_forward_tokens >= 0, "budget.max_forward_tokens must be >= 0 (0 = no limit)");
  need(p.gate.answer_margin >= 0 && p.gate.answer_margin <= 1, "gate.answer_margin must be in [0, 1]");
  need(p.confidence.window >= 1 && p.confidence.window <= 4096, "confidence.window must be in 1..4096");
  need(p.fork.min_gap >= 1 && p.fork.min_gap <= 4096, "fork.min_gap must be in 1..4096");
  need(p.sample.temperature > 0 && p.sample.temperature <= kMaxTemperature,
       "sample.temperature must be in (0, 100]");
  need(p.sample.top_k >= 0, "sample.top_k must be >= 0 (0 = off)");
  need(p.sample.top_p > 0 && p.sample.top_p <= 1, "sample.top_p must be in (0, 1]");
  need(p.sample.min_p >= 0 && p.sample.min_p < 1, "sample.min_p must be in [0, 1)");
  need(p.vote.beta > 0 && p.vote.beta <= 100, "vote.beta must be in (0, 100]");
  need(p.vote.keep_top_share > 0 && p.vote.keep_top_share <= 1, "vote.keep_top_share must be in (0, 1]");
  need(p.vote.stop_share > 0 && p.vote.stop_share <= 1, "vote.stop_share must be in (0, 1]");
  need(p.vote.min_agreeing >= 1 && p.vote.min_agreeing <= 64, "vote.min_agreeing must be in 1..64");
  need(p.loop.max_period >= 1 && p.loop.max_period <= 256, "loop.max_period must be in 1..256");
  need(p.loop.min_repeats >= 2 && p.loop.min_repeats <= 64, "loop.min_repeats must be in 2..64");
  need(p.loop.min_tail >= 1, "loop.min_tail must be >= 1");
}

}  // namespace

VoteProfile ParseVoteProfile(std::string_view text, std::string_view source) {
  const json j = json_read::ParseObject(text, What(source));
  VoteProfile p;
  std::set<std::string> sections = {"format", "name", "description"};
  std::set<std::string> known;
  VisitFields(p, [&](const char* section, const char* key, auto& field) {
    sections.insert(section);
    known.insert(std::string(section) + "." + key);
  });
  for (const auto& [k, v] : j.items()) {
    if (!sections.count(k)) Bad(source, "unknown key \"" + k + "\"");
    if (k == "format" || k == "name" || k == "description") {
      if (!v.is_string()) Bad(source, k + " must be a string");
      continue;
    }
    if (!v.is_object()) Bad(source, k + " must be an object");
    for (const auto& [key, x] : v.items()) {
      if (!known.count(k + "." + key)) Bad(source, "unknown key \"" + k + "." + key + "\"");
    }
  }
  if (j.contains("format") && j["format"] != "entropix-vote-profile/1") {
    Bad(source, "format must be \"entropix-vote-profile/1\"");
  }
  if (j.contains("name")) p.name = j["name"].get<std::string>();
  if (j.contains("description")) p.description = j["description"].get<std::string>();
  VisitFields(p, [&](const char* section, const char* key, auto& field) {
    if (j.contains(section) && j[section].contains(key)) {
      ReadField(j[section][key], field, source, std::string(section) + "." + key);
    }
  });
  Validate(p, source);
  return p;
}

std::string VoteProfileToJson(const VoteProfile& p) {
  json j = json::object();
  j["format"] = "entropix-vote-profile/1";
  j["name"] = p.name;
  j["description"] = p.description;
  VisitFields(const_cast<VoteProfile&>(p),
              [&](const char* section, const char* key, auto& field) { WriteField(j[section], key, field); });
  return j.dump(2) + "\n";
}

const char* ForkRuleName(ForkRule r) { return NameOf(r); }
const char* VoteWeightName(VoteWeight w) { return NameOf(w); }

}  // namespace entropix
