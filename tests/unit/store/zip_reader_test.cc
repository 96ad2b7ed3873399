// The zip reader on archives written by Python's zipfile and on hand-packed
// zip64 records (tools/make_zip_fixtures.py); expected contents are hashlib's.
// Damaged archives must raise Error, never crash or read out of bounds: run
// this under the ASan+UBSan build too.
#include "store/zip_reader.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace entropix {
namespace {

using testing::FixturePath;
using testing::Manifest;

std::string ExtractToString(const ZipReader& zip, const std::string& name) {
  const ZipEntry* entry = zip.Find(name);
  EXPECT_NE(entry, nullptr) << name;
  if (!entry) return "";
  std::string out;
  zip.Extract(*entry, [&](const uint8_t* data, size_t size) {
    out.append(reinterpret_cast<const char*>(data), size);
  });
  return out;
}

void ExpectMembersMatchManifest(const std::string& archive, const std::vector<std::string>& names) {
  ZipReader zip(FixturePath(archive));
  for (const std::string& name : names) {
    const testing::ManifestEntry& want = Manifest().at("member " + name);
    const std::string got = ExtractToString(zip, name);
    EXPECT_EQ(got.size(), want.size_bytes) << archive << ": " << name;
    EXPECT_EQ(Sha256::Hex(got), want.sha256) << archive << ": " << name;
  }
}

TEST(ZipReader, ListsEntriesInOrder) {
  ZipReader zip(FixturePath("deflated.zip"));
  std::vector<std::string> names;
  for (const ZipEntry& e : zip.entries()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"hello.txt", "dir/numbers.txt", "empty.txt",
                                             "zeros.bin", "noise.bin"}));
  EXPECT_EQ(zip.Find("zeros.bin")->uncompressed_size, 3u << 20);
  EXPECT_EQ(zip.Find("zeros.bin")->method, 8);
  EXPECT_EQ(zip.Find("missing"), nullptr);
}

TEST(ZipReader, StoredMembers) {
  ZipReader zip(FixturePath("stored.zip"));
  EXPECT_EQ(zip.Find("hello.txt")->method, 0);
  EXPECT_EQ(ExtractToString(zip, "hello.txt"), "hello, wheel\n");
  ExpectMembersMatchManifest("stored.zip", {"hello.txt", "dir/numbers.txt", "empty.txt"});
}

TEST(ZipReader, DeflatedMembers) {
  // zeros.bin (3 MiB from 3 KB) inflates over several output buffers.
  ExpectMembersMatchManifest(
      "deflated.zip", {"hello.txt", "dir/numbers.txt", "empty.txt", "zeros.bin", "noise.bin"});
}

TEST(ZipReader, Zip64ExtraFieldsAndEndRecord) {
  ZipReader zip(FixturePath("zip64.zip"));
  ASSERT_EQ(zip.entries().size(), 2u);
  const ZipEntry* stored = zip.Find("stored.txt");
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->uncompressed_size, Manifest().at("member dir/numbers.txt").size_bytes);
  EXPECT_EQ(stored->local_header_offset, 0u);
  EXPECT_EQ(Sha256::Hex(ExtractToString(zip, "stored.txt")),
            Manifest().at("member dir/numbers.txt").sha256);
  EXPECT_EQ(Sha256::Hex(ExtractToString(zip, "deflated.bin")),
            Manifest().at("member noise.bin").sha256);
}

