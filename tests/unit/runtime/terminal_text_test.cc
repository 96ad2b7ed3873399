// Streamed model text on a terminal: control characters and escape sequences
// are removed, split across chunks included; text, UTF-8, \n and \t are kept.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/terminal_text.h"

namespace entropix {
namespace {

std::string FilterAll(std::string_view text) { return TerminalTextFilter().Filter(text); }

// Every split of `text` into two chunks gives the same result as one chunk.
std::string FilterSplit(std::string_view text) {
  const std::string whole = FilterAll(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    TerminalTextFilter f;
    std::string out = f.Filter(text.substr(0, cut));
    out += f.Filter(text.substr(cut));
    EXPECT_EQ(out, whole) << "cut at " << cut;
  }
  return whole;
}

TEST(TerminalText, KeepsTextNewlinesTabsAndUtf8) {
  const std::string text = "Hello,\tworld!\nCaf\xc3\xa9 \xc2\xa0 \xe2\x80\x94 \xf0\x9f\x98\x80 end";
  EXPECT_EQ(FilterSplit(text), text);
}

TEST(TerminalText, RemovesControlCharacters) {
  EXPECT_EQ(FilterSplit(std::string("a\rb\bc\x07" "d\x7f" "e\x01\x00" "f", 12)), "abcdef");
  // C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F), CSI U+009B among them.
  EXPECT_EQ(FilterSplit("a\xc2\x9b" "b\xc2\x85" "c\xc2\x80" "d"), "abcd");
}

TEST(TerminalText, RemovesEscapeSequences) {
  EXPECT_EQ(FilterSplit("x\x1b[31mred\x1b[0m y"), "xred y");               // SGR colours
  EXPECT_EQ(FilterSplit("a\x1b[2J\x1b[1;1Hb\x1b[?25lc"), "abc");            // clear, move, hide cursor
  EXPECT_EQ(FilterSplit("a\x1b]0;pwned\x07" "b"), "ab");                    // window title (BEL)
  EXPECT_EQ(FilterSplit("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b"), "alinkb");  // hyperlink (ST)
  EXPECT_EQ(FilterSplit("a\x1bP+q544e\x1b\\b"), "ab");                      // DCS query
  EXPECT_EQ(FilterSplit("a\x1b(0b\x1b" "c"), "ab");                         // charset, RIS
  // Not a sequence after all: ESC dropped, the text kept.
  EXPECT_EQ(FilterSplit("a\x1b\nb"), "a\nb");
  EXPECT_EQ(FilterSplit("a\x1b[12\n3"), "a\n3");
}

TEST(TerminalText, UnterminatedStringDoesNotHideTheRest) {
  std::string text = "a\x1b]0;";
  text += std::string(5000, 'x');
  const std::string out = FilterAll(text);
  EXPECT_EQ(out.substr(0, 1), "a");
  EXPECT_LT(out.size(), 5000u);
  EXPECT_GT(out.size(), 800u);
}

}  // namespace
}  // namespace entropix
