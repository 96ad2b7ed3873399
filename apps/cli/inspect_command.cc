// `entropix inspect`: a GGUF file's metadata and tensors, and the verdict
// whether entropix can run it (--json: the same as one JSON object).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_dump.h"
#include "core/ggml_type.h"
#include "model/model.h"
#include "model_summary.h"
#include "model_flags.h"
#include "store/model_spec.h"
#include "store/model_store.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace fs = std::filesystem;

namespace {

// inspect --json: metadata, tensors and the summary as one object.
int InspectJson(const InspectArgs& a) {
  std::string path = a.path;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    if (const ModelSpec* spec = FindModelSpec(path)) path = CachedModelPath(*spec);
  }
  auto file = GgufFile::Open(path);
  nlohmann::json meta = nlohmann::json::object();
  for (const GgufKeyValue& kv : file->metadata()) {
    const std::string key(kv.key);
    const GgufValue& v = kv.value;
    const bool is_signed = v.type == GgufValueType::kInt8 || v.type == GgufValueType::kInt16 ||
                           v.type == GgufValueType::kInt32 || v.type == GgufValueType::kInt64;
    if (v.type == GgufValueType::kBool) meta[key] = v.scalar.u64 != 0;
    else if (v.is_integer()) meta[key] = is_signed ? nlohmann::json(v.scalar.i64) : nlohmann::json(v.scalar.u64);
    else if (v.is_float()) meta[key] = v.scalar.f64;
    else if (v.type == GgufValueType::kString) meta[key] = std::string(v.str);
    else meta[key] = {{"array_of", GgufValueTypeName(v.array.elem_type())}, {"count", v.array.size()}};
  }
  nlohmann::json tensors = nlohmann::json::array();
  for (const GgufTensorInfo& t : file->tensors()) {
    tensors.push_back({{"name", std::string(t.name)},
                       {"type", TypeName(t.type)},
                       {"shape", std::vector<int64_t>(t.ne, t.ne + t.n_dims)},
                       {"bytes", t.nbytes}});
  }
  const ModelSummary s = Summarize(path, a.path);
  nlohmann::json out = {{"file", path},          {"version", file->version()}, {"metadata", meta},
                        {"tensors", tensors},    {"summary", SummaryJson(s)}};
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return s.runnable ? 0 : 2;
}

}  // namespace

CLI::App* AddInspectCommand(CLI::App& app, InspectArgs& a) {
  CLI::App* cmd = app.add_subcommand("inspect", "Print a GGUF file's metadata, tensors and whether entropix can run it");
  cmd->add_option("model", a.path, "Path to a .gguf file, or a known model name")->required();
  cmd->add_flag("--all", a.all, "Print every array element");
  cmd->add_flag("--json", a.json, "Print the metadata, tensors and verdict as one JSON object");
  return cmd;
}

int InspectCommand(const InspectArgs& a) {
  if (a.json) return InspectJson(a);
  std::string path = a.path;
  if (!PathExists(path, "a model file")) {
    if (const ModelSpec* spec = FindModelSpec(path)) path = CachedModelPath(*spec);
  }
  auto file = GgufFile::Open(path);
  std::fputs(DescribeGguf(*file, a.all).c_str(), stdout);
  // The verdict: everything Run would do before the first token, on the
  // file already parsed.
  try {
    auto model = Model::Load(std::move(file));
    auto tokenizer = Tokenizer::FromGguf(model->file());
    const ModelConfig& c = model->config();
    std::string chat = "none (base model)";
    const std::string_view tmpl = model->file().GetStringOr("tokenizer.chat_template", "");
    if (!tmpl.empty()) {
      try {
        chat = ChatFormatName(DetectChatTemplate(tmpl).format);
      } catch (const Error& e) {
        chat = std::string("unrecognised (pass --chat-template): ") + e.what();
      }
    }
    std::printf(
        "\nverdict: would load: %s, %d layers, dim %d, ffn %d, %d heads (%d kv), head dim %d, "
        "vocab %d, context %d, %s output; chat template: %s\n",
        c.arch.c_str(), c.n_layers, c.model_dim, c.ffn_dim, c.n_heads, c.n_kv_heads, c.head_dim,
        c.vocab_size, c.context_length, c.tied_output ? "tied" : "separate", chat.c_str());
  } catch (const Error& e) {
    std::printf("\nverdict: would NOT load: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace entropix
