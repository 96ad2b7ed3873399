// Fuzz target for the GGUF reader: parse arbitrary bytes, then walk what was
// parsed (getters, tensor data, the listing). A crash, a sanitizer report or
// any exception other than entropix::Error is a bug.
//
// Seeds: tests/fuzz/corpus/gguf_fuzz/. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>

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
