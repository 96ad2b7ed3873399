#include "runtime/prompt.h"

#include "core/error.h"
#include "io/gguf.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

std::vector<int32_t> EncodeConversation(const Model& model, const Tokenizer& tokenizer,
                                        const PromptFormat& f,
                                        std::span<const ChatMessage> messages, bool* chat_applied) {
  const std::string_view tmpl_src = model.file().GetStringOr("tokenizer.chat_template", "");
  ChatTemplate tmpl;  // kNone: the contents joined by "\n"
  if (!f.force_raw) {
    if (!f.chat_template.empty()) {
      tmpl = ChatTemplateFor(ParseChatFormat(f.chat_template));
    } else if (!tmpl_src.empty()) {
      tmpl = DetectChatTemplate(tmpl_src);
    } else if (f.force_chat) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--chat: this model has no chat template; pass --chat-template chatml|llama3|gemma");
    }
  }
  if (chat_applied) *chat_applied = tmpl.format != ChatFormat::kNone;
  std::vector<ChatMessage> kept;  // a base model just continues text: no system message
  for (const auto& m : messages) {
    if (tmpl.format != ChatFormat::kNone || m.role != "system") kept.push_back(m);
  }
  const bool generation_prompt = tmpl.format != ChatFormat::kNone;
  const std::vector<ChatSegment> segments = RenderChatSegments(tmpl, kept, generation_prompt);
  std::vector<TextPiece> pieces;
  pieces.reserve(segments.size());
  for (const ChatSegment& s : segments) pieces.push_back({s.text, s.markup || f.parse_special_in_content});
  // Templates that spell out the BOS token (Llama 3, Gemma) must not get a second one.
  return tokenizer.Encode(pieces, tokenizer.add_bos_default() && !tmpl.renders_bos);
}

}  // namespace entropix
