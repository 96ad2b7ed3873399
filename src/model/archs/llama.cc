// Llama family: Llama 1/2/3.x, TinyLlama, SmolLM, stories (llama2.c).
// GGUF converters permute q/k rows so rotary pairs are adjacent. Llama 3.1+
// stretch low rotary frequencies ("rope_scaling" type llama3).
#include <cmath>

#include "io/gguf.h"
#include "model/archs/registry.h"

namespace entropix {
namespace {

void ConfigureLlama(const GgufFile& f, ModelConfig& c) {
  c.rope_style = RopeStyle::kAdjacent;
  c.qkv_bias = false;
  const std::string scaling(f.GetStringOr("llama.rope.scaling.type", ""));
  const double factor = f.GetF64Or("llama.rope.scaling.factor", 1.0);
  if (scaling == "linear" && factor != 1.0) {
    c.rope_scaling = RopeScaling::kLinear;
    c.rope_scale_factor = static_cast<float>(factor);
  }
  // Llama 3.1+ files carry rope_freqs.weight (precomputed) and/or these keys.
  if (scaling == "llama3") {
    c.rope_scaling = RopeScaling::kLlama3;
    c.rope_scale_factor = static_cast<float>(factor);
    c.rope_low_freq_factor = static_cast<float>(f.GetF64Or("llama.rope.scaling.low_freq_factor", 1.0));
    c.rope_high_freq_factor = static_cast<float>(f.GetF64Or("llama.rope.scaling.high_freq_factor", 4.0));
    c.rope_original_context =
        static_cast<int>(f.GetU64Or("llama.rope.scaling.original_context_length", 8192));
  }
}

}  // namespace

extern const ArchSpec kLlamaArch = {"llama", ConfigureLlama};

}  // namespace entropix
