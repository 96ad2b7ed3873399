// `entropix show`: a model's summary (parameters, context, template, quant
// mix), optionally its tensor table.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "core/ggml_type.h"
#include "io/gguf.h"
#include "model_summary.h"
#include "store/model_store.h"

namespace entropix {
namespace fs = std::filesystem;

CLI::App* AddShowCommand(CLI::App& app, ShowArgs& a) {
  CLI::App* cmd = app.add_subcommand("show", "Summarise a model: parameters, context, template, quant mix");
  cmd->add_option("name", a.name, "A known model name (cached) or a .gguf path")->required();
  cmd->add_flag("--tensors", a.tensors, "Also print the tensor table");
  cmd->add_flag("--json", a.json, "The summary as a JSON object");
  return cmd;
}

int ShowCommand(const ShowArgs& a) {
  const std::string path = ResolveExisting(a.name);
  const ModelSummary s = Summarize(path, a.name);
  if (a.json) {
    std::printf("%s\n", SummaryJson(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return s.runnable ? 0 : 2;
  }
  std::printf("%s (%s)\n", s.name.c_str(), s.general_name.c_str());
  std::printf("  file          %s, %s\n", s.path.c_str(), HumanBytes(s.file_bytes).c_str());
  std::printf("  architecture  %s\n  parameters    %s\n  context       %lld tokens\n", s.arch.c_str(),
              HumanCount(s.parameters).c_str(), static_cast<long long>(s.context));
  std::printf("  chat template %s\n  quant mix    ", s.chat_template.c_str());
  uint64_t total = 0;
  for (const auto& kv : s.bytes_per_type) total += kv.second;
  for (const auto& [type, bytes] : s.bytes_per_type) {
    std::printf(" %s %.1f%%", type.c_str(), 100.0 * bytes / std::max<uint64_t>(total, 1));
  }
  std::printf(" (of tensor bytes)\n  runnable      %s\n", s.runnable ? "yes" : ("no: " + s.why_not).c_str());
  if (a.tensors) {
    auto file = GgufFile::Open(path);
    std::printf("\n%-40s %-6s %-24s %12s\n", "TENSOR", "TYPE", "SHAPE", "BYTES");
    for (const GgufTensorInfo& t : file->tensors()) {
      std::string shape;
      for (int d = 0; d < t.n_dims; ++d) shape += (d ? " x " : "") + std::to_string(t.ne[d]);
      std::printf("%-40.*s %-6s %-24s %12llu\n", static_cast<int>(t.name.size()), t.name.data(), TypeName(t.type),
                  shape.c_str(), static_cast<unsigned long long>(t.nbytes));
    }
  }
  return s.runnable ? 0 : 2;
}

}  // namespace entropix
