// ISA detection, activation formats, and the kernel table for each ISA.
#include "kernels/kernels.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "kernels/reference/reference.h"

#if defined(ENTROPIX_KERNELS_X86)
#include <cpuid.h>

#include "kernels/x86/x86_kernels.h"
#elif defined(ENTROPIX_KERNELS_ARM)
#include "kernels/arm/arm_kernels.h"
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)  // asm/hwcap.h, Linux 4.14+
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#endif

namespace entropix {
namespace {

using MatvecFn = void (*)(GgmlType, const void*, size_t, int64_t, int64_t, const void*, float*);

// Scalar matmul: tiles of weight rows (~64 KiB, L2-resident) are dotted
// with every token before moving on, so a prefill reads each weight once
// from memory. (The SIMD tables have register-tiled kernels instead.)
template <MatvecFn kMatvec>
void MatmulTiled(GgmlType type, const void* w, size_t row_bytes, int64_t n_rows, int64_t n_cols,
                 const void* xq, size_t xq_stride, int64_t n_tokens, float* y, int64_t y_stride) {
  const int64_t tile = row_bytes >= (64 << 10) ? 1 : static_cast<int64_t>((64 << 10) / row_bytes);
  for (int64_t r0 = 0; r0 < n_rows; r0 += tile) {
    const int64_t rows = n_rows - r0 < tile ? n_rows - r0 : tile;
    const uint8_t* wt = static_cast<const uint8_t*>(w) + static_cast<size_t>(r0) * row_bytes;
    for (int64_t t = 0; t < n_tokens; ++t) {
      kMatvec(type, wt, row_bytes, rows, n_cols,
              static_cast<const uint8_t*>(xq) + static_cast<size_t>(t) * xq_stride,
              y + t * y_stride + r0);
    }
  }
}

#if defined(ENTROPIX_KERNELS_X86)
// F16C from CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports has no
// "f16c" feature string.
bool CpuHasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif

#if defined(ENTROPIX_KERNELS_ARM)
// The ARMv8.2 dot product (sdot/udot): HWCAP_ASIMDDP on Linux/Android,
// FEAT_DotProd on macOS (every Apple-silicon CPU has it).
bool CpuHasDotprod() {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
  int v = 0;
  size_t size = sizeof v;
  return sysctlbyname("hw.optional.arm.FEAT_DotProd", &v, &size, nullptr, 0) == 0 && v != 0;
#else
  return false;
#endif
}
#endif

bool CpuHas(Isa isa) {
#if defined(ENTROPIX_KERNELS_X86)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && CpuHasF16c();
    case Isa::kAvx512:
      return CpuHas(Isa::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
    default:
      return false;
  }
#elif defined(ENTROPIX_KERNELS_ARM)
  switch (isa) {
    case Isa::kScalar:
    case Isa::kNeon:  // Advanced SIMD is part of every AArch64 CPU
      return true;
    case Isa::kDotprod:
      return CpuHasDotprod();
    default:
      return false;
  }
#else
  return isa == Isa::kScalar;
#endif
}

// This architecture's levels, lowest first.
std::vector<Isa> Ladder() {
#if defined(ENTROPIX_KERNELS_X86)
  return {Isa::kScalar, Isa::kAvx2, Isa::kAvx512};
#elif defined(ENTROPIX_KERNELS_ARM)
  return {Isa::kScalar, Isa::kNeon, Isa::kDotprod};
#else
  return {Isa::kScalar};
#endif
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kNeon:
      return "neon";
    case Isa::kDotprod:
      return "dotprod";
  }
  return "?";
}

std::vector<Isa> AvailableIsas() {
  const std::vector<Isa> ladder = Ladder();
  size_t cap = ladder.size() - 1;  // index of the highest level allowed
  if (const char* env = std::getenv("ENTROPIX_ISA"); env != nullptr && *env != '\0') {
    std::string names;
    cap = ladder.size();
    for (size_t i = 0; i < ladder.size(); ++i) {
      if (std::strcmp(env, IsaName(ladder[i])) == 0) cap = i;
      names += (i ? ", " : "") + std::string(IsaName(ladder[i]));
    }
    if (cap == ladder.size()) {
      throw Error(ErrorCode::kInvalidArgument, std::string("ENTROPIX_ISA=") + env +
                                                   " is not one of " + names +
                                                   " (the levels of this CPU architecture)");
    }
  }
  std::vector<Isa> out;
  for (size_t i = 0; i <= cap && CpuHas(ladder[i]); ++i) out.push_back(ladder[i]);
  return out;
}

Isa DetectIsa() { return AvailableIsas().back(); }

const char* ActPrecisionName(ActPrecision p) { return p == ActPrecision::kF32 ? "f32" : "q8"; }

ActPrecision ParseActPrecision(const char* name) {
  if (std::strcmp(name, "q8") == 0) return ActPrecision::kQ8;
  if (std::strcmp(name, "f32") == 0) return ActPrecision::kF32;
  throw Error(ErrorCode::kInvalidArgument,
              std::string("activation precision '") + name + "' is not one of q8, f32");
}

GgmlType ActivationType(GgmlType weight_type, ActPrecision p) {
  if (p == ActPrecision::kF32) return GgmlType::F32;
  switch (weight_type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
      return GgmlType::F32;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return GgmlType::Q8_1;
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
      return GgmlType::Q8_K;
    default:
      ENTROPIX_CHECK(!"ActivationType: weight type without kernels");
  }
  return GgmlType::F32;
}

size_t ActivationBytes(GgmlType weight_type, int64_t n, ActPrecision p) {
  if (p == ActPrecision::kF32) {
    const bool blocked = TypeTraits(weight_type).block_elems > 1;
    return static_cast<size_t>(n) * sizeof(float) +
           (blocked ? static_cast<size_t>(n / 32) * sizeof(float) : 0);
  }
  return RowBytes(ActivationType(weight_type), n);
}

const KernelTable& GetKernels(Isa isa) {
  ENTROPIX_CHECK(CpuHas(isa));
  static const KernelTable kScalar = {
      Isa::kScalar,     QuantizeActivationRef, MatvecRef,       DequantizeRowRef,
      MatmulTiled<MatvecRef>, PrepareF32ActRef, MatvecF32ActRef, MatmulTiled<MatvecF32ActRef>,
      AccumulateRowsRef, DotRowsRef, ExpSumRef};
#if defined(ENTROPIX_KERNELS_X86)
  static const KernelTable kAvx2 = {
      Isa::kAvx2,       QuantizeActivationAvx2,   MatvecAvx2,       DequantizeRowAvx2,
      MatmulAvx2,       PrepareF32ActRef,         MatvecF32ActAvx2, MatmulF32ActAvx2,
      AccumulateRowsAvx2, DotRowsAvx2, ExpSumAvx2};
  static const KernelTable kAvx512 = {Isa::kAvx512,
                                      QuantizeActivationAvx512,
                                      MatvecAvx512,
                                      DequantizeRowAvx512,
                                      MatmulAvx512,
                                      PrepareF32ActRef,
                                      MatvecF32ActAvx512,
                                      MatmulF32ActAvx512,
                                      AccumulateRowsAvx512,
                                      DotRowsAvx512,
                                      ExpSumAvx512};
  if (isa == Isa::kAvx2) return kAvx2;
  if (isa == Isa::kAvx512) return kAvx512;
#elif defined(ENTROPIX_KERNELS_ARM)
  static const KernelTable kNeon = {
      Isa::kNeon,       QuantizeActivationNeon, MatvecNeon,       DequantizeRowNeon,
      MatmulNeon,       PrepareF32ActRef,       MatvecF32ActNeon, MatmulF32ActNeon,
      AccumulateRowsNeon, DotRowsNeon, ExpSumNeon};
  // The dot product changes only the quantised integer products.
  static const KernelTable kDotprod = {
      Isa::kDotprod,    QuantizeActivationNeon, MatvecDotprod,    DequantizeRowNeon,
      MatmulDotprod,    PrepareF32ActRef,       MatvecF32ActNeon, MatmulF32ActNeon,
      AccumulateRowsNeon, DotRowsNeon, ExpSumNeon};
  if (isa == Isa::kNeon) return kNeon;
  if (isa == Isa::kDotprod) return kDotprod;
#endif
  return kScalar;
}

const KernelTable& GetKernels() {
  static const KernelTable& table = GetKernels(DetectIsa());
  return table;
}

}  // namespace entropix
