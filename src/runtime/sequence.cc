#include "runtime/sequence.h"

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "runtime/input_checks.h"
#include "sampling/basic_sampler.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The policy of the previous API (GenerateOptions::policy null): greedy, or
// temperature-only sampling.
std::unique_ptr<Policy> DefaultPolicy(double temperature) {
  if (temperature > 0.0) return std::make_unique<SamplePolicy>(SamplingParams{temperature, 0, 1.0, 0.0});
  return std::make_unique<GreedyPolicy>();
}

}  // namespace

// One decision and the signals it was made from.
struct Sequence::Choice {
  Decision d;
  LogitStats ls;
  AttentionSignals as;
};

Sequence::Sequence(int id, const SequenceEnv& env, std::unique_ptr<KvCache> owned, KvCache* borrowed,
                   std::span<const int32_t> prompt, const GenerateOptions& options, TextCallback on_text)
    : id_(id),
      env_(env),
      owned_cache_(std::move(owned)),
      cache_(owned_cache_ ? owned_cache_.get() : borrowed),
      base_(cache_->size()),
      opt_(options),
      on_text_(std::move(on_text)),
      own_policy_(options.policy ? nullptr : DefaultPolicy(options.temperature)),
      policy_(options.policy ? options.policy : own_policy_.get()),
      want_attn_(policy_->needs_attention() || options.record_signals),
      want_logit_(policy_->needs_logit_stats() || options.record_signals || options.on_token != nullptr),
      layers_(options.attention_layers.value_or(policy_->attention_layers())),
      rng_(options.seed) {
  ENTROPIX_CHECK((owned_cache_ == nullptr) != (borrowed == nullptr));
  const ModelConfig& config = env_.model->config();
  if (prompt.empty()) throw Error(ErrorCode::kInvalidArgument, "the prompt is empty");
  CheckPromptFits(config, *cache_, prompt.size());
  CheckTokenIds(config, prompt, "token");
  if (env_.tokenizer && (on_text_ || opt_.on_token)) decoder_ = std::make_unique<StreamingDecoder>(*env_.tokenizer);
  result_.prompt_tokens = static_cast<int>(prompt.size());
  result_.tokens.reserve(std::max(0, opt_.max_tokens));
  SetInput(Input::kPrompt, prompt);
}

Sequence::~Sequence() = default;

std::unique_ptr<Sequence> Sequence::Fork(int id, int position, std::span<const int32_t> suffix,
                                         const GenerateOptions& options, TextCallback on_text) const {
  if (cache_ == nullptr || position < 0 || position > cache_->size() || (suffix.empty() && position < 1)) {
    throw Error(ErrorCode::kInvalidArgument,
                "fork position " + std::to_string(position) + " is outside the sequence's " +
                    std::to_string(cache_ ? cache_->size() : 0) + " cached tokens");
  }
  // Without a suffix the child re-feeds the token before `position` to get
  // the logits of its first decision.
  const int keep = suffix.empty() ? position - 1 : position;
  std::vector<int32_t> prompt(suffix.begin(), suffix.end());
  if (suffix.empty()) {
    if (keep < base_) {
      throw Error(ErrorCode::kInvalidArgument, "fork position " + std::to_string(position) +
                                                   ": the token there came with the cache and is not known");
    }
    prompt.push_back(history_[keep - base_]);
  }
  auto child = std::make_unique<Sequence>(id, env_, std::make_unique<KvCache>(cache_->Fork(keep)), nullptr,
                                          prompt, options, std::move(on_text));
  child->base_ = std::min(base_, keep);
  child->history_.assign(history_.begin(), history_.begin() + std::max(0, keep - base_));
  return child;
}

void Sequence::SetInput(Input kind, std::span<const int32_t> tokens) {
  input_ = kind;
  pending_.assign(tokens.begin(), tokens.end());
  fed_ = 0;
}

SequenceInput Sequence::NextInput(int max_rows) {
  ENTROPIX_CHECK(!done_ && in_flight_ == 0 && pending_tokens() > 0 && max_rows >= 1);
  if (!started_) {
    started_ = true;
    t0_ = Clock::now();
  }
  const int n = std::min(pending_tokens(), max_rows);
  const bool last = fed_ + n == pending_.size();
  SequenceInput in;
  in.tokens = std::span<const int32_t>(pending_).subspan(fed_, n);
  // Rows of a multi-token insertion are the logits its trace records need.
  in.all_logits = input_ == Input::kInsert && pending_.size() > 1;
  in.logits = last || in.all_logits;
  in.attention_stats = last && want_attn_;
  history_.insert(history_.end(), in.tokens.begin(), in.tokens.end());
  fed_ += n;
  in_flight_ = n;
  return in;
}