TEST(ZipReader, MissingFileIsIoError) {
  try {
    ZipReader zip(FixturePath("no_such_file.zip"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
  }
}

struct CorruptCase {
  const char* file;
  const char* member;  // nullptr: opening must fail
  ErrorCode code;
  const char* message_part;
};

void PrintTo(const CorruptCase& c, std::ostream* os) { *os << c.file; }

class ZipReaderCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(ZipReaderCorrupt, RaisesClearError) {
  const CorruptCase& c = GetParam();
  try {
    ZipReader zip(FixturePath(c.file));
    ASSERT_NE(c.member, nullptr) << "opening " << c.file << " should have failed";
    const ZipEntry* entry = zip.Find(c.member);
    ASSERT_NE(entry, nullptr);
    zip.Extract(*entry, [](const uint8_t*, size_t) {});
    FAIL() << "extracting " << c.member << " from " << c.file << " should have failed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.file), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ZipReaderCorrupt,
    ::testing::Values(
        CorruptCase{"corrupt_truncated.zip", nullptr, ErrorCode::kCorruptFile, "no end-of-central"},
        CorruptCase{"corrupt_not_a_zip.zip", nullptr, ErrorCode::kCorruptFile, "no end-of-central"},
        CorruptCase{"corrupt_cd_offset.zip", nullptr, ErrorCode::kCorruptFile, "outside the file"},
        CorruptCase{"corrupt_entry_count.zip", nullptr, ErrorCode::kCorruptFile, "cannot fit"},
        CorruptCase{"corrupt_cd_name_length.zip", nullptr, ErrorCode::kCorruptFile,
                    "runs past the central directory"},
        CorruptCase{"corrupt_zip64_locator.zip", nullptr, ErrorCode::kCorruptFile,
                    "zip64 end record offset"},
        CorruptCase{"corrupt_zip64_extra.zip", nullptr, ErrorCode::kCorruptFile,
                    "short zip64 extra field"},
        CorruptCase{"corrupt_local_signature.zip", "noise.bin", ErrorCode::kCorruptFile,
                    "bad local header signature"},
        CorruptCase{"corrupt_member_size.zip", "noise.bin", ErrorCode::kCorruptFile,
                    "runs past the end"},
        CorruptCase{"corrupt_local_offset.zip", "noise.bin", ErrorCode::kCorruptFile,
                    "local header offset outside"},
        CorruptCase{"corrupt_crc.zip", "noise.bin", ErrorCode::kCorruptFile, "CRC-32"},
        CorruptCase{"corrupt_uncompressed_size.zip", "noise.bin", ErrorCode::kCorruptFile,
                    "more than its declared"},
        CorruptCase{"corrupt_deflate_data.zip", "noise.bin", ErrorCode::kCorruptFile,
                    "bad deflate data"},
        CorruptCase{"unsupported_encrypted.zip", "hello.txt", ErrorCode::kUnsupported, "encrypted"},
        CorruptCase{"unsupported_method.zip", "hello.txt", ErrorCode::kUnsupported,
                    "compression method 14"}),
    [](const ::testing::TestParamInfo<CorruptCase>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      return name;
    });

// Opens and fully extracts an archive; any outcome but an Error or success
// (a crash, a sanitizer report, another exception type) fails the test.
void OpenAndExtractAll(const std::string& path) {
  try {
    ZipReader zip(path);
    for (const ZipEntry& e : zip.entries()) zip.Extract(e, [](const uint8_t*, size_t) {});
  } catch (const Error&) {
  }
}

// Every prefix, and every single-byte change (three values), of small archives.
TEST(ZipReader, SurvivesEveryTruncationAndByteFlip) {
  testing::ScratchDir dir;
  const std::string path = dir / "mutant.zip";
  for (const char* name : {"stored.zip", "zip64.zip", "fake_model_part1-1.0-py3-none-any.whl"}) {
    const std::string good = testing::ReadFile(FixturePath(name));
    ASSERT_FALSE(good.empty()) << name;
    for (size_t n = 0; n < good.size(); ++n) {
      testing::WriteFile(path, good.substr(0, n));
      OpenAndExtractAll(path);
    }
    for (size_t i = 0; i < good.size(); ++i) {
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string mutant = good;
        mutant[i] = static_cast<char>(mutant[i] ^ flip);
        testing::WriteFile(path, mutant);
        OpenAndExtractAll(path);
      }
    }
  }
}

}  // namespace
}  // namespace entropix
