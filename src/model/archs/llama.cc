// Llama family: Llama 1/2/3.x, TinyLlama, SmolLM, stories (llama2.c).
// GGUF converters permute q/k rows so rotary pairs are adjacent. Llama 3.1+
// stretch low rotary frequencies ("rope_scaling" type llama3).
#include "core/error.h"
#include "io/gguf.h"
#include "model/archs/registry.h"

namespace entropix {
namespace {

// Bounds for the rope-scaling keys: generous beyond any published model (the
// factors are 4 to 64, the original contexts 2k to 128k), tight enough that
// nothing downstream overflows or divides by zero.
constexpr double kMaxScaleFactor = 1e4;
constexpr uint64_t kMaxOriginalContext = 1 << 24;

void ConfigureLlama(const GgufFile& f, ModelConfig& c) {
  c.rope_style = RopeStyle::kAdjacent;
  c.qkv_bias = false;
  const std::string scaling(f.GetStringOr("llama.rope.scaling.type", ""));
  if (scaling.empty() || scaling == "none") return;
  if (scaling != "linear" && scaling != "llama3") {
    throw Error(ErrorCode::kUnsupported, f.path() + ": metadata 'llama.rope.scaling.type' = '" + scaling +
                                             "' is not supported (supported: none, linear, llama3)");
  }
  c.rope_scale_factor = ReadPositiveFloat(f, "llama.rope.scaling.factor", kMaxScaleFactor, 1.0);
  if (scaling == "linear") {
    if (c.rope_scale_factor != 1.0f) c.rope_scaling = RopeScaling::kLinear;
    return;
  }
  // Llama 3.1+: low frequencies divided by the factor, high ones kept, a
  // linear blend in between, which divides by (high - low).
  c.rope_scaling = RopeScaling::kLlama3;
  c.rope_low_freq_factor = ReadPositiveFloat(f, "llama.rope.scaling.low_freq_factor", kMaxScaleFactor, 1.0);
  c.rope_high_freq_factor = ReadPositiveFloat(f, "llama.rope.scaling.high_freq_factor", kMaxScaleFactor, 4.0);
  if (!(c.rope_low_freq_factor < c.rope_high_freq_factor)) {
    throw Error(ErrorCode::kCorruptFile,
                f.path() + ": metadata 'llama.rope.scaling.low_freq_factor' (" +
                    std::to_string(c.rope_low_freq_factor) +
                    ") must be less than 'llama.rope.scaling.high_freq_factor' (" +
                    std::to_string(c.rope_high_freq_factor) + ")");
  }
  c.rope_original_context =
      ReadPositiveInt(f, "llama.rope.scaling.original_context_length", kMaxOriginalContext, 8192);
}

}  // namespace

extern const ArchSpec kLlamaArch = {"llama", ConfigureLlama};

}  // namespace entropix
