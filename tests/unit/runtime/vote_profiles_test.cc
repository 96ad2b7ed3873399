// The built-in vote profiles and the vote forms of the sampler spec.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "runtime/sampler_spec.h"
#include "runtime/vote_profiles.h"

namespace entropix {
namespace {

TEST(VoteProfiles, BuiltinsParseAndDiffer) {
  for (const std::string& name : BuiltinVoteProfileNames()) EXPECT_EQ(ResolveVoteProfile(name).name, name);
  EXPECT_EQ(ResolveVoteProfile("vote-default").fork.rule, ForkRule::kEntropy);
  EXPECT_EQ(ResolveVoteProfile("vote-cot").fork.rule, ForkRule::kFirstToken);
  EXPECT_EQ(ResolveVoteProfile("vote-cot").vote.weight, VoteWeight::kMargin);
}

TEST(VoteProfiles, UnknownNameListsTheBuiltins) {
  try {
    ResolveVoteProfile("no-such-vote-profile");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built-in: vote-default, vote-cot"), std::string::npos) << e.what();
  }
}

TEST(SamplerSpecVote, FormsAndLabels) {
  const SamplerSpec plain = ParseSamplerSpec("vote", "entropix-g2");
  ASSERT_TRUE(plain.vote.has_value());
  EXPECT_EQ(plain.vote->name, kDefaultVoteProfile);
  EXPECT_EQ(plain.label, "vote");
  const SamplerSpec cot = ParseSamplerSpec("cot=vote@vote-cot", "entropix-g2");
  ASSERT_TRUE(cot.vote.has_value());
  EXPECT_EQ(cot.label, "cot");
  EXPECT_EQ(cot.vote->name, "vote-cot");
  EXPECT_FALSE(ParseSamplerSpec("greedy", "entropix-g2").vote.has_value());
  EXPECT_FALSE(ParseSamplerSpec("entropix", "entropix-g2").vote.has_value());
  EXPECT_THROW(ParseSamplerSpec("vote@", "entropix-g2"), Error);
  EXPECT_THROW(ParseSamplerSpec("vote@nope", "entropix-g2"), Error);
}

}  // namespace
}  // namespace entropix
