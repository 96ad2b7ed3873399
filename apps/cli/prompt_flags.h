// How a prompt becomes tokens: chat template or raw text (prompt_flags.cc).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/prompt.h"

namespace entropix {

class Model;
class Tokenizer;

struct PromptArgs {
  // The system message in chat mode. A neutral one by default: SmolLM2's
  // built-in message ("You are a helpful AI assistant named SmolLM...")
  // derails the Q4_1 model (greedy answers to simple questions turn into
  // French nonsense, identically in llama.cpp). --template-system restores
  // the template's own. The same one as `eval` (runtime/prompt.h).
  std::string system_prompt = kDefaultSystemPrompt;
  bool template_system = false;
  bool force_chat = false;
  bool force_raw = false;
  bool parse_special = false;  // special-token texts in the prompt become control tokens
  std::string chat_template;
};
void AddPromptFlags(CLI::App* cmd, PromptArgs& args);
// The prompt as tokens: through the chat template for instruct models (or
// with --chat), raw otherwise. *chat_out: whether the template was applied.
std::vector<int32_t> BuildPrompt(const Model& model, const Tokenizer& tokenizer, const PromptArgs& a,
                                 const std::string& user_text, bool* chat_out);

}  // namespace entropix
