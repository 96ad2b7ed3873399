// Model text made safe to print on a terminal. A model (or a prompt from a
// stranger) can emit control characters and escape sequences that move the
// cursor, clear the screen, retitle the window, write hyperlinks or, on some
// terminals, answer back as if typed. Streamed text is filtered before it
// reaches a terminal; piped output is left byte for byte.
//
// Removed: C0 controls except \n and \t (so \r, BS, BEL, ESC, ...), DEL, the
// C1 controls U+0080..U+009F, and whole escape sequences (ECMA-48): CSI
// (ESC [ params intermediates final), the string sequences OSC, DCS, SOS,
// PM and APC (ESC ] ... up to BEL or ESC \), and two-byte or charset
// escapes (ESC intermediates final).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace entropix {

class TerminalTextFilter {
 public:
  // The printable part of `text`. Sequences may span calls (text arrives a
  // token at a time); the state carries over.
  std::string Filter(std::string_view text);

 private:
  enum class Mode { kText, kC2, kEscape, kCsi, kString, kStringEscape };
  // A string sequence never terminated would hide the rest of the answer:
  // after this many bytes its content is shown (still filtered).
  static constexpr size_t kMaxStringBytes = 4096;
  // One byte through the state machine; appends what is printable.
  void Step(unsigned char c, std::string& out);
  Mode mode_ = Mode::kText;
  size_t string_bytes_ = 0;
};

}  // namespace entropix
