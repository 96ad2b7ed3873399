// Fuzz target for chat templates: arbitrary bytes become a template source
// for DetectChatTemplate and a conversation (roles and contents separated by
// 0x00/0x01 bytes) rendered in every format and encoded as markup/content
// pieces. Checked properties:
//  * the segments concatenate to RenderChat's text;
//  * the control tokens of the encoded prompt come from the markup alone:
//    replacing every content by "x" leaves the multiset of control ids the
//    same (no content can open, close or forge a turn).
// Seeds: tests/fuzz/corpus/chat_template_fuzz/. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "fuzz_tokenizers.h"
#include "tokenizer/chat_template.h"

namespace {

using namespace entropix;

void Require(bool ok) {
  if (!ok) std::abort();
}

// "src \x00 role \x01 content \x00 role \x01 content ..."
std::vector<ChatMessage> SplitConversation(std::string_view rest) {
  std::vector<ChatMessage> msgs;
  while (!rest.empty() && msgs.size() < 16) {
    const size_t end = rest.find('\0');
    const std::string_view item = rest.substr(0, end);
    const size_t sep = item.find('\1');
    ChatMessage m;
    m.role = std::string(item.substr(0, sep));
    m.content = sep == std::string_view::npos ? "" : std::string(item.substr(sep + 1));
    msgs.push_back(std::move(m));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return msgs;
}

std::map<int32_t, int> ControlIds(const Tokenizer& t, const std::vector<ChatSegment>& segs) {
  std::vector<TextPiece> pieces;
  for (const ChatSegment& s : segs) pieces.push_back({s.text, s.markup});
  std::map<int32_t, int> out;
  for (int32_t id : t.Encode(pieces, false)) {
    if (t.token_type(id) == TokenType::kControl) ++out[id];
  }
  return out;
}

void FuzzFormat(const Tokenizer& tok, const ChatTemplate& tmpl, const std::vector<ChatMessage>& msgs, bool gen) {
  const std::vector<ChatSegment> segs = RenderChatSegments(tmpl, msgs, gen);
  std::string joined;
  for (const ChatSegment& s : segs) joined += s.text;
  Require(joined == RenderChat(tmpl, msgs, gen));

  std::vector<ChatMessage> neutral = msgs;
  for (ChatMessage& m : neutral) {
    if (m.role != "system" && m.role != "assistant") m.role = "user";
    m.content = "x";
  }
  // Roles are text too, but "system" and "assistant" change the rendering
  // (Gemma's system prefix, the "model" role): keep those, neutralise others.
  const std::vector<ChatSegment> neutral_segs = RenderChatSegments(tmpl, neutral, gen);
  Require(ControlIds(tok, segs) == ControlIds(tok, neutral_segs));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t split = in.find('\0');
  const std::string_view src = in.substr(0, split);
  const std::string_view rest = split == std::string_view::npos ? std::string_view() : in.substr(split + 1);
  try {
    (void)DetectChatTemplate(src);
  } catch (const Error&) {
  }
  const std::vector<ChatMessage> msgs = SplitConversation(rest);
  const auto& toks = fuzz::Tokenizers().all;
  const Tokenizer& tok = *toks[size % toks.size()];
  for (ChatFormat f : {ChatFormat::kNone, ChatFormat::kChatMl, ChatFormat::kLlama3, ChatFormat::kGemma}) {
    ChatTemplate tmpl = ChatTemplateFor(f);
    if (f == ChatFormat::kChatMl && !src.empty() && src.size() < 64) tmpl.default_system = std::string(src);
    for (bool gen : {false, true}) FuzzFormat(tok, tmpl, msgs, gen);
  }
  return 0;
}
