// `entropix run --sampler vote`: gated forking with a confidence-weighted
// vote (issue 10), its traces run on the scheduler (runtime/vote_runner.h).
//
// What the user sees. stdout: the first (greedy) trace as it is decoded,
// exactly as `run --sampler greedy` prints it; when the vote picks another
// trace, its text follows under "=== answer: trace N ===". stderr: one line
// per trace (id, where it forked and with which token, its answer and
// confidence) and the continuation it decoded, then the vote table and the
// chosen answer. With -q only the chosen trace's text, on stdout. --trace:
// the strategy's events (vote_events.cc) and each trace's own tokens with
// their signals, one JSON record per line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "core/error.h"
#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "model/model.h"
#include "runtime/terminal_text.h"
#include "runtime/trace.h"
#include "runtime/vote_runner.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

// Text for one stderr line: escapes and control characters shown, cut at max_bytes.
std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_bytes) return out + "...";
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string TextOf(const TraceResult& r, size_t from_token = 0) {
  std::string text;
  for (size_t i = from_token; i < r.pieces.size(); ++i) text += r.pieces[i];
  return text;
}

std::string AnswerText(const std::optional<std::string>& a) { return a ? *a : "(none)"; }

// Prints the strategy's events as they come, and records them in the trace.
class VoteReport {
 public:
  VoteReport(const Tokenizer& tokenizer, TraceWriter* trace, bool quiet)
      : tokenizer_(tokenizer), trace_(trace), quiet_(quiet) {}

  // Reports every event not reported yet.
  void Update(const VoteStrategy& s) {
    for (; next_ < s.events().size(); ++next_) {
      const VoteEvent& e = s.events()[next_];
      if (trace_) trace_->Write(nlohmann::json::parse(VoteEventToJson(e)));
      if (e.kind == VoteEvent::Kind::kTraceStarted) started_[e.trace_id] = e;
      if (e.kind == VoteEvent::Kind::kTraceFinished) TraceFinished(s, e);
      if (e.kind == VoteEvent::Kind::kVote) {
        if (!quiet_) std::fprintf(stderr, "[vote over %d traces: leader %s, share %.2f]\n", e.traces,
                     OneLine(AnswerText(e.answer), 32).c_str(), e.leader_share);
        last_vote_ = e;
      }
    }
  }

  // The vote table: each answer's traces and weight, from the last vote.
  void PrintTable() const {
    if (!last_vote_ || quiet_) return;  // (no vote: the first trace passed the gate)
    std::map<std::string, std::pair<int, double>> totals;  // answer -> (traces, weight)
    double all = 0.0;
    for (const BallotResult& b : last_vote_->ballots) {
      const std::optional<std::string>& a = answers_.at(b.trace_id);
      if (!a || b.duplicate_of >= 0 || b.filtered) continue;
      totals[*a].first += 1;
      totals[*a].second += b.weight;
      all += b.weight;
    }
    std::fprintf(stderr, "[vote] %-16s %6s %9s %6s\n", "answer", "traces", "weight", "share");
    if (totals.empty()) std::fprintf(stderr, "[vote] (no trace has an answer: best-of-N by trace confidence, traces the model ended first)\n");
    for (const auto& [answer, t] : totals) {
      std::fprintf(stderr, "[vote] %-16s %6d %9.4f %6.2f\n", OneLine(answer, 16).c_str(), t.first, t.second,
                   all > 0 ? t.second / all : 0.0);
    }
  }

 private:
  void TraceFinished(const VoteStrategy& s, const VoteEvent& e) {
    answers_[e.trace_id] = e.answer;
    const TraceResult& r = s.trace(e.trace_id);
    const VoteEvent& st = started_.at(e.trace_id);
    std::string where = st.origin;
    size_t from = 0;
    if (st.parent >= 0) {
      const int p = st.fork_position;
      const TraceResult& parent = s.trace(st.parent);
      where = "fork of trace " + std::to_string(st.parent) + " at token " + std::to_string(p) + " (" + st.origin +
              "): \"" + OneLine(TokenText(r, p), 24) + "\" for \"" + OneLine(TokenText(parent, p), 24) + "\"";
      from = static_cast<size_t>(p);
    }
    if (!quiet_) {
      std::fprintf(stderr, "[trace %d | %s | answer %s | confidence %.3f | answer margin %.3f | %zu tokens, %s]\n",
                   e.trace_id, where.c_str(), OneLine(AnswerText(e.answer), 32).c_str(), e.confidence,
                   e.answer_margin, r.tokens.size(), e.reason.c_str());
      if (st.parent >= 0) std::fprintf(stderr, "  ...%s\n", OneLine(TextOf(r, from), 160).c_str());
    }
    if (trace_) WriteTokens(r, from);
  }

  std::string TokenText(const TraceResult& r, int i) const {
    return i < static_cast<int>(r.tokens.size()) ? tokenizer_.TokenPiece(r.tokens[i]) : "(end)";
  }

  // The trace's own tokens (a fork's reused prefix is its parent's records).
  void WriteTokens(const TraceResult& r, size_t from) {
    for (size_t i = from; i < r.tokens.size(); ++i) {
      trace_->Write({{"event", "trace_token"},
                     {"trace", r.id},
                     {"index", i},
                     {"token", r.tokens[i]},
                     {"piece", tokenizer_.TokenPiece(r.tokens[i])},
                     {"entropy", r.entropy_bits[i]},
                     {"margin", r.margin[i]},
                     {"logprob", r.logprob[i]}});
    }
  }

