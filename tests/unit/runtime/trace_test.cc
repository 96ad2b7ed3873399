// The trace file: whole lines, flushed per record, and failed writes are
// Errors naming the file (issue #12 item 7: `--trace /dev/full` exited 0).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "runtime/trace.h"

namespace entropix {
namespace {

TEST(TraceWriter, EachRecordIsOnDiskAtOnce) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("entropix_trace_" + std::to_string(::getpid()) + ".jsonl")).string();
  TraceWriter w(path);
  w.Write({{"event", "start"}});
  w.Write({{"piece", std::string("\xff")}});  // invalid UTF-8 is replaced, not thrown
  std::ifstream in(path);
  std::string a, b;
  ASSERT_TRUE(std::getline(in, a) && std::getline(in, b));  // before Close: flushed per record
  EXPECT_EQ(a, R"({"event":"start"})");
  EXPECT_EQ(b, "{\"piece\":\"\xef\xbf\xbd\"}");
  w.Close();
  std::filesystem::remove(path);
}

TEST(TraceWriter, FailedWritesAreErrorsNamingTheFile) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  if (std::filesystem::exists("/dev/full")) {
    TraceWriter w("/dev/full");
    const std::string m = message([&] { w.Write({{"event", "start"}}); });
    EXPECT_NE(m.find("'/dev/full'"), std::string::npos) << m;
    EXPECT_NE(m.find("No space left"), std::string::npos) << m;
  }
  const std::string m = message([] { TraceWriter w("/nonexistent-dir/t.jsonl"); });
  EXPECT_NE(m.find("cannot write the trace file '/nonexistent-dir/t.jsonl'"), std::string::npos) << m;
}

}  // namespace
}  // namespace entropix
