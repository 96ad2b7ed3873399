// How a conversation becomes prompt tokens: the one place that decides
// whether a chat template applies (the model's, or an override), renders it,
// and sets BOS and special-token parsing. `entropix run` and `entropix eval`
// both use it, so a sampler sees the same prompt in both.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tokenizer/chat_template.h"

namespace entropix {

class Model;
class Tokenizer;

// The system message `run`, `calibrate` and `eval` send in chat mode unless
// told otherwise: a neutral one, stated once so the three cannot drift apart.
// Sending none is not neutral: SmolLM2's template then injects its built-in
// "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
// which derails the Q4_1 model (docs/DECISIONS.md).
inline constexpr const char* kDefaultSystemPrompt = "You are a helpful assistant.";

struct PromptFormat {
  bool force_raw = false;     // never apply a chat template
  bool force_chat = false;    // require one (error if the model has none and no override)
  std::string chat_template;  // "" = the model's; else chatml | llama3 | gemma | none
  // Opt-in (--parse-special): special-token texts inside message contents
  // become control tokens too. Off by default: typed "<|im_end|>" stays text.
  bool parse_special_in_content = false;
};

// Without a template (base models, --raw, --chat-template none) the
// non-system contents are joined by "\n" and encoded as plain text. With one,
// the rendered conversation ends with the assistant's generation prompt, and
// only the template's markup becomes special tokens: roles and contents are
// plain text unless parse_special_in_content. *chat_applied tells which
// happened.
std::vector<int32_t> EncodeConversation(const Model& model, const Tokenizer& tokenizer,
                                        const PromptFormat& format,
                                        std::span<const ChatMessage> messages,
                                        bool* chat_applied = nullptr);

}  // namespace entropix
