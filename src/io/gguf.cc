// GGUF reader. Layout (all little-endian; spec: ggml/docs/gguf.md):
//
//   magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count x   { string key | u32 value_type | value }
//   tensor_count x { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
//   padding to general.alignment | data section (tensor offsets are relative to it)
//
// where string = { u64 length | bytes } and an array value is
// { u32 element_type | u64 length | elements }.
//
// Every number read from the file is treated as hostile: lengths and counts
// are compared with the bytes left before anything is reserved, and sizes are
// multiplied with overflow checks.
#include "io/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace entropix {

// Values are copied out with memcpy, which is only a little-endian decode on a
// little-endian host.
static_assert(std::endian::native == std::endian::little, "GGUF reader assumes a little-endian host");

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;
// Real files nest at most one level (arrays of strings); the limit only keeps
// a hostile file from recursing deep enough to exhaust the stack.
constexpr int kMaxArrayDepth = 8;
// Smallest possible encodings, used to bound counts by the bytes left.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                // empty key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, 1 dim
constexpr const char* kCorruptHint = "the file is truncated or corrupt; download or convert it again";

bool IsPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

bool IsValueType(uint32_t raw) { return raw <= static_cast<uint32_t>(GgufValueType::kFloat64); }

// Encoded bytes of a scalar; 0 for strings and arrays.
uint64_t ScalarBytes(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16: case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32: case GgufValueType::kInt32: case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64: case GgufValueType::kInt64: case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString: case GgufValueType::kArray: return 0;
  }
  return 0;
}

uint64_t MinEncodedBytes(GgufValueType t) {
  if (t == GgufValueType::kString) return 8;         // length only
  if (t == GgufValueType::kArray) return 4 + 8;      // element type + length
  return ScalarBytes(t);
}

bool IsFixedSize(GgufValueType t) { return ScalarBytes(t) != 0; }

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// The scalar encoded at p (ScalarBytes(t) readable bytes).
GgufValue DecodeScalar(GgufValueType t, const uint8_t* p) {
  GgufValue v;
  v.type = t;
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kBool: v.scalar.u64 = Load<uint8_t>(p); break;
    case GgufValueType::kUint16: v.scalar.u64 = Load<uint16_t>(p); break;
    case GgufValueType::kUint32: v.scalar.u64 = Load<uint32_t>(p); break;
    case GgufValueType::kUint64: v.scalar.u64 = Load<uint64_t>(p); break;
    case GgufValueType::kInt8: v.scalar.i64 = Load<int8_t>(p); break;
    case GgufValueType::kInt16: v.scalar.i64 = Load<int16_t>(p); break;
    case GgufValueType::kInt32: v.scalar.i64 = Load<int32_t>(p); break;
    case GgufValueType::kInt64: v.scalar.i64 = Load<int64_t>(p); break;
    case GgufValueType::kFloat32: v.scalar.f64 = Load<float>(p); break;
    case GgufValueType::kFloat64: v.scalar.f64 = Load<double>(p); break;
    case GgufValueType::kString: case GgufValueType::kArray: break;
  }
  return v;
}

// Decoding of array elements the parser has already validated, so these
// trust every length and type they read.
const uint8_t* SkipValue(GgufValueType t, const uint8_t* p);

const uint8_t* SkipElements(GgufValueType t, uint64_t n, const uint8_t* p) {
  if (IsFixedSize(t)) return p + n * ScalarBytes(t);
  for (uint64_t i = 0; i < n; ++i) p = SkipValue(t, p);
  return p;
}

// Element layout: string = u64 length | bytes; array = u32 type | u64 n | elements.
const uint8_t* SkipValue(GgufValueType t, const uint8_t* p) {
  if (t == GgufValueType::kString) return p + 8 + Load<uint64_t>(p);
  if (t == GgufValueType::kArray) {
    return SkipElements(static_cast<GgufValueType>(Load<uint32_t>(p)), Load<uint64_t>(p + 4), p + 12);
  }
  return p + ScalarBytes(t);
}

GgufValue DecodeValue(GgufValueType t, const uint8_t* p) {
  if (t == GgufValueType::kString) {
    GgufValue v;
    v.type = t;
    v.str = {reinterpret_cast<const char*>(p + 8), static_cast<size_t>(Load<uint64_t>(p))};
    return v;
  }
  if (t == GgufValueType::kArray) {
    GgufValue v;
    v.type = t;
    v.array = GgufArray(static_cast<GgufValueType>(Load<uint32_t>(p)), Load<uint64_t>(p + 4), p + 12);
    return v;
  }
  return DecodeScalar(t, p);
}

