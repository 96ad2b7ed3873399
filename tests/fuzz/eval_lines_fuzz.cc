// Fuzz target for the eval line parsers: arbitrary bytes as one line of each
// task data format (GSM8K, IFEval with its kwargs check, loops) and as one
// checkpoint record, through the functions the runner uses. A record that is
// accepted must round-trip: FromJson(ToLine()) gives an equal record. A
// crash, a sanitizer report, a failed round trip or any exception other than
// entropix::Error is a bug.
//
// Seeds: tests/fuzz/corpus/eval_lines_fuzz/. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "eval/eval_record.h"
#include "eval/json_fields.h"
#include "eval/task_data.h"
#include "eval/text_tasks.h"

namespace {

template <typename F>
void Try(F f) {
  try {
    f();
  } catch (const entropix::Error&) {
    // Rejecting bad input is the expected outcome.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace entropix;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.jsonl";
  Try([&] { ParseGsm8kLine(line, file, 1); });
  Try([&] { ParseIfevalLine(line, file, 1); });
  Try([&] { ParseLoopsLine(line, file, 1); });
  Try([&] {
    const EvalRecord r = EvalRecord::FromJson(line, file, 1);
    Try([&] { CheckIfevalDetails(JsonFields(r.details, file, "details.")); });
    if (!(EvalRecord::FromJson(r.ToLine(), file, 2) == r)) {
      std::fprintf(stderr, "eval_lines_fuzz: record does not round-trip:\n%s", r.ToLine().c_str());
      std::abort();
    }
  });
  return 0;
}
