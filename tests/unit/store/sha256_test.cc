// SHA-256 against the FIPS 180-2 appendix B examples and NIST's one-million-'a'
// vector, streamed in uneven pieces to exercise block boundaries.
#include "store/sha256.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "store_test_util.h"

namespace entropix {
namespace {

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(Sha256::Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAInUnevenPieces) {
  const std::string chunk(4099, 'a');
  Sha256 hash;
  size_t left = 1000000;
  for (size_t piece = 1; left > 0; piece = piece * 3 % 4099 + 1) {
    const size_t n = std::min(piece, left);
    hash.Update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(hash.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesHashlib) {
  // manifest.txt's digests come from Python's hashlib.
  testing::ScratchDir dir;
  const std::string data = "GGUF" + std::string(100000, '\x07');
  testing::WriteFile(dir / "f", data);
  uint64_t last_progress = 0;
  EXPECT_EQ(Sha256File(dir / "f", [&](uint64_t done) { last_progress = done; }), Sha256::Hex(data));
  EXPECT_EQ(last_progress, data.size());
}

TEST(Sha256, MissingFileIsIoError) {
  try {
    Sha256File("/nonexistent/entropix/file");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/entropix/file"), std::string::npos);
  }
}

}  // namespace
}  // namespace entropix
