// Shared helpers for the store tests: fixture paths, the manifest written by
// tools/make_zip_fixtures.py, scratch directories and environment overrides.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace entropix::testing {

inline std::string FixturePath(const std::string& name) {
  return std::string(ENTROPIX_TEST_DATA_DIR) + "/store/" + name;
}

struct ManifestEntry {
  uint64_t size_bytes = 0;
  std::string sha256;
};

// "member <name>" / "model <name>" -> size and sha256, as hashlib computed them.
inline const std::map<std::string, ManifestEntry>& Manifest() {
  static const std::map<std::string, ManifestEntry> manifest = [] {
    std::map<std::string, ManifestEntry> m;
    std::ifstream in(FixturePath("manifest.txt"));
    EXPECT_TRUE(in.good()) << "missing " << FixturePath("manifest.txt");
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string kind, name;
      ManifestEntry e;
      fields >> kind >> name >> e.size_bytes >> e.sha256;
      m[kind + " " + name] = e;
    }
    return m;
  }();
  return manifest;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A fresh directory under $TMPDIR, removed with its contents at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        std::filesystem::temp_directory_path().string() + "/entropix-store-XXXXXX";
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // Names of everything directly inside, sorted (hidden files included).
  std::vector<std::string> List() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace entropix::testing
