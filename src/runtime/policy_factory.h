// Builds a Policy from the front end's choice (greedy | sample | entropix),
// resolving what needs the model: the pause text through its tokenizer.
#pragma once

#include <memory>
#include <string>

#include "sampling/policy.h"
#include "sampling/profile.h"

namespace entropix {

class Tokenizer;

enum class PolicyKind { kGreedy, kSample, kEntropix };
PolicyKind ParsePolicyKind(const std::string& name);  // Error(kInvalidArgument) if unknown

struct PolicyConfig {
  PolicyKind kind = PolicyKind::kEntropix;
  SamplingParams sample{0.8, 40, 0.95, 0.05};  // kSample (llama-cli's defaults)
  Profile profile;                             // kEntropix
};

// tokenizer may be null (no pause insertion then).
std::unique_ptr<Policy> MakePolicy(const PolicyConfig& config, const Tokenizer* tokenizer);

}  // namespace entropix
