// What identifies a sampler's decoding behaviour in an evaluation record:
// its resolved parameters as canonical JSON (sorted keys, no whitespace) and
// the sha256 of that text. For entropix, the resolved profile without what
// does not change decoding (name, description, fitted_on, the calibration
// record, units), so renaming a profile does not count as a change but
// editing any threshold, coefficient or base parameter does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/policy_factory.h"
#include "runtime/sampler_spec.h"

namespace entropix {

nlohmann::json SamplerParamsJson(const PolicyConfig& config);
std::string SamplerParamsSha256(const PolicyConfig& config);
// A spec's identity: its policy's, or for vote its resolved vote profile
// (without name and description, as for entropix profiles).
nlohmann::json SamplerParamsJson(const SamplerSpec& spec);
std::string SamplerParamsSha256(const SamplerSpec& spec);

}  // namespace entropix
