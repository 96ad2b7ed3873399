// The model's tensors as views into the memory-mapped GGUF file.
//
// ForEachTensor enumerates every tensor of the model exactly once, with its
// name and expected shape; loading, validation and `inspect` all use it, so
// the list of tensors lives in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/ggml_type.h"
#include "model/config.h"

namespace entropix {

class GgufFile;

// A matrix [rows][cols] (cols contiguous, GGUF ne = {cols, rows}) or a
// vector [cols] (rows = 1) in any supported type.
struct WeightView {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;

  bool present() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

struct LayerWeights {
  WeightView attn_norm;  // [model_dim] F32
  WeightView wq;         // [q_dim][model_dim]
  WeightView wk;         // [kv_dim][model_dim]
  WeightView wv;         // [kv_dim][model_dim]
  WeightView bq, bk, bv; // [q_dim], [kv_dim], [kv_dim] F32; qkv_bias only
  WeightView q_norm, k_norm;  // [head_dim] F32; qk_norm only
  WeightView wo;         // [model_dim][q_dim]
  WeightView post_attn_norm;  // [model_dim] F32; NormPlacement::kSandwich only
  WeightView ffn_norm;   // [model_dim] F32
  WeightView w_gate;     // [ffn_dim][model_dim]
  WeightView w_up;       // [ffn_dim][model_dim]
  WeightView w_down;     // [model_dim][ffn_dim]
  WeightView post_ffn_norm;   // [model_dim] F32; NormPlacement::kSandwich only
};

struct Weights {
  WeightView token_embd;   // [vocab_size][model_dim]
  WeightView output_norm;  // [model_dim] F32
  WeightView output;       // [vocab_size][model_dim]; == token_embd when tied
  std::vector<LayerWeights> layers;
};

// How a tensor is used, for validation: norms and biases must be F32 vectors,
// matrices may be any supported type.
enum class TensorRole { kMatrix, kVector };

struct TensorSlot {
  std::string name;
  TensorRole role;
  int64_t rows;  // 1 for vectors
  int64_t cols;
  bool required;
  WeightView* view;
};

// Calls fn once per tensor of the model described by `config`.
void ForEachTensor(const ModelConfig& config, Weights& weights,
                   const std::function<void(const TensorSlot&)>& fn);

// Binds every tensor in `file` to `weights`, checking names, shapes and
// types. Sets config.vocab_size and config.tied_output from the file.
// Throws Error naming the tensor for anything missing or mismatched.
void BindWeights(const GgufFile& file, ModelConfig& config, Weights& weights);

}  // namespace entropix
