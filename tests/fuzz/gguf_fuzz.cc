// Fuzz target for the GGUF reader: parse arbitrary bytes, then walk what was
// parsed (getters, tensor data, the listing). A crash, a sanitizer report or
// any exception other than entropix::Error is a bug.
//
// With clang this links against libFuzzer (tests/fuzz/CMakeLists.txt):
//   ./gguf_fuzz tests/fuzz/corpus/gguf
// With g++ it builds a replay driver instead (main below) that runs every file
// of the seed corpus once, as the ctest `gguf_fuzz_replay`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace entropix;
  try {
    auto file = GgufFile::OpenMemory("fuzz.gguf", data, size);
    (void)DescribeGguf(*file, /*show_all_array_values=*/true);
    uint64_t sum = 0;
    for (const GgufTensorInfo& t : file->tensors()) {
      // Touch the first and last byte so ASan checks the bounds we claim.
      sum += t.data[0] + t.data[t.nbytes - 1];
    }
    for (const GgufKeyValue& kv : file->metadata()) {
      try {
        sum += file->GetU64Or(kv.key, 0);
      } catch (const Error&) {
      }
    }
    (void)sum;
  } catch (const Error&) {
    // Rejecting bad input is the expected outcome.
  }
  return 0;
}

#ifndef ENTROPIX_LIBFUZZER
// Replays files and directories of files given on the command line.
int main(int argc, char** argv) {
  int n = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> paths;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i])) paths.push_back(e.path());
    } else {
      paths.push_back(argv[i]);
    }
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++n;
    }
  }
  std::printf("replayed %d inputs\n", n);
  return n > 0 ? 0 : 1;
}
#endif
