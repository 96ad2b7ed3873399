// How a prompt becomes tokens: the chat-template flags and BuildPrompt.
#include "prompt_flags.h"

#include "model/model.h"
#include "runtime/prompt.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

void AddPromptFlags(CLI::App* cmd, PromptArgs& args) {
  auto* sys = cmd->add_option("--sys,--system-prompt,--system", args.system_prompt, "System message in chat mode")
                  ->capture_default_str();
  cmd->add_flag("--template-system", args.template_system,
                "Use the chat template's built-in system message instead")->excludes(sys);
  auto* chat = cmd->add_flag("--chat", args.force_chat, "Apply the model's chat template (default for instruct models)");
  cmd->add_flag("--raw", args.force_raw, "Feed the prompt as is, without a chat template")->excludes(chat);
  cmd->add_option("--chat-template", args.chat_template,
                  "Override the chat template: chatml, llama3, gemma or none");
  cmd->add_flag("--parse-special", args.parse_special,
                "Let special-token texts typed in the prompt or --sys (e.g. <|im_end|>) become control "
                "tokens; by default only the chat template's own markup does");
}

// The prompt as tokens: through the chat template for instruct models (or
// with --chat), raw otherwise. *chat_out: whether the template was applied.
std::vector<int32_t> BuildPrompt(const Model& model, const Tokenizer& tokenizer, const PromptArgs& a,
                                 const std::string& user_text, bool* chat_out) {
  std::vector<ChatMessage> messages;
  if (!a.template_system && !a.system_prompt.empty()) messages.push_back({"system", a.system_prompt});
  messages.push_back({"user", user_text});
  const PromptFormat format{a.force_raw, a.force_chat, a.chat_template, a.parse_special};
  return EncodeConversation(model, tokenizer, format, messages, chat_out);
}

}  // namespace entropix