bool IsUnsigned(GgufValueType t) {
  return t == GgufValueType::kUint8 || t == GgufValueType::kUint16 ||
         t == GgufValueType::kUint32 || t == GgufValueType::kUint64;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Bounds-checked little-endian reads over [base, base + size), with enough
// context to name the entry being parsed when something is wrong. The context
// is only turned into text on failure, so parsing a 150k-token vocabulary
// builds no strings.
class Parser {
 public:
  enum class Section { kHeader, kMetadata, kTensorInfo };

  Parser(const std::string& path, const uint8_t* base, uint64_t size)
      : path_(path), base_(base), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  void Enter(Section section, uint64_t index) {
    section_ = section;
    index_ = index;
    name_ = {};
    depth_ = 0;
  }
  void Name(std::string_view name) { name_ = name; }

  [[noreturn]] void Fail(const std::string& what, ErrorCode code = ErrorCode::kCorruptFile) const {
    throw Error(code, path_ + ": " + Where() + ": " + what);
  }

  const uint8_t* Take(uint64_t n, const char* field) {
    if (n > remaining()) {
      Fail(std::string(field) + ": needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + " but the file ends at " + std::to_string(size_) + "; " +
           kCorruptHint);
    }
    const uint8_t* p = base_ + pos_;
    pos_ += n;
    return p;
  }

  template <typename T>
  T Read(const char* field) {
    T v;
    std::memcpy(&v, Take(sizeof(T), field), sizeof(T));
    return v;
  }
  uint32_t U32(const char* field) { return Read<uint32_t>(field); }
  uint64_t U64(const char* field) { return Read<uint64_t>(field); }

  std::string_view String(const char* field) {
    const uint64_t len = U64(field);
    if (len > remaining()) {
      Fail(std::string(field) + ": string length " + std::to_string(len) + " exceeds the " +
           std::to_string(remaining()) + " bytes left in the file; " + kCorruptHint);
    }
    return {reinterpret_cast<const char*>(Take(len, field)), static_cast<size_t>(len)};
  }

  GgufValueType ValueType(const char* field) {
    const uint32_t raw = U32(field);
    if (!IsValueType(raw)) Fail(std::string(field) + ": unknown value type " + std::to_string(raw));
    return static_cast<GgufValueType>(raw);
  }

  // Reads and validates one value; an array is walked (each element checked,
  // nothing stored) and returned as a view.
  GgufValue Value(GgufValueType type, int depth) {
    if (type == GgufValueType::kString) {
      GgufValue v;
      v.type = type;
      v.str = String("string");
      return v;
    }
    if (type == GgufValueType::kArray) {
      GgufValue v;
      v.type = type;
      v.array = Array(depth);
      return v;
    }
    GgufValue v = DecodeScalar(type, Take(ScalarBytes(type), "value"));
    if (type == GgufValueType::kBool && v.scalar.u64 > 1) {
      Fail("bool value is " + std::to_string(v.scalar.u64) + ", expected 0 or 1");
    }
    return v;
  }

 private:
  GgufArray Array(int depth) {
    if (depth >= kMaxArrayDepth) {
      Fail("arrays nested more than " + std::to_string(kMaxArrayDepth) + " levels deep");
    }
    const GgufValueType elem_type = ValueType("array element type");
    const uint64_t n = U64("array length");
    const uint64_t min_bytes = MinEncodedBytes(elem_type);
    if (n > remaining() / min_bytes) {
      Fail("array length " + std::to_string(n) + " of " + GgufValueTypeName(elem_type) +
           " needs more than the " + std::to_string(remaining()) + " bytes left in the file; " +
           kCorruptHint);
    }
    const uint8_t* data = base_ + pos_;
    if (IsFixedSize(elem_type) && elem_type != GgufValueType::kBool) {
      // Every bit pattern is a valid number: only the length needs checking,
      // and it was checked above (min_bytes is the element size).
      Take(n * min_bytes, "array elements");
      return GgufArray(elem_type, n, data);
    }
    depth_ = depth + 1;
    for (uint64_t i = 0; i < n; ++i) {
      elem_[depth] = i;
      (void)Value(elem_type, depth + 1);
      depth_ = depth + 1;  // a nested array returned: drop its indices
    }
    depth_ = depth;
    return GgufArray(elem_type, n, data);
  }

  std::string Where() const {
    std::string s;
    switch (section_) {
      case Section::kHeader: return "header";
      case Section::kMetadata: s = "metadata entry " + std::to_string(index_); break;
      case Section::kTensorInfo: s = "tensor info " + std::to_string(index_); break;
    }
    if (!name_.empty()) s += " " + Quoted(name_);
    for (int d = 0; d < depth_; ++d) s += "[" + std::to_string(elem_[d]) + "]";
    return s;
  }

  const std::string& path_;
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  // Context for messages.
  Section section_ = Section::kHeader;
  uint64_t index_ = 0;
  std::string_view name_;
  int depth_ = 0;
  uint64_t elem_[kMaxArrayDepth] = {};
};

constexpr size_t kNone = ~size_t{0};

std::string_view KeyOf(const GgufKeyValue& kv) { return kv.key; }
std::string_view NameOf(const GgufTensorInfo& t) { return t.name; }

// Indices of `items` ordered by name, ties by position.
template <typename T, typename NameFn>
std::vector<size_t> SortedIndex(const std::vector<T>& items, NameFn name_of) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string_view na = name_of(items[a]), nb = name_of(items[b]);
    return na != nb ? na < nb : a < b;
  });
  return order;
}

