// GGUF (versions 2 and 3) reader over a read-only memory map.
//
// Every count, length, offset, shape and type read from the file is checked
// against the file size before use, with overflow-safe arithmetic; a corrupt
// or hostile file raises Error(kCorruptFile) naming the file and the field.
// Nothing is allocated from an unchecked number.
//
// Strings, arrays and tensor data are views into the mapping: a GgufFile must
// outlive every view and pointer it hands out. Memory beyond the mapping is a
// small multiple of the number of keys and tensors, never of array elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ggml_type.h"

namespace entropix {

enum class GgufValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5,
  kFloat32 = 6, kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11,
  kFloat64 = 12,
};
const char* GgufValueTypeName(GgufValueType t);

struct GgufValue;

// A metadata array as a view of its encoded elements in the file, decoded on
// access: an array costs no memory until it is read, however many elements it
// has (a vocabulary holds ~150k strings; a hostile file can hold millions of
// anything). The parser has validated every element before a view exists.
class GgufArray {
 public:
  // Forward iterator yielding each element as a GgufValue (by value).
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = GgufValue;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = GgufValue;

    Iterator() = default;
    GgufValue operator*() const;
    Iterator& operator++();
    Iterator operator++(int);
    bool operator==(const Iterator& o) const { return index_ == o.index_; }

   private:
    friend class GgufArray;
    Iterator(GgufValueType type, const uint8_t* p, uint64_t index) : type_(type), p_(p), index_(index) {}
    GgufValueType type_ = GgufValueType::kUint8;
    const uint8_t* p_ = nullptr;  // the encoding of element index_
    uint64_t index_ = 0;
  };

  GgufArray() = default;
  GgufArray(GgufValueType elem_type, uint64_t count, const uint8_t* data)
      : elem_type_(elem_type), count_(count), data_(data) {}

  GgufValueType elem_type() const { return elem_type_; }
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Iterator begin() const { return {elem_type_, data_, 0}; }
  Iterator end() const { return {elem_type_, nullptr, count_}; }
  // Element i (i < size()): constant time for numbers and bools; for strings
  // and arrays a walk over the elements before it, so loop with begin/end.
  GgufValue operator[](uint64_t i) const;

 private:
  GgufValueType elem_type_ = GgufValueType::kUint8;
  uint64_t count_ = 0;
  const uint8_t* data_ = nullptr;  // first element's encoding, in the file
};

// One metadata value: a scalar, a string view or an array view.
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  union {
    uint64_t u64;  // all unsigned integer types and bool
    int64_t i64;   // all signed integer types
    double f64;    // float32 and float64
  } scalar{};
  std::string_view str;  // kString
  GgufArray array;       // kArray

  bool is_integer() const;
  bool is_float() const;
};

struct GgufKeyValue {
  std::string_view key;
  GgufValue value;
};

struct GgufTensorInfo {
  std::string_view name;
  int n_dims = 0;
  // ne[0] is the innermost (contiguous) dimension, as in GGML; unused dims are 1.
  int64_t ne[4] = {1, 1, 1, 1};
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;  // relative to the start of the data section
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;  // into the mapping

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

class GgufFile {
 public:
  // Maps and parses `path`. Throws Error (kIo, kCorruptFile) on failure, or
  // kUnsupported for a well-formed file we do not read (GGUF v1, big-endian).
  static std::unique_ptr<GgufFile> Open(const std::string& path);
  // Parses `size` bytes the caller keeps alive for the GgufFile's lifetime;
  // `name` stands in for the path in messages. For fuzzing and tests: reads
  // are bounded by the exact buffer, so ASan sees any over-read that an mmap's
  // page rounding would hide.
  static std::unique_ptr<GgufFile> OpenMemory(const std::string& name, const uint8_t* data,
                                              uint64_t size);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t file_size() const { return size_; }
  uint64_t data_offset() const { return data_offset_; }

  const std::vector<GgufKeyValue>& metadata() const { return kv_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  // Null when absent.
  const GgufValue* Find(std::string_view key) const;
  const GgufTensorInfo* FindTensor(std::string_view name) const;

  // Typed getters. The *Or forms return `fallback` when the key is absent;
  // the others throw Error(kNotFound) naming the key. All throw
  // Error(kCorruptFile) naming the key when the type is wrong: any integer
  // type converts to another if the value fits, GetF64Or also accepts an
  // integer; bool is not an integer.
  uint64_t GetU64(std::string_view key) const;
  uint64_t GetU64Or(std::string_view key, uint64_t fallback) const;
  int64_t GetI64Or(std::string_view key, int64_t fallback) const;
  double GetF64Or(std::string_view key, double fallback) const;
  bool GetBoolOr(std::string_view key, bool fallback) const;
  std::string_view GetString(std::string_view key) const;
  std::string_view GetStringOr(std::string_view key, std::string_view fallback) const;
  // An array value with elements of type `elem`; throws if absent or mistyped.
  GgufArray GetArray(std::string_view key, GgufValueType elem) const;

 private:
  GgufFile() = default;
  void Parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  bool mapped_ = false;  // base_ is our mmap (unmapped in the destructor)
  std::vector<GgufKeyValue> kv_;
  std::vector<GgufTensorInfo> tensors_;
  // Indices into kv_ / tensors_ sorted by key / name, for binary search: a
  // word per entry, where a hash map would cost several (memory stays a small
  // multiple of the file even for a file of a million tiny keys).
  std::vector<size_t> kv_order_;
  std::vector<size_t> tensor_order_;
};

}  // namespace entropix
