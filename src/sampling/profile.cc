#include "sampling/profile.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "sampling/builtin_profiles.h"
#include "sampling/json_read.h"

namespace entropix {
namespace {

using json = nlohmann::json;

const char* ScoreName(BranchScore s) {
  return s == BranchScore::kMeanEntropy ? "mean_entropy" : "mean_logprob";
}

// Every field of a profile, exactly once: loading, saving and the list of
// known keys all go through here. f(section, key, field).
template <class P, class F>
void VisitFields(P& p, F&& f) {
  f("base", "temperature", p.base.temperature);
  f("base", "top_k", p.base.top_k);
  f("base", "top_p", p.base.top_p);
  f("base", "min_p", p.base.min_p);
  auto& t = p.thresholds;
  f("thresholds", "low_entropy", t.low_entropy);
  f("thresholds", "low_varentropy", t.low_varentropy);
  f("thresholds", "medium_entropy", t.medium_entropy);
  f("thresholds", "high_entropy", t.high_entropy);
  f("thresholds", "high_varentropy", t.high_varentropy);
  auto& c = p.coef;
  f("treading", "t_base", c.treading_t_base);
  f("treading", "t_attn_entropy", c.treading_t_attn_entropy);
  f("treading", "t_max", c.treading_t_max);
  f("exploring", "t_base", c.exploring_t_base);
  f("exploring", "t_interaction", c.exploring_t_interaction);
  f("exploring", "t_max", c.exploring_t_max);
  f("exploring", "k_agreement", c.exploring_k_agreement);
  f("exploring", "k_min", c.exploring_k_min);
  f("resampling", "t_base", c.resampling_t_base);
  f("resampling", "t_attn_varentropy", c.resampling_t_attn_varentropy);
  f("resampling", "t_min", c.resampling_t_min);
  f("resampling", "p_attn_entropy", c.resampling_p_attn_entropy);
  f("resampling", "p_min", c.resampling_p_min);
  f("adaptive", "t_logit", c.adaptive_t_logit);
  f("adaptive", "t_attn", c.adaptive_t_attn);
  f("adaptive", "t_agreement", c.adaptive_t_agreement);
  f("adaptive", "p_attn_varentropy", c.adaptive_p_attn_varentropy);
  f("adaptive", "p_min", c.adaptive_p_min);
  f("adaptive", "p_max", c.adaptive_p_max);
  f("adaptive", "k_interaction", c.adaptive_k_interaction);
  f("adaptive", "k_agreement", c.adaptive_k_agreement);
  f("adaptive", "k_min", c.adaptive_k_min);
  f("adaptive", "k_max", c.adaptive_k_max);
  f("adaptive", "minp_logit", c.adaptive_minp_logit);
  f("adaptive", "minp_min", c.adaptive_minp_min);
  f("adaptive", "minp_max", c.adaptive_minp_max);
  f("adaptive", "samples", c.adaptive_samples);
  f("adaptive", "logit_center", c.adaptive_logit_center);
  f("adaptive", "attn_center", c.adaptive_attn_center);
  f("adaptive", "min_temperature", c.min_temperature);
  f("attention", "layer", p.attention.layer);
  f("attention", "mean_over_layers", p.attention.mean_over_layers);
  f("pause", "text", p.pause.text);
  f("pause", "max_per_response", p.pause.max_per_response);
  f("branch", "enabled", p.branch.enabled);
  f("branch", "entropy", p.branch.entropy);
  f("branch", "varentropy", p.branch.varentropy);
  f("branch", "n_branches", p.branch.n_branches);
  f("branch", "max_tokens", p.branch.max_tokens);
  f("branch", "delimiters", p.branch.delimiters);
  f("branch", "score", p.branch.score);
  f("branch", "max_per_response", p.branch.max_per_response);
  f("fitted_on", "model", p.fitted_on.model);
  f("fitted_on", "file", p.fitted_on.file);
  f("fitted_on", "architecture", p.fitted_on.architecture);
  f("fitted_on", "vocab_size", p.fitted_on.vocab_size);
}

// The state sections live under "coefficients" in the file.
bool IsStateSection(std::string_view s) {
  return s == "treading" || s == "exploring" || s == "resampling" || s == "adaptive";
}

[[noreturn]] void Bad(std::string_view source, const std::string& what) {
  json_read::Fail("profile " + std::string(source), what);
}

template <class T>
void Read(const json& v, T& out, std::string_view source, const std::string& key) {
  try {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int> || std::is_same_v<T, double>) {
      json_read::Read(v, out, "profile " + std::string(source), key);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) Bad(source, key + " must be a string");
      out = v.get<std::string>();
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (!v.is_array()) Bad(source, key + " must be an array of strings");
      out.clear();
      for (const auto& e : v) {
        if (!e.is_string()) Bad(source, key + " must be an array of strings");
        out.push_back(e.get<std::string>());
      }
    } else if constexpr (std::is_same_v<T, BranchScore>) {
      const std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "mean_logprob") out = BranchScore::kMeanLogprob;
      else if (s == "mean_entropy") out = BranchScore::kMeanEntropy;
      else Bad(source, key + " must be \"mean_logprob\" or \"mean_entropy\"");
    }
  } catch (const json::exception& e) {
    Bad(source, key + ": " + e.what());
  }
}

