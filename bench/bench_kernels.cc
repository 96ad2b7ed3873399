// Matvec throughput in GB/s of weight bytes, per weight type, ISA and shape
// (the matrices of SmolLM2-135M and Qwen2.5-1.5B). Two cache regimes:
//   hot:  the same matrix every iteration (L2/L3-resident when it fits);
//   cold: rotates through different copies filling 512 MiB, so weights
//         stream from DRAM as in a real decode step.
// threads:2 splits the rows between two threads; benchmark then reports the
// per-thread rate (GiB/s, 1024^3): the machine total is twice that.
//   bench_kernels --benchmark_filter='Q4_1|Q8_0' --benchmark_min_time=0.2
//
// matmul/<q8|f32>/TYPE/ISA/ROWSxCOLS/T<n>: the batched kernels with n
// activations (decode of n sequences, or a prefill chunk), one thread,
// reporting GFLOP/s (2 * rows * cols * n per call) and weight bytes per
// second; matmul_pertoken/...: the same product as n separate matvecs over
// 64 KiB row tiles (what matmul did before the register-tiled kernels), for
// an old-vs-new comparison in one process.
//   bench_kernels --benchmark_filter='^matmul' --benchmark_min_time=0.2
//
// attention/<new|old>/ISA/d<n>/<hot|cold>: one head's decode attention over
// n cached positions (SmolLM2: head dim 64, 3 kv heads): scores, softmax,
// weighted sum of values. "new": the head-major cache (a head's rows
// contiguous) with the dot_rows + exp_sum kernels; "old": position-major rows
// (kv_dim = 192 floats apart) with the F32 matvec and scalar scale/max/
// std::exp loops they replaced. Reports positions per second.
//   bench_kernels --benchmark_filter='^attention'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/ggml_type.h"
#include "kernels/kernels.h"

