// Corrupt-file corpus for the GGUF reader. Each case patches one field of the
// valid sample file (see gguf_test_writer.h) or truncates it, then opens it
// twice: from a temporary file (the product path, mmap) and from an exactly
// sized heap buffer (OpenMemory), where ASan reports any read past the end
// that the mmap's page rounding would hide. Both must raise the same Error;
// nothing may crash or throw anything else.
//
// Set ENTROPIX_WRITE_FUZZ_CORPUS=<dir> to also write a few of the cases there
// as seeds for tests/fuzz.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "core/error.h"
#include "gguf_test_writer.h"
#include "io/gguf.h"

namespace entropix {
namespace {

using testing::BuildNested;
using testing::BuildSample;
using testing::Sample;
using testing::SampleOptions;
using testing::WriteFile;

constexpr uint64_t kU64Max = ~uint64_t{0};
constexpr uint64_t k2p63 = uint64_t{1} << 63;

struct Outcome {
  bool ok = false;
  bool foreign = false;  // threw something that is not an entropix::Error
  ErrorCode code = ErrorCode::kCorruptFile;
  std::string message;
};

template <typename Fn>
Outcome Capture(Fn open) {
  Outcome o;
  try {
    auto file = open();
    o.ok = file != nullptr;
  } catch (const Error& e) {
    o.code = e.code();
    o.message = e.what();
  } catch (const std::exception& e) {
    o.foreign = true;
    o.message = e.what();
  } catch (...) {
    o.foreign = true;
  }
  return o;
}

class GgufCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/entropix_corrupt_" + std::to_string(getpid()) + ".gguf";
  }
  void TearDown() override { unlink(path_.c_str()); }

  // Opens `bytes` both ways; they must agree and never throw a foreign type.
  Outcome Open(const std::vector<uint8_t>& bytes) {
    WriteFile(path_, bytes);
    Outcome mapped = Capture([&] { return GgufFile::Open(path_); });
    // An exactly sized allocation (a vector's capacity may be larger).
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    Outcome memory = Capture([&] { return GgufFile::OpenMemory(path_, copy.get(), bytes.size()); });
    EXPECT_FALSE(mapped.foreign) << mapped.message;
    EXPECT_FALSE(memory.foreign) << memory.message;
    EXPECT_EQ(mapped.ok, memory.ok);
    EXPECT_EQ(mapped.message, memory.message);
    return mapped;
  }

  // The file must be rejected with `code`, naming the file and containing `needle`.
  void ExpectRejected(const std::vector<uint8_t>& bytes, const std::string& what,
                      const std::string& needle, ErrorCode code = ErrorCode::kCorruptFile) {
    SCOPED_TRACE(what);
    const Outcome o = Open(bytes);
    ASSERT_FALSE(o.ok) << "accepted";
    EXPECT_EQ(o.code, code) << ErrorCodeName(o.code) << ": " << o.message;
    EXPECT_EQ(o.message.rfind(path_ + ": ", 0), 0u) << o.message;
    EXPECT_NE(o.message.find(needle), std::string::npos)
        << "message \"" << o.message << "\" lacks \"" << needle << "\"";
    SaveSeed(what, bytes);
  }

  // Patches one field of a fresh sample and expects rejection.
  template <typename T>
  void ExpectPatchRejected(const std::string& mark, T value, const std::string& needle,
                           ErrorCode code = ErrorCode::kCorruptFile) {
    Sample s = BuildSample();
    s.w.Patch<T>(mark, value);
    ExpectRejected(s.w.bytes, mark + " = " + std::to_string(value), needle, code);
  }

  static void SaveSeed(const std::string& what, const std::vector<uint8_t>& bytes) {
    const char* dir = std::getenv("ENTROPIX_WRITE_FUZZ_CORPUS");
    if (dir == nullptr || bytes.size() > 4096) return;
    std::string name;
    for (char c : what) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    WriteFile(std::string(dir) + "/" + name + ".gguf", bytes);
  }

  std::string path_;
};

TEST_F(GgufCorrupt, SampleIsValid) {
  Sample s = BuildSample();
  const Outcome o = Open(s.w.bytes);
  EXPECT_TRUE(o.ok) << o.message;
  SaveSeed("valid_sample", s.w.bytes);
}

TEST_F(GgufCorrupt, TruncatedAtEveryHeaderByteAndAcrossData) {
  Sample s = BuildSample();
  const std::vector<uint8_t>& full = s.w.bytes;
  std::vector<size_t> cuts;
  for (size_t n = 0; n <= s.data_offset; ++n) cuts.push_back(n);
  for (size_t n = s.data_offset + 1; n < full.size(); n += 5) cuts.push_back(n);
  cuts.push_back(full.size() - 1);
  for (size_t n : cuts) {
    SCOPED_TRACE("truncated to " + std::to_string(n) + " of " + std::to_string(full.size()));
    const Outcome o = Open({full.begin(), full.begin() + static_cast<ptrdiff_t>(n)});
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.code, ErrorCode::kCorruptFile) << o.message;
    EXPECT_NE(o.message.find("truncated"), std::string::npos) << o.message;
  }
}

