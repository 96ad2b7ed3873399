// Sampler profiles: every number the entropix policy uses, with units, and
// the model the thresholds were fitted on. Stored as JSON files (profiles/ in
// the repository; the built-in ones are compiled in). All entropies and
// thresholds are in bits; varentropies in bits^2.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sampling/metrics.h"
#include "sampling/transforms.h"

namespace entropix {

// Checked in the order of SAMPLER.md section 3. Bits (varentropy: bits^2).
struct EntropixThresholds {
  double low_entropy = 0.1;
  double low_varentropy = 0.1;
  double medium_entropy = 3.0;
  double high_entropy = 5.0;
  double high_varentropy = 5.0;
};

// The coefficients of the state table, named after the state and the term.
// T0, k0, p0, m0 are the base temperature, top-k, top-p and min-p.
struct EntropixCoefficients {
  // treading: T = min(t_max, T0 * (t_base + t_attn_entropy * attn_entropy))
  double treading_t_base = 1.3, treading_t_attn_entropy = 0.2, treading_t_max = 1.5;
  // exploring: T = min(t_max, T0 * (t_base + t_interaction * interaction_strength)),
  //            k = max(k_min, floor(k0 * (1 + k_agreement * (1 - agreement))))
  double exploring_t_base = 1.2, exploring_t_interaction = 0.3, exploring_t_max = 1.5;
  double exploring_k_agreement = 0.5;
  int exploring_k_min = 5;
  // resampling: T = max(t_min, T0 * (t_base + t_attn_varentropy * attn_varentropy)),
  //             p = max(p_min, p0 - p_attn_entropy * attn_entropy)
  double resampling_t_base = 2.0, resampling_t_attn_varentropy = 0.5, resampling_t_min = 2.0;
  double resampling_p_attn_entropy = 0.2, resampling_p_min = 0.5;
  // adaptive: T = T0 * (1 + t_logit * (H + V - logit_center)
  //                       + t_attn * (attn_entropy + attn_varentropy - attn_center)
  //                       - t_agreement * agreement)
  //           p = clip(p0 * (1 + p_attn_varentropy * attn_varentropy), p_min, p_max)
  //           k = clip(round(k0 * (1 + k_interaction * interaction - k_agreement * agreement)), k_min, k_max)
  //           m = clip(m0 * (1 - minp_logit * (H + V - logit_center)), minp_min, minp_max)
  //           draw `samples` tokens, keep the most likely under the untempered distribution
  double adaptive_t_logit = 0.3, adaptive_t_attn = 0.2, adaptive_t_agreement = 0.2;
  double adaptive_p_attn_varentropy = 0.1, adaptive_p_min = 0.1, adaptive_p_max = 1.0;
  double adaptive_k_interaction = 0.3, adaptive_k_agreement = 0.2;
  int adaptive_k_min = 1, adaptive_k_max = 100;
  double adaptive_minp_logit = 0.5, adaptive_minp_min = 0.01, adaptive_minp_max = 0.5;
  int adaptive_samples = 5;
  // Centres of the signal sums (0 in the reference). Calibration sets them to
  // the model's medians over adaptive steps, so that a typical adaptive step
  // samples at T0 and deviations move T and min-p as the reference intends
  // (our extension; docs/SAMPLER_IMPL.md).
  double adaptive_logit_center = 0.0, adaptive_attn_center = 0.0;
  // Floor applied to every effective temperature (the adaptive formula can
  // reach 0 with a large agreement).
  double min_temperature = 1e-3;
};

struct PauseParams {
  std::string text = " ...";  // resolved through the model's tokenizer; "" disables
  int max_per_response = 4;   // insertions per response
};

enum class BranchScore { kMeanLogprob, kMeanEntropy };

// Entropy-gated branching (SAMPLER.md section 5).
struct BranchParams {
  bool enabled = false;
  double entropy = 3.0;     // branch when H > entropy ...
  double varentropy = 5.0;  // ... and V > varentropy (bits, bits^2)
  int n_branches = 3;       // distinct first tokens
  int max_tokens = 16;      // rollout length L, first token included
  std::vector<std::string> delimiters = {". ", ".\n", "\n", "? ", "?", "! ", "!"};
  BranchScore score = BranchScore::kMeanLogprob;
  int max_per_response = 8;
};

struct FittedOn {
  std::string model;     // general.name, or "reference" for the published defaults
  std::string file;      // file name the profile was fitted with
  std::string architecture;
  int vocab_size = 0;    // 0: any
};

struct Profile {
  std::string name;
  std::string description;
  FittedOn fitted_on;
  SamplingParams base{0.666, 27, 0.90, 0.03};  // T0, k0, p0, m0
  EntropixThresholds thresholds;
  EntropixCoefficients coef;
  AttentionLayerChoice attention;  // default: last layer
  PauseParams pause;
  BranchParams branch;
  std::string calibration_json = "null";  // the calibration record, kept verbatim
};

// Throws Error(kCorruptFile) naming `source` and the field for bad JSON,
// unknown keys, wrong types or out-of-range values.
Profile ParseProfile(std::string_view json_text, std::string_view source);
Profile LoadProfileFile(const std::string& path);
std::string ProfileToJson(const Profile& p);  // pretty-printed, with a units block

// Built-in profiles (profiles/*.json compiled in).
std::vector<std::string> BuiltinProfileNames();
bool HasBuiltinProfile(std::string_view name);
Profile BuiltinProfile(std::string_view name);  // Error(kNotFound) if absent
// A path to a JSON file, or a built-in name.
Profile ResolveProfile(const std::string& name_or_path);
// The built-in profile fitted on a model with this general.name and vocabulary
// size, else "entropix-g2".
std::string DefaultProfileFor(std::string_view model_name, int vocab_size);

}  // namespace entropix
