#include "sampling/basic_sampler.h"

#include <cmath>

#include "core/error.h"

namespace entropix {

int32_t Argmax(std::span<const float> logits) {
  ENTROPIX_CHECK(!logits.empty());
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

int32_t SampleWithTemperature(std::span<const float> logits, double temperature, Rng& rng) {
  ENTROPIX_CHECK(temperature > 0.0);
  const int32_t top = Argmax(logits);
  const double max = logits[top];
  double sum = 0.0;
  for (float l : logits) sum += std::exp((l - max) / temperature);
  // Walk the cumulative distribution; rounding can leave u past the end, in
  // which case the last token with non-zero mass is taken.
  const double u = rng.Uniform() * sum;
  double acc = 0.0;
  int32_t last_nonzero = top;
  for (size_t i = 0; i < logits.size(); ++i) {
    const double w = std::exp((logits[i] - max) / temperature);
    if (w <= 0.0) continue;
    acc += w;
    last_nonzero = static_cast<int32_t>(i);
    if (u < acc) return static_cast<int32_t>(i);
  }
  return last_nonzero;
}

}  // namespace entropix
