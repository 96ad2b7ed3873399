// Per-core arithmetic peaks the batched kernels are measured against:
//   vnni256/vnni512: int8 dot throughput (vpdpbusd, u8 x s8 -> int32), as
//     int8 multiply-adds per second (32 per 256-bit instruction);
//   fma256/fma512: float32 FMA throughput, as FLOP/s (2 per lane).
// Twelve independent accumulators hide the instruction latency, so the loop
// runs at the issue rate of the execution ports. The file is compiled with
// AVX-512 VNNI flags (bench/CMakeLists.txt), so it runs only on such CPUs;
// each benchmark still checks and skips itself without them.
//   bench_peak --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>

namespace {

constexpr int kAcc = 12;
constexpr int64_t kSteps = 4096;

bool HasAvx512Vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni") &&
         __builtin_cpu_supports("avx512vl");
}

template <typename V, V (*kOp)(V, V, V), V (*kSet)(int)>
void Run(benchmark::State& state, double ops_per_instruction) {
  if (!HasAvx512Vnni()) {
    state.SkipWithError("needs AVX-512 VNNI");
    return;
  }
  V acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = kSet(i);
  V a = kSet(3), b = kSet(5);
  for (auto _ : state) {
    for (int64_t s = 0; s < kSteps; ++s) {
      for (int i = 0; i < kAcc; ++i) acc[i] = kOp(acc[i], a, b);
    }
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  for (int i = 0; i < kAcc; ++i) benchmark::DoNotOptimize(acc[i]);
  state.counters["Gop/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kSteps * kAcc * ops_per_instruction * 1e-9,
      benchmark::Counter::kIsRate);
}

__m256i Dp256(__m256i c, __m256i a,
                                                                     __m256i b) {
  return _mm256_dpbusd_epi32(c, a, b);
}
__m512i Dp512(__m512i c, __m512i a,
                                                                     __m512i b) {
  return _mm512_dpbusd_epi32(c, a, b);
}
__m256 Fma256(__m256 c, __m256 a, __m256 b) {
  return _mm256_fmadd_ps(a, b, c);
}
__m512 Fma512(__m512 c, __m512 a, __m512 b) {
  return _mm512_fmadd_ps(a, b, c);
}
__m256i Set256i(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }
__m512i Set512i(int v) {
  return _mm512_set1_epi8(static_cast<char>(v));
}
__m256 Set256(int v) { return _mm256_set1_ps(1.0f + 1e-7f * v); }
__m512 Set512(int v) { return _mm512_set1_ps(1.0f + 1e-7f * v); }

void BM_Vnni256(
    benchmark::State& s) {
  Run<__m256i, Dp256, Set256i>(s, 32);
}
void BM_Vnni512(
    benchmark::State& s) {
  Run<__m512i, Dp512, Set512i>(s, 64);
}
void BM_Fma256(
    benchmark::State& s) {
  Run<__m256, Fma256, Set256>(s, 16);
}
void BM_Fma512(
    benchmark::State& s) {
  Run<__m512, Fma512, Set512>(s, 32);
}

BENCHMARK(BM_Vnni256)->Name("vnni256_int8_madds");
BENCHMARK(BM_Vnni512)->Name("vnni512_int8_madds");
BENCHMARK(BM_Fma256)->Name("fma256_f32_flops");
BENCHMARK(BM_Fma512)->Name("fma512_f32_flops");

}  // namespace

BENCHMARK_MAIN();
