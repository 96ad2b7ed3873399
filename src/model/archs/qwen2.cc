// Qwen2 family (Qwen2, Qwen2.5, Qwen2.5-Coder): llama blocks with biases on
// the q/k/v projections and "NeoX" rotary pairing (dimension i with i + d/2).
#include "io/gguf.h"
#include "model/archs/registry.h"

namespace entropix {
namespace {

void ConfigureQwen2(const GgufFile& f, ModelConfig& c) {
  c.rope_style = RopeStyle::kHalves;
  c.qkv_bias = true;
}

}  // namespace

extern const ArchSpec kQwen2Arch = {"qwen2", ConfigureQwen2};

}  // namespace entropix
