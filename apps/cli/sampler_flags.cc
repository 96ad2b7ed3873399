// The sampler flags of `run` and `chat` (--sampler, --profile, --temp,
// --top-k, --top-p, --min-p), the policy they configure, and the seed.
#include "sampler_flags.h"

#include <cstdio>
#include <random>

#include "core/error.h"
#include "flag_checks.h"
#include "model/model.h"
#include "runtime/sampler_spec.h"
#include "sampling/profile.h"
#include "sampling/transforms.h"

namespace entropix {

void AddSamplerFlags(CLI::App* cmd, SamplerArgs& args) {
  cmd->add_option("--sampler", args.sampler,
                  "greedy | sample | sample@PROFILE | lowT[@PROFILE] | entropix[@PROFILE] | vote[@VOTE_PROFILE] "
                  "(as in eval --samplers; "
                  "default: greedy, the best measured on our models (README); sample when "
                  "--temp/--top-k/--top-p/--min-p is given, entropix when --profile is)");
  cmd->add_option("--profile", args.profile,
                  "entropix profile: a JSON file or a built-in name (entropix-g2, entropix-branch, ...; "
                  "default: the built-in fitted on the model, else entropix-g2)");
  cmd->add_option("--temp", args.temperature,
                  "Temperature (sample: default 0.8, 0 = greedy; entropix: overrides the profile's base T0)")
      ->check(FiniteRange(0.0, kMaxTemperature));
  cmd->add_option("--top-k", args.top_k, "Top-k (0 = off; sample default 40)")->check(CLI::Range(0, 1 << 24));
  cmd->add_option("--top-p", args.top_p, "Top-p (1 = off; sample default 0.95)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--min-p", args.min_p, "Min-p (0 = off; sample default 0.05)")->check(FiniteRange(0.0, 0.999));
}

// The policy configuration of `run` from its flags (see SamplerArgs): the
// spec parsed as `eval --samplers` parses it, then the sampling flags given
// override its (base) parameters.
PolicyConfig SamplerConfig(const SamplerArgs& a, const Model& model, std::string* profile_name) {
  const bool any_sampling_flag = a.temp_given || a.top_k_given || a.top_p_given || a.min_p_given;
  // The default decoder is the best measured on our models: greedy
  // (docs/EVALUATION.md: entropix does not beat it). A sampling flag asks
  // for sampling, --profile for the entropix policy.
  std::string spec = a.sampler;
  if (spec.empty()) spec = !a.profile.empty() ? "entropix" : any_sampling_flag ? "sample" : "greedy";
  const std::string default_profile =
      a.profile.empty() ? DefaultProfileFor(model.config().name, model.config().vocab_size) : a.profile;
  PolicyConfig c = ParseSamplerSpec(spec, default_profile).config;
  if (c.kind == PolicyKind::kEntropix && a.temp_given && a.temperature <= 0.0) {
    throw Error(ErrorCode::kInvalidArgument, "--temp 0 with --sampler entropix: use --sampler greedy for argmax");
  }
  SamplingParams& p = c.kind == PolicyKind::kEntropix ? c.profile.base : c.sample;
  if (a.temp_given) p.temperature = a.temperature;
  if (a.top_k_given) p.top_k = a.top_k;
  if (a.top_p_given) p.top_p = a.top_p;
  if (a.min_p_given) p.min_p = a.min_p;
  if (profile_name && c.kind == PolicyKind::kEntropix) *profile_name = c.profile.name;
  return c;
}

const char* PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kGreedy: return "greedy";
    case PolicyKind::kSample: return "sample";
    case PolicyKind::kEntropix: return "entropix";
  }
  return "?";
}

// -s -1: a random seed, printed so that the run can be repeated (llama-cli's
// convention). Random seeds stay below 2^63 so that -s accepts them back.
uint64_t ResolveSeed(int64_t requested, bool announce) {
  if (requested >= 0) return static_cast<uint64_t>(requested);
  std::random_device rd;
  const uint64_t seed = ((static_cast<uint64_t>(rd()) << 32) | rd()) & 0x7fffffffffffffffull;
  if (announce) std::fprintf(stderr, "entropix: random seed %llu (pass -s %llu to repeat)\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace entropix
