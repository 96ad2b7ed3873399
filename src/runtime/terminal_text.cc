#include "runtime/terminal_text.h"

namespace entropix {

std::string TerminalTextFilter::Filter(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) Step(static_cast<unsigned char>(c), out);
  return out;
}

void TerminalTextFilter::Step(unsigned char c, std::string& out) {
  switch (mode_) {
    case Mode::kText:
      if (c == 0x1b) {
        mode_ = Mode::kEscape;
      } else if (c == 0xc2) {
        mode_ = Mode::kC2;  // lead byte of U+0080..U+00BF; the C1 controls are U+0080..U+009F
      } else if ((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t') {
        out.push_back(static_cast<char>(c));
      }
      return;
    case Mode::kC2:
      mode_ = Mode::kText;
      if (c >= 0x80 && c <= 0x9f) return;  // a C1 control, dropped with its lead byte
      out.push_back('\xc2');
      return Step(c, out);
    case Mode::kEscape:
      if (c == '[') {
        mode_ = Mode::kCsi;
      } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
        mode_ = Mode::kString;
        string_bytes_ = 0;
      } else if (c >= 0x30 && c <= 0x7e) {
        mode_ = Mode::kText;  // the final byte of ESC [intermediates] final
      } else if (c < 0x20 || c > 0x2f) {
        mode_ = Mode::kText;  // not a sequence after all: the byte is text again
        return Step(c, out);
      }  // else an intermediate byte (ESC ( 0): more to come
      return;
    case Mode::kCsi:
      if (c >= 0x40 && c <= 0x7e) {
        mode_ = Mode::kText;  // the final byte
      } else if (c < 0x20 || c > 0x3f) {
        mode_ = Mode::kText;  // malformed: the sequence is abandoned
        return Step(c, out);
      }  // else a parameter or intermediate byte
      return;
    case Mode::kString:
      if (c == 0x07) {
        mode_ = Mode::kText;  // BEL ends an OSC string
      } else if (c == 0x1b) {
        mode_ = Mode::kStringEscape;
      } else if (++string_bytes_ > kMaxStringBytes) {
        mode_ = Mode::kText;
        return Step(c, out);
      }
      return;
    case Mode::kStringEscape:
      if (c == '\\') {
        mode_ = Mode::kText;  // ST (ESC \) ends the string
        return;
      }
      mode_ = Mode::kEscape;  // any other ESC ends the string and starts a sequence
      return Step(c, out);
  }
}

}  // namespace entropix
