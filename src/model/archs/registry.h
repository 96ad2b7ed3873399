// The architecture families we can run, each described by one ArchSpec in its
// own file under archs/. Adding a family: write archs/<name>.cc defining a
// spec, and add one line to kArchs in registry.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"

namespace entropix {

struct ArchSpec {
  const char* name;  // general.architecture value
  // Family-specific settings layered on the metadata every family shares
  // (ReadCommonConfig has already filled the common fields).
  void (*configure)(const GgufFile& file, ModelConfig& config);
};

const ArchSpec* FindArch(std::string_view name);
std::vector<std::string> SupportedArchNames();

// Reads the keys every llama-like family stores under "<arch>.": block
// count, widths, heads, rope, norm epsilon. Throws Error for missing or
// inconsistent values.
ModelConfig ReadCommonConfig(const GgufFile& file, const std::string& arch);

// Reads the full config: common keys plus the family's own settings.
// Throws Error(kUnsupported) for an architecture not in the registry.
ModelConfig ReadModelConfig(const GgufFile& file);

}  // namespace entropix
