#include "runtime/session.h"

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

void Session::Reset() { cache_.Truncate(0); }

std::span<const float> Session::Feed(std::span<const int32_t> tokens, const ForwardOptions& options) {
  CheckTokenIds(model_.config(), tokens, "token");
  const std::span<const float> logits = model_.Forward(tokens, cache_, scheduler_.workspace(), pool_, options);
  // Once per forward, so that a damaged file fails with one clear message
  // whatever the caller does next (see Sequence::OnLogits).
  CheckFiniteLogits(logits);
  return logits;
}

GenerationResult Session::Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                                   const TextCallback& on_text) {
  const int id = scheduler_.Add(prompt, options, on_text, &cache_);
  try {
    scheduler_.RunUntilDone();
  } catch (...) {
    scheduler_.Clear();  // the cache stays ours; the sequence is abandoned
    throw;
  }
  std::vector<std::unique_ptr<Sequence>> done = scheduler_.TakeFinished();
  ENTROPIX_CHECK(done.size() == 1 && done[0]->id() == id);
  return done[0]->TakeResult();
}

}  // namespace entropix
