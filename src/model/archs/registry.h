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

// Hyper-parameters read from metadata are checked here, at load, so nothing
// downstream divides by zero or computes with inf/NaN; each throws
// Error(kCorruptFile) naming the key and the accepted range.
// An integer in [1, max]; `fallback` when absent (0: the key is required).
int ReadPositiveInt(const GgufFile& file, const std::string& key, uint64_t max, int fallback = 0);
// A finite number in (0, max]; `fallback` when absent.
float ReadPositiveFloat(const GgufFile& file, const std::string& key, double max, double fallback);

// Reads the keys every llama-like family stores under "<arch>.": block
// count, widths, heads, rope, norm epsilon. Throws Error for missing or
// inconsistent values.
ModelConfig ReadCommonConfig(const GgufFile& file, const std::string& arch);

// Reads the full config: common keys plus the family's own settings.
// Throws Error(kUnsupported) for an architecture not in the registry.
ModelConfig ReadModelConfig(const GgufFile& file);

}  // namespace entropix
