#include "store/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "store/unique_fd.h"

namespace entropix {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  ENTROPIX_CHECK(ctx_ != nullptr);
  ENTROPIX_CHECK(EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(const void* data, size_t size) {
  ENTROPIX_CHECK(!finished_);
  if (size > 0) ENTROPIX_CHECK(EVP_DigestUpdate(ctx_, data, size) == 1);
}

std::string Sha256::HexDigest() {
  ENTROPIX_CHECK(!finished_);
  finished_ = true;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  ENTROPIX_CHECK(EVP_DigestFinal_ex(ctx_, digest, &digest_size) == 1);
  ENTROPIX_CHECK(digest_size == 32);
  static const char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (int i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

std::string Sha256::Hex(std::string_view data) {
  Sha256 hash;
  hash.Update(data.data(), data.size());
  return hash.HexDigest();
}

std::string Sha256File(const std::string& path, const std::function<void(uint64_t)>& on_progress) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    throw Error(ErrorCode::kIo, "cannot open " + path + " to verify it: " + std::strerror(errno));
  }
  Sha256 hash;
  std::vector<char> buffer(4 << 20);
  uint64_t done = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    hash.Update(buffer.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
    if (on_progress) on_progress(done);
  }
  return hash.HexDigest();
}

}  // namespace entropix