// The first (in file order) item whose name an earlier item already has, or kNone.
template <typename T, typename NameFn>
size_t FirstDuplicate(const std::vector<size_t>& order, const std::vector<T>& items, NameFn name_of) {
  size_t first = kNone;
  for (size_t i = 1; i < order.size(); ++i) {
    if (name_of(items[order[i - 1]]) == name_of(items[order[i]])) first = std::min(first, order[i]);
  }
  return first;
}

// Position of the item named `name`, or kNone.
template <typename T, typename NameFn>
size_t Lookup(const std::vector<size_t>& order, const std::vector<T>& items, std::string_view name,
              NameFn name_of) {
  auto it = std::lower_bound(order.begin(), order.end(), name,
                             [&](size_t i, std::string_view n) { return name_of(items[i]) < n; });
  return it != order.end() && name_of(items[*it]) == name ? *it : kNone;
}

void CheckRegularFile(const std::string& path, const struct stat& st) {
  if (S_ISDIR(st.st_mode)) {
    throw Error(ErrorCode::kIo, path + ": is a directory; pass the path of a .gguf file");
  }
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" : "a device";
    throw Error(ErrorCode::kIo, path + ": is not a regular file (it is " + kind +
                                    "); pass the path of a .gguf file");
  }
}

// Closes a descriptor on every path out of Open.
struct ScopedFd {
  int fd;
  ~ScopedFd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

const char* GgufValueTypeName(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: return "uint8";
    case GgufValueType::kInt8: return "int8";
    case GgufValueType::kUint16: return "uint16";
    case GgufValueType::kInt16: return "int16";
    case GgufValueType::kUint32: return "uint32";
    case GgufValueType::kInt32: return "int32";
    case GgufValueType::kFloat32: return "float32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kUint64: return "uint64";
    case GgufValueType::kInt64: return "int64";
    case GgufValueType::kFloat64: return "float64";
  }
  return "unknown";
}

bool GgufValue::is_integer() const {
  return IsUnsigned(type) || type == GgufValueType::kInt8 || type == GgufValueType::kInt16 ||
         type == GgufValueType::kInt32 || type == GgufValueType::kInt64;
}

bool GgufValue::is_float() const {
  return type == GgufValueType::kFloat32 || type == GgufValueType::kFloat64;
}

GgufValue GgufArray::Iterator::operator*() const { return DecodeValue(type_, p_); }

GgufArray::Iterator& GgufArray::Iterator::operator++() {
  p_ = SkipValue(type_, p_);
  ++index_;
  return *this;
}

GgufArray::Iterator GgufArray::Iterator::operator++(int) {
  Iterator before = *this;
  ++*this;
  return before;
}

GgufValue GgufArray::operator[](uint64_t i) const {
  ENTROPIX_CHECK(i < count_);
  return DecodeValue(elem_type_, SkipElements(elem_type_, i, data_));
}