void Validate(const Profile& p, std::string_view source) {
  auto need = [&](bool ok, const char* what) {
    if (!ok) Bad(source, what);
  };
  need(p.base.temperature > 0.0, "base.temperature must be > 0");
  need(p.base.top_k >= 0, "base.top_k must be >= 0 (0 = off)");
  need(p.base.top_p > 0.0 && p.base.top_p <= 1.0, "base.top_p must be in (0, 1]");
  need(p.base.min_p >= 0.0 && p.base.min_p < 1.0, "base.min_p must be in [0, 1)");
  const auto& t = p.thresholds;
  need(t.low_entropy >= 0 && t.low_varentropy >= 0 && t.medium_entropy >= 0 &&
           t.high_entropy >= 0 && t.high_varentropy >= 0,
       "thresholds must be >= 0 (bits)");
  const auto& c = p.coef;
  need(c.adaptive_samples >= 1 && c.adaptive_samples <= 64, "adaptive.samples must be in 1..64");
  need(c.adaptive_k_min >= 1 && c.adaptive_k_max >= c.adaptive_k_min, "adaptive.k_min/k_max: need 1 <= k_min <= k_max");
  need(c.adaptive_p_min > 0 && c.adaptive_p_max <= 1 && c.adaptive_p_min <= c.adaptive_p_max,
       "adaptive.p_min/p_max: need 0 < p_min <= p_max <= 1");
  need(c.adaptive_minp_min >= 0 && c.adaptive_minp_max < 1 && c.adaptive_minp_min <= c.adaptive_minp_max,
       "adaptive.minp_min/minp_max: need 0 <= minp_min <= minp_max < 1");
  need(c.exploring_k_min >= 1, "exploring.k_min must be >= 1");
  need(c.min_temperature > 0, "adaptive.min_temperature must be > 0");
  need(p.pause.max_per_response >= 0, "pause.max_per_response must be >= 0");
  need(p.branch.n_branches >= 1 && p.branch.n_branches <= 32, "branch.n_branches must be in 1..32");
  need(p.branch.max_tokens >= 1 && p.branch.max_tokens <= 1024, "branch.max_tokens must be in 1..1024");
  need(p.branch.max_per_response >= 0, "branch.max_per_response must be >= 0");
}

}  // namespace