  const Tokenizer& tokenizer_;
  TraceWriter* trace_;
  bool quiet_;
  size_t next_ = 0;
  std::map<int, VoteEvent> started_;
  std::map<int, std::optional<std::string>> answers_;
  std::optional<VoteEvent> last_vote_;
};

int ResolveThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

int RunVoteCommand(const RunArgs& a, VoteProfile profile) {
  std::string path;
  auto model = LoadModel(a.model, &path);
  auto tokenizer = Tokenizer::FromGguf(model->file());
  bool chat = false;
  const std::vector<int32_t> prompt = BuildPrompt(*model, *tokenizer, a.prompt_format, a.prompt, &chat);
  const uint64_t seed = ResolveSeed(a.seed, !a.quiet);

  std::optional<TraceWriter> trace;
  if (!a.trace.empty()) {
    trace.emplace(a.trace);
    trace->Write({{"event", "start"},
                  {"model", model->config().name},
                  {"sampler", "vote"},
                  {"vote_profile", nlohmann::json::parse(VoteProfileToJson(profile))},
                  {"seed", seed},
                  {"prompt_tokens", prompt.size()},
                  {"units", {{"entropy", "bits"}, {"logprob", "nats"}}}});
  }
  std::optional<TerminalTextFilter> filter;
  if (isatty(STDOUT_FILENO) == 1) filter.emplace();
  auto print = [&](std::string_view text) { WriteStdout(filter ? filter->Filter(text) : std::string(text)); };
  if (!chat && !a.quiet) print(a.prompt);

  CancelOnSigint cancel;
  ThreadPool pool(ResolveThreadCount(a.model.threads));
  // The prompt must leave room for the answer; the host caps each cache at prompt + max_tokens.
  VoteHostOptions ho;
  ho.max_tokens = std::min(a.max_tokens, std::max(1, std::min(a.model.context, model->config().context_length) -
                                                         static_cast<int>(prompt.size()) - 1));
  ho.cancel = cancel.flag();
  SchedulerTraceHost host(*model, *tokenizer, pool, prompt, ho);
  host.StreamTrace(0, [&](std::string_view text) {
    if (!a.quiet) print(text);
    return true;
  });

  const std::string profile_name = profile.name;
  VoteStrategy strategy(profile, MathAnswerHook(profile.answer_require_marker), seed);
  VoteReport report(*tokenizer, trace ? &*trace : nullptr, a.quiet);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto batch = strategy.NextBatch(); !batch.empty(); batch = strategy.NextBatch()) {
    // First-token forks start beside the streamed greedy trace (unused if it passes the gate).
    if (std::vector<TraceRequest> ahead = strategy.SpeculativeBatch(); !ahead.empty()) {
      host.Speculate(std::move(ahead));
    }
    for (TraceResult& r : host.RunBatch(batch)) strategy.Finish(std::move(r));
    if (batch.front().id == 0 && !a.quiet) WriteStdout("\n");  // the streamed first trace is complete
    report.Update(strategy);
    if (cancel.requested()) break;  // Ctrl-C: report what finished, decode no more forks
  }
  report.Update(strategy);  // the last vote and the stop
  const int64_t unused = host.EndSpeculation();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!strategy.stopped()) {  // cancelled between batches: no vote to report
    if (!a.quiet) std::fprintf(stderr, "[vote: cancelled after %zu events]\n", strategy.events().size());
    if (trace) trace->Close();
    return 130;
  }
  const VoteOutcome& o = strategy.outcome();
  report.PrintTable();
  if (a.quiet) {
    print(TextOf(strategy.trace(o.chosen_trace)) + "\n");
  } else {
    std::fprintf(stderr,
                 "[vote: chosen trace %d | answer %s | stop: %s | %d traces | %lld decode forward tokens"
                 " (+%lld in unused speculative traces)]\n",
                 o.chosen_trace, OneLine(AnswerText(o.answer), 32).c_str(), o.stop_reason.c_str(), o.traces,
                 static_cast<long long>(o.forward_tokens), static_cast<long long>(unused));
  }
  if (o.chosen_trace != 0 && !a.quiet) {
    print("\n=== answer: trace " + std::to_string(o.chosen_trace) + " ===\n" + TextOf(strategy.trace(o.chosen_trace)) +
          "\n");
  }
  if (trace) {
    trace->Write({{"event", "end"},
                  {"chosen_trace", o.chosen_trace},
                  {"answer", o.answer ? nlohmann::json(*o.answer) : nlohmann::json(nullptr)},
                  {"stop", o.stop_reason},
                  {"traces", o.traces},
                  {"forward_tokens", o.forward_tokens},
                  {"speculative_tokens", unused},
                  {"steps", host.steps()}});
    trace->Close();
  }
  if (!a.no_timings && !a.quiet) {
    std::fprintf(stderr, "[vote (%s): %d scheduler steps, %.1f forward tokens/s | %d threads]\n",
                 profile_name.c_str(), host.steps(), o.forward_tokens / std::max(seconds, 1e-9), pool.size());
  }
  return cancel.requested() ? 130 : 0;
}

}  // namespace entropix
