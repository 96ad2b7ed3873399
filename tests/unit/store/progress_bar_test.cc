#include "store/progress_bar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace entropix {
namespace {

std::string Drain(std::FILE* f) {
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
  return out;
}

TEST(ProgressBar, NotATerminalPrintsQuartersThenDone) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("extracting x", 1000, f);
    for (int i = 0; i < 100; ++i) bar.Add(10);
    bar.Finish();
    bar.Finish();  // no second line
  }
  const std::string out = Drain(f);
  const std::string quarters =
      "extracting x: 25% (0.0 of 0.0 MB)\n"
      "extracting x: 50% (0.0 of 0.0 MB)\n"
      "extracting x: 75% (0.0 of 0.0 MB)\n";
  ASSERT_GE(out.size(), quarters.size());
  EXPECT_EQ(out.substr(0, quarters.size()), quarters);
  const std::string last = out.substr(quarters.size());
  EXPECT_EQ(last.rfind("extracting x: done, 0.0 MB in ", 0), 0u) << last;
  EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1) << last;
  std::fclose(f);
}

TEST(ProgressBar, AbandonedBarClaimsNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("x", 1000, f);
    bar.Add(10);
  }
  EXPECT_EQ(Drain(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace entropix
