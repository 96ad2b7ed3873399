#include "model/archs/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/gguf.h"

namespace entropix {

extern const ArchSpec kLlamaArch;
extern const ArchSpec kQwen2Arch;
extern const ArchSpec kGemma3Arch;

namespace {
const ArchSpec* const kArchs[] = {&kLlamaArch, &kQwen2Arch, &kGemma3Arch};

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}
}  // namespace

int ReadPositiveInt(const GgufFile& f, const std::string& key, uint64_t max, int fallback) {
  if (fallback > 0 && !f.Find(key)) return fallback;
  const uint64_t v = f.GetU64(key);
  if (v == 0 || v > max) {
    throw Error(ErrorCode::kCorruptFile, f.path() + ": metadata '" + key + "' = " +
                                             std::to_string(v) + " is out of range (1.." +
                                             std::to_string(max) + ")");
  }
  return static_cast<int>(v);
}

float ReadPositiveFloat(const GgufFile& f, const std::string& key, double max, double fallback) {
  const double v = f.GetF64Or(key, fallback);
  // Written so that NaN fails too.
  if (!(v > 0.0 && v <= max)) {
    char range[64];
    std::snprintf(range, sizeof(range), "a finite number in (0, %g]", max);
    throw Error(ErrorCode::kCorruptFile, f.path() + ": metadata '" + key + "' = " +
                                             FormatNumber(v) + " is not " + range +
                                             "; the file is corrupt or was converted wrongly");
  }
  return static_cast<float>(v);
}

const ArchSpec* FindArch(std::string_view name) {
  for (const ArchSpec* a : kArchs) {
    if (name == a->name) return a;
  }
  return nullptr;
}

std::vector<std::string> SupportedArchNames() {
  std::vector<std::string> names;
  for (const ArchSpec* a : kArchs) names.emplace_back(a->name);
  return names;
}

ModelConfig ReadCommonConfig(const GgufFile& f, const std::string& arch) {
  ModelConfig c;
  c.arch = arch;
  c.name = std::string(f.GetStringOr("general.name", ""));
  const std::string p = arch + ".";
  c.n_layers = ReadPositiveInt(f, p + "block_count", 1024);
  c.model_dim = ReadPositiveInt(f, p + "embedding_length", 1 << 16);
  c.ffn_dim = ReadPositiveInt(f, p + "feed_forward_length", 1 << 18);
  c.n_heads = ReadPositiveInt(f, p + "attention.head_count", 1024);
  c.n_kv_heads = ReadPositiveInt(f, p + "attention.head_count_kv", 1024, c.n_heads);
  c.context_length = ReadPositiveInt(f, p + "context_length", 1 << 24, 2048);
  // Without key_length, model_dim / n_heads (checked below to be exact).
  c.head_dim = ReadPositiveInt(f, p + "attention.key_length", 4096, std::max(1, c.model_dim / c.n_heads));
  c.rms_eps = ReadPositiveFloat(f, p + "attention.layer_norm_rms_epsilon", 1.0, 1e-5);
  c.rope_theta = ReadPositiveFloat(f, p + "rope.freq_base", 1e12, 10000.0);
  c.rope_dim = ReadPositiveInt(f, p + "rope.dimension_count", 4096, c.head_dim);

  auto bad = [&](const std::string& what) {
    return Error(ErrorCode::kCorruptFile, f.path() + ": inconsistent hyper-parameters: " + what);
  };
  if (c.n_heads % c.n_kv_heads != 0) throw bad("head_count is not a multiple of head_count_kv");
  if (c.model_dim % c.n_heads != 0 && !f.Find(p + "attention.key_length")) {
    throw bad("embedding_length is not a multiple of head_count");
  }
  if (c.rope_dim > c.head_dim || c.rope_dim % 2 != 0) throw bad("rope.dimension_count must be even and <= head size");
  c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  c.layer_attention.assign(c.n_layers, LayerAttention{});
  return c;
}

ModelConfig ReadModelConfig(const GgufFile& f) {
  const std::string arch(f.GetString("general.architecture"));
  const ArchSpec* spec = FindArch(arch);
  if (!spec) {
    std::string names;
    for (const auto& n : SupportedArchNames()) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::kUnsupported, f.path() + ": architecture '" + arch +
                                             "' is not supported (supported: " + names + ")");
  }
  ModelConfig c = ReadCommonConfig(f, arch);
  spec->configure(f, c);
  return c;
}

}  // namespace entropix