void Sequence::PrepareDecision(std::span<const float> logits, const AttentionStats* stats) {
  prepared_ready_ = false;
  // The conditions under which OnLogits reaches Decide, and Decide Choose.
  if (in_flight_ == 0 || done_ || input_ == Input::kInsert || fed_ < pending_.size() || logits.empty()) return;
  if (opt_.cancel && opt_.cancel->load(std::memory_order_relaxed)) return;
  if (static_cast<int>(result_.tokens.size()) >= opt_.max_tokens) return;
  const Rng saved = rng_;
  prepared_at_ = Clock::now();
  try {
    CheckFiniteLogits(logits);
    if (!prepared_) prepared_ = std::make_unique<Choice>();
    *prepared_ = Choose(logits, stats, std::nullopt);
    prepared_ready_ = true;
  } catch (...) {
    rng_ = saved;  // OnLogits decides again, from the same state, and throws
  }
}

void Sequence::OnLogits(std::span<const float> logits, const AttentionStats* stats) {
  ENTROPIX_CHECK(in_flight_ > 0);
  use_prepared_ = std::exchange(prepared_ready_, false);
  const int n = in_flight_;
  in_flight_ = 0;
  if (done_) return;
  // Once per forward, so that a damaged file fails with one clear message
  // whatever the policy: argmax on NaN would silently pick token 0 and the
  // samplers would see garbage. One pass over [rows][vocab_size] floats:
  // ~11 us for SmolLM2's 49152 logits, 0.2% of a ~5.5 ms decode step.
  if (!logits.empty() && !use_prepared_) CheckFiniteLogits(logits);  // PrepareDecision checked them
  ENTROPIX_CHECK(base_ + static_cast<int>(history_.size()) == cache_->size());
  if (input_ == Input::kInsert) {
    OnInsertRows(logits, stats, static_cast<int>(fed_) - n, n);
    return;
  }
  if (fed_ < pending_.size()) return;  // more prompt chunks to come
  OnInputFed(logits, stats);
}

// The whole prompt or the sampled token has been fed: decide the next step.
void Sequence::OnInputFed(std::span<const float> logits, const AttentionStats* stats) {
  if (input_ == Input::kPrompt) {
    prompt_done_ = true;
    t1_ = use_prepared_ ? prepared_at_ : Clock::now();  // the first decision is decode time
    result_.prompt_seconds = Seconds(t0_, t1_);
  } else {
    ++result_.forward_passes;
  }
  Decide(logits, stats);
}

// Rows after tokens chunk_start .. chunk_start + n - 1 of an insertion: row k
// is the distribution token chunk_start + k + 1 was (not) drawn from, which
// its TokenEvent reports; the last row of the last chunk is the next step's.
void Sequence::OnInsertRows(std::span<const float> rows, const AttentionStats* stats, int chunk_start, int n) {
  const size_t vocab = env_.model->config().vocab_size;
  const int size = static_cast<int>(pending_.size());
  for (int k = 0; k < n && insert_ok_; ++k) {
    const int j = chunk_start + k + 1;
    if (j >= size) break;
    const std::span<const float> row = rows.subspan(k * vocab, vocab);
    TokenEvent ev;
    ev.position = insert_position_ + j;
    ev.token = pending_[j];
    const LogitStats rs = ComputeLogitStats(row);
    ev.logprob = rs.LogProb(row[pending_[j]]);
    FillSignals(ev, rs, AttentionSignals{});
    ev.has_logit_stats = true;
    ev.state = insert_state_;
    ev.action = Action::kInsert;
    ev.params = insert_params_;
    insert_ok_ = Emit(ev);
  }
  if (fed_ < pending_.size()) return;
  ++result_.forward_passes;
  if (!insert_ok_) return Finish(StopReason::kCancelled);
  Decide(size > 1 ? rows.subspan((n - 1) * vocab, vocab) : rows, stats);
}

// Decisions on one step's logits until one needs a forward pass (a token or
// an insertion to feed) or the sequence stops; a branch commits its winner
// and decides again on the winner's logits without a forward pass.
void Sequence::Decide(std::span<const float> logits, const AttentionStats* stats) {
  std::optional<AttentionSignals> carried;  // after a branch: the winner's last signals
  while (!StopBeforeDecision()) {
    const Choice c = std::exchange(use_prepared_, false) ? std::move(*prepared_) : Choose(logits, stats, carried);
    if (c.d.action == Action::kInsert) return BeginInsert(c, logits);
    if (c.d.action != Action::kBranch) return AcceptToken(c, logits);
    if (!Branch(c, logits)) return;
    logits = branch_logits_;
    stats = nullptr;
    carried = branch_attn_;
  }
  use_prepared_ = false;  // a stop before the first decision
}

