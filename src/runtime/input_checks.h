// Checks of what a sequence is asked to feed, with messages that say what to
// do. Token ids index the embedding table and the logits, so an id outside
// the model's vocabulary (a bad prompt id, a pause text resolved by a
// tokenizer larger than the model) is an Error, never a read past a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kv_cache/kv_cache.h"
#include "model/config.h"

namespace entropix {

// Error(kOutOfRange) naming `what` unless every id indexes the model's
// embeddings and logits.
void CheckTokenIds(const ModelConfig& config, std::span<const int32_t> ids, const char* what);

// Error(kOutOfRange) when `prompt_tokens` more do not fit after what `cache`
// holds (one position stays free for the first generated token).
void CheckPromptFits(const ModelConfig& config, const KvCache& cache, size_t prompt_tokens);

}  // namespace entropix
