#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/error.h"
#include "sampling/basic_sampler.h"
#include "sampling/rng.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

int ResolveThreads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

int ResolveContext(const Model& m, int requested) {
  if (requested <= 0) throw Error(ErrorCode::kInvalidArgument, "context size must be positive");
  return std::min(requested, m.config().context_length);
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kEndOfGeneration: return "end of generation";
    case StopReason::kMaxTokens: return "token limit";
    case StopReason::kContextFull: return "context full";
    case StopReason::kCancelled: return "cancelled";
  }
  return "?";
}

Session::Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options)
    : model_(model),
      tokenizer_(tokenizer),
      pool_(ResolveThreads(options.n_threads)),
      cache_(model.NewCache(ResolveContext(model, options.context))),
      ws_(model.config(), options.max_batch, cache_.capacity()) {}

void Session::Reset() { cache_.Truncate(0); }

std::span<const float> Session::Feed(std::span<const int32_t> tokens,
                                     const ForwardOptions& options) {
  return model_.Forward(tokens, cache_, ws_, pool_, options);
}

GenerationResult Session::Generate(std::span<const int32_t> prompt, const GenerateOptions& opt,
                                   const std::function<bool(std::string_view)>& on_text) {
  using Clock = std::chrono::steady_clock;
  GenerationResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());
  if (prompt.empty()) throw Error(ErrorCode::kInvalidArgument, "the prompt is empty");
  if (cache_.size() + static_cast<int>(prompt.size()) >= cache_.capacity()) {
    throw Error(ErrorCode::kOutOfRange,
                "the prompt (" + std::to_string(prompt.size()) +
                    " tokens) does not fit in the context of " + std::to_string(cache_.capacity()) +
                    " tokens; shorten it or raise the context size (-c)");
  }
  Rng rng(opt.seed);
  std::unique_ptr<StreamingDecoder> decoder;
  if (tokenizer_ && on_text) decoder = std::make_unique<StreamingDecoder>(*tokenizer_);

  const auto t0 = Clock::now();
  std::span<const float> logits = Feed(prompt);
  const auto t1 = Clock::now();
  result.prompt_seconds = Seconds(t0, t1);

  for (int i = 0; i < opt.max_tokens; ++i) {
    const int32_t next = opt.temperature <= 0.0 ? Argmax(logits)
                                                : SampleWithTemperature(logits, opt.temperature, rng);
    if (opt.stop_at_eog && tokenizer_ && tokenizer_->IsEndOfGeneration(next)) {
      result.stop = StopReason::kEndOfGeneration;
      break;
    }
    result.tokens.push_back(next);
    if (decoder) {
      const std::string text = decoder->Push(next);
      if (!text.empty() && !on_text(text)) {
        result.stop = StopReason::kCancelled;
        break;
      }
    }
    if (i + 1 == opt.max_tokens) {
      result.stop = StopReason::kMaxTokens;
      break;
    }
    if (cache_.size() >= cache_.capacity()) {
      result.stop = StopReason::kContextFull;
      break;
    }
    logits = Feed(std::span<const int32_t>(&next, 1));
  }
  if (decoder) {
    const std::string rest = decoder->Flush();
    if (!rest.empty()) on_text(rest);
  }
  result.decode_seconds = Seconds(t1, Clock::now());
  return result;
}

}  // namespace entropix
