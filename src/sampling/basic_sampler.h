// The minimal sampling the engine needs on its own: argmax and an exact
// categorical draw at a temperature. The adaptive policies build on these.
#pragma once

#include <cstdint>
#include <span>

#include "sampling/rng.h"

namespace entropix {

// Index of the largest logit; the lowest index wins ties.
int32_t Argmax(std::span<const float> logits);

// Draws from softmax(logits / temperature) (temperature > 0) by inverting the
// cumulative distribution with one uniform number, in double precision.
int32_t SampleWithTemperature(std::span<const float> logits, double temperature, Rng& rng);

}  // namespace entropix
