// Memory and time of parsing hostile-but-valid files (issue #12 item 5): a
// 20 MB file holding one 20M-element uint8 array once cost 1.3 GB and 5.7 s in
// `inspect`, because every element became a 64-byte value. Arrays are now
// views of the mapping, and the heap a GgufFile uses is a small multiple of the
// number of keys and tensors.
//
// Heap use is measured by counting the bytes requested from operator new
// (replaced by alloc_counter.cc, in this test binary only): the sum of every
// request made while a file is parsed bounds its peak heap growth from above,
// and unlike getrusage's high-water mark it does not depend on what ran earlier.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "core/error.h"
#include "gguf_test_writer.h"
#include "io/gguf.h"
#include "io/gguf_dump.h"

namespace entropix::testing {
uint64_t TotalRequestedBytes();  // alloc_counter.cc
}  // namespace entropix::testing

namespace entropix {
namespace {

using testing::GgufTestWriter;
using testing::WriteFile;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/entropix_gguf_mem_" + std::to_string(getpid()) + "_" + name;
}

// Bytes requested from operator new while fn runs.
template <typename Fn>
uint64_t RequestedBytes(Fn fn) {
  const uint64_t before = testing::TotalRequestedBytes();
  fn();
  return testing::TotalRequestedBytes() - before;
}

// A GGUF header for `n_kv` keys and no tensors.
GgufTestWriter Header(uint64_t n_kv) {
  GgufTestWriter w;
  w.bytes.reserve(64);  // (g++ 12 warns wrongly about a first insert into an empty vector)
  w.Put<uint32_t>(0x46554747);
  w.Put<uint32_t>(3);
  w.Put<uint64_t>(0);
  w.Put<uint64_t>(n_kv);
  return w;
}

TEST(GgufMemory, LargeArrayIsAViewNotACopy) {
  constexpr uint64_t kElements = 20'000'000;
  const std::string path = TempPath("u8_array.gguf");
  {
    GgufTestWriter w = Header(3);
    w.Key("general.architecture", GgufValueType::kString);
    w.Str("llama");
    w.Key("big", GgufValueType::kArray);
    w.ArrayHeader("big.len", GgufValueType::kUint8, kElements);
    w.bytes.resize(w.bytes.size() + kElements, 7);
    w.Key("bools", GgufValueType::kArray);  // bools are walked (each must be 0 or 1)
    w.ArrayHeader("bools.len", GgufValueType::kBool, 1'000'000);
    w.bytes.resize(w.bytes.size() + 1'000'000, 1);
    WriteFile(path, w.bytes);
  }
  const auto start = std::chrono::steady_clock::now();
  std::string listing;
  const uint64_t heap = RequestedBytes([&] {
    auto file = GgufFile::Open(path);  // what `run` does
    listing = DescribeGguf(*file);     // and `inspect`
    const GgufArray big = file->GetArray("big", GgufValueType::kUint8);
    EXPECT_EQ(big.size(), kElements);
    EXPECT_EQ(big[kElements - 1].scalar.u64, 7u);
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  unlink(path.c_str());
  EXPECT_NE(listing.find("[uint8 x 20000000] 7, 7, 7, 7, 7, 7, 7, 7, ..."), std::string::npos) << listing;
  // Was 64 bytes per element (1.3 GB); now a few small allocations.
  EXPECT_LT(heap, uint64_t{1} << 20) << "bytes requested while parsing a 21 MB file";
  EXPECT_LT(seconds, 2.0);
}

// The worst case for the tables: as many keys as the file can hold (entries
// of 14 to 19 bytes: a short key, a type and a uint8). Each costs a
// GgufKeyValue and an index word, about four times its size in the file
// (a hash-map index made it seven).
TEST(GgufMemory, ManyTinyKeysCostASmallMultipleOfTheFile) {
  constexpr uint64_t kKeys = 1'000'000;
  const std::string path = TempPath("many_keys.gguf");
  uint64_t file_bytes = 0;
  {
    GgufTestWriter w = Header(kKeys);
    w.bytes.reserve(w.bytes.size() + kKeys * 20);
    for (uint64_t i = 0; i < kKeys; ++i) {
      w.Str(std::to_string(i));
      w.Type(GgufValueType::kUint8);
      w.Put<uint8_t>(static_cast<uint8_t>(i));
    }
    file_bytes = w.bytes.size();
    WriteFile(path, w.bytes);
  }
  const uint64_t heap = RequestedBytes([&] {
    auto file = GgufFile::Open(path);
    EXPECT_EQ(file->metadata().size(), kKeys);
    EXPECT_EQ(file->GetU64("999999"), 999999u % 256);
  });
  unlink(path.c_str());
  EXPECT_LT(heap, 6 * file_bytes) << "bytes requested while parsing a " << file_bytes << "-byte file";
}

}  // namespace
}  // namespace entropix
