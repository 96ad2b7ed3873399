#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "core/error.h"
#include "sampling/basic_sampler.h"
#include "sampling/rng.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using Clock = std::chrono::steady_clock;

int ResolveThreads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

int ResolveContext(const Model& m, int requested) {
  if (requested <= 0) throw Error(ErrorCode::kInvalidArgument, "context size must be positive");
  return std::min(requested, m.config().context_length);
}

double Seconds(Clock::time_point a, Clock::time_point b) {
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

AttentionStatsView ViewOf(const AttentionStats& s) {
  return {s.n_layers, s.n_heads, s.entropy_bits, s.varentropy_bits, s.mean_abs_score, s.agreement};
}

std::vector<int32_t> ResolvePauseTokens(const Tokenizer& tokenizer, const std::string& text) {
  if (text.empty()) return {};
  std::string_view t = text;
  if (tokenizer.kind() == Tokenizer::Kind::kSpm && tokenizer.add_space_prefix() && t.front() == ' ') {
    t.remove_prefix(1);  // the encoder puts this space back as U+2581
  }
  if (t.empty()) return {};
  return tokenizer.Encode(t, /*add_bos=*/false, /*parse_special=*/false);
}

bool PieceHasDelimiter(std::string_view piece, const std::vector<std::string>& delimiters) {
  for (const std::string& d : delimiters) {
    if (d.empty()) continue;
    if (piece.find(d) != std::string_view::npos) return true;
    // ". " is usually split as "." + " next": a piece ending in "." counts.
    if (d.size() > 1 && d.back() == ' ') {
      const std::string_view head(d.data(), d.size() - 1);
      if (piece.size() >= head.size() && piece.substr(piece.size() - head.size()) == head) return true;
    }
  }
  return false;
}

// The BranchHost of a session: every branch is rolled out in the main cache
// from the branch point; the running best's own positions are copied to
// best_cache_ (KvCache::CopyFrom from the shared prefix), and copied back
// only if the best is not the branch rolled out last. Cheaper than replaying
// the winner (no extra forward pass; a copy of L positions is a few hundred
// KB) and than cloning the whole cache per branch.
class Session::Brancher final : public BranchHost {
 public:
  Brancher(Session& s, bool want_attn, const AttentionLayerChoice& layers,
           const std::vector<std::string>& delimiters, bool stop_at_eog)
      : s_(s), point_(s.cache_.size()), layers_(layers), delimiters_(delimiters),
        stop_at_eog_(stop_at_eog) {
    fwd_.attention_stats = want_attn;
    attn_.emplace_back();
  }

  std::span<const float> Step(int32_t token) override {
    last_ = s_.Feed(std::span<const int32_t>(&token, 1), fwd_);
    if (fwd_.attention_stats) attn_.back().push_back(ComputeAttentionSignals(ViewOf(s_.ws_.stats()), layers_));
    return last_;
  }
  void Rewind() override {
    s_.cache_.Truncate(point_);
    last_ = {};
    attn_.emplace_back();
  }
  void KeepAsBest() override {
    if (!s_.best_cache_) {
      s_.best_cache_ = std::make_unique<KvCache>(s_.model_.NewCache(s_.cache_.capacity()));
      s_.best_synced_ = 0;
    }
    const int from = std::min({s_.best_synced_, point_, s_.best_cache_->size()});
    s_.best_cache_->CopyFrom(s_.cache_, from);
    s_.best_synced_ = point_;
    best_logits_.assign(last_.begin(), last_.end());
    best_ = static_cast<int>(attn_.size()) - 1;
  }
  void CommitBest(bool best_is_current) override {
    if (!best_is_current) s_.cache_.CopyFrom(*s_.best_cache_, point_);
    s_.best_synced_ = s_.cache_.size();
  }
  bool IsEnd(int32_t token) const override {
    return stop_at_eog_ && s_.tokenizer_ && s_.tokenizer_->IsEndOfGeneration(token);
  }
  bool IsDelimiter(int32_t token) const override {
    return s_.tokenizer_ && PieceHasDelimiter(s_.tokenizer_->TokenPiece(token), delimiters_);
  }

  // The winner's logits after its last token, and attention signals per token
  // (signals of the step after token i; empty when not recorded).
  std::span<const float> best_logits() const { return best_logits_; }
  const std::vector<AttentionSignals>& best_attn() const { return attn_[best_]; }

 private:
  Session& s_;
  int point_;
  ForwardOptions fwd_;
  AttentionLayerChoice layers_;
  const std::vector<std::string>& delimiters_;
  bool stop_at_eog_;
  std::span<const float> last_;
  std::vector<std::vector<AttentionSignals>> attn_;  // [branch][step]
  std::vector<float> best_logits_;                   // [vocab_size]
  int best_ = 0;
};

Session::Session(const Model& model, const Tokenizer* tokenizer, const SessionOptions& options)
    : model_(model),
      tokenizer_(tokenizer),
      pool_(ResolveThreads(options.n_threads)),
      cache_(model.NewCache(ResolveContext(model, options.context))),
      ws_(model.config(), options.max_batch, cache_.capacity()) {}

Session::~Session() = default;

void Session::Reset() {
  cache_.Truncate(0);
  best_synced_ = 0;
}

void Session::CheckTokenIds(std::span<const int32_t> ids, const char* what) const {
  const int vocab = model_.config().vocab_size;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab) {
      throw Error(ErrorCode::kOutOfRange,
                  std::string(what) + " id " + std::to_string(id) + " is outside the model's vocabulary of " +
                      std::to_string(vocab) + " tokens (the tokenizer and the model disagree)");
    }
  }
}

