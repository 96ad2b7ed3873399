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

namespace entropix {

class GgufFile;

// How rotary embeddings pair up the dimensions of a head.
enum class RopeStyle {
  kAdjacent,  // pairs (0,1), (2,3), ...: GGUF llama files (q/k rows permuted at conversion)
  kHalves,    // pairs (i, i + rope_dim/2): "NeoX" style, used by qwen2
};

enum class RopeScaling { kNone, kLinear, kLlama3 };

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

  bool qkv_bias = false;     // qwen2: biases on the q, k, v projections
  bool tied_output = false;  // output projection shares token_embd

  int kv_dim() const { return n_kv_heads * head_dim; }
  int q_dim() const { return n_heads * head_dim; }
};

}  // namespace entropix
