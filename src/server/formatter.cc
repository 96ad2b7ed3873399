#include "server/formatter.h"

#include <atomic>
#include <chrono>

namespace entropix::server {
namespace {

using json = nlohmann::json;

json Bytes(const std::string& s) {
  json b = json::array();
  for (const unsigned char c : s) b.push_back(static_cast<int>(c));
  return b;
}

std::string NextId(bool chat) {
  static std::atomic<long long> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::string(chat ? "chatcmpl-" : "cmpl-") +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) + "-" +
         std::to_string(++counter);
}

}  // namespace

CompletionFormatter::CompletionFormatter(const CompletionRequest& r, std::string model_id, int prompt_tokens)
    : chat_(r.endpoint == Endpoint::kChat),
      logprobs_(r.logprobs),
      records_(r.entropix),
      include_usage_(r.stream && r.include_usage),
      id_(NextId(chat_)),
      model_(std::move(model_id)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count()),
      prompt_tokens_(prompt_tokens),
      choices_(r.n) {
  for (ChoiceAcc& c : choices_) c.logprobs = EmptyLogprobs();
}

std::string CompletionFormatter::Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json CompletionFormatter::EmptyLogprobs() const {
  if (chat_) return {{"content", json::array()}};
  return {{"tokens", json::array()},
          {"token_logprobs", json::array()},
          {"top_logprobs", json::array()},
          {"text_offset", json::array()}};
}

CompletionFormatter::ChoiceAcc& CompletionFormatter::Acc(int choice) { return choices_.at(choice); }

json CompletionFormatter::Envelope(bool chunk) const {
  const char* object = chat_ ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  json j = {{"id", id_}, {"object", object}, {"created", created_}, {"model", model_}};
  if (chunk && include_usage_) j["usage"] = nullptr;
  return j;
}

json CompletionFormatter::Usage() const {
  return {{"prompt_tokens", prompt_tokens_},
          {"completion_tokens", completion_tokens_},
          {"total_tokens", prompt_tokens_ + completion_tokens_}};
}

void CompletionFormatter::AppendLogprob(ChoiceAcc& acc, const TokenOut& t, size_t text_offset) const {
  if (chat_) {
    json top = json::array();
    for (const TopLogprob& a : t.top) top.push_back({{"token", a.piece}, {"logprob", a.logprob}, {"bytes", Bytes(a.piece)}});
    acc.logprobs["content"].push_back(
        {{"token", t.piece}, {"logprob", t.logprob}, {"bytes", Bytes(t.piece)}, {"top_logprobs", top}});
    return;
  }
  json top = json::object();
  for (const TopLogprob& a : t.top) top[a.piece] = a.logprob;
  acc.logprobs["tokens"].push_back(t.piece);
  acc.logprobs["token_logprobs"].push_back(t.logprob);
  acc.logprobs["top_logprobs"].push_back(top);
  acc.logprobs["text_offset"].push_back(text_offset);
}

json CompletionFormatter::StreamChoice(int index, const std::string& text, const TokenOut* token) {
  ChoiceAcc& acc = Acc(index);
  json c = {{"index", index}, {"finish_reason", nullptr}, {"logprobs", nullptr}};
  if (chat_) {
    c["delta"] = {{"content", text}};
    if (!acc.started) c["delta"]["role"] = "assistant";
  } else {
    c["text"] = text;
  }
  acc.started = true;
  if (token && logprobs_) {
    ChoiceAcc one;
    one.logprobs = EmptyLogprobs();
    AppendLogprob(one, *token, acc.text.size());
    c["logprobs"] = one.logprobs;
  }
  if (token && records_) c["entropix"] = json::array({token->record});
  acc.text += text;
  return c;
}

// A vote's answer, streamed once decided: the chosen trace's whole text in
// one chunk (with its logprobs and records), then the end with the vote.
std::vector<json> CompletionFormatter::VoteChunks(const VoteOut& v) {
  ChoiceAcc& acc = Acc(0);
  ChoiceAcc one;
  one.logprobs = EmptyLogprobs();
  std::string text;
  for (const TokenOut& t : v.tokens) {
    if (logprobs_) AppendLogprob(one, t, acc.text.size() + text.size());
    if (records_) one.records.push_back(t.record);
    text += t.text;
  }
  json content = Envelope(true);
  content["choices"] = json::array({StreamChoice(0, text, nullptr)});
  if (logprobs_) content["choices"][0]["logprobs"] = one.logprobs;
  if (records_) content["choices"][0]["entropix"] = one.records;
  completion_tokens_ += v.completion_tokens;
  json end = Envelope(true);
  json c = {{"index", 0}, {"finish_reason", v.finish_reason}, {"logprobs", nullptr}};
  if (chat_) c["delta"] = json::object();
  else c["text"] = "";
  if (!v.vote.is_null()) c["vote"] = v.vote;
  end["choices"] = json::array({c});
  return {content, end};
}

std::vector<json> CompletionFormatter::Chunks(const StreamEvent& event) {
  if (const auto* v = std::get_if<VoteOut>(&event)) return VoteChunks(*v);
  json chunk = Envelope(true);
  if (const auto* t = std::get_if<TokenOut>(&event)) {
    chunk["choices"] = json::array({StreamChoice(t->choice, t->text, t)});
  } else if (const auto* x = std::get_if<TextOut>(&event)) {
    chunk["choices"] = json::array({StreamChoice(x->choice, x->text, nullptr)});
  } else {
    const auto& end = std::get<ChoiceEnd>(event);
    completion_tokens_ += end.completion_tokens;
    json c = {{"index", end.choice}, {"finish_reason", end.finish_reason}, {"logprobs", nullptr}};
    if (chat_) c["delta"] = json::object();
    else c["text"] = "";
    chunk["choices"] = json::array({c});
  }
  return {chunk};
}

std::optional<json> CompletionFormatter::UsageChunk() const {
  if (!include_usage_) return std::nullopt;
  json chunk = Envelope(true);
  chunk["choices"] = json::array();
  chunk["usage"] = Usage();
  return chunk;
}

void CompletionFormatter::Add(const StreamEvent& event) {
  if (const auto* t = std::get_if<TokenOut>(&event)) {
    ChoiceAcc& acc = Acc(t->choice);
    if (logprobs_) AppendLogprob(acc, *t, acc.text.size());
    if (records_) acc.records.push_back(t->record);
    acc.text += t->text;
  } else if (const auto* v = std::get_if<VoteOut>(&event)) {
    for (const TokenOut& t : v->tokens) Add(t);
    Add(ChoiceEnd{0, v->finish_reason, v->completion_tokens});
    Acc(0).vote = v->vote;
  } else if (const auto* x = std::get_if<TextOut>(&event)) {
    Acc(x->choice).text += x->text;
  } else {
    const auto& end = std::get<ChoiceEnd>(event);
    Acc(end.choice).finish_reason = end.finish_reason;
    completion_tokens_ += end.completion_tokens;
  }
}

json CompletionFormatter::Response() const {
  json out = Envelope(false);
  out["choices"] = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const ChoiceAcc& acc = choices_[i];
    json c = {{"index", i}, {"finish_reason", acc.finish_reason}, {"logprobs", nullptr}};
    if (chat_) c["message"] = {{"role", "assistant"}, {"content", acc.text}};
    else c["text"] = acc.text;
    if (logprobs_) c["logprobs"] = acc.logprobs;
    if (records_) c["entropix"] = acc.records;
    if (!acc.vote.is_null()) c["vote"] = acc.vote;
    out["choices"].push_back(c);
  }
  out["usage"] = Usage();
  return out;
}

}  // namespace entropix::server
