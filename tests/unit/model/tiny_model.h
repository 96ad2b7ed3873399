// A complete, tiny llama GGUF for tests of what the loader accepts: 1 layer,
// model_dim 8, 2 heads (1 kv head, head_dim 4), ffn_dim 16, F32 weights and a
// SentencePiece-style vocabulary. Every metadata key can be changed or removed
// and the vocabulary, embedding and output sizes set independently, so a test
// builds exactly the hostile variant it needs. Written with the io test writer
// from the format description, not with our reader.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "../io/gguf_test_writer.h"

namespace entropix::testing {

struct TinyModel {
  using Value = std::variant<uint32_t, float, std::string>;

  int n_tokens = 16;     // tokenizer.ggml.tokens entries
  int embd_rows = 16;    // token_embd.weight rows (the model's vocab_size)
  int output_rows = 16;  // output.weight rows; 0 = no output tensor (tied)
  std::map<std::string, Value> meta = {
      {"general.architecture", std::string("llama")},
      {"llama.block_count", 1u},
      {"llama.embedding_length", 8u},
      {"llama.feed_forward_length", 16u},
      {"llama.attention.head_count", 2u},
      {"llama.attention.head_count_kv", 1u},
      {"llama.context_length", 64u},
      {"llama.attention.layer_norm_rms_epsilon", 1e-5f},
      {"llama.rope.freq_base", 10000.0f},
      {"tokenizer.ggml.model", std::string("llama")},
      {"tokenizer.ggml.bos_token_id", 1u},
      {"tokenizer.ggml.eos_token_id", 2u},
      {"tokenizer.ggml.unknown_token_id", 0u},
  };

  // More per-layer tensors for families with block variants, as
  // (name after "blk.0.", cols): F32 vectors of ones, e.g. {"attn_q_norm.weight", 4}.
  std::vector<std::pair<std::string, int64_t>> extra_layer_vectors;

  std::vector<uint8_t> Build() const;
};

inline std::vector<uint8_t> TinyModel::Build() const {
  using T = GgufValueType;
  struct Tensor {
    std::string name;
    int64_t cols, rows;  // rows = 1: a vector
  };
  std::vector<Tensor> tensors = {{"token_embd.weight", 8, embd_rows}, {"output_norm.weight", 8, 1}};
  if (output_rows > 0) tensors.push_back({"output.weight", 8, output_rows});
  for (const Tensor& t : std::vector<Tensor>{{"attn_norm.weight", 8, 1},   {"attn_q.weight", 8, 8},
                                             {"attn_k.weight", 8, 4},      {"attn_v.weight", 8, 4},
                                             {"attn_output.weight", 8, 8}, {"ffn_norm.weight", 8, 1},
                                             {"ffn_gate.weight", 8, 16},   {"ffn_up.weight", 8, 16},
                                             {"ffn_down.weight", 16, 8}}) {
    tensors.push_back({"blk.0." + t.name, t.cols, t.rows});
  }
  for (const auto& [name, cols] : extra_layer_vectors) tensors.push_back({"blk.0." + name, cols, 1});

  GgufTestWriter w;
  w.bytes.reserve(4096);
  w.Put<uint32_t>(0x46554747);  // "GGUF"
  w.Put<uint32_t>(3);
  w.Put<uint64_t>(tensors.size());
  w.Put<uint64_t>(meta.size() + 3);
  for (const auto& [key, value] : meta) {
    if (const auto* u = std::get_if<uint32_t>(&value)) {
      w.Key(key, T::kUint32);
      w.Put<uint32_t>(*u);
    } else if (const auto* f = std::get_if<float>(&value)) {
      w.Key(key, T::kFloat32);
      w.Put<float>(*f);
    } else {
      w.Key(key, T::kString);
      w.Str(std::get<std::string>(value));
    }
  }
  // Ids 0-2 are <unk> <s> </s>, then byte-free pieces "t3", "t4", ...
  w.Key("tokenizer.ggml.tokens", T::kArray);
  w.ArrayHeader("tokens.len", T::kString, n_tokens);
  for (int i = 0; i < n_tokens; ++i) {
    w.Str(i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : "t" + std::to_string(i));
  }
  w.Key("tokenizer.ggml.scores", T::kArray);
  w.ArrayHeader("scores.len", T::kFloat32, n_tokens);
  for (int i = 0; i < n_tokens; ++i) w.Put<float>(-static_cast<float>(i));
  w.Key("tokenizer.ggml.token_type", T::kArray);
  w.ArrayHeader("types.len", T::kInt32, n_tokens);
  for (int i = 0; i < n_tokens; ++i) w.Put<int32_t>(i == 0 ? 2 : i < 3 ? 3 : 1);

  uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    w.Str(t.name);
    w.Put<uint32_t>(t.rows == 1 ? 1 : 2);
    w.Put<uint64_t>(t.cols);
    if (t.rows != 1) w.Put<uint64_t>(t.rows);
    w.Put<uint32_t>(static_cast<uint32_t>(GgmlType::F32));
    w.Put<uint64_t>(offset);
    offset += (t.cols * t.rows * 4 + 31) / 32 * 32;
  }
  w.PadTo(32);
  // Norms are 1; matrices small deterministic values, so logits are finite.
  for (const Tensor& t : tensors) {
    const bool norm = t.rows == 1;
    for (int64_t i = 0; i < t.cols * t.rows; ++i) {
      w.Put<float>(norm ? 1.0f : static_cast<float>((i * 37 + t.rows) % 17 - 8) / 32.0f);
    }
    w.PadTo(32);
  }
  return w.bytes;
}

}  // namespace entropix::testing
