#include "tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace entropix {
namespace {

std::vector<std::string> Split(PreTokenizerKind kind, std::string_view text) {
  PreTokenizerScratch scratch;
  std::vector<size_t> ends;
  PreTokenize(kind, text, &scratch, &ends);
  std::vector<std::string> words;
  size_t begin = 0;
  for (size_t end : ends) {
    EXPECT_GT(end, begin);
    words.emplace_back(text.substr(begin, end - begin));
    begin = end;
  }
  EXPECT_EQ(begin, text.size());
  return words;
}

using W = std::vector<std::string>;

TEST(PreTokenizer, Gpt2) {
  const auto k = PreTokenizerKind::kGpt2;
  EXPECT_EQ(Split(k, "Hello world"), (W{"Hello", " world"}));
  EXPECT_EQ(Split(k, "I'm don't"), (W{"I", "'m", " don", "'t"}));
  EXPECT_EQ(Split(k, "I'M"), (W{"I", "'", "M"}));  // case-sensitive contractions
  EXPECT_EQ(Split(k, "a  b"), (W{"a", " ", " b"}));
  EXPECT_EQ(Split(k, "a   "), (W{"a", "   "}));
  EXPECT_EQ(Split(k, " 12345 x"), (W{" 12345", " x"}));
  EXPECT_EQ(Split(k, "x += 1;\n"), (W{"x", " +=", " 1", ";", "\n"}));
  EXPECT_EQ(Split(k, "naïve 中文!"), (W{"naïve", " 中文", "!"}));
  EXPECT_EQ(Split(k, ""), W{});
}

TEST(PreTokenizer, SmolLmIsolatesDigits) {
  const auto k = PreTokenizerKind::kSmolLm;
  EXPECT_EQ(Split(k, "abc123"), (W{"abc", "1", "2", "3"}));
  EXPECT_EQ(Split(k, "a 12 b"), (W{"a", " ", "1", "2", " b"}));
  // The lookahead of \s+(?!\S) stops at the digit piece.
  EXPECT_EQ(Split(k, "a  1"), (W{"a", "  ", "1"}));
  EXPECT_EQ(Split(k, "٣٤"), (W{"٣", "٤"}));
}

TEST(PreTokenizer, Llama3AndQwen2) {
  const auto l3 = PreTokenizerKind::kLlama3;
  const auto q2 = PreTokenizerKind::kQwen2;
  EXPECT_EQ(Split(l3, "1234567"), (W{"123", "456", "7"}));
  EXPECT_EQ(Split(q2, "1234"), (W{"1", "2", "3", "4"}));
  EXPECT_EQ(Split(l3, "I'M HERE"), (W{"I", "'M", " HERE"}));  // case-insensitive
  EXPECT_EQ(Split(l3, "(hello)"), (W{"(hello", ")"}));        // [^\r\n\p{L}\p{N}]?\p{L}+
  EXPECT_EQ(Split(l3, "a\n\n  b"), (W{"a", "\n\n", " ", " b"}));
  EXPECT_EQ(Split(l3, "a \n \n  b"), (W{"a", " \n \n", " ", " b"}));  // \s*[\r\n]+ ends at the last newline
  EXPECT_EQ(Split(l3, "x;\n\ny"), (W{"x", ";\n\n", "y"}));        // punctuation takes trailing newlines
  EXPECT_EQ(Split(q2, "a   b"), (W{"a", "  ", " b"}));
  EXPECT_EQ(Split(q2, "x  "), (W{"x", "  "}));
}

TEST(PreTokenizer, Names) {
  EXPECT_EQ(PreTokenizerFromName("smollm"), PreTokenizerKind::kSmolLm);
  EXPECT_EQ(PreTokenizerFromName("llama-bpe"), PreTokenizerKind::kLlama3);
  EXPECT_EQ(PreTokenizerFromName("qwen2"), PreTokenizerKind::kQwen2);
  EXPECT_EQ(PreTokenizerFromName("gpt2"), PreTokenizerKind::kGpt2);
  try {
    PreTokenizerFromName("deepseek-coder");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("deepseek-coder"), std::string::npos);
  }
}

}  // namespace
}  // namespace entropix
