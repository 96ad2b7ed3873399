#include "tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "test_models.h"

namespace entropix {
namespace {

// Jinja renderings of real templates (tools/make_chat_golden.py).
TEST(ChatTemplate, MatchesJinja) {
  const nlohmann::json doc =
      tokenizer_test::LoadJson(std::string(ENTROPIX_TEST_DATA_DIR) + "/tokenizer/chat.json");
  int n = 0;
  for (const auto& t : doc["templates"]) {
    const ChatTemplate tmpl = DetectChatTemplate(t["template"].get<std::string>());
    for (const auto& c : t["cases"]) {
      std::vector<ChatMessage> msgs;
      for (const auto& m : c["messages"]) msgs.push_back({m["role"], m["content"]});
      EXPECT_EQ(RenderChat(tmpl, msgs, c["add_generation_prompt"].get<bool>()), c["rendered"].get<std::string>())
          << t["name"].get<std::string>() << " case " << n;
      ++n;
    }
  }
  EXPECT_GE(n, 32);
}

TEST(ChatTemplate, DetectsDefaultSystemMessages) {
  const nlohmann::json doc =
      tokenizer_test::LoadJson(std::string(ENTROPIX_TEST_DATA_DIR) + "/tokenizer/chat.json");
  for (const auto& t : doc["templates"]) {
    const std::string name = t["name"];
    const ChatTemplate tmpl = DetectChatTemplate(t["template"].get<std::string>());
    if (name == "smollm2") {
      EXPECT_EQ(tmpl.format, ChatFormat::kChatMl);
      EXPECT_EQ(tmpl.default_system, "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
    } else if (name == "qwen2.5") {
      EXPECT_EQ(tmpl.format, ChatFormat::kChatMl);
      EXPECT_EQ(tmpl.default_system, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
    } else if (name == "llama3") {
      EXPECT_EQ(tmpl.format, ChatFormat::kLlama3);
      EXPECT_TRUE(tmpl.renders_bos);
    } else if (name == "gemma3") {
      EXPECT_EQ(tmpl.format, ChatFormat::kGemma);
    }
  }
  EXPECT_EQ(DetectChatTemplate("").format, ChatFormat::kNone);
  // Plain ChatML without a built-in system message.
  const ChatTemplate plain = DetectChatTemplate(
      "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}");
  EXPECT_EQ(plain.format, ChatFormat::kChatMl);
  EXPECT_EQ(plain.default_system, "");
}

TEST(ChatTemplate, Errors) {
  try {
    DetectChatTemplate("{{ '[INST] ' + messages[0]['content'] + ' [/INST]' }}");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("--chat-template chatml|llama3|gemma|none"), std::string::npos);
  }
  try {
    ParseChatFormat("vicuna");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("chatml, llama3, gemma, none"), std::string::npos);
  }
  EXPECT_EQ(ParseChatFormat("gemma"), ChatFormat::kGemma);
  EXPECT_STREQ(ChatFormatName(ParseChatFormat("chatml")), "chatml");
}

TEST(ChatTemplate, NoneAndOverride) {
  const std::vector<ChatMessage> msgs = {{"system", "S"}, {"user", "U"}};
  EXPECT_EQ(RenderChat(ChatTemplateFor(ChatFormat::kNone), msgs, true), "S\nU");
  EXPECT_EQ(RenderChat(ChatTemplateFor(ChatFormat::kChatMl), msgs, true),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
}

// The rendered prompt tokenizes with the special tokens as single ids.
TEST(ChatTemplate, RenderedPromptTokenizes) {
  ENTROPIX_TOKENIZER_OR_SKIP(tok, tokenizer_test::CachedModelPath(tokenizer_test::kSmolLm2File));
  const ChatTemplate tmpl = DetectChatTemplate(tok_loaded->file->GetStringOr("tokenizer.chat_template", ""));
  const std::vector<ChatMessage> msgs = {{"user", "Hi"}};
  const std::vector<int32_t> ids = tok.Encode(RenderChat(tmpl, msgs, true), false, true);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);  // <|im_start|>
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2), 2);  // two <|im_end|>
}

}  // namespace
}  // namespace entropix
