// Activation precision as a load option of a model, so that two models in
// one process can differ (issue 13): the choice a front end passes (auto,
// f32, q8), where its default comes from, and the rule that resolves auto.
// What the two precisions are: kernels/kernels.h and docs/KERNELS.md; why
// auto picks as it does: docs/DECISIONS.md, "Exact activations by default".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "kernels/kernels.h"

namespace entropix {

enum class PrecisionChoice { kAuto, kF32, kQ8 };

// "auto" | "f32" | "q8"; anything else throws Error(kInvalidArgument).
PrecisionChoice ParsePrecisionChoice(std::string_view name);
const char* PrecisionChoiceName(PrecisionChoice choice);

// The choice when a caller gives none: ENTROPIX_ACT_PRECISION=auto|f32|q8
// when set (an Error naming the variable when it holds anything else), else
// auto.
PrecisionChoice DefaultPrecisionChoice();

// auto: f32 below 1 GiB of weights, where 8-bit activations visibly change
// answers and the float path costs little; q8 (as llama.cpp) from 1 GiB,
// where it is ~1.7x faster and the 8-bit noise matters less.
constexpr uint64_t kAutoF32BelowWeightBytes = uint64_t{1} << 30;
ActPrecision ResolvePrecision(PrecisionChoice choice, uint64_t weight_bytes);

// Options of Model::Load.
struct ModelOptions {
  std::optional<PrecisionChoice> precision;  // nullopt: DefaultPrecisionChoice()
};

}  // namespace entropix