TEST_F(GgufCorrupt, HugeCounts) {
  Sample s = BuildSample();
  const uint64_t size = s.w.bytes.size();
  // "Just over" values: one more than the bytes after the field could hold.
  const auto left_after = [&](const std::string& mark) { return size - (s.w.At(mark) + 8); };
  for (uint64_t n : {k2p63, kU64Max, left_after("n_tensors") / 32 + 1,
                     (size - s.w.At("tensor_f32.name")) / 32 + 1}) {
    ExpectPatchRejected<uint64_t>("n_tensors", n, "tensor count " + std::to_string(n));
  }
  for (uint64_t n : {k2p63, kU64Max, left_after("n_kv") / 13 + 1}) {
    ExpectPatchRejected<uint64_t>("n_kv", n, "metadata count " + std::to_string(n));
  }
  for (uint64_t n : {k2p63, kU64Max, left_after("v.strings.len") / 8 + 1}) {
    ExpectPatchRejected<uint64_t>("v.strings.len", n, "'v.strings': array length");
  }
  ExpectPatchRejected<uint64_t>("v.ints.len", left_after("v.ints.len") / 4 + 1,
                                "'v.ints': array length");
  ExpectPatchRejected<uint64_t>("v.nested[2].len", kU64Max, "'v.nested'[2]: array length");
  for (uint64_t n : {k2p63, kU64Max, left_after("general.architecture.strlen") + 1}) {
    ExpectPatchRejected<uint64_t>("general.architecture.strlen", n,
                                  "string: string length " + std::to_string(n));
  }
  ExpectPatchRejected<uint64_t>("v.strings[0].len", kU64Max, "'v.strings'[0]: string: string length");
  ExpectPatchRejected<uint64_t>("general.architecture.key", kU64Max, "metadata entry 0: key: string length");
  ExpectPatchRejected<uint64_t>("tensor_q80.name", k2p63, "tensor info 1: name: string length");
}

TEST_F(GgufCorrupt, TensorOffsets) {
  Sample s = BuildSample();
  const uint64_t data_bytes = s.w.bytes.size() - s.data_offset;
  for (uint64_t off : {kU64Max - 63, k2p63, (data_bytes + 63) / 64 * 64, uint64_t{1} << 40}) {
    ExpectPatchRejected<uint64_t>("tensor_q4k.offset", off,
                                  "tensor 'tensor_q4k': data [offset " +
                                      std::to_string(s.data_offset) + " + " + std::to_string(off));
  }
  ExpectPatchRejected<uint64_t>("tensor_q4k.offset", 1, "not a multiple of the alignment 64");
  ExpectPatchRejected<uint64_t>("tensor_q80.offset", 0, "'tensor_q80': data overlaps tensor 'tensor_f32'");
  ExpectPatchRejected<uint64_t>("tensor_q4k.offset", 64, "overlaps");
}

TEST_F(GgufCorrupt, TensorShapesAndTypes) {
  ExpectPatchRejected<uint64_t>("tensor_q80.ne1", uint64_t{1} << 62, "more than 2^63 elements");
  ExpectPatchRejected<uint64_t>("tensor_q4k.ne2", kU64Max, "dimension 2 is 18446744073709551615");
  ExpectPatchRejected<uint64_t>("tensor_f32.ne1", k2p63, "dimension 1 is 9223372036854775808");
  ExpectPatchRejected<uint64_t>("tensor_f32.ne0", 0, "'tensor_f32': dimension 0 is 0");
  // 2^62 F32 elements fit in int64, their 2^64 bytes do not.
  ExpectPatchRejected<uint64_t>("tensor_f32.ne1", uint64_t{1} << 60, "data size overflows");
  ExpectPatchRejected<uint64_t>("tensor_f32.ne1", uint64_t{1} << 40, "runs past the end");
  ExpectPatchRejected<uint64_t>("tensor_q80.ne0", 33, "row length 33 is not a multiple of the Q8_0 block size 32");
  for (uint32_t id : {4u, 31u, 40u, 0xffffffffu}) {
    ExpectPatchRejected<uint32_t>("tensor_q80.ggml_type", id, "unknown tensor type id " + std::to_string(id));
  }
  for (uint32_t n : {0u, 5u, 0xffffffffu}) {
    ExpectPatchRejected<uint32_t>("tensor_q4k.n_dims", n, "'tensor_q4k': n_dims is " + std::to_string(n));
  }
  Sample s = BuildSample();  // rename tensor_q4k to tensor_q80
  std::memcpy(s.w.bytes.data() + s.w.At("tensor_q4k.name") + 8, "tensor_q80", 10);
  ExpectRejected(s.w.bytes, "duplicate tensor", "tensor info 2 'tensor_q80': duplicate tensor name");
}

