// `entropix inspect`: a GGUF file's metadata and tensors, and the verdict
// whether entropix can run it (--json: model_commands.cc).
#include <cstdio>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_dump.h"
#include "model/model.h"
#include "model_commands.h"
#include "model_flags.h"
#include "store/model_spec.h"
#include "store/model_store.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

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
