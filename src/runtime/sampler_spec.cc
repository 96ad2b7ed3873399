#include "runtime/sampler_spec.h"

#include <set>

#include "core/error.h"
#include "runtime/vote_profiles.h"

namespace entropix {
namespace {

constexpr const char* kForms =
    "use greedy, sample, sample@PROFILE, lowT, lowT@PROFILE, entropix, entropix@PROFILE, vote, vote@VOTE_PROFILE, a "
    "profile name or file, or LABEL=one of these";

Profile ProfileOrDefault(const std::string& name, const std::string& default_profile) {
  return ResolveProfile(name.empty() || name == "entropix" ? default_profile : name);
}

// A label ends up in tables (markdown '|'), file lines and chart text.
void CheckLabel(const std::string& label, const std::string& text) {
  bool ok = !label.empty();
  for (unsigned char c : label) ok &= c >= 0x20 && c != 0x7f && c != '|';
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument, "sampler '" + text +
                                                 "': a label must be non-empty, without control characters or '|'");
  }
}

}  // namespace

SamplerSpec ParseSamplerSpec(const std::string& text, const std::string& default_profile) {
  SamplerSpec s;
  s.label = text;
  s.spec = text;
  if (const size_t eq = text.find('='); eq != std::string::npos) {
    s.label = text.substr(0, eq);
    s.spec = text.substr(eq + 1);
  }
  CheckLabel(s.label, text);
  // Only a keyword before '@' splits the spec: a profile file's path may hold '@' itself.
  size_t at = s.spec.find('@');
  std::string head = s.spec.substr(0, at);
  if (head != "greedy" && head != "sample" && head != "lowT" && head != "entropix" && head != "vote") {
    at = std::string::npos;
    head = s.spec;
  }
  const std::string profile = at == std::string::npos ? "" : s.spec.substr(at + 1);
  if (at != std::string::npos && profile.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "sampler '" + text + "': name a profile after '@' (" + kForms + ")");
  }
  PolicyConfig& c = s.config;
  if (head == "greedy" && at == std::string::npos) {
    c.kind = PolicyKind::kGreedy;
  } else if (head == "sample") {
    c.kind = PolicyKind::kSample;
    if (at != std::string::npos) c.sample = ProfileOrDefault(profile, default_profile).base;
  } else if (head == "lowT") {
    c.kind = PolicyKind::kSample;
    c.sample = ProfileOrDefault(profile, default_profile).base;
    c.sample.temperature = kLowTemperature;
  } else if (head == "vote") {
    c.kind = PolicyKind::kGreedy;
    s.vote = ResolveVoteProfile(profile.empty() ? kDefaultVoteProfile : profile);
  } else if (head == "entropix") {
    c.kind = PolicyKind::kEntropix;
    c.profile = ProfileOrDefault(profile, default_profile);
  } else if (head != "greedy" && !s.spec.empty()) {
    c.kind = PolicyKind::kEntropix;
    c.profile = ResolveProfile(s.spec);
  } else {
    throw Error(ErrorCode::kInvalidArgument, "unknown sampler '" + text + "': " + kForms);
  }
  return s;
}

std::vector<SamplerSpec> ParseSamplerList(const std::string& list, const std::string& default_profile) {
  std::vector<SamplerSpec> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string text = list.substr(start, comma - start);
    start = comma + 1;
    if (text.empty()) continue;
    SamplerSpec s = ParseSamplerSpec(text, default_profile);
    if (!seen.insert(s.label).second) {
      throw Error(ErrorCode::kInvalidArgument, "--samplers: the label '" + s.label + "' is given twice");
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, "--samplers: name at least one sampler");
  return out;
}

}  // namespace entropix
