#include "model/precision.h"

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace entropix {

namespace {
bool TryParse(std::string_view name, PrecisionChoice* out) {
  if (name == "auto") *out = PrecisionChoice::kAuto;
  else if (name == "f32") *out = PrecisionChoice::kF32;
  else if (name == "q8") *out = PrecisionChoice::kQ8;
  else return false;
  return true;
}
}  // namespace

PrecisionChoice ParsePrecisionChoice(std::string_view name) {
  PrecisionChoice c;
  if (TryParse(name, &c)) return c;
  throw Error(ErrorCode::kInvalidArgument,
              "activation precision '" + std::string(name) + "' is not one of auto, f32, q8");
}

const char* PrecisionChoiceName(PrecisionChoice choice) {
  switch (choice) {
    case PrecisionChoice::kAuto: return "auto";
    case PrecisionChoice::kF32: return "f32";
    case PrecisionChoice::kQ8: return "q8";
  }
  return "?";
}

PrecisionChoice DefaultPrecisionChoice() {
  const char* env = std::getenv("ENTROPIX_ACT_PRECISION");
  if (env == nullptr || *env == '\0') return PrecisionChoice::kAuto;
  PrecisionChoice c;
  if (TryParse(env, &c)) return c;
  throw Error(ErrorCode::kInvalidArgument, std::string("ENTROPIX_ACT_PRECISION='") + env +
                                               "' is not one of auto, f32, q8 (unset it for auto)");
}

ActPrecision ResolvePrecision(PrecisionChoice choice, uint64_t weight_bytes) {
  switch (choice) {
    case PrecisionChoice::kF32: return ActPrecision::kF32;
    case PrecisionChoice::kQ8: return ActPrecision::kQ8;
    case PrecisionChoice::kAuto: break;
  }
  return weight_bytes < kAutoF32BelowWeightBytes ? ActPrecision::kF32 : ActPrecision::kQ8;
}

}  // namespace entropix
