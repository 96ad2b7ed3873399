#include "eval/sampler_identity.h"

#include "store/sha256.h"

namespace entropix {

using json = nlohmann::json;

namespace {

json SamplingJson(const SamplingParams& p) {
  return {{"temperature", p.temperature}, {"top_k", p.top_k}, {"top_p", p.top_p}, {"min_p", p.min_p}};
}

}  // namespace

json SamplerParamsJson(const PolicyConfig& c) {
  switch (c.kind) {
    case PolicyKind::kGreedy: return {{"policy", "greedy"}};
    case PolicyKind::kSample: return {{"policy", "sample"}, {"params", SamplingJson(c.sample)}};
    case PolicyKind::kEntropix: {
      json profile = json::parse(ProfileToJson(c.profile));
      for (const char* key : {"name", "description", "fitted_on", "calibration", "units", "format"}) {
        profile.erase(key);
      }
      return {{"policy", "entropix"}, {"profile", profile}};
    }
  }
  return json::object();
}

std::string SamplerParamsSha256(const PolicyConfig& c) {
  // nlohmann's default object is a sorted map: dump() is canonical.
  return Sha256::Hex(SamplerParamsJson(c).dump());
}

json SamplerParamsJson(const SamplerSpec& s) {
  if (!s.vote) return SamplerParamsJson(s.config);
  json profile = json::parse(VoteProfileToJson(*s.vote));
  // "answer": how run and the server read answers; in eval the task's rule does.
  for (const char* key : {"name", "description", "format", "answer"}) profile.erase(key);
  return {{"policy", "vote"}, {"vote_profile", profile}};
}

std::string SamplerParamsSha256(const SamplerSpec& s) { return Sha256::Hex(SamplerParamsJson(s).dump()); }

}  // namespace entropix