namespace entropix {
namespace {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t, AlignedFree>;

Buffer Allocate(size_t bytes) {
  return Buffer(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
}

// Offsets of the fp16 scale fields in each block.
std::vector<int> ScaleOffsets(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      return {0};
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
      return {0, 2};
    case GgmlType::Q6_K:
      return {208};
    default:
      return {};
  }
}

// One pool of random bytes for all benchmarks: every matrix copy in it holds
// different bytes (identical copies could be merged by the host's page
// deduplication and read from cache).
constexpr size_t kPoolBytes = size_t{512} << 20;

uint8_t* Pool() {
  static Buffer pool = [] {
    Buffer b = Allocate(kPoolBytes);
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < kPoolBytes; i += 8) {  // splitmix64
      uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      std::memcpy(b.get() + i, &z, 8);
    }
    return b;
  }();
  return pool.get();
}

// Makes the first `bytes` of the pool valid data of type t (no NaN, inf or
// denormal floats; scales of sane magnitude); speed does not depend on the
// values otherwise.
void Sanitize(GgmlType t, uint8_t* w, size_t bytes) {
  if (t == GgmlType::F32) {
    for (size_t i = 0; i + 4 <= bytes; i += 4) {
      uint32_t v;
      std::memcpy(&v, w + i, 4);
      v = (v & 0x807FFFFFu) | 0x3F000000u;  // +-[0.5, 1)
      std::memcpy(w + i, &v, 4);
    }
    return;
  }
  const bool f16 = t == GgmlType::F16, bf16 = t == GgmlType::BF16;
  if (f16 || bf16) {
    for (size_t i = 0; i + 2 <= bytes; i += 2) {
      uint16_t v;
      std::memcpy(&v, w + i, 2);
      v = f16 ? static_cast<uint16_t>((v & 0x83FF) | 0x3800)
              : static_cast<uint16_t>((v & 0x807F) | 0x3F00);
      std::memcpy(w + i, &v, 2);
    }
    return;
  }
  const size_t block_bytes = static_cast<size_t>(TypeTraits(t).block_bytes);
  for (size_t b = 0; b + block_bytes <= bytes; b += block_bytes) {
    for (int off : ScaleOffsets(t)) {
      uint16_t v;
      std::memcpy(&v, w + b + off, 2);
      v = static_cast<uint16_t>((v & 0x83FF) | 0x1C00);  // +-[2^-8, 2^-7)
      std::memcpy(w + b + off, &v, 2);
    }
  }
}

struct Shape {
  int64_t rows, cols;
};
constexpr Shape kShapes[] = {{576, 576}, {1536, 576}, {49152, 576}, {1536, 1536}, {8960, 1536}};
constexpr GgmlType kTypes[] = {GgmlType::Q4_1, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K,
                               GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q5_K,
                               GgmlType::F32,  GgmlType::F16,  GgmlType::BF16};

void BM_Matvec(benchmark::State& state, Isa isa, GgmlType t, Shape s, bool cold,
               ActPrecision prec) {
  const KernelTable& k = GetKernels(isa);
  const size_t row_bytes = RowBytes(t, s.cols), matrix_bytes = row_bytes * s.rows;
  const size_t copies = cold ? kPoolBytes / matrix_bytes : 1;
  uint8_t* pool = Pool();  // threads wait for the first caller's fill
  // Thread 0 prepares the weights; the others touch them only after the
  // barrier at the start of the timed loop.
  if (state.thread_index() == 0) Sanitize(t, pool, matrix_bytes * copies);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> x(s.cols), y(s.rows);
  for (float& v : x) v = normal(rng);
  Buffer xq = Allocate(ActivationBytes(t, s.cols, prec));
  k.Prepare(prec, t, x.data(), xq.get(), s.cols);
  const int64_t n_threads = state.threads(), tid = state.thread_index();
  const int64_t r0 = s.rows * tid / n_threads, r1 = s.rows * (tid + 1) / n_threads;
  size_t c = 0;
  for (auto _ : state) {
    const uint8_t* w = pool + c * matrix_bytes + r0 * row_bytes;
    k.Matvec(prec, t, w, row_bytes, r1 - r0, s.cols, xq.get(), y.data() + r0);
    benchmark::DoNotOptimize(y.data());
    if (++c == copies) c = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (r1 - r0) *
                          static_cast<int64_t>(row_bytes));
}

// Shapes of the batched benchmark: SmolLM2-135M ffn (Q4_1 / Q8_0) and
// Qwen2.5-1.5B ffn and a slice of its output matrix (Q4_K / Q6_K).
struct MatmulCase {
  GgmlType type;
  Shape shape;
};
constexpr MatmulCase kMatmulCases[] = {
    {GgmlType::Q4_1, {576, 1536}},  {GgmlType::Q4_1, {1536, 576}},   {GgmlType::Q8_0, {576, 1536}},
    {GgmlType::Q4_K, {1536, 8960}}, {GgmlType::Q4_K, {8960, 1536}},  {GgmlType::Q6_K, {1536, 8960}},
    {GgmlType::Q6_K, {16384, 1536}}};
constexpr int64_t kMatmulTokens[] = {1, 2, 4, 8, 16, 64};

void BM_Matmul(benchmark::State& state, Isa isa, GgmlType t, Shape s, int64_t n_tokens,
               ActPrecision prec, bool per_token) {
  const KernelTable& k = GetKernels(isa);
  const size_t row_bytes = RowBytes(t, s.cols), matrix_bytes = row_bytes * s.rows;
  uint8_t* w = Pool();
  Sanitize(t, w, matrix_bytes);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> x(s.cols), y(s.rows * n_tokens);
  const size_t stride = (ActivationBytes(t, s.cols, prec) + 63) / 64 * 64;
  Buffer xq = Allocate(stride * n_tokens);
  for (int64_t i = 0; i < n_tokens; ++i) {
    for (float& v : x) v = normal(rng);
    k.Prepare(prec, t, x.data(), xq.get() + i * stride, s.cols);
  }
  const int64_t tile = std::max<int64_t>(1, (64 << 10) / static_cast<int64_t>(row_bytes));
  for (auto _ : state) {
    if (!per_token) {
      k.Matmul(prec, t, w, row_bytes, s.rows, s.cols, xq.get(), stride, n_tokens, y.data(),
               s.rows);
    } else {
      for (int64_t r0 = 0; r0 < s.rows; r0 += tile) {
        const int64_t rows = std::min(tile, s.rows - r0);
        for (int64_t i = 0; i < n_tokens; ++i) {
          k.Matvec(prec, t, w + r0 * row_bytes, row_bytes, rows, s.cols, xq.get() + i * stride,
                   y.data() + i * s.rows + r0);
        }
      }
    }
    benchmark::DoNotOptimize(y.data());
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(
      calls * 2.0 * static_cast<double>(s.rows * s.cols * n_tokens) * 1e-9,
      benchmark::Counter::kIsRate);
  state.counters["wGB/s"] = benchmark::Counter(calls * static_cast<double>(matrix_bytes) * 1e-9,
                                               benchmark::Counter::kIsRate);
}

void RegisterMatmul(const std::vector<Isa>& isas) {
  for (const MatmulCase& c : kMatmulCases) {
    for (Isa isa : isas) {
      if (isa == Isa::kScalar) continue;
      for (ActPrecision prec : {ActPrecision::kQ8, ActPrecision::kF32}) {
        for (int64_t n : kMatmulTokens) {
          for (bool per_token : {false, true}) {
            const std::string name = std::string(per_token ? "matmul_pertoken/" : "matmul/") +
                                     ActPrecisionName(prec) + "/" + TypeName(c.type) + "/" +
                                     IsaName(isa) + "/" + std::to_string(c.shape.rows) + "x" +
                                     std::to_string(c.shape.cols) + "/T" + std::to_string(n);
            benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, isa, c.type, c.shape, n, prec,
                                         per_token);
          }
        }
      }
    }
  }
}

// One head of decode attention over `depth` positions (see the header).
// cold: rotates through copies of the cache filling ~200 MB (keys and
// values stream from DRAM as in a real decode step); hot: one copy.
void BM_Attention(benchmark::State& state, Isa isa, int64_t depth, bool new_kernels, bool cold) {
  constexpr int64_t kHeadDim = 64;
  const int64_t kKvDim = new_kernels ? kHeadDim : 3 * kHeadDim;  // row stride
  const KernelTable& k = GetKernels(isa);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const size_t copy_floats = static_cast<size_t>(depth * kKvDim);
  const size_t copies = cold ? (size_t{200} << 20) / (2 * copy_floats * sizeof(float)) : 1;
  std::vector<float> kv(2 * copy_floats * copies), q(kHeadDim), p(depth), out(kHeadDim);
  for (float& x : kv) x = u(rng);
  for (float& x : q) x = u(rng);
  const float scale = 0.125f;
  size_t copy = 0;
  for (auto _ : state) {
    const float* keys = kv.data() + 2 * copy_floats * copy;
    copy = (copy + 1) % copies;
    const float* values = keys + copy_floats;
    float max = -INFINITY, inv = 0.0f;
    if (new_kernels) {
      max = k.dot_rows(q.data(), keys, kKvDim, depth, kHeadDim, scale, p.data());
      inv = 1.0f / k.exp_sum(p.data(), depth, max);
    } else {
      k.matvec(GgmlType::F32, keys, kKvDim * sizeof(float), depth, kHeadDim, q.data(),
               p.data());
      for (int64_t j = 0; j < depth; ++j) {
        p[j] *= scale;
        max = std::max(max, p[j]);
      }
      double sum = 0.0;
      for (int64_t j = 0; j < depth; ++j) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
      inv = static_cast<float>(1.0 / sum);
    }
    for (int64_t j = 0; j < depth; ++j) p[j] *= inv;
    std::fill(out.begin(), out.end(), 0.0f);
    k.accumulate_rows(p.data(), values, kKvDim, depth, kHeadDim, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["pos/s"] = benchmark::Counter(static_cast<double>(state.iterations() * depth),
                                               benchmark::Counter::kIsRate);
}

void RegisterAttention(const std::vector<Isa>& isas) {
  for (Isa isa : isas) {
    for (bool new_kernels : {true, false}) {
      for (bool cold : {false, true}) {
        const std::string name = std::string("attention/") + (new_kernels ? "new/" : "old/") +
                                 IsaName(isa) + "/d4096" + (cold ? "/cold" : "/hot");
        benchmark::RegisterBenchmark(name.c_str(), BM_Attention, isa, int64_t{4096}, new_kernels,
                                     cold);
      }
    }
  }
}

void Register() {
  const std::vector<Isa> isas = AvailableIsas();
  RegisterMatmul(isas);
  RegisterAttention(isas);
  for (GgmlType t : kTypes) {
    for (Isa isa : isas) {
      for (const Shape& s : kShapes) {
        if (s.cols % TypeTraits(t).block_elems != 0) continue;
        // matvec/...: 8-bit activations (kQ8); matvec_f32/...: float activations
        // (kF32; float weight types are the same kernel in both).
        for (ActPrecision prec : {ActPrecision::kQ8, ActPrecision::kF32}) {
          if (prec == ActPrecision::kF32 && TypeTraits(t).block_elems == 1) continue;
          const std::string base =
              std::string(prec == ActPrecision::kF32 ? "matvec_f32/" : "matvec/") + TypeName(t) +
              "/" + IsaName(isa) + "/" + std::to_string(s.rows) + "x" + std::to_string(s.cols);
          benchmark::RegisterBenchmark((base + "/hot").c_str(), BM_Matvec, isa, t, s, false, prec);
          benchmark::RegisterBenchmark((base + "/cold").c_str(), BM_Matvec, isa, t, s, true, prec);
          if (isa != Isa::kScalar && s.rows * s.cols >= 1536 * 1536) {
            benchmark::RegisterBenchmark((base + "/cold").c_str(), BM_Matvec, isa, t, s, true,
                                         prec)
                ->Threads(2)
                ->UseRealTime();
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace entropix

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  entropix::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
