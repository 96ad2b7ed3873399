#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>

namespace entropix {

extern const uint32_t kUnicodeRanges[];
extern const size_t kUnicodeRangeCount;

uint8_t UnicodeFlags(uint32_t cp) {
  static const std::array<uint8_t, 128> kAscii = [] {
    std::array<uint8_t, 128> t{};
    size_t r = 0;
    for (uint32_t c = 0; c < 128; ++c) {
      while (r + 1 < kUnicodeRangeCount && (kUnicodeRanges[r + 1] >> 8) <= c) ++r;
      t[c] = static_cast<uint8_t>(kUnicodeRanges[r] & 0xFF);
    }
    return t;
  }();
  if (cp < 128) return kAscii[cp];
  if (cp > 0x10FFFF) return kUnicodeUnassigned;
  // Last range whose first code point is <= cp.
  const uint32_t key = (cp << 8) | 0xFF;
  const uint32_t* end = kUnicodeRanges + kUnicodeRangeCount;
  const uint32_t* it = std::upper_bound(kUnicodeRanges, end, key);
  return static_cast<uint8_t>(it[-1] & 0xFF);
}

uint32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c0 = b(0);
  if (!(c0 & 0x80)) {
    *pos += 1;
    return c0;
  }
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  if ((c0 & 0x40) != 0) {
    if (!(c0 & 0x20)) {
      if (cont(1)) {
        *pos += 2;
        return ((c0 & 0x1Fu) << 6) | (b(1) & 0x3Fu);
      }
    } else if (!(c0 & 0x10)) {
      if (cont(1) && cont(2)) {
        *pos += 3;
        return ((c0 & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
      }
    } else if (!(c0 & 0x08)) {
      if (cont(1) && cont(2) && cont(3)) {
        *pos += 4;
        return ((c0 & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
      }
    }
  }
  *pos += 1;
  return kReplacementChar;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// Strict validation of the sequence at s[i]: returns its length if complete
// and valid, 0 if invalid, or -(bytes present) if valid so far but cut short
// by the end of `s`. Ranges per RFC 3629 / Unicode Table 3-7.
int CheckSequence(std::string_view s, size_t i) {
  const auto u = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c0 = u(0);
  int len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c0 < 0x80) return 1;
  if (c0 < 0xC2) return 0;
  if (c0 < 0xE0) {
    len = 2;
  } else if (c0 < 0xF0) {
    len = 3;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
  } else if (c0 < 0xF5) {
    len = 4;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int k = 1; k < len; ++k) {
    if (i + k >= s.size()) return -k;
    const uint8_t c = u(k);
    const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (c < l || c > h) return 0;
  }
  return len;
}

}  // namespace

uint32_t DecodeUtf8Strict(std::string_view s, size_t pos, size_t* len) {
  const int n = CheckSequence(s, pos);
  if (n <= 0) {
    *len = 1;
    return kNotACodePoint;
  }
  // A valid sequence: the lenient decoder reads it the same, all n bytes.
  size_t p = pos;
  const uint32_t cp = DecodeUtf8(s, &p);
  *len = p - pos;
  return cp;
}

size_t Utf8CompletePrefix(std::string_view bytes, size_t* incomplete_tail) {
  size_t i = 0;
  *incomplete_tail = 0;
  while (i < bytes.size()) {
    const int n = CheckSequence(bytes, i);
    if (n < 0) {
      *incomplete_tail = bytes.size() - i;
      return i;
    }
    i += n == 0 ? 1 : static_cast<size_t>(n);
  }
  return i;
}

std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const int n = CheckSequence(bytes, i);
    if (n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      AppendUtf8(kReplacementChar, &out);
      // A truncated-but-valid prefix is one maximal subpart: replace it once.
      i += n < 0 ? static_cast<size_t>(-n) : 1;
    }
  }
  return out;
}

namespace {

struct ByteAlphabet {
  std::array<uint32_t, 256> to_cp{};
  std::array<uint8_t, 68> from_extra{};  // byte of code point 256 + i
  ByteAlphabet() {
    // Printable Latin-1 bytes map to themselves; the other 68 bytes take the
    // code points from U+0100 upward, in byte order (GPT-2's bytes_to_unicode).
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      if (!printable) from_extra[next - 256] = static_cast<uint8_t>(b);
      to_cp[b] = printable ? static_cast<uint32_t>(b) : next++;
    }
  }
};

const ByteAlphabet& Alphabet() {
  static const ByteAlphabet a;
  return a;
}

}  // namespace

uint32_t ByteToUnicode(uint8_t b) { return Alphabet().to_cp[b]; }

int UnicodeToByte(uint32_t cp) {
  if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF)) {
    return static_cast<int>(cp);
  }
  if (cp >= 256 && cp < 256 + 68) return Alphabet().from_extra[cp - 256];
  return -1;
}

}  // namespace entropix
