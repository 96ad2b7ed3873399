// Fuzz target for model loading: the input bytes are a GGUF file, loaded the
// way `entropix run` loads one -- config from metadata, weight binding and
// validation, the tokenizer from the file -- and, when the model is tiny, run
// for one token. A crash, a sanitizer report, a hang or any exception other
// than entropix::Error is a bug.
//
// Seeds: tests/fuzz/corpus/model_load_fuzz/, tiny complete models written by
// tools/make_model_load_seeds.py. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "io/gguf.h"
#include "model/model.h"
#include "threading/thread_pool.h"
#include "tokenizer/tokenizer.h"

namespace {

using entropix::ModelConfig;

// Bounds that keep one forward step fast; the tensors must be in the input
// anyway, so this only skips inputs larger than fuzzing makes.
bool IsTiny(const ModelConfig& c) {
  return c.n_layers <= 4 && c.model_dim <= 512 && c.ffn_dim <= 2048 && c.vocab_size <= 8192 &&
         c.q_dim() <= 2048 && c.kv_dim() <= 2048;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace entropix;
  static ThreadPool pool(1);  // one per process: threads per input would dominate
  try {
    auto model = Model::Load(GgufFile::OpenMemory("fuzz.gguf", data, size));
    auto tokenizer = Tokenizer::FromGguf(model->file());
    const ModelConfig& c = model->config();
    if (!IsTiny(c)) return 0;
    constexpr int kCapacity = 2;
    KvCache cache = model->NewCache(kCapacity);
    Workspace ws(c, 1, kCapacity);
    const int32_t token = tokenizer->bos_id() >= 0 ? tokenizer->bos_id() : c.vocab_size - 1;
    const std::span<const float> logits = model->Forward(std::span<const int32_t>(&token, 1), cache, ws, pool);
    // Read every logit so ASan checks the whole row (values may be NaN for
    // hostile weights; the sampler's finiteness check is not this target's).
    volatile float sink = 0.0f;
    for (float l : logits) sink = sink + l;
    (void)sink;
  } catch (const Error&) {
    // Rejecting bad input is the expected outcome.
  }
  return 0;
}
