// GgufFile on a small file built by the test writer: every value type, the
// tensor table, the typed getters and their errors, open errors, and the
// DescribeGguf listing.
#include "io/gguf.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "io/gguf_dump.h"
#include "gguf_test_writer.h"

namespace entropix {
namespace {

using testing::BuildSample;
using testing::Sample;
using testing::SampleOptions;
using testing::WriteFile;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/entropix_gguf_" + std::to_string(getpid()) + "_" + name;
}

std::unique_ptr<GgufFile> OpenBytes(const std::vector<uint8_t>& bytes, const std::string& name) {
  const std::string path = TempPath(name);
  WriteFile(path, bytes);
  auto file = GgufFile::Open(path);
  unlink(path.c_str());  // the mapping stays valid after unlink
  return file;
}

// Runs `fn`, expects an Error with `code` whose message contains `needle`.
template <typename Fn>
void ExpectError(Fn fn, ErrorCode code, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing \"" << needle << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << needle << "\"";
  }
}

TEST(Gguf, ParsesEveryValueType) {
  Sample s = BuildSample();
  auto f = OpenBytes(s.w.bytes, "values.gguf");
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset(), s.data_offset);
  EXPECT_EQ(f->file_size(), s.w.bytes.size());
  ASSERT_EQ(f->metadata().size(), s.n_kv);
  EXPECT_EQ(f->metadata()[0].key, "general.architecture");

  EXPECT_EQ(f->GetString("general.architecture"), "test");
  EXPECT_EQ(f->GetU64("v.u8"), 200u);
  EXPECT_EQ(f->GetI64Or("v.i8", 0), -100);
  EXPECT_EQ(f->GetU64("v.u16"), 60000u);
  EXPECT_EQ(f->GetI64Or("v.i16", 0), -30000);
  EXPECT_EQ(f->GetU64("v.u32"), 4000000000u);
  EXPECT_EQ(f->GetI64Or("v.i32", 0), -2000000000);
  EXPECT_EQ(f->GetF64Or("v.f32", 0), static_cast<double>(0.1f));
  EXPECT_TRUE(f->GetBoolOr("v.bool", false));
  EXPECT_EQ(f->GetU64("v.u64"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f->GetI64Or("v.i64", 0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f->GetF64Or("v.f64", 0), -2.5e300);
  EXPECT_EQ(f->GetString("v.str"), "hello, world");

  const GgufArray strings = f->GetArray("v.strings", GgufValueType::kString);
  ASSERT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings[0].str, "a");
  EXPECT_EQ(strings[1].str, "");
  EXPECT_EQ(strings[2].str, "\xce\xbb tab\t");
  std::vector<std::string_view> walked;
  for (const GgufValue& v : strings) walked.push_back(v.str);
  EXPECT_EQ(walked, (std::vector<std::string_view>{"a", "", "\xce\xbb tab\t"}));

  const GgufArray ints = f->GetArray("v.ints", GgufValueType::kInt32);
  ASSERT_EQ(ints.size(), 4u);
  EXPECT_EQ(ints[3].scalar.i64, -4);
  EXPECT_TRUE(ints[3].is_integer());
  std::vector<int64_t> values;
  for (const GgufValue& v : ints) values.push_back(v.scalar.i64);
  EXPECT_EQ(values, (std::vector<int64_t>{1, -2, 3, -4}));

  const GgufArray nested = f->GetArray("v.nested", GgufValueType::kArray);
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ(nested[0].array.elem_type(), GgufValueType::kUint16);
  ASSERT_EQ(nested[0].array.size(), 2u);
  EXPECT_EQ(nested[0].array[1].scalar.u64, 2u);
  EXPECT_TRUE(nested[1].array.empty());
  EXPECT_EQ(nested[2].array[0].scalar.u64, 3u);
  // Iterating skips each nested array whole.
  std::vector<uint64_t> sizes;
  for (const GgufValue& v : nested) sizes.push_back(v.array.size());
  EXPECT_EQ(sizes, (std::vector<uint64_t>{2, 0, 1}));

  const GgufArray empty = f->GetArray("v.empty", GgufValueType::kFloat32);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.begin(), empty.end());
}

