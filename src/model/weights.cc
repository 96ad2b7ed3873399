#include "model/weights.h"

#include "core/error.h"
#include "io/gguf.h"

namespace entropix {

void ForEachTensor(const ModelConfig& c, Weights& w,
                   const std::function<void(const TensorSlot&)>& fn) {
  const int64_t d = c.model_dim, v = c.vocab_size, f = c.ffn_dim;
  const int64_t q = c.q_dim(), kv = c.kv_dim(), hd = c.head_dim;
  const bool sandwich = c.norm_placement == NormPlacement::kSandwich;
  using R = TensorRole;
  fn({"token_embd.weight", R::kMatrix, v, d, true, &w.token_embd});
  fn({"output_norm.weight", R::kVector, 1, d, true, &w.output_norm});
  fn({"output.weight", R::kMatrix, v, d, !c.tied_output, &w.output});
  w.layers.resize(c.n_layers);
  for (int i = 0; i < c.n_layers; ++i) {
    LayerWeights& l = w.layers[i];
    const std::string p = "blk." + std::to_string(i) + ".";
    fn({p + "attn_norm.weight", R::kVector, 1, d, true, &l.attn_norm});
    fn({p + "attn_q.weight", R::kMatrix, q, d, true, &l.wq});
    fn({p + "attn_k.weight", R::kMatrix, kv, d, true, &l.wk});
    fn({p + "attn_v.weight", R::kMatrix, kv, d, true, &l.wv});
    fn({p + "attn_q.bias", R::kVector, 1, q, c.qkv_bias, &l.bq});
    fn({p + "attn_k.bias", R::kVector, 1, kv, c.qkv_bias, &l.bk});
    fn({p + "attn_v.bias", R::kVector, 1, kv, c.qkv_bias, &l.bv});
    // Variant tensors are listed only when the variant is on, so a family
    // that does not use them neither binds nor shows them.
    if (c.qk_norm) {
      fn({p + "attn_q_norm.weight", R::kVector, 1, hd, true, &l.q_norm});
      fn({p + "attn_k_norm.weight", R::kVector, 1, hd, true, &l.k_norm});
    }
    fn({p + "attn_output.weight", R::kMatrix, d, q, true, &l.wo});
    if (sandwich) fn({p + "post_attention_norm.weight", R::kVector, 1, d, true, &l.post_attn_norm});
    fn({p + "ffn_norm.weight", R::kVector, 1, d, true, &l.ffn_norm});
    fn({p + "ffn_gate.weight", R::kMatrix, f, d, true, &l.w_gate});
    fn({p + "ffn_up.weight", R::kMatrix, f, d, true, &l.w_up});
    fn({p + "ffn_down.weight", R::kMatrix, d, f, true, &l.w_down});
    if (sandwich) fn({p + "post_ffw_norm.weight", R::kVector, 1, d, true, &l.post_ffn_norm});
  }
}

namespace {

// Token ids from the tokenizer index token_embd's rows and the logits (as many
// as output.weight's rows, checked equal to token_embd's by ForEachTensor's
// shapes), so the vocabulary must have exactly that many entries: larger, and
// ids read past both; smaller, and sampled ids have no text. llama.cpp makes
// the same requirement. A file without a vocabulary is left to the tokenizer
// loader to reject.
void CheckVocabulary(const GgufFile& file, int embd_rows) {
  const GgufValue* tokens = file.Find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->type != GgufValueType::kArray) return;
  const uint64_t n = tokens->array.size();
  if (n != static_cast<uint64_t>(embd_rows)) {
    throw Error(ErrorCode::kCorruptFile,
                file.path() + ": the vocabulary has " + std::to_string(n) +
                    " tokens (tokenizer.ggml.tokens) but token_embd.weight has " +
                    std::to_string(embd_rows) +
                    " rows; they must be equal: the file is corrupt or was converted wrongly");
  }
}

}  // namespace

void BindWeights(const GgufFile& file, ModelConfig& c, Weights& w) {
  const GgufTensorInfo* embd = file.FindTensor("token_embd.weight");
  if (!embd || embd->n_dims != 2) {
    throw Error(ErrorCode::kCorruptFile,
                file.path() + ": tensor 'token_embd.weight' is missing or not a matrix");
  }
  if (embd->ne[1] > (int64_t{1} << 31)) {
    throw Error(ErrorCode::kCorruptFile, file.path() + ": vocabulary of " +
                                             std::to_string(embd->ne[1]) + " tokens is too large");
  }
  c.vocab_size = static_cast<int>(embd->ne[1]);
  c.tied_output = file.FindTensor("output.weight") == nullptr;
  CheckVocabulary(file, c.vocab_size);

  ForEachTensor(c, w, [&](const TensorSlot& s) {
    const GgufTensorInfo* t = file.FindTensor(s.name);
    if (!t) {
      if (s.required) {
        throw Error(ErrorCode::kCorruptFile, file.path() + ": tensor '" + s.name +
                                                 "' is missing; the file is not a complete " +
                                                 c.arch + " model");
      }
      return;
    }
    const std::string where = file.path() + ": tensor '" + s.name + "'";
    const int64_t rows = t->n_dims >= 2 ? t->ne[1] : 1;
    if (t->ne[0] != s.cols || rows != s.rows || t->ne[2] != 1 || t->ne[3] != 1) {
      throw Error(ErrorCode::kCorruptFile,
                  where + " has shape [" + std::to_string(t->ne[0]) + ", " +
                      std::to_string(t->ne[1]) + "], expected [" + std::to_string(s.cols) +
                      ", " + std::to_string(s.rows) + "] from the metadata");
    }
    const GgmlTypeTraits& traits = TypeTraits(t->type);
    if (!traits.supported) {
      throw Error(ErrorCode::kUnsupported,
                  where + " has type " + traits.name +
                      ", which entropix cannot compute with yet (supported: F32, F16, BF16, "
                      "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)");
    }
    if (s.role == TensorRole::kVector && t->type != GgmlType::F32) {
      throw Error(ErrorCode::kUnsupported, where + " must be F32, found " + traits.name);
    }
    s.view->type = t->type;
    s.view->data = t->data;
    s.view->rows = s.rows;
    s.view->cols = s.cols;
    s.view->row_bytes = RowBytes(t->type, s.cols);
  });
  if (c.tied_output) w.output = w.token_embd;
}

}  // namespace entropix
