// A minimal GGUF writer for tests. It builds files byte by byte and records
// where each field starts (`marks`), so a corrupt variant can patch exactly
// one field of an otherwise valid file. It is written from the format
// description, not from our reader, so the two check each other.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/gguf.h"

namespace entropix::testing {

class GgufTestWriter {
 public:
  std::vector<uint8_t> bytes;
  std::map<std::string, size_t> marks;  // field name -> byte offset of the field

  void Mark(const std::string& name) { marks[name] = bytes.size(); }
  size_t At(const std::string& name) const {
    auto it = marks.find(name);
    if (it == marks.end()) throw std::logic_error("no mark " + name);
    return it->second;
  }

  template <typename T>
  void Put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // tests run on little-endian hosts only
    bytes.insert(bytes.end(), b, b + sizeof(T));
  }
  void Str(std::string_view s) {
    Put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void Type(GgufValueType t) { Put<uint32_t>(static_cast<uint32_t>(t)); }

  // Key and value type; marks "<key>.key", "<key>.type", "<key>.value".
  void Key(const std::string& key, GgufValueType t) {
    Mark(key + ".key");
    Str(key);
    Mark(key + ".type");
    Type(t);
    Mark(key + ".value");
  }
  // Array header; marks "<key>.len" (or `mark`) at the length.
  void ArrayHeader(const std::string& mark, GgufValueType elem, uint64_t n) {
    Type(elem);
    Mark(mark);
    Put<uint64_t>(n);
  }
  void PadTo(uint64_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
  }

  // Overwrites a field in place.
  template <typename T>
  void Patch(size_t offset, T v) {
    if (offset + sizeof(T) > bytes.size()) throw std::logic_error("patch past end");
    std::memcpy(bytes.data() + offset, &v, sizeof(T));
  }
  template <typename T>
  void Patch(const std::string& mark, T v) {
    Patch(At(mark), v);
  }
};

struct SampleTensor {
  std::string name;  // all names have the same length, so one can be patched into another
  GgmlType type;
  std::vector<int64_t> ne;
  uint64_t offset;  // relative to the data section
  uint64_t nbytes;
};

struct SampleOptions {
  uint32_t version = 3;
  bool write_alignment = true;
  GgufValueType alignment_type = GgufValueType::kUint32;
  uint64_t alignment = 64;  // not the default, so the reader must honour the key
};

// A small valid file: one key of every value type (including an array of
// strings and an array of arrays), then three tensors (F32, Q8_0, Q4_K). The
// file ends exactly at the end of the last tensor, so any truncation is an
// error. Tensor data bytes are (i * 7 + 1) & 0xff over the data section.
struct Sample {
  GgufTestWriter w;
  std::vector<SampleTensor> tensors;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;
  uint64_t header_end = 0;  // end of the tensor infos (start of the padding)
  size_t n_kv = 0;
};

inline Sample BuildSample(const SampleOptions& opt = {}) {
  Sample s;
  GgufTestWriter& w = s.w;
  s.tensors = {
      {"tensor_f32", GgmlType::F32, {4, 3}, 0, 4 * 3 * 4},
      {"tensor_q80", GgmlType::Q8_0, {64, 2}, 0, 2 * 2 * 34},
      {"tensor_q4k", GgmlType::Q4_K, {256, 1, 1}, 0, 144},
  };
  s.alignment = opt.write_alignment ? opt.alignment : 32;
  // Offsets: each tensor starts at the next multiple of the alignment. With
  // an absurd alignment this overflows, which only the corrupt tests build.
  uint64_t off = 0;
  for (SampleTensor& t : s.tensors) {
    t.offset = off;
    off = (off + t.nbytes + s.alignment - 1) / s.alignment * s.alignment;
  }

  w.Put<uint32_t>(0x46554747);  // "GGUF"
  w.Mark("version");
  w.Put<uint32_t>(opt.version);
  w.Mark("n_tensors");
  w.Put<uint64_t>(s.tensors.size());
  w.Mark("n_kv");
  w.Put<uint64_t>(0);  // patched below

  using T = GgufValueType;
  w.Key("general.architecture", T::kString);
  w.Mark("general.architecture.strlen");
  w.Str("test");
  if (opt.write_alignment) {
    w.Key("general.alignment", opt.alignment_type);
    if (opt.alignment_type == T::kUint64) {
      w.Put<uint64_t>(opt.alignment);
    } else {
      w.Put<uint32_t>(static_cast<uint32_t>(opt.alignment));
    }
  }
  w.Key("v.u8", T::kUint8); w.Put<uint8_t>(200);
  w.Key("v.i8", T::kInt8); w.Put<int8_t>(-100);
  w.Key("v.u16", T::kUint16); w.Put<uint16_t>(60000);
  w.Key("v.i16", T::kInt16); w.Put<int16_t>(-30000);
  w.Key("v.u32", T::kUint32); w.Put<uint32_t>(4000000000u);
  w.Key("v.i32", T::kInt32); w.Put<int32_t>(-2000000000);
  w.Key("v.f32", T::kFloat32); w.Put<float>(0.1f);
  w.Key("v.bool", T::kBool); w.Put<uint8_t>(1);
  w.Key("v.u64", T::kUint64); w.Put<uint64_t>(UINT64_MAX);
  w.Key("v.i64", T::kInt64); w.Put<int64_t>(INT64_MIN);
  w.Key("v.f64", T::kFloat64); w.Put<double>(-2.5e300);
  w.Key("v.str", T::kString); w.Str("hello, world");
  w.Key("v.strings", T::kArray);
  w.ArrayHeader("v.strings.len", T::kString, 3);
  w.Mark("v.strings[0].len");
  w.Str("a"); w.Str(""); w.Str("\xce\xbb tab\t");
  w.Key("v.ints", T::kArray);
  w.ArrayHeader("v.ints.len", T::kInt32, 4);
  for (int32_t v : {1, -2, 3, -4}) w.Put<int32_t>(v);
  // [[1, 2], [], [3]] as uint16
  w.Key("v.nested", T::kArray);
  w.ArrayHeader("v.nested.len", T::kArray, 3);
  w.ArrayHeader("v.nested[0].len", T::kUint16, 2); w.Put<uint16_t>(1); w.Put<uint16_t>(2);
  w.ArrayHeader("v.nested[1].len", T::kUint16, 0);
  w.ArrayHeader("v.nested[2].len", T::kUint16, 1); w.Put<uint16_t>(3);
  w.Key("v.empty", T::kArray);
  w.ArrayHeader("v.empty.len", T::kFloat32, 0);
  // Adjacent keys of equal length, for the duplicate-key test.
  w.Key("dup.a", T::kUint8); w.Put<uint8_t>(1);
  w.Key("dup.b", T::kUint8); w.Put<uint8_t>(2);
  for (const auto& [name, offset] : w.marks) s.n_kv += name.ends_with(".key");
  w.Patch<uint64_t>("n_kv", s.n_kv);

  for (const SampleTensor& t : s.tensors) {
    w.Mark(t.name + ".name");
    w.Str(t.name);
    w.Mark(t.name + ".n_dims");
    w.Put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (size_t d = 0; d < t.ne.size(); ++d) {
      w.Mark(t.name + ".ne" + std::to_string(d));
      w.Put<uint64_t>(static_cast<uint64_t>(t.ne[d]));
    }
    w.Mark(t.name + ".ggml_type");
    w.Put<uint32_t>(static_cast<uint32_t>(t.type));
    w.Mark(t.name + ".offset");
    w.Put<uint64_t>(t.offset);
  }
  s.header_end = w.bytes.size();
  w.PadTo(s.alignment);
  s.data_offset = w.bytes.size();
  const SampleTensor& last = s.tensors.back();
  w.bytes.resize(s.data_offset + last.offset + last.nbytes);
  for (size_t i = s.data_offset; i < w.bytes.size(); ++i) {
    w.bytes[i] = static_cast<uint8_t>(((i - s.data_offset) * 7 + 1) & 0xff);
  }
  return s;
}

// Builds a file whose one key holds `depth` nested arrays around a uint8.
inline std::vector<uint8_t> BuildNested(int depth) {
  GgufTestWriter w;
  w.Put<uint32_t>(0x46554747);
  w.Put<uint32_t>(3);
  w.Put<uint64_t>(0);
  w.Put<uint64_t>(1);
  w.Key("deep", GgufValueType::kArray);
  for (int d = 1; d < depth; ++d) w.ArrayHeader("len", GgufValueType::kArray, 1);
  w.ArrayHeader("len", GgufValueType::kUint8, 1);
  w.Put<uint8_t>(42);
  return w.bytes;
}

inline void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace entropix::testing
