// The k most likely tokens of a step and their log-probabilities, from the
// logits the token was chosen from (TokenEvent::logits) and their LogitStats
// (max_logit, log_z). For OpenAI's top_logprobs.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sampling/metrics.h"

namespace entropix::server {

// (token, natural-log probability), most likely first; ties: lower id first.
// At most k (fewer when the vocabulary is smaller). k >= 0.
std::vector<std::pair<int32_t, double>> TopLogprobs(std::span<const float> logits, const LogitStats& stats, int k);

}  // namespace entropix::server
