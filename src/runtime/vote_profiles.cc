#include "runtime/vote_profiles.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/error.h"

namespace entropix {
namespace {

struct BuiltinVote {
  const char* name;
  const char* json;
};

// Unfitted starting points (issue 10: the thresholds are to be chosen on dev
// pools). vote-default: the library's defaults (greedy first, entropy forks
// with the runner-up token continued greedily, confidence-weighted vote),
// with a batch of 3 forks so that one scheduler step serves three traces.
// vote-cot: CoT-decoding's first-token forks with the margin vote.
constexpr BuiltinVote kBuiltins[] = {
    {"vote-default", R"({
  "format": "entropix-vote-profile/1",
  "name": "vote-default",
  "description": "greedy, then entropy forks (runner-up token, greedy continuation) in batches of 3; confidence-weighted vote",
  "budget": {"max_traces": 7, "batch": 3}
})"},
    {"vote-cot", R"({
  "format": "entropix-vote-profile/1",
  "name": "vote-cot",
  "description": "CoT-decoding: forks at the first token (2nd, 3rd, ... ranked), greedy continuations, margin-weighted vote",
  "budget": {"max_traces": 7, "batch": 3},
  "fork": {"rule": "first_token"},
  "vote": {"weight": "margin"}
})"},
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read the vote profile '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<std::string> BuiltinVoteProfileNames() {
  std::vector<std::string> names;
  for (const auto& b : kBuiltins) names.emplace_back(b.name);
  return names;
}

std::optional<VoteProfile> BuiltinVoteProfile(const std::string& name) {
  for (const auto& b : kBuiltins) {
    if (name == b.name) return ParseVoteProfile(b.json, std::string("built-in ") + b.name);
  }
  return std::nullopt;
}

VoteProfile ResolveVoteProfile(const std::string& name_or_path) {
  std::error_code ec;
  // Regular files only (docs/SECURITY.md: a FIFO or a device would block or never end).
  if (std::filesystem::is_regular_file(name_or_path, ec)) {
    return ParseVoteProfile(ReadFile(name_or_path), name_or_path);
  }
  if (std::optional<VoteProfile> p = BuiltinVoteProfile(name_or_path)) return *p;
  std::string names;
  for (const auto& n : BuiltinVoteProfileNames()) names += (names.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kNotFound, "no vote profile file or built-in vote profile named '" + name_or_path +
                                        "' (built-in: " + names + ")");
}

}  // namespace entropix
