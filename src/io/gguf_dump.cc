#include "io/gguf_dump.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace entropix {
namespace {

constexpr size_t kMaxStringBytes = 64;  // per printed string
constexpr size_t kArrayPreview = 8;     // elements shown when not showing all
constexpr size_t kMaxNameColumn = 48;

std::string Printf(const char* fmt, auto... args) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}

// 1234567 -> "1,234,567": parameter and byte counts are read by people.
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string HumanBytes(uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return Printf("%.2f %s", v, units[u]);
}

// Quoted, escaped, and cut at a UTF-8 character boundary.
std::string QuoteString(std::string_view s) {
  bool cut = false;
  if (s.size() > kMaxStringBytes) {
    size_t end = kMaxStringBytes;
    while (end > 0 && (static_cast<uint8_t>(s[end]) & 0xc0) == 0x80) --end;
    s = s.substr(0, end);
    cut = true;
  }
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b == 0x7f) {
      out += Printf("\\x%02x", b);
    } else {
      out += c;
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

std::string FormatValue(const GgufValue& v, bool show_all) {
  switch (v.type) {
    case GgufValueType::kUint8: case GgufValueType::kUint16:
    case GgufValueType::kUint32: case GgufValueType::kUint64:
      return std::to_string(v.scalar.u64);
    case GgufValueType::kInt8: case GgufValueType::kInt16:
    case GgufValueType::kInt32: case GgufValueType::kInt64:
      return std::to_string(v.scalar.i64);
    case GgufValueType::kFloat32: return Printf("%g", v.scalar.f64);
    case GgufValueType::kFloat64: return Printf("%.17g", v.scalar.f64);
    case GgufValueType::kBool: return v.scalar.u64 ? "true" : "false";
    case GgufValueType::kString: return QuoteString(v.str);
    case GgufValueType::kArray: {
      const GgufArray& a = v.array;
      const bool nested = a.elem_type() == GgufValueType::kArray;
      std::string out = std::string("[") + GgufValueTypeName(a.elem_type()) + " x " +
                        std::to_string(a.size()) + "]";
      const uint64_t shown = show_all ? a.size() : std::min<uint64_t>(a.size(), kArrayPreview);
      auto it = a.begin();
      for (uint64_t i = 0; i < shown; ++i, ++it) {
        out += i == 0 ? " " : ", ";
        // Nested arrays get brackets so the levels stay readable.
        if (nested) out += "(";
        out += FormatValue(*it, show_all);
        if (nested) out += ")";
      }
      if (shown < a.size()) out += ", ...";
      return out;
    }
  }
  return "?";
}

std::string FormatShape(const GgufTensorInfo& t) {
  std::string s = "[";
  for (int d = 0; d < t.n_dims; ++d) {
    if (d > 0) s += ", ";
    s += std::to_string(t.ne[d]);
  }
  return s + "]";
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string DescribeGguf(const GgufFile& file, bool show_all_array_values) {
  std::string out;
  out += "file:      " + file.path() + "\n";
  out += "format:    GGUF v" + std::to_string(file.version()) + ", " +
         Grouped(file.file_size()) + " bytes (" + HumanBytes(file.file_size()) +
         "), alignment " + std::to_string(file.alignment()) + ", data section at offset " +
         std::to_string(file.data_offset()) + "\n";

  out += "\nmetadata (" + std::to_string(file.metadata().size()) + " keys):\n";
  size_t key_width = 0;
  for (const GgufKeyValue& kv : file.metadata()) {
    key_width = std::max(key_width, std::min(kv.key.size(), kMaxNameColumn));
  }
  for (const GgufKeyValue& kv : file.metadata()) {
    std::string type = kv.value.type == GgufValueType::kArray
                           ? std::string("array")
                           : GgufValueTypeName(kv.value.type);
    out += "  " + Pad(std::string(kv.key), key_width) + "  " + Pad(type, 8) + " " +
           FormatValue(kv.value, show_all_array_values) + "\n";
  }

  const auto& tensors = file.tensors();
  out += "\ntensors (" + std::to_string(tensors.size()) + "):\n";
  size_t name_width = 4;
  for (const GgufTensorInfo& t : tensors) {
    name_width = std::max(name_width, std::min(t.name.size(), kMaxNameColumn));
  }
  out += "  " + Pad("name", name_width) + "  " + Pad("type", 8) + Pad("shape", 24) + "bytes\n";
  struct PerType {
    uint64_t count = 0, bytes = 0;
  };
  std::map<uint32_t, PerType> by_type;  // ordered by type id
  uint64_t params = 0, bytes = 0;
  for (const GgufTensorInfo& t : tensors) {
    out += "  " + Pad(std::string(t.name), name_width) + "  " + Pad(TypeName(t.type), 8) +
           Pad(FormatShape(t), 24) + Grouped(t.nbytes) + "\n";
    PerType& pt = by_type[static_cast<uint32_t>(t.type)];
    ++pt.count;
    pt.bytes += t.nbytes;
    params += static_cast<uint64_t>(t.n_elements());
    bytes += t.nbytes;
  }

  out += "\ntotals:    " + Grouped(params) + " parameters, " + Grouped(bytes) +
         " bytes of tensor data (" + HumanBytes(bytes) + ")\n";
  for (const auto& [id, pt] : by_type) {
    out += "  " + Pad(TypeName(static_cast<GgmlType>(id)), 8) +
           Pad(std::to_string(pt.count) + (pt.count == 1 ? " tensor" : " tensors"), 14) +
           Grouped(pt.bytes) + " bytes (" + HumanBytes(pt.bytes) + ")\n";
  }
  return out;
}

}  // namespace entropix
