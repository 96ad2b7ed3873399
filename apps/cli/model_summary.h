// What `list`, `show` and `inspect --json` say about one GGUF file, and the
// models in the cache (model_summary.cc). Shared by those commands and
// `pull --list --json`.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace entropix {

struct ModelSpec;

// What `list`, `show` and `inspect --json` say about one GGUF file.
struct ModelSummary {
  std::string name, file, path, arch, general_name, quant, chat_template = "none (base model)";
  uint64_t file_bytes = 0, parameters = 0;
  int64_t context = 0;
  std::map<std::string, uint64_t> bytes_per_type;  // the quant mix
  bool runnable = false;
  std::string why_not;  // when not runnable
};

// The summary of the file at `path`; a file that does not parse is
// reported (not runnable, why), not thrown.
ModelSummary Summarize(const std::string& path, const std::string& name);
std::string HumanBytes(uint64_t b);  // "98 MB", "1.1 GB"
std::string HumanCount(uint64_t n);  // "135M", "1.54B"
nlohmann::json SummaryJson(const ModelSummary& s);
// The cached GGUF files, each under its known model name (else its stem).
std::vector<ModelSummary> CachedModels();
// Why entropix cannot run a catalogue entry before it is downloaded; "" when it can.
std::string CannotRunReason(const ModelSpec& m);
// A model argument as `show` takes it: a path, or a known name (cached).
std::string ResolveExisting(const std::string& name);

}  // namespace entropix
