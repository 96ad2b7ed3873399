#include "server/stop_matcher.h"

#include <gtest/gtest.h>

namespace entropix::server {
namespace {

TEST(StopMatcherTest, HoldsAPossibleStartAndCutsAtTheMatch) {
  StopMatcher m({"World"});
  EXPECT_EQ(m.Push("Hello, Wo"), "Hello, ");
  EXPECT_FALSE(m.matched());
  EXPECT_EQ(m.Push("rld!"), "");
  EXPECT_TRUE(m.matched());
  EXPECT_EQ(m.Push("more"), "");
  EXPECT_EQ(m.Flush(), "");
}

TEST(StopMatcherTest, ReleasesAFalseStart) {
  StopMatcher m({"World"});
  EXPECT_EQ(m.Push("Wor"), "");
  EXPECT_EQ(m.Push("ds"), "Words");
  EXPECT_EQ(m.Push("W"), "");
  EXPECT_EQ(m.Flush(), "W");
}

TEST(StopMatcherTest, EarliestOfSeveralStops) {
  StopMatcher m({"cd", "b"});
  EXPECT_EQ(m.Push("abcd"), "a");
  EXPECT_TRUE(m.matched());
}

TEST(StopMatcherTest, NoStopsPassesEverything) {
  StopMatcher m({});
  EXPECT_EQ(m.Push("abc"), "abc");
  EXPECT_EQ(m.Flush(), "");
}

}  // namespace
}  // namespace entropix::server