std::unique_ptr<GgufFile> GgufFile::Open(const std::string& path) {
  // Only a regular file can be mapped. Checking the type before opening keeps
  // open() away from devices, and O_NONBLOCK keeps it from waiting forever for
  // the writer of a FIFO that replaces the file in between; fstat then checks
  // what was actually opened.
  struct stat st;
  if (stat(path.c_str(), &st) == 0) CheckRegularFile(path, st);
  ScopedFd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (fd.fd < 0) {
    throw Error(ErrorCode::kIo, path + ": cannot open: " + std::strerror(errno) +
                                    "; check the path and permissions");
  }
  if (fstat(fd.fd, &st) != 0) {
    throw Error(ErrorCode::kIo, path + ": cannot stat: " + std::strerror(errno));
  }
  CheckRegularFile(path, st);
  if (st.st_size == 0) {
    // mmap rejects a zero length, and an empty file is never a model.
    throw Error(ErrorCode::kCorruptFile,
                path + ": the file is empty (0 bytes); " + kCorruptHint);
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.fd, 0);
  if (p == MAP_FAILED) {
    throw Error(ErrorCode::kIo, path + ": cannot map " + std::to_string(size) +
                                    " bytes: " + std::strerror(errno));
  }
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->base_ = static_cast<const uint8_t*>(p);
  file->size_ = size;
  file->mapped_ = true;  // from here the destructor unmaps, also if Parse throws
  file->Parse();
  return file;
}

std::unique_ptr<GgufFile> GgufFile::OpenMemory(const std::string& name, const uint8_t* data,
                                               uint64_t size) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = name;
  file->base_ = data;
  file->size_ = size;
  if (size == 0) {
    throw Error(ErrorCode::kCorruptFile, name + ": the file is empty (0 bytes); " + kCorruptHint);
  }
  file->Parse();
  return file;
}

GgufFile::~GgufFile() {
  if (mapped_) munmap(const_cast<uint8_t*>(base_), size_);
}

