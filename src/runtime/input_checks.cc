#include "runtime/input_checks.h"

#include <string>

#include "core/error.h"

namespace entropix {

void CheckTokenIds(const ModelConfig& config, std::span<const int32_t> ids, const char* what) {
  const int vocab = config.vocab_size;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab) {
      throw Error(ErrorCode::kOutOfRange,
                  std::string(what) + " id " + std::to_string(id) + " is outside the model's vocabulary of " +
                      std::to_string(vocab) + " tokens (the tokenizer and the model disagree)");
    }
  }
}

void CheckPromptFits(const ModelConfig& config, const KvCache& cache, size_t prompt_tokens) {
  if (cache.size() + prompt_tokens < static_cast<size_t>(cache.capacity())) return;
  const int model_limit = config.context_length;
  // Raising -c does not help when the model's own context length is the cap.
  const std::string what_to_do = cache.capacity() >= model_limit
                                     ? "shorten it (the model's context length is " + std::to_string(model_limit) + ")"
                                     : "shorten it or raise the context size (-c)";
  throw Error(ErrorCode::kOutOfRange, "the prompt (" + std::to_string(prompt_tokens) +
                                          " tokens) does not fit in the context of " +
                                          std::to_string(cache.capacity()) + " tokens; " + what_to_do);
}

}  // namespace entropix
