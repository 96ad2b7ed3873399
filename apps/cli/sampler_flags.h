// The sampler flags of `run` and `chat` and the policy they configure
// (sampler_flags.cc).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "runtime/policy_factory.h"

namespace entropix {

class Model;

// The sampler of `run` (and the base of `calibrate`).
struct SamplerArgs {
  std::string sampler;   // greedy | sample | entropix; "" = greedy, entropix with --profile,
                         // sample if a sampling flag (--temp, --top-k, --top-p, --min-p) is given
  std::string profile;   // file or built-in name; "" = the built-in fitted on the model, else entropix-g2
  double temperature = 0.8;
  int top_k = 40;
  double top_p = 0.95;
  double min_p = 0.05;
  // Which of the above were given on the command line (set by main after parsing).
  bool temp_given = false, top_k_given = false, top_p_given = false, min_p_given = false;
};
void AddSamplerFlags(CLI::App* cmd, SamplerArgs& args);
// The policy configuration from the sampler flags (the spec parsed as `eval
// --samplers` parses it, then the sampling flags given override its base
// parameters); *profile_name: the entropix profile's name.
PolicyConfig SamplerConfig(const SamplerArgs& a, const Model& model, std::string* profile_name);
const char* PolicyKindName(PolicyKind kind);
uint64_t ResolveSeed(int64_t requested, bool announce = true);  // -1: a random seed, printed to stderr

}  // namespace entropix
