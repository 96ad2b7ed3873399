// What Model::Load accepts (issue #12 items 1 and 4), on variants of the tiny
// model of tiny_model.h: hyper-parameters that would divide by zero or turn
// the rotary frequencies non-finite, and vocabularies that do not match the
// embedding table, are Errors naming the key or tensor, raised at load.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "model/model.h"
#include "threading/thread_pool.h"
#include "tiny_model.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using testing::TinyModel;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::unique_ptr<Model> LoadTiny(const TinyModel& tm) {
  const std::string path = ::testing::TempDir() + "/entropix_tiny_" + std::to_string(getpid()) + ".gguf";
  testing::WriteFile(path, tm.Build());
  struct Unlink {
    std::string p;
    ~Unlink() { unlink(p.c_str()); }
  } cleanup{path};
  return Model::Load(path);
}

// The message of the Error that loading `tm` raises, or "" if it loads.
std::string LoadError(const TinyModel& tm) {
  try {
    LoadTiny(tm);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<float> LastLogits(const Model& m, int32_t token) {
  ThreadPool pool(1);
  KvCache cache = m.NewCache(8);
  Workspace ws(m.config(), 1, 8);
  const std::span<const float> logits = m.Forward(std::span<const int32_t>(&token, 1), cache, ws, pool);
  return {logits.begin(), logits.end()};
}

bool AllFinite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

TEST(LoadValidation, TinyModelLoadsAndRuns) {
  auto m = LoadTiny(TinyModel{});
  EXPECT_EQ(m->config().vocab_size, 16);
  const std::vector<float> logits = LastLogits(*m, 1);
  ASSERT_EQ(logits.size(), 16u);
  EXPECT_TRUE(AllFinite(logits));
}

TEST(LoadValidation, Llama3RopeScalingLoadsAndRuns) {
  TinyModel tm;
  tm.meta["llama.rope.scaling.type"] = std::string("llama3");
  tm.meta["llama.rope.scaling.factor"] = 8.0f;
  tm.meta["llama.rope.scaling.low_freq_factor"] = 1.0f;
  tm.meta["llama.rope.scaling.high_freq_factor"] = 4.0f;
  tm.meta["llama.rope.scaling.original_context_length"] = 16u;
  auto m = LoadTiny(tm);
  EXPECT_EQ(m->config().rope_scaling, RopeScaling::kLlama3);
  EXPECT_TRUE(AllFinite(LastLogits(*m, 3)));
}

struct BadValue {
  std::string key;
  TinyModel::Value value;
  std::string scaling;  // llama.rope.scaling.type to set, "" for none
};

std::string Describe(const TinyModel::Value& v) {
  if (const auto* f = std::get_if<float>(&v)) return std::to_string(*f);
  if (const auto* u = std::get_if<uint32_t>(&v)) return std::to_string(*u);
  return std::get<std::string>(v);
}

// Each value is rejected at load with a message naming its key; accepted,
// most of them made every rotary frequency inf or NaN (1/0 in the llama3
// blend, a zero or NaN factor), which turned the logits into NaN.
TEST(LoadValidation, NonFiniteOrOutOfRangeFloatsAreRejected) {
  const std::string eps = "llama.attention.layer_norm_rms_epsilon";
  const std::string base = "llama.rope.freq_base";
  const std::string factor = "llama.rope.scaling.factor";
  const std::string low = "llama.rope.scaling.low_freq_factor";
  const std::string high = "llama.rope.scaling.high_freq_factor";
  const std::string orig = "llama.rope.scaling.original_context_length";
  const std::vector<BadValue> cases = {
      {eps, kNaN, ""},        {eps, kInf, ""},         {eps, 0.0f, ""},         {eps, -1e-5f, ""},
      {eps, 2.0f, ""},        {base, kNaN, ""},        {base, kInf, ""},        {base, 0.0f, ""},
      {base, -1.0f, ""},      {base, 1e13f, ""},       {factor, 0.0f, "linear"}, {factor, -2.0f, "linear"},
      {factor, kNaN, "linear"}, {factor, kInf, "linear"}, {factor, 0.0f, "llama3"}, {factor, -8.0f, "llama3"},
      {factor, kNaN, "llama3"}, {factor, 1e9f, "llama3"}, {low, kNaN, "llama3"},    {low, 0.0f, "llama3"},
      {low, -1.0f, "llama3"}, {high, kInf, "llama3"},   {high, 0.0f, "llama3"},   {orig, 0u, "llama3"},
      {orig, 0xffffffffu, "llama3"},
      // low == high divides by zero; low > high inverts the blend.
      {low, 4.0f, "llama3"},  {high, 0.5f, "llama3"},
  };
  for (const BadValue& c : cases) {
    SCOPED_TRACE(c.key + " = " + Describe(c.value) + " with scaling '" + c.scaling + "'");
    TinyModel tm;
    if (!c.scaling.empty()) {
      tm.meta["llama.rope.scaling.type"] = c.scaling;
      tm.meta[factor] = 8.0f;
      tm.meta[low] = 1.0f;
      tm.meta[high] = 4.0f;
    }
    tm.meta[c.key] = c.value;
    const std::string message = LoadError(tm);
    if (message.empty()) {
      ADD_FAILURE() << "loaded";
      continue;
    }
    EXPECT_NE(message.find(c.key), std::string::npos) << message;
  }
}

TEST(LoadValidation, UnknownRopeScalingTypeIsUnsupported) {
  TinyModel tm;
  tm.meta["llama.rope.scaling.type"] = std::string("yarn");
  const std::string message = LoadError(tm);
  EXPECT_NE(message.find("llama.rope.scaling.type"), std::string::npos) << message;
  EXPECT_NE(message.find("yarn"), std::string::npos) << message;
  tm.meta["llama.rope.scaling.type"] = std::string("none");
  EXPECT_EQ(LoadError(tm), "");
}

// A vocabulary larger than token_embd let token ids read past the embedding
// table and the logits; llama.cpp requires the sizes to be equal, and so do we.
TEST(LoadValidation, VocabularyMustMatchTheEmbeddingRows) {
  for (int n_tokens : {20, 12}) {
    SCOPED_TRACE(n_tokens);
    TinyModel tm;
    tm.n_tokens = n_tokens;
    const std::string message = LoadError(tm);
    EXPECT_NE(message.find("tokenizer.ggml.tokens"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(n_tokens)), std::string::npos) << message;
    EXPECT_NE(message.find("token_embd.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("16"), std::string::npos) << message;
  }
}

TEST(LoadValidation, OutputRowsMustMatchTheEmbeddingRows) {
  TinyModel tm;
  tm.output_rows = 20;
  const std::string message = LoadError(tm);
  EXPECT_NE(message.find("output.weight"), std::string::npos) << message;
  tm.output_rows = 0;  // tied to token_embd
  EXPECT_EQ(LoadError(tm), "");
}

// Special-token ids outside the vocabulary are ignored (treated as absent),
// never used as indices: see Tokenizer::FromGguf.
TEST(LoadValidation, SpecialTokenIdsOutsideTheVocabularyAreIgnored) {
  TinyModel tm;
  tm.meta["tokenizer.ggml.bos_token_id"] = 16u;
  tm.meta["tokenizer.ggml.eos_token_id"] = 0xffffffffu;
  tm.meta["tokenizer.ggml.eot_token_id"] = 1000u;
  tm.meta["tokenizer.ggml.unknown_token_id"] = 3u;
  auto m = LoadTiny(tm);
  auto tok = Tokenizer::FromGguf(m->file());
  EXPECT_EQ(tok->vocab_size(), m->config().vocab_size);
  EXPECT_EQ(tok->bos_id(), -1);
  EXPECT_EQ(tok->eos_id(), -1);
  for (int32_t id : tok->end_of_generation_ids()) EXPECT_LT(id, m->config().vocab_size);
}

// Some converters write -1 (a signed type) for "none": ignored the same way.
TEST(LoadValidation, NegativeSpecialTokenIdIsIgnored) {
  std::vector<uint8_t> bytes = TinyModel{}.Build();
  // Patch the uint32 eos id into an int32 -1 in place (same size).
  const std::string key = "tokenizer.ggml.eos_token_id";
  auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
  ASSERT_NE(at, bytes.end());
  const size_t type_at = static_cast<size_t>(at - bytes.begin()) + key.size();
  const uint32_t int32_type = static_cast<uint32_t>(GgufValueType::kInt32);
  const int32_t minus_one = -1;
  std::memcpy(bytes.data() + type_at, &int32_type, 4);
  std::memcpy(bytes.data() + type_at + 4, &minus_one, 4);
  auto file = GgufFile::OpenMemory("tiny.gguf", bytes.data(), bytes.size());
  auto m = Model::Load(std::move(file));
  EXPECT_EQ(Tokenizer::FromGguf(m->file())->eos_id(), -1);
}

}  // namespace
}  // namespace entropix