TEST_F(GgufCorrupt, MetadataValues) {
  for (uint32_t t : {13u, 0xffffffffu}) {
    ExpectPatchRejected<uint32_t>("v.u8.type", t, "'v.u8': value type: unknown value type " + std::to_string(t));
    ExpectPatchRejected<uint32_t>("v.ints.value", t, "'v.ints': array element type: unknown value type");
  }
  ExpectPatchRejected<uint8_t>("v.bool.value", 2, "'v.bool': bool value is 2");
  ExpectPatchRejected<uint64_t>("general.architecture.key", 0, "metadata entry 0: empty key");
  Sample s = BuildSample();  // rename dup.b to dup.a
  s.w.bytes[s.w.At("dup.b.key") + 8 + 4] = 'a';
  ExpectRejected(s.w.bytes, "duplicate key", "'dup.a': duplicate key");
}

TEST_F(GgufCorrupt, Alignment) {
  for (uint32_t a : {0u, 3u, 48u, 0xffffffffu}) {
    ExpectPatchRejected<uint32_t>("general.alignment.value", a,
                                  "general.alignment is " + std::to_string(a) + ", expected a nonzero power of two");
  }
  // A valid power of two that the tensor offsets do not respect.
  ExpectPatchRejected<uint32_t>("general.alignment.value", 1u << 31, "not a multiple of the alignment 2147483648");
  SampleOptions opt;
  opt.alignment_type = GgufValueType::kUint64;
  Sample s = BuildSample(opt);
  s.w.Patch<uint64_t>("general.alignment.value", uint64_t{1} << 40);
  ExpectRejected(s.w.bytes, "alignment 2^40 as uint64", "general.alignment is uint64, expected uint32");
}

TEST_F(GgufCorrupt, Versions) {
  ExpectPatchRejected<uint32_t>("version", 1, "GGUF version 1 is no longer supported", ErrorCode::kUnsupported);
  ExpectPatchRejected<uint32_t>("version", 4, "GGUF version 4 is newer", ErrorCode::kUnsupported);
  ExpectPatchRejected<uint32_t>("version", 0x03000000, "big-endian", ErrorCode::kUnsupported);
  ExpectPatchRejected<uint32_t>("version", 0x02000000, "big-endian", ErrorCode::kUnsupported);
  ExpectPatchRejected<uint32_t>("version", 0, "invalid GGUF version 0");
  ExpectPatchRejected<uint32_t>("version", 0xffffffffu, "invalid GGUF version");
}

TEST_F(GgufCorrupt, NestingTooDeep) {
  ExpectRejected(BuildNested(9), "nested 9", "nested more than 8 levels deep");
  // Deep enough to exhaust the stack if depth were unbounded.
  ExpectRejected(BuildNested(200000), "nested 200000", "nested more than 8 levels deep");
}

// Every header byte set to a few values: any outcome but a crash or a
// foreign exception is fine (Open() checks that both paths agree).
TEST_F(GgufCorrupt, ByteFlipsInHeader) {
  const Sample s = BuildSample();
  int accepted = 0, rejected = 0;
  for (size_t i = 0; i < s.data_offset; ++i) {
    const uint8_t b = s.w.bytes[i];
    for (uint8_t v : {uint8_t{0}, uint8_t{0xff}, uint8_t(b ^ 0x01), uint8_t(b ^ 0x80)}) {
      if (v == b) continue;
      std::vector<uint8_t> bytes = s.w.bytes;
      bytes[i] = v;
      SCOPED_TRACE("byte " + std::to_string(i) + " = " + std::to_string(v));
      const Outcome o = Open(bytes);
      (o.ok ? accepted : rejected)++;
    }
  }
  // Most single-byte changes in a header break something; a few land in
  // string contents or padding and are legitimately accepted.
  EXPECT_GT(rejected, accepted);
  std::printf("byte flips: %d accepted, %d rejected\n", accepted, rejected);
}

// Random multi-byte damage anywhere, including insertions and deletions.
TEST_F(GgufCorrupt, RandomMutations) {
  const Sample s = BuildSample();
  std::mt19937_64 rng(20240601);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> bytes = s.w.bytes;
    const int n_edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < n_edits && !bytes.empty(); ++e) {
      // Three edits in four hit the header, where the parsing happens.
      const size_t limit = rng() % 4 ? s.data_offset : bytes.size();
      const size_t at = rng() % std::min(limit, bytes.size());
      switch (rng() % 4) {
        case 0: bytes[at] = static_cast<uint8_t>(rng()); break;
        case 1: bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(at)); break;
        case 2: bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(at), static_cast<uint8_t>(rng())); break;
        case 3: bytes.resize(at); break;
      }
    }
    SCOPED_TRACE("iteration " + std::to_string(iter));
    Open(bytes);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace entropix