TEST(Gguf, TensorTableAndData) {
  Sample s = BuildSample();
  auto f = OpenBytes(s.w.bytes, "tensors.gguf");
  ASSERT_EQ(f->tensors().size(), s.tensors.size());
  for (size_t i = 0; i < s.tensors.size(); ++i) {
    const auto& want = s.tensors[i];
    const GgufTensorInfo& t = f->tensors()[i];
    SCOPED_TRACE(want.name);
    EXPECT_EQ(t.name, want.name);
    EXPECT_EQ(t.type, want.type);
    ASSERT_EQ(t.n_dims, static_cast<int>(want.ne.size()));
    for (int d = 0; d < 4; ++d) {
      EXPECT_EQ(t.ne[d], d < t.n_dims ? want.ne[d] : 1) << "dim " << d;
    }
    EXPECT_EQ(t.offset, want.offset);
    EXPECT_EQ(t.nbytes, want.nbytes);
    EXPECT_EQ(t.offset % f->alignment(), 0u);
    EXPECT_EQ(t.nbytes, RowBytes(t.type, t.ne[0]) * (t.n_elements() / t.ne[0]));
    // Data bytes follow the writer's pattern at their absolute position.
    const uint64_t rel = want.offset;
    ASSERT_NE(t.data, nullptr);
    EXPECT_EQ(t.data[0], static_cast<uint8_t>((rel * 7 + 1) & 0xff));
    EXPECT_EQ(t.data[t.nbytes - 1], static_cast<uint8_t>(((rel + t.nbytes - 1) * 7 + 1) & 0xff));
    EXPECT_EQ(f->FindTensor(want.name), &t);
  }
  EXPECT_EQ(f->FindTensor("nope"), nullptr);
  EXPECT_EQ(f->FindTensor(""), nullptr);
}

TEST(Gguf, DefaultAlignmentAndVersion2) {
  SampleOptions opt;
  opt.write_alignment = false;
  opt.version = 2;
  Sample s = BuildSample(opt);
  auto f = OpenBytes(s.w.bytes, "v2.gguf");
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->data_offset() % 32, 0u);
  EXPECT_EQ(f->Find("general.alignment"), nullptr);
}

TEST(Gguf, OpenMemoryMatchesOpen) {
  Sample s = BuildSample();
  auto a = GgufFile::OpenMemory("mem.gguf", s.w.bytes.data(), s.w.bytes.size());
  auto b = OpenBytes(s.w.bytes, "mem.gguf");
  EXPECT_EQ(a->path(), "mem.gguf");
  EXPECT_EQ(a->metadata().size(), b->metadata().size());
  EXPECT_EQ(a->tensors().size(), b->tensors().size());
  EXPECT_EQ(a->tensors()[1].data, s.w.bytes.data() + s.data_offset + s.tensors[1].offset);
}

TEST(Gguf, GetterConversionsAndErrors) {
  Sample s = BuildSample();
  auto f = OpenBytes(s.w.bytes, "getters.gguf");
  // Integers convert when the value fits.
  EXPECT_EQ(f->GetI64Or("v.u32", 0), 4000000000);
  EXPECT_EQ(f->GetF64Or("v.u16", 0), 60000.0);
  EXPECT_EQ(f->GetF64Or("v.i8", 0), -100.0);
  // Fallbacks for absent keys.
  EXPECT_EQ(f->GetU64Or("absent", 5), 5u);
  EXPECT_EQ(f->GetI64Or("absent", -5), -5);
  EXPECT_EQ(f->GetF64Or("absent", 1.5), 1.5);
  EXPECT_FALSE(f->GetBoolOr("absent", false));
  EXPECT_EQ(f->GetStringOr("absent", "fb"), "fb");
  EXPECT_EQ(f->GetStringOr("v.str", "fb"), "hello, world");

  const ErrorCode kCorrupt = ErrorCode::kCorruptFile;
  ExpectError([&] { f->GetU64("v.i8"); }, kCorrupt, "'v.i8' is -100");
  ExpectError([&] { f->GetI64Or("v.u64", 0); }, kCorrupt, "'v.u64'");
  ExpectError([&] { f->GetU64("v.str"); }, kCorrupt, "'v.str' is string, expected an unsigned integer");
  ExpectError([&] { f->GetU64("v.bool"); }, kCorrupt, "'v.bool' is bool");
  ExpectError([&] { f->GetF64Or("v.str", 0); }, kCorrupt, "'v.str' is string, expected a number");
  ExpectError([&] { f->GetBoolOr("v.u8", false); }, kCorrupt, "'v.u8' is uint8, expected bool");
  ExpectError([&] { f->GetString("v.u8"); }, kCorrupt, "'v.u8' is uint8, expected string");
  ExpectError([&] { f->GetStringOr("v.ints", ""); }, kCorrupt, "'v.ints' is array of int32");
  ExpectError([&] { f->GetArray("v.ints", GgufValueType::kUint32); }, kCorrupt,
              "'v.ints' is array of int32, expected array of uint32");
  ExpectError([&] { f->GetArray("v.str", GgufValueType::kString); }, kCorrupt,
              "expected array of string");
  ExpectError([&] { f->GetU64("absent"); }, ErrorCode::kNotFound, "'absent' is missing");
  ExpectError([&] { f->GetString("absent"); }, ErrorCode::kNotFound, "getters.gguf");
  ExpectError([&] { f->GetArray("absent", GgufValueType::kString); }, ErrorCode::kNotFound,
              "'absent'");
}

