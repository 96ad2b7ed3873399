#include "runtime/session.h"

#include <algorithm>
#include <thread>

#include "core/error.h"
#include "runtime/input_checks.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

int ResolveThreads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

SchedulerOptions SessionScheduler(const SessionOptions& o) {
  SchedulerOptions s;
  s.context = o.context;
  s.max_rows = o.max_batch;
  s.max_active = 1;
  return s;
}

}  // namespace

std::vector<int32_t> ResolvePauseTokens(const Tokenizer& tokenizer, const std::string& text) {
  if (text.empty()) return {};
  std::string_view t = text;
  if (tokenizer.kind() == Tokenizer::Kind::kSpm && tokenizer.add_space_prefix() && t.front() == ' ') {
    t.remove_prefix(1);  // the encoder puts this space back as U+2581
  }
  if (t.empty()) return {};
  return tokenizer.Encode(t, /*add_bos=*/false, /*parse_special=*/false);
}

Session::Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options)
    : model_(model),
      pool_(ResolveThreads(options.n_threads)),
      scheduler_(model, tokenizer, pool_, SessionScheduler(options)),
      cache_(model.NewCache(scheduler_.context())) {}

Session::~Session() = default;

void Session::Reset() {
  cache_.Truncate(0);
  cached_.clear();
  cached_known_ = true;
}

std::span<const float> Session::Feed(std::span<const int32_t> tokens, const ForwardOptions& options) {
  CheckTokenIds(model_.config(), tokens, "token");
  const std::span<const float> logits = model_.Forward(tokens, cache_, scheduler_.workspace(), pool_, options);
  // Once per forward, so that a damaged file fails with one clear message
  // whatever the caller does next (see Sequence::OnLogits).
  CheckFiniteLogits(logits);
  cached_.insert(cached_.end(), tokens.begin(), tokens.end());
  return logits;
}

GenerationResult Session::Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                                   const TextCallback& on_text) {
  const int id = scheduler_.Add(prompt, options, on_text, &cache_);
  try {
    scheduler_.RunUntilDone();
  } catch (...) {
    scheduler_.Clear();  // the cache stays ours; the sequence is abandoned
    cached_known_ = false;
    throw;
  }
  std::vector<std::unique_ptr<Sequence>> done = scheduler_.TakeFinished();
  ENTROPIX_CHECK(done.size() == 1 && done[0]->id() == id);
  GenerationResult result = done[0]->TakeResult();
  // The cache now holds the prompt and the answer, less what was never fed
  // (the last token at a token limit, the rest of a cancelled prefill).
  cached_.insert(cached_.end(), prompt.begin(), prompt.end());
  cached_.insert(cached_.end(), result.tokens.begin(), result.tokens.end());
  if (static_cast<int>(cached_.size()) > cache_.size()) cached_.resize(cache_.size());
  if (static_cast<int>(cached_.size()) != cache_.size()) cached_known_ = false;
  return result;
}

GenerationResult Session::GenerateFrom(std::span<const int32_t> conversation, const GenerateOptions& options,
                                       const TextCallback& on_text) {
  ENTROPIX_CHECK(!conversation.empty());
  size_t keep = 0;
  if (cached_known_ && static_cast<int>(cached_.size()) == cache_.size()) {
    const size_t limit = std::min(cached_.size(), conversation.size() - 1);
    while (keep < limit && cached_[keep] == conversation[keep]) ++keep;
  }
  cache_.Truncate(static_cast<int>(keep));
  cached_.resize(keep);
  cached_known_ = true;
  GenerationResult result = Generate(conversation.subspan(keep), options, on_text);
  result.reused_tokens = static_cast<int>(keep);
  return result;
}

}  // namespace entropix
