// The gemma3 family file (src/model/archs/gemma3.cc) on a tiny synthetic
// gemma3 GGUF: the variant settings it reads from metadata, the tensors it
// requires, and the sliding window's semantics (keys pos - window + 1 .. pos).
// The real model is checked against llama.cpp in llamacpp_golden_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "threading/thread_pool.h"
#include "tiny_model.h"

namespace entropix {
namespace {

using testing::TinyModel;

// The tiny llama of tiny_model.h under gemma3 keys, with gemma3's extra
// per-layer tensors (q/k norms of head_dim 4, the sandwich norms).
TinyModel TinyGemma3() {
  TinyModel tm;
  std::map<std::string, TinyModel::Value> meta;
  for (const auto& [key, value] : tm.meta) {
    const std::string k = key.rfind("llama.", 0) == 0 ? "gemma3." + key.substr(6) : key;
    meta[k] = value;
  }
  meta["general.architecture"] = std::string("gemma3");
  meta["gemma3.attention.sliding_window"] = 512u;
  tm.meta = meta;
  tm.output_rows = 0;  // tied
  tm.extra_layer_vectors = {{"attn_q_norm.weight", 4},
                            {"attn_k_norm.weight", 4},
                            {"post_attention_norm.weight", 8},
                            {"post_ffw_norm.weight", 8}};
  return tm;
}

std::unique_ptr<Model> Load(const TinyModel& tm) {
  const std::string path = ::testing::TempDir() + "/entropix_gemma3_" + std::to_string(getpid()) + ".gguf";
  testing::WriteFile(path, tm.Build());
  struct Unlink {
    std::string p;
    ~Unlink() { unlink(p.c_str()); }
  } cleanup{path};
  return Model::Load(path);
}

std::string LoadError(const TinyModel& tm) {
  try {
    Load(tm);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Logits of every position of a 6-token prompt.
std::vector<float> AllLogits(const Model& m) {
  ThreadPool pool(1);
  const std::vector<int32_t> tokens = {1, 5, 9, 3, 12, 7};
  KvCache cache = m.NewCache(8);
  Workspace ws(m.config(), 4, 8);
  ForwardOptions o;
  o.all_logits = true;
  const std::span<const float> logits = m.Forward(tokens, cache, ws, pool, o);
  return {logits.begin(), logits.end()};
}

TEST(Gemma3, VariantsReadFromMetadata) {
  const auto m = Load(TinyGemma3());
  const ModelConfig& c = m->config();
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.norm_placement, NormPlacement::kSandwich);
  EXPECT_EQ(c.ffn_activation, FfnActivation::kGeluTanh);
  EXPECT_EQ(c.rope_style, RopeStyle::kHalves);
  EXPECT_FLOAT_EQ(c.embed_scale, std::sqrt(8.0f));
  EXPECT_FLOAT_EQ(c.attn_scale, 0.5f);  // 1/sqrt(head_dim 4)
  EXPECT_EQ(c.logit_softcap, 0.0f);
  EXPECT_TRUE(c.tied_output);
  EXPECT_FLOAT_EQ(c.rope_theta_local, 10000.0f);  // freq_base_swa absent
  // One layer: 0 % 6 < 5, so it is a sliding-window layer.
  ASSERT_EQ(c.layer_attention.size(), 1u);
  EXPECT_EQ(c.layer_attention[0].window, 512);
  EXPECT_TRUE(c.layer_attention[0].local_rope);
}

TEST(Gemma3, PatternOneMakesEveryLayerGlobal) {
  TinyModel tm = TinyGemma3();
  tm.meta["gemma3.attention.sliding_window_pattern"] = 1u;
  const auto m = Load(tm);
  EXPECT_EQ(m->config().layer_attention[0].window, 0);
  EXPECT_FALSE(m->config().layer_attention[0].local_rope);
}

TEST(Gemma3, MissingVariantTensorIsNamed) {
  for (const char* name : {"attn_q_norm.weight", "post_ffw_norm.weight"}) {
    TinyModel tm = TinyGemma3();
    std::erase_if(tm.extra_layer_vectors, [&](const auto& t) { return t.first == name; });
    const std::string msg = LoadError(tm);
    EXPECT_NE(msg.find(std::string("blk.0.") + name), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  }
}

TEST(Gemma3, BadMetadataIsAnError) {
  TinyModel tm = TinyGemma3();
  tm.meta["gemma3.attention.sliding_window_pattern"] = 0u;
  EXPECT_NE(LoadError(tm).find("sliding_window_pattern"), std::string::npos);
  tm = TinyGemma3();
  tm.meta["gemma3.rope.freq_base_swa"] = -1.0f;
  EXPECT_NE(LoadError(tm).find("freq_base_swa"), std::string::npos);
}

// A window at least as long as the prompt is global attention, bit for bit
// (with the same rotary base); a window of 2 changes every position after
// the second and none before.
TEST(Gemma3, SlidingWindowSemantics) {
  TinyModel tm = TinyGemma3();
  tm.meta["gemma3.rope.freq_base_swa"] = 10000.0f;
  tm.meta["gemma3.rope.freq_base"] = 10000.0f;
  tm.meta["gemma3.attention.sliding_window"] = 6u;
  const std::vector<float> window6 = AllLogits(*Load(tm));
  tm.meta.erase("gemma3.attention.sliding_window");
  const std::vector<float> global = AllLogits(*Load(tm));
  EXPECT_EQ(window6, global);
  tm.meta["gemma3.attention.sliding_window"] = 2u;
  const std::vector<float> window2 = AllLogits(*Load(tm));
  const size_t vocab = 16;
  for (size_t pos = 0; pos < 6; ++pos) {
    const std::vector<float> a(global.begin() + pos * vocab, global.begin() + (pos + 1) * vocab);
    const std::vector<float> b(window2.begin() + pos * vocab, window2.begin() + (pos + 1) * vocab);
    if (pos < 2) {
      EXPECT_EQ(a, b) << pos;
    } else {
      EXPECT_NE(a, b) << pos;
    }
  }
}

}  // namespace
}  // namespace entropix
