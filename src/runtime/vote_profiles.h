// The vote profiles `run --sampler vote` and `eval` know by name, compiled
// in like the entropix profiles, and the resolver that also reads a file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decoding/vote_profile.h"

namespace entropix {

// The profile `vote` without a name means.
inline constexpr const char* kDefaultVoteProfile = "vote-default";

std::vector<std::string> BuiltinVoteProfileNames();
// A built-in profile by name only (never a file: the server's requests name
// profiles); nullopt for an unknown name.
std::optional<VoteProfile> BuiltinVoteProfile(const std::string& name);
// A JSON file when `name_or_path` exists, else a built-in name;
// Error(kNotFound) listing the built-ins, Error(kCorruptFile) for a bad file.
VoteProfile ResolveVoteProfile(const std::string& name_or_path);

}  // namespace entropix
