// Hyper-parameters of a transformer, read from GGUF metadata.
//
// Glossary of dimension names used in shape comments across src/model:
//   vocab_size  tokens in the vocabulary
//   model_dim   width of the residual stream (embedding_length)
//   ffn_dim     width of the feed-forward hidden layer
//   n_layers    transformer blocks
//   n_heads     query heads; n_kv_heads key/value heads (grouped-query attention)
//   head_dim    width of one head (model_dim / n_heads unless the file says otherwise)
//   kv_dim      n_kv_heads * head_dim
//   capacity    positions a KV cache can hold; pos: a position in the sequence
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace entropix {

class GgufFile;

// How rotary embeddings pair up the dimensions of a head.
enum class RopeStyle {
  kAdjacent,  // pairs (0,1), (2,3), ...: GGUF llama files (q/k rows permuted at conversion)
  kHalves,    // pairs (i, i + rope_dim/2): "NeoX" style, used by qwen2
};

enum class RopeScaling { kNone, kLinear, kLlama3 };

// Where a block's RMS norms sit (decided once per model, not per row).
enum class NormPlacement {
  kPre,       // x += f(norm(x)): llama, qwen2
  kSandwich,  // x += post_norm(f(norm(x))): gemma 2/3 (post_attention_norm, post_ffw_norm)
};

// The gate of the feed-forward block: down(act(gate(x)) * up(x)).
enum class FfnActivation {
  kSilu,      // SwiGLU: x * sigmoid(x)
  kGeluTanh,  // GeGLU: GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
};

// How one layer attends. Families with one kind of layer leave the defaults.
struct LayerAttention {
  int window = 0;           // sliding window: keys at pos - window + 1 .. pos; 0 = all (global)
  bool local_rope = false;  // rotary base rope_theta_local, unscaled (else rope_theta + scaling)
};

struct ModelConfig {
  std::string arch;  // general.architecture
  std::string name;  // general.name (informational)

  int n_layers = 0;
  int model_dim = 0;
  int ffn_dim = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int vocab_size = 0;
  int context_length = 0;  // the length the model was trained for

  float rms_eps = 1e-5f;
  float rope_theta = 10000.0f;
  int rope_dim = 0;  // dimensions of each head that are rotated (<= head_dim)
  RopeStyle rope_style = RopeStyle::kAdjacent;
  RopeScaling rope_scaling = RopeScaling::kNone;
  float rope_scale_factor = 1.0f;     // linear and llama3
  float rope_low_freq_factor = 1.0f;  // llama3
  float rope_high_freq_factor = 4.0f; // llama3
  int rope_original_context = 8192;   // llama3

  // Block variants: data read by the tensor list (weights.cc) and the forward
  // pass (model.cc); each family's configure hook (archs/) sets them from
  // its metadata. Defaults are a llama block.
  bool qkv_bias = false;     // qwen2: biases on the q, k, v projections
  bool tied_output = false;  // output projection shares token_embd
  bool qk_norm = false;      // RMS norm of each q and k head (attn_q_norm, attn_k_norm: [head_dim])
  NormPlacement norm_placement = NormPlacement::kPre;
  FfnActivation ffn_activation = FfnActivation::kSilu;
  float embed_scale = 1.0f;     // token embeddings multiplied by this (gemma: sqrt(model_dim))
  float attn_scale = 0.0f;      // q.k multiplier; set to 1/sqrt(head_dim) by ReadCommonConfig
  float logit_softcap = 0.0f;   // > 0: logits = cap * tanh(logits / cap); 0: none
  float rope_theta_local = 10000.0f;  // rotary base of layers with local_rope
  std::vector<LayerAttention> layer_attention;  // [n_layers]; all global unless the family says


  int kv_dim() const { return n_kv_heads * head_dim; }
  int q_dim() const { return n_heads * head_dim; }
};

}  // namespace entropix
