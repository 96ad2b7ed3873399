// ENTROPIX_ENGINE_ONLY builds (e.g. the ARM64 cross build) have no zlib or
// OpenSSL: SHA-256 and the wheel reader, which only `pull` and the first
// verification of a cached model need, say so instead. A model file given
// by path, or a cached one already verified (its .sha256 marker matches),
// loads as usual.
#include <string>

#include "core/error.h"
#include "store/sha256.h"
#include "store/zip_reader.h"

namespace entropix {
namespace {

[[noreturn]] void NotBuilt(const std::string& what) {
  throw Error(ErrorCode::kUnsupported,
              what + " is not built in this configuration (ENTROPIX_ENGINE_ONLY: no zlib/OpenSSL); "
                     "pull or verify the model with a full build, or pass the .gguf file with -m");
}

}  // namespace

Sha256::Sha256() : ctx_(nullptr) { NotBuilt("SHA-256 (model download and verification)"); }
Sha256::~Sha256() = default;
void Sha256::Update(const void*, size_t) { NotBuilt("SHA-256"); }
std::string Sha256::HexDigest() { NotBuilt("SHA-256"); }
std::string Sha256::Hex(std::string_view) { NotBuilt("SHA-256"); }
std::string Sha256File(const std::string& path, const std::function<void(uint64_t)>&) {
  NotBuilt("verifying " + path + " (SHA-256)");
}

ZipReader::ZipReader(std::string path) : path_(std::move(path)) {
  NotBuilt("reading the wheel " + path_ + " (model download)");
}
const ZipEntry* ZipReader::Find(std::string_view) const { return nullptr; }
void ZipReader::Extract(const ZipEntry&, const Sink&) const { NotBuilt("zip extraction"); }

}  // namespace entropix