void GgufFile::Parse() {
  Parser p(path_, base_, size_);

  // Header. The magic is compared as bytes-in-a-u32 so a byte-swapped file
  // still matches here and gets the specific message below.
  const uint32_t magic = p.U32("magic");
  if (magic != kMagic) {
    p.Fail("not a GGUF file (it does not start with the bytes 'GGUF'); check the path");
  }
  version_ = p.U32("version");
  const uint32_t swapped = __builtin_bswap32(version_);
  if (version_ == 1) {
    p.Fail("GGUF version 1 is no longer supported; re-convert the model with a current "
           "llama.cpp, or download a newer GGUF",
           ErrorCode::kUnsupported);
  }
  if ((version_ & 0xffff) == 0 && (swapped == 2 || swapped == 3)) {
    p.Fail("big-endian GGUF (version " + std::to_string(swapped) +
               " byte-swapped); only little-endian files are supported: download the "
               "little-endian build of the model",
           ErrorCode::kUnsupported);
  }
  if (version_ > 3 && version_ < 0x10000) {
    p.Fail("GGUF version " + std::to_string(version_) + " is newer than this reader (2 and 3)",
           ErrorCode::kUnsupported);
  }
  if (version_ != 2 && version_ != 3) {
    p.Fail("invalid GGUF version " + std::to_string(version_) + "; " + kCorruptHint);
  }
  const uint64_t n_tensors = p.U64("tensor count");
  const uint64_t n_kv = p.U64("metadata count");

  // Metadata.
  if (n_kv > p.remaining() / kMinKvBytes) {
    p.Fail("metadata count " + std::to_string(n_kv) + " cannot fit in the " +
           std::to_string(p.remaining()) + " bytes left; " + kCorruptHint);
  }
  kv_.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    p.Enter(Parser::Section::kMetadata, i);
    GgufKeyValue kv;
    kv.key = p.String("key");
    p.Name(kv.key);
    if (kv.key.empty()) p.Fail("empty key");
    kv.value = p.Value(p.ValueType("value type"), 0);
    kv_.push_back(kv);
  }
  kv_order_ = SortedIndex(kv_, KeyOf);
  if (const size_t dup = FirstDuplicate(kv_order_, kv_, KeyOf); dup != kNone) {
    p.Enter(Parser::Section::kMetadata, dup);
    p.Name(kv_[dup].key);
    p.Fail("duplicate key");
  }

  // The spec stores general.alignment as uint32; a power of two keeps the
  // aligned offsets the kernels rely on (and rules out 0).
  p.Enter(Parser::Section::kHeader, 0);
  alignment_ = kDefaultAlignment;
  if (const GgufValue* a = Find("general.alignment")) {
    if (a->type != GgufValueType::kUint32) {
      p.Fail(std::string("general.alignment is ") + GgufValueTypeName(a->type) +
             ", expected uint32");
    }
    if (!IsPowerOfTwo(a->scalar.u64)) {
      p.Fail("general.alignment is " + std::to_string(a->scalar.u64) +
             ", expected a nonzero power of two");
    }
    alignment_ = a->scalar.u64;
  }

  // Tensor infos.
  if (n_tensors > p.remaining() / kMinTensorInfoBytes) {
    p.Fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the " +
           std::to_string(p.remaining()) + " bytes left; " + kCorruptHint);
  }
  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    p.Enter(Parser::Section::kTensorInfo, i);
    GgufTensorInfo t;
    t.name = p.String("name");
    p.Name(t.name);
    if (t.name.empty()) p.Fail("empty tensor name");

    const uint32_t n_dims = p.U32("n_dims");
    if (n_dims < 1 || n_dims > kMaxDims) {
      p.Fail("n_dims is " + std::to_string(n_dims) + ", expected 1 to " + std::to_string(kMaxDims));
    }
    t.n_dims = static_cast<int>(n_dims);
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = p.U64("dimension");
      if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        p.Fail("dimension " + std::to_string(d) + " is " + std::to_string(ne) +
               ", expected 1 to 2^63-1");
      }
      t.ne[d] = static_cast<int64_t>(ne);
      if (__builtin_mul_overflow(n_elements, t.ne[d], &n_elements)) {
        p.Fail("shape has more than 2^63 elements");
      }
    }

    const uint32_t type_id = p.U32("type");
    const GgmlTypeTraits* traits = FindGgmlType(type_id);
    if (traits == nullptr) {
      p.Fail("unknown tensor type id " + std::to_string(type_id) +
             "; the file may be newer than this build, or corrupt");
    }
    t.type = static_cast<GgmlType>(type_id);
    if (t.ne[0] % traits->block_elems != 0) {
      p.Fail("row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
             traits->name + " block size " + std::to_string(traits->block_elems));
    }
    // Rows * blocks per row * bytes per block; n_elements did not overflow, so
    // only the final multiply by block_bytes can.
    const uint64_t n_blocks = static_cast<uint64_t>(n_elements / traits->block_elems);
    if (__builtin_mul_overflow(n_blocks, static_cast<uint64_t>(traits->block_bytes), &t.nbytes)) {
      p.Fail("data size overflows 64 bits");
    }

    t.offset = p.U64("data offset");
    if (t.offset % alignment_ != 0) {
      p.Fail("data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
             std::to_string(alignment_));
    }
    tensors_.push_back(t);
  }
  tensor_order_ = SortedIndex(tensors_, NameOf);
  if (const size_t dup = FirstDuplicate(tensor_order_, tensors_, NameOf); dup != kNone) {
    p.Enter(Parser::Section::kTensorInfo, dup);
    p.Name(tensors_[dup].name);
    p.Fail("duplicate tensor name");
  }

  // Data section: alignment <= 2^32 and pos <= size, so this cannot overflow.
  data_offset_ = (p.pos() + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t data_bytes = data_offset_ <= size_ ? size_ - data_offset_ : 0;
  for (GgufTensorInfo& t : tensors_) {
    if (t.offset > data_bytes || t.nbytes > data_bytes - t.offset) {
      throw Error(ErrorCode::kCorruptFile,
                  path_ + ": tensor " + Quoted(t.name) + ": data [offset " +
                      std::to_string(data_offset_) + " + " + std::to_string(t.offset) + ", " +
                      std::to_string(t.nbytes) + " bytes] runs past the end of the file (size " +
                      std::to_string(size_) + "); " + kCorruptHint);
    }
    t.data = base_ + data_offset_ + t.offset;
  }

  // Overlapping tensors mean a broken writer or a tampered table.
  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const GgufTensorInfo& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& a = *by_offset[i - 1];
    const GgufTensorInfo& b = *by_offset[i];
    if (a.offset + a.nbytes > b.offset) {
      throw Error(ErrorCode::kCorruptFile, path_ + ": tensor " + Quoted(b.name) +
                                               ": data overlaps tensor " + Quoted(a.name) + "; " +
                                               kCorruptHint);
    }
  }
}

