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

// Items (eval, calibrate): the first item, then every 1/plain_steps, then
// "done"; the detail names what was just finished.
TEST(ProgressBar, ItemsPrintCountsDetailAndEta) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("eval", 8, ProgressOptions{ProgressUnit::kItems, 4, f});
    for (int i = 1; i <= 8; ++i) {
      bar.SetDetail("greedy item " + std::to_string(i));
      bar.Set(i);
    }
    bar.Finish();
  }
  const std::string out = Drain(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5) << out;  // items 1, 2, 4, 6, then done
  EXPECT_EQ(out.rfind("eval: 1/8 (12%) | greedy item 1, elapsed 0s, ETA 0s\n", 0), 0u) << out;
  EXPECT_NE(out.find("eval: 6/8 (75%) | greedy item 6, elapsed"), std::string::npos) << out;
  EXPECT_NE(out.find("eval: done, 8 in 0s\n"), std::string::npos) << out;
  std::fclose(f);
}

TEST(ProgressBar, FormatsDurations) {
  EXPECT_EQ(FormatDuration(42), "42s");
  EXPECT_EQ(FormatDuration(187), "3m07s");
  EXPECT_EQ(FormatDuration(7500), "2h05m");
}

}  // namespace
}  // namespace entropix
