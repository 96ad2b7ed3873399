// Gemma 3 family (gemma3 GGUFs: the 270M..27B text models). Facts read from
// llama.cpp's gemma3 graph and converter (conversion/gemma.py):
//   * sandwich norms: post_attention_norm and post_ffw_norm on each sub-block's
//     output before the residual add; an RMS norm on every q and k head;
//   * GeGLU feed-forward (GELU, tanh approximation);
//   * token embeddings multiplied by sqrt(model_dim);
//   * interleaved attention: layer l is global when l % pattern == pattern - 1
//     (pattern 6 unless attention.sliding_window_pattern says otherwise),
//     the others see the last attention.sliding_window keys; global layers use
//     rope.freq_base (and any linear rope scaling), sliding ones
//     rope.freq_base_swa (10000 when absent), unscaled;
//   * "NeoX" rotary pairing; the output shares token_embd;
//   * norm weights are stored as 1 + w (the converter adds the 1), so they
//     are used as stored, like llama's;
//   * logits soft-capped only when final_logit_softcapping is present;
//   * q.k scaled by 1/sqrt(head_dim), except the 62-layer 27B model, which
//     uses 1/sqrt(model_dim / n_heads) (query_pre_attn_scalar).
#include <cmath>

#include "core/error.h"
#include "io/gguf.h"
#include "model/archs/registry.h"

namespace entropix {
namespace {

constexpr int kDefaultPattern = 6;
constexpr double kMaxTheta = 1e12;

// Which layers use the sliding window: attention.sliding_window_pattern is a
// period (every pattern-th layer global) or an array of one bool per layer.
std::vector<bool> SlidingLayers(const GgufFile& f, int n_layers) {
  const std::string key = "gemma3.attention.sliding_window_pattern";
  std::vector<bool> sliding(n_layers);
  const GgufValue* v = f.Find(key);
  if (v != nullptr && v->type == GgufValueType::kArray) {
    const GgufArray a = f.GetArray(key, GgufValueType::kBool);
    if (a.size() != static_cast<uint64_t>(n_layers)) {
      throw Error(ErrorCode::kCorruptFile, f.path() + ": metadata '" + key + "' has " +
                                               std::to_string(a.size()) + " entries for " +
                                               std::to_string(n_layers) + " layers");
    }
    for (int l = 0; l < n_layers; ++l) sliding[l] = a[l].scalar.u64 != 0;
    return sliding;
  }
  const int pattern = ReadPositiveInt(f, key, 1024, kDefaultPattern);
  for (int l = 0; l < n_layers; ++l) sliding[l] = l % pattern < pattern - 1;
  return sliding;
}

void ConfigureGemma3(const GgufFile& f, ModelConfig& c) {
  c.rope_style = RopeStyle::kHalves;
  c.qk_norm = true;
  c.norm_placement = NormPlacement::kSandwich;
  c.ffn_activation = FfnActivation::kGeluTanh;
  c.embed_scale = std::sqrt(static_cast<float>(c.model_dim));
  if (c.n_layers == 62) c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.model_dim / c.n_heads));
  if (f.Find("gemma3.final_logit_softcapping")) {
    c.logit_softcap = ReadPositiveFloat(f, "gemma3.final_logit_softcapping", 1e6, 0.0);
  }
  // Global layers: linear rope scaling when the file has it (4B and up).
  const float factor = ReadPositiveFloat(f, "gemma3.rope.scaling.factor", 1e4, 1.0);
  if (factor != 1.0f) {
    c.rope_scaling = RopeScaling::kLinear;
    c.rope_scale_factor = factor;
  }
  c.rope_theta_local = ReadPositiveFloat(f, "gemma3.rope.freq_base_swa", kMaxTheta, 10000.0);
  // No window (absent or 0): every layer global, as llama.cpp does.
  const uint64_t window = f.GetU64Or("gemma3.attention.sliding_window", 0);
  if (window == 0) return;
  if (window > (1u << 24)) {
    throw Error(ErrorCode::kCorruptFile, f.path() + ": metadata 'gemma3.attention.sliding_window' = " +
                                             std::to_string(window) + " is out of range (0.." +
                                             std::to_string(1u << 24) + ")");
  }
  const std::vector<bool> sliding = SlidingLayers(f, c.n_layers);
  for (int l = 0; l < c.n_layers; ++l) {
    if (!sliding[l]) continue;
    c.layer_attention[l].window = static_cast<int>(window);
    c.layer_attention[l].local_rope = true;
  }
}

}  // namespace

extern const ArchSpec kGemma3Arch = {"gemma3", ConfigureGemma3};

}  // namespace entropix
