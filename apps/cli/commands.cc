#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_dump.h"
#include "model/model.h"
#include "runtime/session.h"
#include "store/model_store.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

}  // namespace

void AddModelFlags(CLI::App* cmd, ModelArgs& args) {
  cmd->add_option("-m,--model", args.model,
                  "GGUF file or known model name (default: smollm2-135m, downloaded on first use)");
  cmd->add_option("-t,--threads", args.threads, "Threads (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("-c,--ctx-size", args.context, "Context size in tokens")->check(CLI::Range(16, 1 << 20));
}

std::string ResolveModelPath(const std::string& arg) {
  const std::string name = arg.empty() ? "default" : arg;
  if (!arg.empty() && std::filesystem::exists(arg)) return arg;
  if (const ModelSpec* spec = FindModelSpec(name)) {
    const std::string path = CachedModelPath(*spec);
    if (std::filesystem::exists(path)) return path;
    std::fprintf(stderr, "entropix: %s is not in the cache yet; downloading it (once)\n",
                 spec->name.c_str());
    return PullModel(*spec);
  }
  throw Error(ErrorCode::kNotFound, "no such model file: '" + arg +
                                        "' (give a path to a .gguf file or a known model name; "
                                        "`entropix pull --list` lists them)");
}

int RunCommand(const RunArgs& a) {
  const std::string path = ResolveModelPath(a.model.model);
  auto model = Model::Load(path);
  auto tokenizer = Tokenizer::FromGguf(model->file());

  // Chat mode: instruct models carry a chat template; base models do not.
  const std::string_view tmpl_src = model->file().GetStringOr("tokenizer.chat_template", "");
  bool chat = !a.force_raw && (a.force_chat || !tmpl_src.empty() || !a.chat_template.empty());
  std::vector<int32_t> prompt;
  if (chat) {
    ChatTemplate tmpl;
    if (!a.chat_template.empty()) {
      tmpl = ChatTemplateFor(ParseChatFormat(a.chat_template));
      if (tmpl.format == ChatFormat::kNone) chat = false;
    } else if (!tmpl_src.empty()) {
      tmpl = DetectChatTemplate(tmpl_src);
    } else {
      throw Error(ErrorCode::kInvalidArgument,
                  "--chat: this model has no chat template; pass --chat-template chatml|llama3|gemma");
    }
    if (chat) {
      std::vector<ChatMessage> messages;
      if (!a.template_system && !a.system_prompt.empty()) messages.push_back({"system", a.system_prompt});
      messages.push_back({"user", a.prompt});
      const std::string text = RenderChat(tmpl, messages, /*add_generation_prompt=*/true);
      // Templates that spell out the BOS token (Llama 3, Gemma) must not get a second one.
      const bool add_bos = tokenizer->add_bos_default() && !tmpl.renders_bos;
      prompt = tokenizer->Encode(text, add_bos, /*parse_special=*/true);
    }
  }
  if (!chat) prompt = tokenizer->Encode(a.prompt, tokenizer->add_bos_default(), /*parse_special=*/false);

  SessionOptions so;
  so.n_threads = a.model.threads;
  so.context = a.model.context;
  Session session(*model, tokenizer.get(), so);
  GenerateOptions go;
  go.max_tokens = a.max_tokens;
  go.temperature = a.temperature;
  go.seed = a.seed;
  if (!chat) {
    std::fwrite(a.prompt.data(), 1, a.prompt.size(), stdout);
  }
  const GenerationResult r = session.Generate(prompt, go, [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!a.no_timings) {
    const int n = static_cast<int>(r.tokens.size());
    std::fprintf(stderr,
                 "\n[prompt: %d tokens, %.1f tok/s | decode: %d tokens, %.1f tok/s | %d threads | "
                 "stop: %s]\n",
                 r.prompt_tokens, r.prompt_tokens / std::max(r.prompt_seconds, 1e-9), n,
                 n / std::max(r.decode_seconds, 1e-9), session.pool().size(),
                 StopReasonName(r.stop));
  }
  return 0;
}

int InspectCommand(const InspectArgs& a) {
  std::string path = a.path;
  if (!std::filesystem::exists(path)) {
    if (const ModelSpec* spec = FindModelSpec(path)) path = CachedModelPath(*spec);
  }
  auto file = GgufFile::Open(path);
  std::fputs(DescribeGguf(*file, a.all).c_str(), stdout);
  // The verdict: everything Run would do before the first token.
  try {
    auto model = Model::Load(path);
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

int PullCommand(const PullArgs& a) {
  if (a.list || a.name.empty()) {
    for (const ModelSpec& m : KnownModels()) {
      const bool cached = std::filesystem::exists(CachedModelPath(m));
      std::printf("%-22s %s%s\n", m.name.c_str(), m.description.c_str(), cached ? " [cached]" : "");
    }
    if (!a.list) {
      std::fprintf(stderr, "entropix pull: name a model to download, e.g. `entropix pull smollm2-135m`\n");
      return 2;
    }
    return 0;
  }
  const ModelSpec* spec = FindModelSpec(a.name);
  if (!spec) {
    std::string names;
    for (const ModelSpec& m : KnownModels()) names += (names.empty() ? "" : ", ") + m.name;
    throw Error(ErrorCode::kNotFound, "unknown model '" + a.name + "' (known: " + names + ")");
  }
  std::printf("%s\n", PullModel(*spec, a.force).c_str());
  return 0;
}

}  // namespace entropix
