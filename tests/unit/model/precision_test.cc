// Activation precision is a load option of each model (issue 13 item 3):
// the choice's parsing and its environment default, the auto rule, and two
// models in one process that multiply in different precisions each giving
// exactly the logits they give when loaded alone.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "model/precision.h"
#include "test_util.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

// Sets (or with nullptr unsets) ENTROPIX_ACT_PRECISION while it lives.
class ScopedPrecisionEnv {
 public:
  explicit ScopedPrecisionEnv(const char* value) {
    if (const char* old = std::getenv(kName)) saved_ = old, had_ = true;
    if (value) setenv(kName, value, 1);
    else unsetenv(kName);
  }
  ~ScopedPrecisionEnv() {
    if (had_) setenv(kName, saved_.c_str(), 1);
    else unsetenv(kName);
  }

 private:
  static constexpr const char* kName = "ENTROPIX_ACT_PRECISION";
  std::string saved_;
  bool had_ = false;
};

TEST(Precision, ParseAndName) {
  for (PrecisionChoice c : {PrecisionChoice::kAuto, PrecisionChoice::kF32, PrecisionChoice::kQ8}) {
    EXPECT_EQ(ParsePrecisionChoice(PrecisionChoiceName(c)), c);
  }
  try {
    ParsePrecisionChoice("f16");
    ADD_FAILURE() << "f16 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("not one of auto, f32, q8"), std::string::npos) << e.what();
  }
}

TEST(Precision, AutoIsF32BelowOneGibOfWeights) {
  constexpr uint64_t kGib = uint64_t{1} << 30;
  EXPECT_EQ(ResolvePrecision(PrecisionChoice::kAuto, 0), ActPrecision::kF32);
  EXPECT_EQ(ResolvePrecision(PrecisionChoice::kAuto, kGib - 1), ActPrecision::kF32);
  EXPECT_EQ(ResolvePrecision(PrecisionChoice::kAuto, kGib), ActPrecision::kQ8);
  EXPECT_EQ(ResolvePrecision(PrecisionChoice::kF32, 10 * kGib), ActPrecision::kF32);
  EXPECT_EQ(ResolvePrecision(PrecisionChoice::kQ8, 1), ActPrecision::kQ8);
}

TEST(Precision, EnvironmentSetsTheDefaultOnly) {
  {
    ScopedPrecisionEnv env(nullptr);
    EXPECT_EQ(DefaultPrecisionChoice(), PrecisionChoice::kAuto);
  }
  {
    ScopedPrecisionEnv env("q8");
    EXPECT_EQ(DefaultPrecisionChoice(), PrecisionChoice::kQ8);
    EXPECT_EQ(Model::Load(testing::StoriesPath())->precision(), ActPrecision::kQ8);
    ModelOptions f32;
    f32.precision = PrecisionChoice::kF32;  // an explicit option wins
    EXPECT_EQ(Model::Load(testing::StoriesPath(), f32)->precision(), ActPrecision::kF32);
  }
  {
    ScopedPrecisionEnv env("fast");
    EXPECT_THROW(Model::Load(testing::StoriesPath()), Error);
  }
}

TEST(Precision, AutoOnAModelFileCountsItsTensorBytes) {
  ScopedPrecisionEnv env(nullptr);
  auto m = Model::Load(testing::StoriesPath());
  EXPECT_GT(m->weight_bytes(), 0u);
  EXPECT_LT(m->weight_bytes(), uint64_t{1} << 30);
  EXPECT_EQ(m->precision(), ActPrecision::kF32);
}

std::unique_ptr<Model> LoadWith(const std::string& path, PrecisionChoice p) {
  ModelOptions o;
  o.precision = p;
  return Model::Load(path, o);
}

// Logits of every position of `prompt`, from a fresh cache: [n][vocab_size].
std::vector<float> AllLogits(const Model& m, const std::vector<int32_t>& prompt) {
  ThreadPool pool(2);
  KvCache cache = m.NewCache(static_cast<int>(prompt.size()));
  Workspace ws(m.config(), 4, static_cast<int>(prompt.size()));
  ForwardOptions fo;
  fo.all_logits = true;
  const std::span<const float> l = m.Forward(prompt, cache, ws, pool, fo);
  return std::vector<float>(l.begin(), l.end());
}

// SmolLM2's Q4_1/Q8_0 weights: q8 rounds the activations, f32 does not, so
// the two precisions give different logits; with a process-wide precision the
// model loaded second would change the first one's.
TEST(Precision, TwoModelsInOneProcessKeepTheirOwn) {
  const std::string path = testing::CachedModel("SmolLM2-135M-Instruct.Q4_1.gguf");
  if (path.empty()) {
    if (testing::ModelsRequired()) FAIL() << "SmolLM2-135M-Instruct.Q4_1.gguf is not in the model cache";
    GTEST_SKIP() << "SmolLM2-135M-Instruct.Q4_1.gguf not in the model cache (entropix pull)";
  }
  const std::vector<int32_t> prompt = {1, 504, 3458, 282, 4649, 314, 253, 1848};
  std::vector<float> f32_alone, q8_alone;
  {
    auto m = LoadWith(path, PrecisionChoice::kF32);
    f32_alone = AllLogits(*m, prompt);
  }
  {
    auto m = LoadWith(path, PrecisionChoice::kQ8);
    q8_alone = AllLogits(*m, prompt);
  }
  ASSERT_FALSE(f32_alone == q8_alone) << "the precisions must differ on this model for the test to mean anything";

  auto f32 = LoadWith(path, PrecisionChoice::kF32);
  auto q8 = LoadWith(path, PrecisionChoice::kQ8);  // loaded last
  auto auto_model = LoadWith(path, PrecisionChoice::kAuto);
  EXPECT_EQ(f32->precision(), ActPrecision::kF32);
  EXPECT_EQ(q8->precision(), ActPrecision::kQ8);
  EXPECT_EQ(auto_model->precision(), ActPrecision::kF32);  // 98 MB of weights
  // (EXPECT_TRUE: a failure need not print 400k floats.)
  EXPECT_TRUE(AllLogits(*f32, prompt) == f32_alone) << "f32 model beside a q8 one";
  EXPECT_TRUE(AllLogits(*q8, prompt) == q8_alone) << "q8 model beside an f32 one";
  EXPECT_TRUE(AllLogits(*f32, prompt) == f32_alone) << "f32 model after the q8 one ran";
  EXPECT_TRUE(AllLogits(*auto_model, prompt) == f32_alone) << "auto model";
}

}  // namespace
}  // namespace entropix
