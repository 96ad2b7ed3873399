// How a decoding policy is named on the command line: the one parser behind
// `run --sampler` and `eval --samplers`, so that a name means the same
// parameters everywhere.
//
//   greedy              argmax
//   sample              plain sampling at llama-cli's defaults
//                       (T 0.8, top-k 40, top-p 0.95, min-p 0.05)
//   sample@PROFILE      plain sampling at PROFILE's own base parameters
//                       (T0, k0, p0, m0): the matched control of entropix@PROFILE
//   lowT, lowT@PROFILE  plain sampling at T = 0.5 with PROFILE's base
//                       truncation (k0, p0, m0): separates "cooling helps"
//                       from "less randomness helps"
//   entropix            the entropix policy with the default profile
//   entropix@PROFILE    the entropix policy with PROFILE
//   vote, vote@VPROFILE gated forking with a confidence-weighted vote over
//                       several traces (issue 10), with the built-in
//                       vote-default or VPROFILE (a built-in vote profile
//                       name or a JSON file; runtime/vote_profiles.h)
//   PROFILE             the same (a built-in profile name or a JSON file)
//   LABEL=SPEC          any of the above under another label (e.g. to rerun
//                       an edited profile beside the old one)
//
// PROFILE is a built-in name or a JSON file; "entropix" (and an omitted
// @PROFILE) stands for the default profile the caller passes: for `run`,
// --profile or the built-in fitted on the model; for `eval`, the latter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decoding/vote_profile.h"

#include "runtime/policy_factory.h"

namespace entropix {

// The temperature of the `lowT` control.
inline constexpr double kLowTemperature = 0.5;

struct SamplerSpec {
  std::string label;  // the name results are filed under
  std::string spec;   // the spec after any "LABEL="
  PolicyConfig config;  // vote: the policy of nothing (its traces choose by TokenRule)
  std::optional<VoteProfile> vote;  // set for vote specs: several traces, not one policy
};

// Error(kInvalidArgument) naming the spec for an unknown form; profile
// errors (missing file, bad JSON) come from ResolveProfile.
SamplerSpec ParseSamplerSpec(const std::string& text, const std::string& default_profile);

// A comma-separated list; labels must be distinct and the list non-empty.
std::vector<SamplerSpec> ParseSamplerList(const std::string& comma_list, const std::string& default_profile);

}  // namespace entropix
