// Fuzz target for the server's request parsing (src/server/request.h): any
// bytes as the body of POST /v1/chat/completions and /v1/completions. The
// parser must either return a request within its documented limits or throw
// ApiError with status 400; any other exception, a crash or a sanitizer
// report is a bug. An accepted request is also formatted as a whole response
// and as stream chunks (the JSON must serialise), and its stop strings run
// over the body text through StopMatcher.
//
// Seeds: tests/fuzz/corpus/server_request_fuzz/. How to run: docs/SECURITY.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/api_error.h"
#include "server/formatter.h"
#include "server/request.h"
#include "server/stop_matcher.h"

namespace {

using namespace entropix::server;

void CheckLimits(const CompletionRequest& r) {
  const bool ok = r.n >= 1 && r.n <= kMaxChoices && r.top_logprobs >= 0 && r.top_logprobs <= kMaxTopLogprobs &&
                  r.stop.size() <= static_cast<size_t>(kMaxStops) && (!r.max_tokens || *r.max_tokens >= 1) &&
                  (!r.temperature || (*r.temperature >= 0 && *r.temperature <= kMaxApiTemperature)) &&
                  (!r.top_p || (*r.top_p > 0 && *r.top_p <= 1)) &&
                  (r.endpoint != Endpoint::kChat || !r.messages.empty());
  if (!ok) __builtin_trap();
}

void Exercise(const CompletionRequest& r, std::string_view body) {
  CompletionFormatter f(r, r.model, 3);
  TokenOut t;
  t.piece = std::string(body.substr(0, 8));  // arbitrary bytes as a token piece
  t.text = t.piece;
  t.top = {{1, t.piece, -1.0}};
  for (int c = 0; c < r.n; ++c) {
    t.choice = c;
    for (const auto& chunk : f.Chunks(t)) CompletionFormatter::Dump(chunk);
    f.Add(t);
    f.Add(ChoiceEnd{c, "stop", 1});
  }
  CompletionFormatter::Dump(f.Response());
  StopMatcher m(r.stop);
  for (size_t i = 0; i < body.size(); i += 7) m.Push(body.substr(i, 7));
  m.Flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const Endpoint e : {Endpoint::kChat, Endpoint::kCompletion}) {
    try {
      const CompletionRequest r = ParseCompletionRequest(body, e);
      CheckLimits(r);
      Exercise(r, body);
    } catch (const ApiError& err) {
      if (err.status() != 400) __builtin_trap();
    }
  }
  return 0;
}
