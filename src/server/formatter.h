// CompletionFormatter: the OpenAI-shaped JSON of one request's answer, for
// both endpoints, streamed (one chunk per event, then the usage chunk) or
// whole (events accumulated, then Response()).
//
//   chat:        chat.completion / chat.completion.chunk, message / delta,
//                logprobs {content: [{token, logprob, bytes, top_logprobs}]}
//   completions: text_completion, text, logprobs {tokens, token_logprobs,
//                top_logprobs: [{piece: logprob}], text_offset}
//
// Extension: with "entropix": true each choice (or chunk choice) carries
// "entropix": [per-token trace records].
//
// Sampler vote (one VoteOut event): whole, the chosen trace's text, its
// finish_reason and usage.completion_tokens = the forward tokens of ALL
// traces; with "entropix", the choice's "vote" object (vote_summary.h).
// Streamed, nothing comes before the vote is decided; then one chunk with
// the chosen trace's whole text (logprobs, records) and one with the
// finish_reason (and "vote").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/channel.h"
#include "server/request.h"

namespace entropix::server {

class CompletionFormatter {
 public:
  CompletionFormatter(const CompletionRequest& r, std::string model_id, int prompt_tokens);

  // Streaming: the chunks for one event.
  std::vector<nlohmann::json> Chunks(const StreamEvent& event);
  // The final usage chunk (choices: []), when stream_options.include_usage.
  std::optional<nlohmann::json> UsageChunk() const;

  // Whole response.
  void Add(const StreamEvent& event);
  nlohmann::json Response() const;

  // JSON text of a chunk or response; invalid UTF-8 (a partial character in a
  // token's piece) becomes U+FFFD, the token's bytes keep the exact bytes.
  static std::string Dump(const nlohmann::json& j);

 private:
  struct ChoiceAcc {
    std::string text;
    nlohmann::json logprobs;  // chat: content array; completions: the four arrays
    nlohmann::json records = nlohmann::json::array();
    std::string finish_reason;
    nlohmann::json vote;   // sampler vote with the extension: the vote summary
    bool started = false;  // streaming: the role was sent
  };
  nlohmann::json Envelope(bool chunk) const;
  nlohmann::json Usage() const;
  nlohmann::json EmptyLogprobs() const;
  void AppendLogprob(ChoiceAcc& acc, const TokenOut& t, size_t text_offset) const;
  nlohmann::json StreamChoice(int index, const std::string& text, const TokenOut* token);
  std::vector<nlohmann::json> VoteChunks(const VoteOut& v);
  ChoiceAcc& Acc(int choice);

  bool chat_;
  bool logprobs_, records_, include_usage_;
  std::string id_, model_;
  long long created_;
  int prompt_tokens_;
  int completion_tokens_ = 0;
  std::vector<ChoiceAcc> choices_;
};

}  // namespace entropix::server
