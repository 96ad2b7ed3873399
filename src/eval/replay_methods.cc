// The method list of `entropix replay` (eval/replay.h): baselines, vote
// profiles, and grids of profile overrides.
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/error.h"
#include "eval/replay.h"
#include "runtime/vote_profiles.h"

namespace entropix {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxMethods = 1000;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

[[noreturn]] void Bad(const std::string& element, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, "replay method '" + element + "': " + why);
}

int ParseK(const std::string& element, size_t at) {
  try {
    size_t used = 0;
    const int k = std::stoi(element.substr(at), &used);
    if (used == element.size() - at && k >= 1 && k <= 64) return k;
  } catch (const std::exception&) {
  }
  Bad(element, "K must be a whole number in 1..64");
}

// A value as JSON when it parses (numbers, true/false), else as a string.
json ValueOf(const std::string& text) {
  const json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json(text) : v;
}

struct Override {
  std::string key;  // dotted: gate.answer_margin
  std::vector<std::string> values;
};

ReplayMethod VoteMethod(const std::string& label, const VoteProfile& base, const std::vector<Override>& overrides,
                        const std::vector<size_t>& pick) {
  json j = json::parse(VoteProfileToJson(base));
  for (size_t i = 0; i < overrides.size(); ++i) {
    std::string pointer;
    for (const std::string& part : Split(overrides[i].key, '.')) pointer += "/" + part;
    j[json::json_pointer(pointer)] = ValueOf(overrides[i].values[pick[i]]);
  }
  ReplayMethod m;
  m.kind = ReplayMethod::Kind::kVote;
  m.label = label;
  m.profile = ParseVoteProfile(j.dump(), label);  // strict: an unknown key or a bad value names the field
  return m;
}

// BASE:key=a|b:... : every combination of the values, in order.
void AddVoteMethods(const std::string& element, std::vector<ReplayMethod>& out) {
  const std::vector<std::string> parts = Split(element, ':');
  const VoteProfile base = ResolveVoteProfile(parts[0]);
  std::vector<Override> overrides;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == parts[i].size()) {
      Bad(element, "'" + parts[i] + "' is not KEY=VALUE[|VALUE...]");
    }
    overrides.push_back({parts[i].substr(0, eq), Split(parts[i].substr(eq + 1), '|')});
  }
  std::vector<size_t> pick(overrides.size(), 0);
  for (;;) {
    std::string label = parts[0];
    for (size_t i = 0; i < overrides.size(); ++i) label += ":" + overrides[i].key + "=" + overrides[i].values[pick[i]];
    out.push_back(VoteMethod(label, base, overrides, pick));
    if (out.size() > kMaxMethods) Bad(element, "more than 1000 methods");
    size_t i = overrides.size();
    while (i > 0 && ++pick[i - 1] == overrides[i - 1].values.size()) pick[--i] = 0;
    if (i == 0) return;
  }
}

}  // namespace

std::vector<ReplayMethod> ParseReplayMethods(const std::string& list) {
  std::vector<ReplayMethod> out;
  for (const std::string& element : Split(list, ',')) {
    if (element.empty()) throw Error(ErrorCode::kInvalidArgument, "replay methods: an empty element in '" + list + "'");
    ReplayMethod m;
    m.label = element;
    if (element == "greedy") {
      out.push_back(m);
    } else if (element.rfind("sc@", 0) == 0) {
      m.kind = ReplayMethod::Kind::kSelfConsistency;
      m.k = ParseK(element, 3);
      out.push_back(m);
    } else if (element.rfind("pass@", 0) == 0) {
      m.kind = ReplayMethod::Kind::kPassAtK;
      m.k = ParseK(element, 5);
      out.push_back(m);
    } else if (element.rfind("cot@", 0) == 0) {
      m.kind = ReplayMethod::Kind::kCotDecoding;
      m.k = ParseK(element, 4);
      out.push_back(m);
    } else {
      AddVoteMethods(element, out);
    }
  }
  std::set<std::string> seen;
  for (const ReplayMethod& m : out) {
    if (!seen.insert(m.label).second) {
      throw Error(ErrorCode::kInvalidArgument, "replay methods: '" + m.label + "' is listed twice");
    }
  }
  return out;
}

}  // namespace entropix