bool Sequence::StopBeforeDecision() {
  if (opt_.cancel && opt_.cancel->load(std::memory_order_relaxed)) {
    Finish(StopReason::kCancelled);
    return true;
  }
  if (static_cast<int>(result_.tokens.size()) >= opt_.max_tokens) {
    Finish(StopReason::kMaxTokens);
    return true;
  }
  return false;
}

Sequence::Choice Sequence::Choose(std::span<const float> logits, const AttentionStats* stats,
                                  const std::optional<AttentionSignals>& carried) {
  const auto ts = Clock::now();
  Choice c;
  if (want_logit_) c.ls = ComputeLogitStats(logits);
  if (carried) {
    c.as = *carried;
  } else if (want_attn_ && stats) {
    c.as = ComputeAttentionSignals(ViewOf(*stats), layers_);
  }
  StepInput in;
  in.logits = logits;
  in.logit = want_logit_ ? &c.ls : nullptr;
  in.attn = &c.as;
  in.response = result_.tokens;
  in.pauses_inserted = result_.pauses_inserted;
  in.branches_taken = static_cast<int>(result_.branches.size());
  in.tokens_left = opt_.max_tokens - static_cast<int>(result_.tokens.size());
  c.d = policy_->Decide(in, scratch_, rng_);
  const int room = cache_->capacity() - cache_->size();
  if (c.d.action == Action::kBranch && room < 2) {
    // No room to roll out: sample with the base parameters instead.
    c.d.action = Action::kSample;
    c.d.params = policy_->base_params();
    c.d.token = SampleToken(logits, c.d.params, rng_, scratch_);
  }
  result_.sampler_seconds += Seconds(ts, Clock::now());
  return c;
}

void Sequence::BeginInsert(const Choice& c, std::span<const float> logits) {
  const std::span<const int32_t> seq = c.d.insert;
  // The pause text comes from the tokenizer, which may be larger than the
  // model's vocabulary: its ids index the logits below.
  ENTROPIX_CHECK(!seq.empty());
  CheckTokenIds(env_.model->config(), seq, "pause token");
  if (static_cast<int>(seq.size()) > cache_->capacity() - cache_->size()) return Finish(StopReason::kContextFull);
  ++result_.pauses_inserted;
  TokenEvent ev;
  ev.position = cache_->size();
  ev.token = seq[0];
  ev.logprob = want_logit_ ? c.ls.LogProb(logits[seq[0]]) : 0.0;
  if (want_logit_) ev.logits = logits;
  FillSignals(ev, c.ls, c.as);
  ev.state = c.d.state;
  ev.action = Action::kInsert;
  ev.params = c.d.params;
  insert_position_ = ev.position;
  insert_state_ = c.d.state;
  insert_params_ = c.d.params;
  // Fed even when streaming was cancelled, as the cache must hold the whole
  // insertion; the remaining events are then not emitted.
  insert_ok_ = Emit(ev);
  SetInput(Input::kInsert, seq);
}

RolloutSetup Sequence::RolloutSetupFor(const BranchParams& bp) const {
  RolloutSetup setup;
  setup.model = env_.model;
  setup.tokenizer = env_.tokenizer;
  setup.ws = env_.rollout_ws;
  setup.pool = env_.pool;
  setup.want_attn = want_attn_;
  setup.layers = layers_;
  setup.delimiters = &bp.delimiters;
  setup.stop_at_eog = opt_.stop_at_eog;
  return setup;
}

// Rolls the branches out and emits the winner's tokens. False: stopped.
bool Sequence::Branch(const Choice& c, std::span<const float> logits) {
  const BranchParams& bp = *policy_->branching();
  RolloutHost host(RolloutSetupFor(bp), *cache_, best_cache_);
  const int room = cache_->capacity() - cache_->size();
  const int max_len = std::min({bp.max_tokens, room - 1 > 0 ? room - 1 : 1,
                                opt_.max_tokens - static_cast<int>(result_.tokens.size())});
  BranchEvent be;
  be.index = static_cast<int>(result_.tokens.size());
  be.position = cache_->size();
  be.entropy = c.ls.entropy_bits;
  be.varentropy = c.ls.varentropy_bits;
  be.outcome = RunBranches(logits, c.ls, policy_->base_params(), bp, std::max(1, max_len), host, scratch_, rng_);
  const BranchRollout& win = be.outcome.branches[be.outcome.winner];
  // The winner's tokens now in the cache (an end token is kept but not fed).
  const int committed = cache_->size() - base_ - static_cast<int>(history_.size());
  history_.insert(history_.end(), win.tokens.begin(), win.tokens.begin() + committed);
  result_.forward_passes += be.outcome.forwards;
  result_.branch_extra_forwards += be.outcome.extra_forwards;
  const int event_index = static_cast<int>(result_.branches.size());
  result_.branches.push_back(std::move(be));
  if (opt_.on_branch) opt_.on_branch(result_.branches.back());
  if (!EmitBranchTokens(result_.branches.back(), event_index, c, host.best_attn())) return false;
  branch_logits_.assign(host.best_logits().begin(), host.best_logits().end());
  branch_attn_.reset();
  if (want_attn_ && !host.best_attn().empty()) branch_attn_ = host.best_attn().back();
  if (cache_->size() >= cache_->capacity()) {
    Finish(StopReason::kContextFull);
    return false;
  }
  return true;
}

