#include "store/zip_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace entropix {
namespace {

// Record signatures and fixed sizes, APPNOTE 6.3.x section 4.3.
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kFlagEncrypted = 1;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr size_t kChunkSize = 1 << 20;

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t Le64(const uint8_t* p) { return Le32(p) | static_cast<uint64_t>(Le32(p + 4)) << 32; }

}  // namespace

ZipReader::ZipReader(std::string path) : path_(std::move(path)) {
  fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_.valid()) {
    throw Error(ErrorCode::kIo, "cannot open " + path_ + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) {
    throw Error(ErrorCode::kIo, "cannot stat " + path_ + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error(ErrorCode::kIo, path_ + " is not a regular file");
  file_size_ = static_cast<uint64_t>(st.st_size);
  ReadCentralDirectory();
}

void ZipReader::Corrupt(const std::string& what) const {
  throw Error(ErrorCode::kCorruptFile,
              path_ + " is not a valid zip archive (" + what +
                  "); the download is damaged: delete it and download it again");
}

void ZipReader::ReadAt(uint64_t offset, void* data, size_t size) const {
  // Callers check ranges against the file size; a short read here means the
  // file changed underneath us.
  auto* out = static_cast<uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::pread(fd_.get(), out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(ErrorCode::kIo, "cannot read " + path_ + ": " + std::strerror(errno));
    if (n == 0) Corrupt("file ends early at byte " + std::to_string(offset));
    out += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

void ZipReader::ReadCentralDirectory() {
  if (file_size_ < kEndSize) Corrupt("too small to be a zip file");

  // The end-of-central-directory record sits at the end, followed only by a
  // comment of up to 64 KiB: scan the tail backwards for its signature.
  const size_t tail_size =
      static_cast<size_t>(std::min<uint64_t>(file_size_, kEndSize + kMaxCommentSize));
  const uint64_t tail_offset = file_size_ - tail_size;
  std::vector<uint8_t> tail(tail_size);
  ReadAt(tail_offset, tail.data(), tail_size);
  size_t end_pos = SIZE_MAX;
  for (size_t pos = tail_size - kEndSize + 1; pos-- > 0;) {
    const uint8_t* p = tail.data() + pos;
    if (Le32(p) == kEndSig && pos + kEndSize + Le16(p + 20) <= tail_size) {
      end_pos = pos;
      break;
    }
  }
  if (end_pos == SIZE_MAX) Corrupt("no end-of-central-directory record");
  const uint8_t* end = tail.data() + end_pos;
  const uint64_t end_offset = tail_offset + end_pos;

  uint32_t disk = Le16(end + 4);
  uint32_t cd_disk = Le16(end + 6);
  uint64_t entries_on_disk = Le16(end + 8);
  uint64_t entry_count = Le16(end + 10);
  uint64_t cd_size = Le32(end + 12);
  uint64_t cd_offset = Le32(end + 16);
  uint64_t cd_limit = end_offset;  // the central directory ends before this

  // Zip64: a locator right before the end record points to a larger record.
  if (end_offset >= kZip64LocatorSize) {
    uint8_t locator[kZip64LocatorSize];
    ReadAt(end_offset - kZip64LocatorSize, locator, sizeof locator);
    if (Le32(locator) == kZip64LocatorSig) {
      const uint64_t record_offset = Le64(locator + 8);
      const uint64_t locator_offset = end_offset - kZip64LocatorSize;
      if (locator_offset < kZip64EndSize || record_offset > locator_offset - kZip64EndSize) {
        Corrupt("zip64 end record offset " + std::to_string(record_offset) + " out of range");
      }
      uint8_t record[kZip64EndSize];
      ReadAt(record_offset, record, sizeof record);
      if (Le32(record) != kZip64EndSig) Corrupt("bad zip64 end record signature");
      disk = Le32(record + 16);
      cd_disk = Le32(record + 20);
      entries_on_disk = Le64(record + 24);
      entry_count = Le64(record + 32);
      cd_size = Le64(record + 40);
      cd_offset = Le64(record + 48);
      cd_limit = record_offset;
    }
  }

  if (disk != 0 || cd_disk != 0 || entries_on_disk != entry_count) {
    throw Error(ErrorCode::kUnsupported,
                path_ + " is a multi-volume (split) zip archive, which is not supported");
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
    Corrupt("central directory (offset " + std::to_string(cd_offset) + ", size " +
            std::to_string(cd_size) + ") lies outside the file");
  }
  if (entry_count > cd_size / kCentralHeaderSize) {
    Corrupt(std::to_string(entry_count) + " entries cannot fit in a central directory of " +
            std::to_string(cd_size) + " bytes");
  }
  central_directory_offset_ = cd_offset;

  std::vector<uint8_t> cd(static_cast<size_t>(cd_size));
  ReadAt(cd_offset, cd.data(), cd.size());
  entries_.reserve(static_cast<size_t>(entry_count));
  size_t pos = 0;
  for (uint64_t i = 0; i < entry_count; ++i) {
    const std::string where = "central directory entry " + std::to_string(i);
    if (cd.size() - pos < kCentralHeaderSize) Corrupt(where + " is truncated");
    const uint8_t* h = cd.data() + pos;
    if (Le32(h) != kCentralHeaderSig) Corrupt(where + " has a bad signature");
    const size_t name_size = Le16(h + 28);
    const size_t extra_size = Le16(h + 30);
    const size_t comment_size = Le16(h + 32);
    if (cd.size() - pos - kCentralHeaderSize < name_size + extra_size + comment_size) {
      Corrupt(where + " runs past the central directory");
    }
    ZipEntry e;
    e.flags = Le16(h + 8);
    e.method = Le16(h + 10);
    e.crc32 = Le32(h + 16);
    e.compressed_size = Le32(h + 20);
    e.uncompressed_size = Le32(h + 24);
    e.local_header_offset = Le32(h + 42);
    e.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_size);
    const uint32_t start_disk = Le16(h + 34);

    // A zip64 extra field holds, in this order, the 64-bit forms of exactly
    // those fields whose 32-bit (or 16-bit) slots are saturated.
    const bool need_uncompressed = e.uncompressed_size == 0xffffffffu;
    const bool need_compressed = e.compressed_size == 0xffffffffu;
    const bool need_offset = e.local_header_offset == 0xffffffffu;
    const bool need_disk = start_disk == 0xffffu;
    if (need_uncompressed || need_compressed || need_offset || need_disk) {
      const uint8_t* x = h + kCentralHeaderSize + name_size;
      const uint8_t* x_end = x + extra_size;
      bool found = false;
      while (x_end - x >= 4) {
        const uint16_t id = Le16(x);
        const size_t size = Le16(x + 2);
        x += 4;
        if (static_cast<size_t>(x_end - x) < size) Corrupt(where + " has a truncated extra field");
        if (id == kZip64ExtraId) {
          const size_t needed =
              8 * (need_uncompressed + need_compressed + need_offset) + 4 * need_disk;
          if (size < needed) Corrupt(where + " has a short zip64 extra field");
          const uint8_t* f = x;
          if (need_uncompressed) e.uncompressed_size = Le64(f), f += 8;
          if (need_compressed) e.compressed_size = Le64(f), f += 8;
          if (need_offset) e.local_header_offset = Le64(f), f += 8;
          found = true;
          break;
        }
        x += size;
      }
      if (!found) Corrupt(where + " needs a zip64 extra field but has none");
    } else if (start_disk != 0) {
      throw Error(ErrorCode::kUnsupported,
                  path_ + " is a multi-volume (split) zip archive, which is not supported");
    }
    pos += kCentralHeaderSize + name_size + extra_size + comment_size;
    entries_.push_back(std::move(e));
  }
}

const ZipEntry* ZipReader::Find(std::string_view name) const {
  for (const ZipEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void ZipReader::Extract(const ZipEntry& entry, const Sink& sink) const {
  const std::string member = "member " + entry.name;
  if (entry.flags & kFlagEncrypted) {
    throw Error(ErrorCode::kUnsupported, member + " of " + path_ + " is encrypted");
  }
  if (entry.method != kMethodStored && entry.method != kMethodDeflate) {
    throw Error(ErrorCode::kUnsupported, member + " of " + path_ + " uses compression method " +
                                             std::to_string(entry.method) +
                                             "; only stored (0) and deflate (8) are supported");
  }

  // The local header repeats the name and may carry its own extra field; the
  // member's bytes follow it and must end before the central directory.
  const uint64_t limit = central_directory_offset_;
  if (entry.local_header_offset > limit || limit - entry.local_header_offset < kLocalHeaderSize) {
    Corrupt(member + " has a local header offset outside the file");
  }
  uint8_t local[kLocalHeaderSize];
  ReadAt(entry.local_header_offset, local, sizeof local);
  if (Le32(local) != kLocalHeaderSig) Corrupt(member + " has a bad local header signature");
  const size_t name_size = Le16(local + 26);
  const size_t extra_size = Le16(local + 28);
  const uint64_t data_offset =
      entry.local_header_offset + kLocalHeaderSize + name_size + extra_size;
  if (data_offset > limit || limit - data_offset < entry.compressed_size) {
    Corrupt(member + " (" + std::to_string(entry.compressed_size) +
            " bytes) runs past the end of the member data");
  }
  std::string local_name(name_size, '\0');
  ReadAt(entry.local_header_offset + kLocalHeaderSize, local_name.data(), name_size);
  if (local_name != entry.name) Corrupt(member + " has a different name in its local header");

  // Buffers no larger than the member needs: small members are common.
  std::vector<uint8_t> in(static_cast<size_t>(
      std::min<uint64_t>(kChunkSize, std::max<uint64_t>(entry.compressed_size, 1))));
  uint64_t in_done = 0;
  uint64_t out_done = 0;
  uLong crc = crc32_z(0L, Z_NULL, 0);
  auto emit = [&](const uint8_t* data, size_t size) {
    if (size > entry.uncompressed_size - out_done) {
      Corrupt(member + " holds more than its declared " + std::to_string(entry.uncompressed_size) +
              " bytes");
    }
    out_done += size;
    crc = crc32_z(crc, data, size);
    sink(data, size);
  };

  if (entry.method == kMethodStored) {
    if (entry.compressed_size != entry.uncompressed_size) {
      Corrupt(member + " is stored but its two sizes differ");
    }
    while (in_done < entry.compressed_size) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(in.size(), entry.compressed_size - in_done));
      ReadAt(data_offset + in_done, in.data(), n);
      in_done += n;
      emit(in.data(), n);
    }
  } else {
    z_stream zs{};
    // Negative window bits: a raw deflate stream, no zlib header (APPNOTE 4.4.5).
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
      throw Error(ErrorCode::kIo, "zlib could not start inflating (out of memory?)");
    }
    struct InflateEnd {
      z_stream* zs;
      ~InflateEnd() { inflateEnd(zs); }
    } inflate_end{&zs};
    std::vector<uint8_t> out(static_cast<size_t>(
        std::min<uint64_t>(kChunkSize, std::max<uint64_t>(entry.uncompressed_size, 64))));
    int status = Z_OK;
    while (status != Z_STREAM_END) {
      if (zs.avail_in == 0) {
        if (in_done == entry.compressed_size) Corrupt(member + " has a truncated deflate stream");
        const size_t n =
            static_cast<size_t>(std::min<uint64_t>(in.size(), entry.compressed_size - in_done));
        ReadAt(data_offset + in_done, in.data(), n);
        in_done += n;
        zs.next_in = in.data();
        zs.avail_in = static_cast<uInt>(n);
      }
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      status = inflate(&zs, Z_NO_FLUSH);
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
        Corrupt(member + " has bad deflate data" + (zs.msg ? std::string(": ") + zs.msg : ""));
      }
      emit(out.data(), out.size() - zs.avail_out);
    }
  }

  if (out_done != entry.uncompressed_size) {
    Corrupt(member + " holds " + std::to_string(out_done) + " bytes, not the declared " +
            std::to_string(entry.uncompressed_size));
  }
  if (static_cast<uint32_t>(crc) != entry.crc32) Corrupt(member + " fails its CRC-32 check");
}

}  // namespace entropix
