// Profiles: the built-ins carry SAMPLER.md's defaults; files round-trip;
// mistakes are errors that name the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "sampling/profile.h"

namespace entropix {
namespace {

TEST(Profile, BuiltinG2IsTheReference) {
  const Profile p = BuiltinProfile("entropix-g2");
  EXPECT_EQ(p.base.temperature, 0.666);
  EXPECT_EQ(p.base.top_p, 0.90);
  EXPECT_EQ(p.base.top_k, 27);
  EXPECT_EQ(p.base.min_p, 0.03);
  EXPECT_EQ(p.thresholds.low_entropy, 0.1);
  EXPECT_EQ(p.thresholds.low_varentropy, 0.1);
  EXPECT_EQ(p.thresholds.medium_entropy, 3.0);
  EXPECT_EQ(p.thresholds.high_entropy, 5.0);
  EXPECT_EQ(p.thresholds.high_varentropy, 5.0);
  EXPECT_EQ(p.coef.adaptive_samples, 5);
  EXPECT_EQ(p.pause.text, " ...");
  EXPECT_FALSE(p.branch.enabled);
  EXPECT_TRUE(BuiltinProfile("entropix-branch").branch.enabled);
  // The struct defaults are the reference too.
  const Profile d;
  EXPECT_EQ(ProfileToJson(d).find("\"t_base\": 1.3") != std::string::npos, true);
}

TEST(Profile, RoundTrip) {
  Profile p = BuiltinProfile("entropix-g2");
  p.name = "x";
  p.thresholds.high_entropy = 2.25;
  p.coef.adaptive_k_max = 77;
  p.branch.score = BranchScore::kMeanEntropy;
  p.branch.delimiters = {"\n", ";"};
  p.attention.mean_over_layers = true;
  p.calibration_json = R"({"prompts":3})";
  const Profile q = ParseProfile(ProfileToJson(p), "test");
  EXPECT_EQ(ProfileToJson(q), ProfileToJson(p));
  EXPECT_EQ(q.thresholds.high_entropy, 2.25);
  EXPECT_EQ(q.coef.adaptive_k_max, 77);
  EXPECT_EQ(q.branch.score, BranchScore::kMeanEntropy);
  EXPECT_TRUE(q.attention.mean_over_layers);
}

TEST(Profile, ErrorsNameTheField) {
  auto message = [](const char* text) {
    try {
      ParseProfile(text, "p.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"thresholds": {"low_entropyy": 1}})").find("thresholds.low_entropyy"), std::string::npos);
  EXPECT_NE(message(R"({"coefficients": {"adaptive": {"samples": 1.5}}})").find("coefficients.adaptive.samples"),
            std::string::npos);
  EXPECT_NE(message(R"({"base": {"temperature": 0}})").find("base.temperature"), std::string::npos);
  EXPECT_NE(message("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"policy": "greedy"})").find("policy"), std::string::npos);
  // A partial file keeps the defaults for what it does not say.
  const Profile p = ParseProfile(R"({"name": "partial", "thresholds": {"high_entropy": 4}})", "p.json");
  EXPECT_EQ(p.thresholds.high_entropy, 4.0);
  EXPECT_EQ(p.thresholds.low_entropy, 0.1);
  EXPECT_THROW(BuiltinProfile("no-such-profile"), Error);
}

// Each built-in is found under its file name, and that is the name inside it:
// DefaultProfileFor returns the inner name, which must resolve again (a dotted
// file name such as qwen2.5-... once lost everything after its first dot).
TEST(Profile, BuiltinNamesMatchTheirFiles) {
  const auto names = BuiltinProfileNames();
  EXPECT_GE(names.size(), 4u);
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    EXPECT_EQ(BuiltinProfile(n).name, n);
  }
  EXPECT_EQ(DefaultProfileFor("Qwen2.5 Coder 1.5B Instruct GGUF", 151936), "qwen2.5-coder-1.5b-instruct");
  EXPECT_EQ(DefaultProfileFor("Qwen2.5 Coder 1.5B Instruct GGUF", 1000), "entropix-g2");  // other vocabulary
  EXPECT_EQ(DefaultProfileFor("some other model", 49152), "entropix-g2");
}

std::string ProfileError(const std::string& text) {
  try {
    ParseProfile(text, "p.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Integers are range-checked, not truncated: 4294967297 is not 1 (issue #12
// item 9). Numbers that overflow a double (1e999) never parse.
TEST(Profile, IntegersAreRangeChecked) {
  for (const char* text : {R"({"branch": {"n_branches": 4294967297}})", R"({"branch": {"n_branches": -4294967295}})",
                           R"({"branch": {"n_branches": 18446744073709551615}})"}) {
    EXPECT_NE(ProfileError(text).find("branch.n_branches"), std::string::npos) << text;
  }
  EXPECT_NE(ProfileError(R"({"base": {"top_k": 2147483648}})").find("base.top_k"), std::string::npos);
  EXPECT_NE(ProfileError(R"({"attention": {"layer": -2147483649}})").find("attention.layer"), std::string::npos);
  EXPECT_NE(ProfileError(R"({"coefficients": {"adaptive": {"t_logit": 1e999}}})").find("1e999"),
            std::string::npos);
  EXPECT_EQ(ParseProfile(R"({"attention": {"layer": -2147483648}})", "p").attention.layer, -2147483648LL);
  EXPECT_EQ(ParseProfile(R"({"base": {"top_k": 2147483647}})", "p").base.top_k, 2147483647);
}

// A name that cannot be a file (a component longer than NAME_MAX) is an
// Error, not a std::filesystem_error that terminates the CLI (issue #12 item 3).
TEST(Profile, OverlongPathIsAnError) {
  const std::string name(300, 'a');
  EXPECT_THROW(ResolveProfile(name), Error);
  EXPECT_THROW(ResolveProfile("/tmp/" + name + "/p.json"), Error);
  EXPECT_THROW(ResolveProfile(std::string(5000, '/') + name), Error);
}

}  // namespace
}  // namespace entropix
