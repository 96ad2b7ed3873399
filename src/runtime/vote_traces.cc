#include "runtime/vote_traces.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/streaming_decoder.h"

namespace entropix {
namespace {

TraceEnd EndOf(StopReason s) {
  switch (s) {
    case StopReason::kEndOfGeneration: return TraceEnd::kEndOfGeneration;
    case StopReason::kMaxTokens: return TraceEnd::kLength;
    default: return TraceEnd::kOther;
  }
}

template <class T>
void AppendPrefix(std::vector<T>& to, const std::vector<T>& from, int n) {
  to.insert(to.end(), from.begin(), from.begin() + n);
}

}  // namespace

VoteTraces::VoteTraces(const Tokenizer& tokenizer, std::span<const int32_t> prompt, int max_tokens,
                       const std::atomic<bool>* cancel)
    : tokenizer_(tokenizer), prompt_(prompt.begin(), prompt.end()), max_tokens_(max_tokens), cancel_(cancel) {}

VoteTraces::~VoteTraces() = default;

void VoteTraces::StreamTrace(int id, TextCallback on_text) { streams_[id] = std::move(on_text); }

GenerateOptions VoteTraces::Prepare(const TraceRequest& r) {
  auto [it, fresh] = traces_.try_emplace(r.id);
  ENTROPIX_CHECK(fresh);  // trace ids are never reused
  Trace& t = it->second;
  t.request = r;
  t.policy = std::make_unique<TraceRulePolicy>(r.first, r.rest);
  t.signals = std::make_unique<Signals>();
  GenerateOptions go;
  go.max_tokens = std::max(0, max_tokens_ - r.fork_position);
  go.seed = r.seed;
  go.policy = t.policy.get();
  go.record_signals = true;
  go.cancel = cancel_;
  Signals* s = t.signals.get();
  go.on_token = [s](const TokenEvent& ev) {
    s->entropy_bits.push_back(static_cast<float>(ev.logit.entropy_bits));
    s->margin.push_back(static_cast<float>(ev.logit.margin));
    s->logprob.push_back(static_cast<float>(ev.logprob));
  };
  return go;
}

int VoteTraces::Start(Scheduler& scheduler, const TraceRequest& r) {
  const GenerateOptions go = Prepare(r);
  TextCallback on_text;
  if (auto st = streams_.find(r.id); st != streams_.end()) on_text = st->second;
  if (r.parent < 0) return scheduler.Add(prompt_, go, std::move(on_text));
  const Trace& parent = traces_.at(r.parent);
  ENTROPIX_CHECK(parent.sequence != nullptr && r.fork_position <= static_cast<int>(parent.result.tokens.size()));
  const int position = static_cast<int>(prompt_.size()) + r.fork_position;
  return scheduler.ForkFinished(*parent.sequence, position, go, std::move(on_text));
}

int VoteTraces::StartBeside(Scheduler& scheduler, const TraceRequest& r, int parent_sequence) {
  ENTROPIX_CHECK(r.parent >= 0 && traces_.count(r.parent) > 0);
  const GenerateOptions go = Prepare(r);
  return scheduler.Fork(parent_sequence, static_cast<int>(prompt_.size()) + r.fork_position, go);
}

void VoteTraces::Adopt(int from, const TraceRequest& r) {
  auto node = traces_.extract(from);
  ENTROPIX_CHECK(!node.empty() && SameWork(node.mapped().request, r) && traces_.count(r.id) == 0);
  node.key() = r.id;
  node.mapped().request = r;
  node.mapped().result.id = r.id;
  traces_.insert(std::move(node));
}

const TraceResult& VoteTraces::Finish(int id, std::unique_ptr<Sequence> sequence) {
  Trace& t = traces_.at(id);
  ENTROPIX_CHECK(t.sequence == nullptr);
  t.sequence = std::move(sequence);
  t.result = Collect(t);
  return t.result;
}

const TraceResult& VoteTraces::result(int id) const { return traces_.at(id).result; }

TraceResult VoteTraces::Collect(const Trace& t) const {
  const GenerationResult& g = t.sequence->result();
  const Signals& s = *t.signals;
  ENTROPIX_CHECK(s.entropy_bits.size() == g.tokens.size());  // no insertions or branches in a trace
  TraceResult r;
  r.id = t.request.id;
  if (t.request.parent >= 0) {
    const TraceResult& p = traces_.at(t.request.parent).result;
    const int n = t.request.fork_position;
    AppendPrefix(r.tokens, p.tokens, n);
    AppendPrefix(r.entropy_bits, p.entropy_bits, n);
    AppendPrefix(r.margin, p.margin, n);
    AppendPrefix(r.logprob, p.logprob, n);
  }
  r.tokens.insert(r.tokens.end(), g.tokens.begin(), g.tokens.end());
  r.entropy_bits.insert(r.entropy_bits.end(), s.entropy_bits.begin(), s.entropy_bits.end());
  r.margin.insert(r.margin.end(), s.margin.begin(), s.margin.end());
  r.logprob.insert(r.logprob.end(), s.logprob.begin(), s.logprob.end());
  r.end = EndOf(g.stop);
  r.forward_tokens = g.forward_passes + (t.request.parent >= 0 ? 1 : 0);
  FillPieces(r);
  return r;
}

void VoteTraces::FillPieces(TraceResult& r) const {
  StreamingDecoder decoder(tokenizer_);
  r.pieces.clear();
  r.held_bytes.clear();
  for (int32_t token : r.tokens) {
    r.pieces.push_back(decoder.Push(token));
    r.held_bytes.push_back(static_cast<int>(decoder.pending_bytes()));
  }
}

}  // namespace entropix
