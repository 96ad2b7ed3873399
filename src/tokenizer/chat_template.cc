#include "tokenizer/chat_template.h"

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace entropix {

namespace {

// Jinja's |trim is Python's str.strip(): Unicode White_Space plus the
// information separators U+001C..U+001F.
bool IsPySpace(uint32_t cp) { return IsWhitespace(UnicodeFlags(cp)) || (cp >= 0x1C && cp <= 0x1F); }

std::string_view Trim(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t pos = begin;
    if (!IsPySpace(DecodeUtf8(s, &pos))) break;
    begin = pos;
  }
  size_t end = begin;  // one past the last non-space character
  for (size_t pos = begin; pos < s.size();) {
    if (!IsPySpace(DecodeUtf8(s, &pos))) end = pos;
  }
  return s.substr(begin, end - begin);
}

// Finds a literal default system message in a ChatML template: the text of a
// string literal that continues "<|im_start|>system" + newline up to
// "<|im_end|>" without leaving the literal. Returns "" if there is none.
std::string FindChatMlDefaultSystem(std::string_view src) {
  constexpr std::string_view kHead = "<|im_start|>system";
  for (size_t at = src.find(kHead); at != std::string_view::npos; at = src.find(kHead, at + 1)) {
    size_t p = at + kHead.size();
    if (src.substr(p, 1) == "\n") {
      p += 1;
    } else if (src.substr(p, 2) == "\\n") {
      p += 2;
    } else {
      continue;
    }
    const size_t end = src.find("<|im_end|>", p);
    if (end == std::string_view::npos) continue;
    const std::string_view body = src.substr(p, end - p);
    if (body.empty() || body.find_first_of("'\"{}") != std::string_view::npos) continue;
    std::string out;  // undo the Jinja string escapes
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) {
        const char e = body[++i];
        out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      } else {
        out.push_back(body[i]);
      }
    }
    return out;
  }
  return {};
}

bool Contains(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

}  // namespace

ChatTemplate DetectChatTemplate(std::string_view src) {
  ChatTemplate t;
  if (src.empty()) return t;
  if (Contains(src, "<|im_start|>")) {
    t.format = ChatFormat::kChatMl;
    t.default_system = FindChatMlDefaultSystem(src);
    return t;
  }
  if (Contains(src, "<|start_header_id|>")) return ChatTemplateFor(ChatFormat::kLlama3);
  if (Contains(src, "<start_of_turn>")) return ChatTemplateFor(ChatFormat::kGemma);
  throw Error(ErrorCode::kUnsupported,
              "the model's chat template (tokenizer.chat_template) is not one we recognise; pass "
              "--chat-template chatml|llama3|gemma|none to choose the format");
}

ChatFormat ParseChatFormat(std::string_view name) {
  if (name == "chatml") return ChatFormat::kChatMl;
  if (name == "llama3") return ChatFormat::kLlama3;
  if (name == "gemma") return ChatFormat::kGemma;
  if (name == "none") return ChatFormat::kNone;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown chat template '" + std::string(name) + "'; choose one of: chatml, llama3, gemma, none");
}

const char* ChatFormatName(ChatFormat format) {
  switch (format) {
    case ChatFormat::kNone: return "none";
    case ChatFormat::kChatMl: return "chatml";
    case ChatFormat::kLlama3: return "llama3";
    case ChatFormat::kGemma: return "gemma";
  }
  return "?";
}

ChatTemplate ChatTemplateFor(ChatFormat format) {
  ChatTemplate t;
  t.format = format;
  t.renders_bos = format == ChatFormat::kLlama3 || format == ChatFormat::kGemma;
  return t;
}

namespace {

// Appends to a segment list, merging neighbours of the same kind.
class SegmentWriter {
 public:
  SegmentWriter& Markup(std::string_view s) { return Add(s, true); }
  SegmentWriter& Text(std::string_view s) { return Add(s, false); }
  std::vector<ChatSegment> Take() { return std::move(out_); }

 private:
  SegmentWriter& Add(std::string_view s, bool markup) {
    if (s.empty()) return *this;
    if (out_.empty() || out_.back().markup != markup) out_.push_back({std::string(), markup});
    out_.back().text.append(s);
    return *this;
  }
  std::vector<ChatSegment> out_;
};

void RenderChatMl(const ChatTemplate& tmpl, std::span<const ChatMessage> messages, SegmentWriter& w) {
  if (!tmpl.default_system.empty() && (messages.empty() || messages[0].role != "system")) {
    w.Markup("<|im_start|>system\n" + tmpl.default_system + "<|im_end|>\n");
  }
  for (const ChatMessage& m : messages) {
    w.Markup("<|im_start|>").Text(m.role).Markup("\n").Text(m.content).Markup("<|im_end|>\n");
  }
}

void RenderLlama3(std::span<const ChatMessage> messages, SegmentWriter& w) {
  w.Markup("<|begin_of_text|>");
  for (const ChatMessage& m : messages) {
    w.Markup("<|start_header_id|>").Text(m.role).Markup("<|end_header_id|>\n\n");
    w.Text(Trim(m.content)).Markup("<|eot_id|>");
  }
}

void RenderGemma(std::span<const ChatMessage> messages, SegmentWriter& w) {
  w.Markup("<bos>");
  size_t first = 0;
  const bool has_system = !messages.empty() && messages[0].role == "system";
  if (has_system) first = 1;  // Gemma has no system role: it goes before the first user turn
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    w.Markup("<start_of_turn>").Text(m.role == "assistant" ? std::string_view("model") : m.role).Markup("\n");
    if (i == first && has_system) w.Text(messages[0].content).Markup("\n\n");
    w.Text(Trim(m.content)).Markup("<end_of_turn>\n");
  }
}

}  // namespace

std::vector<ChatSegment> RenderChatSegments(const ChatTemplate& tmpl, std::span<const ChatMessage> messages,
                                            bool add_generation_prompt) {
  SegmentWriter w;
  switch (tmpl.format) {
    case ChatFormat::kNone:
      for (size_t i = 0; i < messages.size(); ++i) {
        if (i > 0) w.Text("\n");
        w.Text(messages[i].content);
      }
      return w.Take();
    case ChatFormat::kChatMl:
      RenderChatMl(tmpl, messages, w);
      if (add_generation_prompt) w.Markup("<|im_start|>assistant\n");
      break;
    case ChatFormat::kLlama3:
      RenderLlama3(messages, w);
      if (add_generation_prompt) w.Markup("<|start_header_id|>assistant<|end_header_id|>\n\n");
      break;
    case ChatFormat::kGemma:
      RenderGemma(messages, w);
      if (add_generation_prompt) w.Markup("<start_of_turn>model\n");
      break;
  }
  return w.Take();
}

std::string RenderChat(const ChatTemplate& tmpl, std::span<const ChatMessage> messages,
                       bool add_generation_prompt) {
  std::string out;
  for (const ChatSegment& s : RenderChatSegments(tmpl, messages, add_generation_prompt)) out += s.text;
  return out;
}

}  // namespace entropix