void Session::CheckPromptFits(size_t prompt_tokens) const {
  if (cache_.size() + prompt_tokens < static_cast<size_t>(cache_.capacity())) return;
  const int model_limit = model_.config().context_length;
  // Raising -c does not help when the model's own context length is the cap.
  const std::string what_to_do = cache_.capacity() >= model_limit
                                     ? "shorten it (the model's context length is " + std::to_string(model_limit) + ")"
                                     : "shorten it or raise the context size (-c)";
  throw Error(ErrorCode::kOutOfRange, "the prompt (" + std::to_string(prompt_tokens) +
                                          " tokens) does not fit in the context of " +
                                          std::to_string(cache_.capacity()) + " tokens; " + what_to_do);
}

std::span<const float> Session::Feed(std::span<const int32_t> tokens,
                                     const ForwardOptions& options) {
  CheckTokenIds(tokens, "token");
  const std::span<const float> logits = model_.Forward(tokens, cache_, ws_, pool_, options);
  // Once per forward, so that a damaged file fails with one clear message
  // whatever the policy: argmax on NaN would silently pick token 0 and the
  // samplers would see garbage. One pass over [rows][vocab_size] floats:
  // ~11 us for SmolLM2's 49152 logits, 0.2% of a ~5.5 ms decode step.
  CheckFiniteLogits(logits);
  return logits;
}

