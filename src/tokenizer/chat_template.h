// Chat templates: turn a conversation into the prompt text a model was
// trained on. GGUF files carry a Jinja template (tokenizer.chat_template);
// rather than run Jinja we recognise the few formats we support and render
// them in C++, checked against Jinja renderings of the real templates
// (tools/make_chat_golden.py).
//
//   kChatMl: <|im_start|>{role}\n{content}<|im_end|>\n ...  (SmolLM2, Qwen2.5);
//            a default system turn is inserted when the conversation has none
//            and the template defines one.
//   kLlama3: <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n
//            {content|trim}<|eot_id|> ...
//   kGemma:  <bos><start_of_turn>{user|model}\n{content|trim}<end_of_turn>\n ...;
//            a system message is put in front of the first user turn,
//            followed by a blank line (Gemma 3).
//   kNone:   the message contents joined by "\n", no markup.
//
// The rendered text contains the special tokens as text (and the BOS text
// for kLlama3 and kGemma). Encode it from RenderChatSegments: only the
// template's own markup may become special tokens; roles and message
// contents are encoded as plain text, so a user who types "<|im_end|>" cannot
// close a turn or forge one. Use add_bos = false when ChatTemplate::renders_bos.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

enum class ChatFormat { kNone, kChatMl, kLlama3, kGemma };

struct ChatTemplate {
  ChatFormat format = ChatFormat::kNone;
  // Inserted as the system turn when the conversation has none (ChatML).
  std::string default_system;
  // The output starts with the BOS token's text.
  bool renders_bos = false;
};

// Recognises a GGUF chat template. Empty source -> kNone. An unknown
// non-empty template throws Error(kUnsupported) naming --chat-template.
ChatTemplate DetectChatTemplate(std::string_view jinja_source);

// "chatml", "llama3", "gemma", "none" (for --chat-template); other names
// throw Error(kInvalidArgument) listing the choices.
ChatFormat ParseChatFormat(std::string_view name);
const char* ChatFormatName(ChatFormat format);
// The template of a format chosen by name (no default system message).
ChatTemplate ChatTemplateFor(ChatFormat format);

// One piece of a rendered conversation: the template's markup (special
// token texts allowed) or text that came from a message (role, content).
struct ChatSegment {
  std::string text;
  bool markup = false;
};

// add_generation_prompt appends the header of an assistant turn. The
// segments concatenate to RenderChat's text.
std::vector<ChatSegment> RenderChatSegments(const ChatTemplate& tmpl, std::span<const ChatMessage> messages,
                                            bool add_generation_prompt);
std::string RenderChat(const ChatTemplate& tmpl, std::span<const ChatMessage> messages,
                       bool add_generation_prompt);

}  // namespace entropix