// ---- Lookup and typed getters ----

const GgufValue* GgufFile::Find(std::string_view key) const {
  const size_t i = Lookup(kv_order_, kv_, key, KeyOf);
  return i == kNone ? nullptr : &kv_[i].value;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  const size_t i = Lookup(tensor_order_, tensors_, name, NameOf);
  return i == kNone ? nullptr : &tensors_[i];
}

namespace {

[[noreturn]] void WrongType(const std::string& path, std::string_view key, const GgufValue& v,
                            const std::string& expected) {
  std::string got = GgufValueTypeName(v.type);
  if (v.type == GgufValueType::kArray) {
    got = std::string("array of ") + GgufValueTypeName(v.array.elem_type());
  }
  throw Error(ErrorCode::kCorruptFile, path + ": metadata key " + Quoted(key) + " is " + got +
                                           ", expected " + expected);
}

[[noreturn]] void Missing(const std::string& path, std::string_view key) {
  throw Error(ErrorCode::kNotFound,
              path + ": required metadata key " + Quoted(key) +
                  " is missing; the file may be for a different program or model family");
}

uint64_t ToU64(const std::string& path, std::string_view key, const GgufValue& v) {
  if (!v.is_integer()) WrongType(path, key, v, "an unsigned integer");
  if (!IsUnsigned(v.type) && v.scalar.i64 < 0) {
    throw Error(ErrorCode::kCorruptFile, path + ": metadata key " + Quoted(key) + " is " +
                                             std::to_string(v.scalar.i64) +
                                             ", expected a non-negative value");
  }
  return v.scalar.u64;  // same bits for a non-negative signed value
}

int64_t ToI64(const std::string& path, std::string_view key, const GgufValue& v) {
  if (!v.is_integer()) WrongType(path, key, v, "an integer");
  if (IsUnsigned(v.type) && v.scalar.u64 > static_cast<uint64_t>(INT64_MAX)) {
    throw Error(ErrorCode::kCorruptFile, path + ": metadata key " + Quoted(key) + " is " +
                                             std::to_string(v.scalar.u64) +
                                             ", which does not fit in int64");
  }
  return v.scalar.i64;
}

}  // namespace

uint64_t GgufFile::GetU64(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) Missing(path_, key);
  return ToU64(path_, key, *v);
}

uint64_t GgufFile::GetU64Or(std::string_view key, uint64_t fallback) const {
  const GgufValue* v = Find(key);
  return v == nullptr ? fallback : ToU64(path_, key, *v);
}

int64_t GgufFile::GetI64Or(std::string_view key, int64_t fallback) const {
  const GgufValue* v = Find(key);
  return v == nullptr ? fallback : ToI64(path_, key, *v);
}

double GgufFile::GetF64Or(std::string_view key, double fallback) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return fallback;
  if (v->is_float()) return v->scalar.f64;
  // Some converters write float hyper-parameters (e.g. rope.freq_base) as
  // integers; the conversion is exact for any value a model would use.
  if (IsUnsigned(v->type)) return static_cast<double>(v->scalar.u64);
  if (v->is_integer()) return static_cast<double>(v->scalar.i64);
  WrongType(path_, key, *v, "a number");
}

bool GgufFile::GetBoolOr(std::string_view key, bool fallback) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return fallback;
  if (v->type != GgufValueType::kBool) WrongType(path_, key, *v, "bool");
  return v->scalar.u64 != 0;
}

std::string_view GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) Missing(path_, key);
  if (v->type != GgufValueType::kString) WrongType(path_, key, *v, "string");
  return v->str;
}

std::string_view GgufFile::GetStringOr(std::string_view key, std::string_view fallback) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return fallback;
  if (v->type != GgufValueType::kString) WrongType(path_, key, *v, "string");
  return v->str;
}

GgufArray GgufFile::GetArray(std::string_view key, GgufValueType elem) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) Missing(path_, key);
  if (v->type != GgufValueType::kArray || v->array.elem_type() != elem) {
    WrongType(path_, key, *v, std::string("array of ") + GgufValueTypeName(elem));
  }
  return v->array;
}

}  // namespace entropix