TEST(Gguf, OpenErrors) {
  ExpectError([] { GgufFile::Open("/nonexistent/dir/model.gguf"); }, ErrorCode::kIo,
              "/nonexistent/dir/model.gguf: cannot open");
  const std::string dir = TempPath("dir");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ExpectError([&] { GgufFile::Open(dir); }, ErrorCode::kIo, "is a directory");
  rmdir(dir.c_str());
  ExpectError([] { OpenBytes({}, "empty.gguf"); }, ErrorCode::kCorruptFile,
              "empty.gguf: the file is empty");
  ExpectError([] { GgufFile::OpenMemory("m", nullptr, 0); }, ErrorCode::kCorruptFile, "empty");
  ExpectError([] { OpenBytes({'G', 'G', 'M', 'L', 3, 0, 0, 0}, "ggml.bin"); },
              ErrorCode::kCorruptFile, "not a GGUF file");
}

// A FIFO with no writer made open() block forever (issue #12 item 6). The
// open runs on a thread; if it has not returned after a few seconds the test
// opens the writing end, which releases a blocked reader, so a regression
// fails instead of hanging.
TEST(Gguf, FifoIsRejectedWithoutBlocking) {
  const std::string fifo = TempPath("fifo.gguf");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto result = std::async(std::launch::async, [&] {
    try {
      GgufFile::Open(fifo);
      return std::string("opened");
    } catch (const Error& e) {
      return std::string(e.what());
    }
  });
  const bool returned = result.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  if (!returned) {
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
  }
  const std::string message = result.get();
  unlink(fifo.c_str());
  EXPECT_TRUE(returned) << "GgufFile::Open blocked on a FIFO";
  EXPECT_NE(message.find("is not a regular file"), std::string::npos) << message;
}

// A component longer than NAME_MAX: a clean Error, not a filesystem_error.
TEST(Gguf, OverlongPathComponent) {
  const std::string path = ::testing::TempDir() + "/" + std::string(300, 'a') + ".gguf";
  ExpectError([&] { GgufFile::Open(path); }, ErrorCode::kIo, "File name too long");
}

TEST(Gguf, NestingLimit) {
  // Eight levels (top-level array plus seven inside it) are accepted.
  auto ok = OpenBytes(testing::BuildNested(8), "nest8.gguf");
  ASSERT_NE(ok->Find("deep"), nullptr);
  GgufValue v = *ok->Find("deep");
  for (int d = 0; d < 8; ++d) {
    ASSERT_EQ(v.type, GgufValueType::kArray) << "level " << d;
    ASSERT_EQ(v.array.size(), 1u);
    v = v.array[0];
  }
  EXPECT_EQ(v.scalar.u64, 42u);
  ExpectError([] { OpenBytes(testing::BuildNested(9), "nest9.gguf"); },
              ErrorCode::kCorruptFile, "nested more than 8 levels");
}

TEST(GgufDump, DescribesSample) {
  Sample s = BuildSample();
  auto f = OpenBytes(s.w.bytes, "dump.gguf");
  const std::string text = DescribeGguf(*f);
  const auto has = [&](const std::string& needle) {
    EXPECT_NE(text.find(needle), std::string::npos) << "missing \"" << needle << "\" in:\n"
                                                    << text;
  };
  has("GGUF v3");
  has("alignment 64");
  has("metadata (" + std::to_string(s.n_kv) + " keys)");
  has("\"test\"");
  has("[string x 3] \"a\", \"\", \"\xce\xbb tab\\t\"");
  has("[int32 x 4] 1, -2, 3, -4");
  has("[array x 3] ([uint16 x 2] 1, 2), ([uint16 x 0]), ([uint16 x 1] 3)");
  has("18446744073709551615");
  has("-9223372036854775808");
  has("tensors (3)");
  has("tensor_q80");
  has("[64, 2]");
  has("[256, 1, 1]");
  // 12 + 128 + 256 parameters; 48 + 136 + 144 bytes.
  has("396 parameters, 328 bytes");
  has("Q8_0");
  has("1 tensor ");
}

TEST(GgufDump, TruncatesAndEscapes) {
  testing::GgufTestWriter w;
  w.Put<uint32_t>(0x46554747);
  w.Put<uint32_t>(3);
  w.Put<uint64_t>(0);
  w.Put<uint64_t>(2);
  w.Key("long", GgufValueType::kString);
  w.Str(std::string(100, 'x') + "END");
  w.Key("many", GgufValueType::kArray);
  w.ArrayHeader("len", GgufValueType::kUint8, 20);
  for (uint8_t i = 0; i < 20; ++i) w.Put<uint8_t>(i);
  auto f = OpenBytes(w.bytes, "trunc.gguf");
  const std::string brief = DescribeGguf(*f);
  EXPECT_EQ(brief.find("END"), std::string::npos);
  EXPECT_NE(brief.find("xxx\"..."), std::string::npos);
  EXPECT_NE(brief.find("[uint8 x 20] 0, 1, 2, 3, 4, 5, 6, 7, ..."), std::string::npos) << brief;
  const std::string all = DescribeGguf(*f, /*show_all_array_values=*/true);
  EXPECT_NE(all.find("17, 18, 19\n"), std::string::npos) << all;
}

}  // namespace
}  // namespace entropix