Profile ParseProfile(std::string_view text, std::string_view source) {
  const json j = json_read::ParseObject(text, "profile " + std::string(source));
  Profile p;
  static const std::set<std::string> kTop = {"format", "name", "description", "units", "policy",
                                             "fitted_on", "base", "thresholds", "coefficients",
                                             "attention", "pause", "branch", "calibration"};
  for (const auto& [k, v] : j.items()) {
    if (!kTop.count(k)) Bad(source, "unknown key \"" + k + "\"");
  }
  if (j.contains("policy") && j["policy"] != "entropix") {
    Bad(source, "policy must be \"entropix\" (greedy and sample take their settings from flags)");
  }
  if (j.contains("name")) Read(j["name"], p.name, source, "name");
  if (j.contains("description")) Read(j["description"], p.description, source, "description");
  if (j.contains("calibration")) p.calibration_json = j["calibration"].dump();
  std::set<std::string> known;
  VisitFields(p, [&](const char* section, const char* key, auto& field) {
    const std::string path = IsStateSection(section)
                                 ? std::string("coefficients.") + section + "." + key
                                 : std::string(section) + "." + key;
    known.insert(path);
    const json* node = &j;
    if (IsStateSection(section)) {
      if (!node->contains("coefficients")) return;
      node = &(*node)["coefficients"];
    }
    if (!node->contains(section)) return;
    const json& sec = (*node)[section];
    if (!sec.is_object()) Bad(source, std::string(section) + " must be an object");
    if (sec.contains(key)) Read(sec[key], field, source, path);
  });
  // Unknown keys inside sections are errors: a typo must not silently fall back to a default.
  for (const char* section : {"base", "thresholds", "attention", "pause", "branch", "fitted_on"}) {
    if (!j.contains(section)) continue;
    for (const auto& [k, v] : j[section].items()) {
      if (!known.count(std::string(section) + "." + k)) Bad(source, "unknown key \"" + std::string(section) + "." + k + "\"");
    }
  }
  if (j.contains("coefficients")) {
    if (!j["coefficients"].is_object()) Bad(source, "coefficients must be an object");
    for (const auto& [s, sec] : j["coefficients"].items()) {
      if (!IsStateSection(s)) Bad(source, "unknown key \"coefficients." + s + "\"");
      for (const auto& [k, v] : sec.items()) {
        if (!known.count("coefficients." + s + "." + k)) Bad(source, "unknown key \"coefficients." + s + "." + k + "\"");
      }
    }
  }
  Validate(p, source);
  return p;
}

Profile LoadProfileFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read profile file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseProfile(ss.str(), path);
}

std::string ProfileToJson(const Profile& p) {
  json j = json::object();
  j["format"] = "entropix-profile/1";
  j["name"] = p.name;
  j["description"] = p.description;
  j["units"] = {{"entropy", "bits"},
                {"varentropy", "bits^2"},
                {"thresholds", "bits (varentropy thresholds: bits^2)"},
                {"attention_entropy", "bits"},
                {"interaction_strength", "|q.k|/sqrt(head_dim), dimensionless"},
                {"agreement", "probability mass, dimensionless"}};
  j["policy"] = "entropix";
  VisitFields(const_cast<Profile&>(p), [&](const char* section, const char* key, auto& field) {
    json& sec = IsStateSection(section) ? j["coefficients"][section] : j[section];
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, BranchScore>) {
      sec[key] = ScoreName(field);
    } else {
      sec[key] = field;
    }
  });
  j["calibration"] = json::parse(p.calibration_json);
  return j.dump(2) + "\n";
}

std::vector<std::string> BuiltinProfileNames() {
  std::vector<std::string> names;
  for (const auto& b : BuiltinProfileTexts()) names.emplace_back(b.name);
  return names;
}

bool HasBuiltinProfile(std::string_view name) {
  for (const auto& b : BuiltinProfileTexts()) {
    if (b.name == name) return true;
  }
  return false;
}

Profile BuiltinProfile(std::string_view name) {
  for (const auto& b : BuiltinProfileTexts()) {
    if (b.name == name) return ParseProfile(b.json, "built-in " + std::string(name));
  }
  std::string names;
  for (const auto& n : BuiltinProfileNames()) names += (names.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kNotFound,
              "no profile file or built-in profile named '" + std::string(name) + "' (built-in: " + names + ")");
}

Profile ResolveProfile(const std::string& name_or_path) {
  // The non-throwing overload: a name that cannot be a path (a component over
  // NAME_MAX) must be an Error, not a std::filesystem_error.
  std::error_code ec;
  if (std::filesystem::exists(name_or_path, ec)) return LoadProfileFile(name_or_path);
  if (ec) {
    throw Error(ErrorCode::kIo, "cannot use '" + name_or_path + "' as a profile file: " + ec.message() +
                                    " (give a JSON file or a built-in name)");
  }
  return BuiltinProfile(name_or_path);
}

std::string DefaultProfileFor(std::string_view model_name, int vocab_size) {
  for (const auto& b : BuiltinProfileTexts()) {
    const Profile p = ParseProfile(b.json, b.name);
    if (!p.fitted_on.model.empty() && p.fitted_on.model == model_name &&
        p.fitted_on.vocab_size == vocab_size && !p.branch.enabled) {
      return p.name;
    }
  }
  return "entropix-g2";
}

}  // namespace entropix