GenerationResult Session::Generate(std::span<const int32_t> prompt, const GenerateOptions& opt,
                                   const std::function<bool(std::string_view)>& on_text) {
  GenerationResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());
  if (prompt.empty()) throw Error(ErrorCode::kInvalidArgument, "the prompt is empty");
  CheckPromptFits(prompt.size());
  best_synced_ = 0;  // the cache may have been rewound by the caller since the last branch

  // The policy: the caller's, or the previous API's greedy / temperature.
  GreedyPolicy greedy;
  SamplePolicy temperature_only(SamplingParams{opt.temperature, 0, 1.0, 0.0});
  const Policy& policy = opt.policy ? *opt.policy
                                    : (opt.temperature > 0.0 ? static_cast<const Policy&>(temperature_only)
                                                             : static_cast<const Policy&>(greedy));
  const bool want_attn = policy.needs_attention() || opt.record_signals;
  const bool want_logit = policy.needs_logit_stats() || opt.record_signals || opt.on_token != nullptr;
  const AttentionLayerChoice layers = opt.attention_layers.value_or(policy.attention_layers());
  ForwardOptions fwd;
  fwd.attention_stats = want_attn;

  Rng rng(opt.seed);
  CandidateSet scratch;
  std::unique_ptr<StreamingDecoder> decoder;
  if (tokenizer_ && (on_text || opt.on_token)) decoder = std::make_unique<StreamingDecoder>(*tokenizer_);
  auto is_end = [&](int32_t t) { return opt.stop_at_eog && tokenizer_ && tokenizer_->IsEndOfGeneration(t); };

  const auto t0 = Clock::now();
  std::span<const float> logits = Feed(prompt, fwd);
  const auto t1 = Clock::now();
  result.prompt_seconds = Seconds(t0, t1);

  std::vector<int32_t>& response = result.tokens;
  response.reserve(opt.max_tokens);
  std::string piece;
  // Emits one token: records it, streams its text. False: cancelled.
  auto emit = [&](TokenEvent& ev) {
    ev.index = static_cast<int>(response.size());
    response.push_back(ev.token);
    ++result.state_counts[static_cast<int>(ev.state)];
    std::string text;
    if (decoder) text = decoder->Push(ev.token);
    if (opt.on_token) {
      piece = tokenizer_ ? tokenizer_->TokenPiece(ev.token) : std::string();
      ev.piece = piece;
      ev.text = text;
      opt.on_token(ev);
    }
    return text.empty() || !on_text || on_text(text);
  };
  auto fill_signals = [&](TokenEvent& ev, const LogitStats& ls, const AttentionSignals& as) {
    ev.logit = ls;
    ev.has_logit_stats = want_logit;
    ev.attn = as;
  };

  // Attention signals for the next step when they do not come from ws_ (after a branch commit).
  std::optional<AttentionSignals> attn_override;
  // The winner's logits after a branch commit: the Brancher that held them
  // ends with its block, and `logits` is read on the next step.
  std::vector<float> branch_logits;  // [vocab_size]
  bool done = false;
  while (!done) {
    if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) {
      result.stop = StopReason::kCancelled;
      break;
    }
    if (static_cast<int>(response.size()) >= opt.max_tokens) {
      result.stop = StopReason::kMaxTokens;
      break;
    }
    const auto ts = Clock::now();
    LogitStats ls;
    if (want_logit) ls = ComputeLogitStats(logits);
    AttentionSignals as;
    if (attn_override) {
      as = *attn_override;
      attn_override.reset();
    } else if (want_attn) {
      as = ComputeAttentionSignals(ViewOf(ws_.stats()), layers);
    }
    StepInput in;
    in.logits = logits;
    in.logit = want_logit ? &ls : nullptr;
    in.attn = &as;
    in.response = response;
    in.pauses_inserted = result.pauses_inserted;
    in.branches_taken = static_cast<int>(result.branches.size());
    in.tokens_left = opt.max_tokens - static_cast<int>(response.size());
    Decision d = policy.Decide(in, scratch, rng);
    const int room = cache_.capacity() - cache_.size();
    if (d.action == Action::kBranch && room < 2) {
      // No room to roll out: sample with the base parameters instead.
      d.action = Action::kSample;
      d.params = policy.base_params();
      d.token = SampleToken(logits, d.params, rng, scratch);
    }
    result.sampler_seconds += Seconds(ts, Clock::now());

    if (d.action == Action::kInsert) {
      const std::span<const int32_t> seq = d.insert;
      // The pause text comes from the tokenizer, which may be larger than the
      // model's vocabulary: its ids index the logits below.
      ENTROPIX_CHECK(!seq.empty());
      CheckTokenIds(seq, "pause token");
      if (static_cast<int>(seq.size()) > room) {
        result.stop = StopReason::kContextFull;
        break;
      }
      ++result.pauses_inserted;
      TokenEvent ev;
      ev.position = cache_.size();
      ev.token = seq[0];
      ev.logprob = want_logit ? ls.LogProb(logits[seq[0]]) : 0.0;
      fill_signals(ev, ls, as);
      ev.state = d.state;
      ev.action = Action::kInsert;
      ev.params = d.params;
      ForwardOptions f = fwd;
      f.all_logits = seq.size() > 1;
      bool ok = emit(ev);
      const std::span<const float> rows = Feed(seq, f);
      ++result.forward_passes;
      const size_t vocab = model_.config().vocab_size;
      for (size_t j = 1; j < seq.size() && ok; ++j) {
        const std::span<const float> row = rows.subspan((j - 1) * vocab, vocab);
        TokenEvent e2;
        e2.position = ev.position + static_cast<int>(j);
        e2.token = seq[j];
        const LogitStats rs = ComputeLogitStats(row);
        e2.logprob = rs.LogProb(row[seq[j]]);
        fill_signals(e2, rs, AttentionSignals{});
        e2.has_logit_stats = true;
        e2.state = d.state;
        e2.action = Action::kInsert;
        e2.params = d.params;
        ok = emit(e2);
      }
      if (!ok) {
        result.stop = StopReason::kCancelled;
        break;
      }
      logits = f.all_logits ? rows.subspan((seq.size() - 1) * vocab, vocab) : rows;
      continue;
    }

    if (d.action == Action::kBranch) {
      const BranchParams& bp = *policy.branching();
      Brancher host(*this, want_attn, layers, bp.delimiters, opt.stop_at_eog);
      const int max_len = std::min({bp.max_tokens, room - 1 > 0 ? room - 1 : 1,
                                    opt.max_tokens - static_cast<int>(response.size())});
      BranchEvent be;
      be.index = static_cast<int>(response.size());
      be.position = cache_.size();
      be.entropy = ls.entropy_bits;
      be.varentropy = ls.varentropy_bits;
      be.outcome = RunBranches(logits, ls, policy.base_params(), bp, std::max(1, max_len), host, scratch, rng);
      const BranchRollout& win = be.outcome.branches[be.outcome.winner];
      result.forward_passes += be.outcome.forwards;
      result.branch_extra_forwards += be.outcome.extra_forwards;
      const int event_index = static_cast<int>(result.branches.size());
      result.branches.push_back(be);
      if (opt.on_branch) opt.on_branch(result.branches.back());
      const std::vector<AttentionSignals>& battn = host.best_attn();
      for (size_t i = 0; i < win.tokens.size() && !done; ++i) {
        const int32_t tok = win.tokens[i];
        if (is_end(tok)) {
          result.stop = StopReason::kEndOfGeneration;
          done = true;
          break;
        }
        TokenEvent ev;
        ev.position = be.position + static_cast<int>(i);
        ev.token = tok;
        ev.logprob = win.logprobs[i];
        LogitStats ts2 = ls;
        ts2.entropy_bits = win.entropy[i];
        ts2.varentropy_bits = win.varentropy[i];
        AttentionSignals a2 = i == 0 ? as : (i - 1 < battn.size() ? battn[i - 1] : AttentionSignals{});
        fill_signals(ev, ts2, a2);
        ev.state = i == 0 ? d.state : policy.Classify(win.entropy[i], win.varentropy[i]);
        ev.action = Action::kBranch;
        ev.params = policy.base_params();
        ev.branch_event = event_index;
        if (!emit(ev)) {
          result.stop = StopReason::kCancelled;
          done = true;
        }
      }
      if (done) break;
      branch_logits.assign(host.best_logits().begin(), host.best_logits().end());
      logits = branch_logits;
      if (want_attn && !battn.empty()) attn_override = battn.back();
      if (cache_.size() >= cache_.capacity()) {
        result.stop = StopReason::kContextFull;
        break;
      }
      continue;
    }

    // One token.
    const int32_t next = d.token;
    CheckTokenIds(std::span<const int32_t>(&next, 1), "sampled token");
    if (is_end(next)) {
      result.stop = StopReason::kEndOfGeneration;
      break;
    }
    TokenEvent ev;
    ev.position = cache_.size();
    ev.token = next;
    ev.logprob = want_logit ? ls.LogProb(logits[next]) : 0.0;
    fill_signals(ev, ls, as);
    ev.state = d.state;
    ev.action = d.action;
    ev.params = d.params;
    if (!emit(ev)) {
      result.stop = StopReason::kCancelled;
      break;
    }
    if (static_cast<int>(response.size()) >= opt.max_tokens) {
      result.stop = StopReason::kMaxTokens;
      break;
    }
    if (cache_.size() >= cache_.capacity()) {
      result.stop = StopReason::kContextFull;
      break;
    }
    logits = Feed(std::span<const int32_t>(&next, 1), fwd);
    ++result.forward_passes;
  }
  if (decoder && on_text) {
    const std::string rest = decoder->Flush();
    if (!rest.empty()) on_text(rest);
  }
  result.decode_seconds = Seconds(t1, Clock::now());
  return result;
}

}  // namespace entropix
