// SHA-256 (FIPS 180-4) over streamed bytes, used to verify downloaded model
// files. A thin wrapper over OpenSSL's libcrypto, which picks the SHA-NI /
// AVX2 code path for the CPU at run time (~1-2 GB/s), so hashing a 1 GB model
// costs well under a second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace entropix {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  // Finishes the hash and returns it as 64 lowercase hex digits. The object
  // cannot be updated afterwards.
  std::string HexDigest();

  // One-shot convenience.
  static std::string Hex(std::string_view data);

 private:
  evp_md_ctx_st* ctx_;
  bool finished_ = false;
};

// Hashes a whole file. on_progress(bytes_done) is called after each chunk.
// Throws Error(kIo) when the file cannot be read.
std::string Sha256File(const std::string& path,
                       const std::function<void(uint64_t bytes_done)>& on_progress = {});

}  // namespace entropix