bool Sequence::EmitBranchTokens(const BranchEvent& be, int event_index, const Choice& c,
                                const std::vector<AttentionSignals>& attn) {
  const BranchRollout& win = be.outcome.branches[be.outcome.winner];
  for (size_t i = 0; i < win.tokens.size(); ++i) {
    const int32_t tok = win.tokens[i];
    if (IsEnd(tok)) {
      Finish(StopReason::kEndOfGeneration);
      return false;
    }
    TokenEvent ev;
    ev.position = be.position + static_cast<int>(i);
    ev.token = tok;
    ev.logprob = win.logprobs[i];
    LogitStats ls = c.ls;
    ls.entropy_bits = win.entropy[i];
    ls.varentropy_bits = win.varentropy[i];
    // Token i > 0 was drawn after token i - 1's rollout step.
    const AttentionSignals as = i == 0 ? c.as : (i - 1 < attn.size() ? attn[i - 1] : AttentionSignals{});
    FillSignals(ev, ls, as);
    ev.state = i == 0 ? c.d.state : policy_->Classify(win.entropy[i], win.varentropy[i]);
    ev.action = Action::kBranch;
    ev.params = policy_->base_params();
    ev.branch_event = event_index;
    if (!Emit(ev)) {
      Finish(StopReason::kCancelled);
      return false;
    }
  }
  return true;
}

void Sequence::AcceptToken(const Choice& c, std::span<const float> logits) {
  const int32_t next = c.d.token;
  CheckTokenIds(env_.model->config(), std::span<const int32_t>(&next, 1), "sampled token");
  if (IsEnd(next)) return Finish(StopReason::kEndOfGeneration);
  TokenEvent ev;
  ev.position = cache_->size();
  ev.token = next;
  ev.logprob = want_logit_ ? c.ls.LogProb(logits[next]) : 0.0;
  if (want_logit_) ev.logits = logits;
  FillSignals(ev, c.ls, c.as);
  ev.state = c.d.state;
  ev.action = c.d.action;
  ev.params = c.d.params;
  if (!Emit(ev)) return Finish(StopReason::kCancelled);
  if (static_cast<int>(result_.tokens.size()) >= opt_.max_tokens) return Finish(StopReason::kMaxTokens);
  if (cache_->size() >= cache_->capacity()) return Finish(StopReason::kContextFull);
  SetInput(Input::kToken, std::span<const int32_t>(&next, 1));
}

bool Sequence::Emit(TokenEvent& ev) {
  ev.index = static_cast<int>(result_.tokens.size());
  result_.tokens.push_back(ev.token);
  ++result_.state_counts[static_cast<int>(ev.state)];
  std::string text;
  if (decoder_) text = decoder_->Push(ev.token);
  if (opt_.on_token) {
    piece_ = env_.tokenizer ? env_.tokenizer->TokenPiece(ev.token) : std::string();
    ev.piece = piece_;
    ev.text = text;
    opt_.on_token(ev);
  }
  return text.empty() || !on_text_ || on_text_(text);
}

void Sequence::FillSignals(TokenEvent& ev, const LogitStats& ls, const AttentionSignals& as) const {
  ev.logit = ls;
  ev.has_logit_stats = want_logit_;
  ev.attn = as;
}

bool Sequence::IsEnd(int32_t token) const {
  return opt_.stop_at_eog && env_.tokenizer && env_.tokenizer->IsEndOfGeneration(token);
}

void Sequence::Cancel() { Finish(StopReason::kCancelled); }

void Sequence::ReleaseCache() {
  if (!owned_cache_) return;
  owned_cache_.reset();
  best_cache_.cache.reset();
  cache_ = nullptr;
}

void Sequence::Finish(StopReason reason) {
  if (done_) return;
  done_ = true;
  result_.stop = reason;
  pending_.clear();
  fed_ = 0;
  if (decoder_ && on_text_) {
    const std::string rest = decoder_->Flush();
    if (!rest.empty()) on_text_(rest);
  }
  if (prompt_done_) result_.decode_seconds = Seconds(t1_, Clock::now());
}

}  // namespace entropix
