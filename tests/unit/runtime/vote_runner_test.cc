// The scheduler-backed vote host (runtime/vote_runner.h) on stories260K:
// the first trace is greedy decoding; a fork keeps its parent's prefix and
// puts the rule's token at the fork position, chosen from the logits there
// (checked against an independent Session::Feed of the same tokens); forks
// run together in one batch give exactly what each gives alone, in fewer
// scheduler steps; results do not depend on the thread count, and neither
// does a whole vote. VoteRun on a shared scheduler equals the host.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "runtime/session.h"
#include "runtime/vote_run.h"
#include "runtime/vote_runner.h"
#include "sampling/metrics.h"
#include "test_models.h"

namespace entropix {
namespace {

using test_models::Load;
using test_models::Loaded;

constexpr int kMaxTokens = 24;

const Loaded& Stories() {
  static const Loaded m = Load(test_models::StoriesPath());
  return m;
}

std::vector<int32_t> Prompt() { return Stories().tokenizer->Encode("Once upon a time", true, false); }

TraceRequest Greedy() {
  TraceRequest r;
  r.id = 0;
  r.origin = "greedy";
  return r;
}

TraceRequest Fork(int id, int position, TokenRule first, uint64_t seed = 0) {
  TraceRequest r;
  r.id = id;
  r.parent = 0;
  r.fork_position = position;
  r.first = first;
  r.seed = seed;
  r.origin = "test";
  return r;
}

TokenRule Ranked(int rank) {
  TokenRule t;
  t.kind = TokenRule::Kind::kRanked;
  t.rank = rank;
  return t;
}

TokenRule SampledWithoutGreedy() {
  TokenRule t;
  t.kind = TokenRule::Kind::kSample;
  t.exclude_greedy = true;
  t.params = SamplingParams{1.0, 0, 1.0, 0.0};
  return t;
}

std::vector<TraceRequest> Forks() {
  return {Fork(1, 0, Ranked(2)), Fork(2, 3, Ranked(2)), Fork(3, 5, SampledWithoutGreedy(), 7)};
}

struct Host {
  explicit Host(int threads) : pool(threads) {
    VoteHostOptions o;
    o.max_tokens = kMaxTokens;
    host = std::make_unique<SchedulerTraceHost>(*Stories().model, *Stories().tokenizer, pool, Prompt(), o);
  }
  ThreadPool pool;
  std::unique_ptr<SchedulerTraceHost> host;
};

void ExpectSame(const TraceResult& a, const TraceResult& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.tokens, b.tokens) << "trace " << a.id;
  EXPECT_EQ(a.pieces, b.pieces) << "trace " << a.id;
  EXPECT_EQ(a.held_bytes, b.held_bytes);
  EXPECT_EQ(a.entropy_bits, b.entropy_bits);  // bitwise
  EXPECT_EQ(a.margin, b.margin);
  EXPECT_EQ(a.logprob, b.logprob);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.forward_tokens, b.forward_tokens);
}

TEST(SchedulerTraceHost, FirstTraceIsGreedyDecoding) {
  Host h(1);
  const std::vector<TraceResult> r = h.host->RunBatch({Greedy()});
  ASSERT_EQ(r.size(), 1u);
  Session s(*Stories().model, Stories().tokenizer.get(), SessionOptions{1, 256, 32});
  GenerateOptions go;
  go.max_tokens = kMaxTokens;
  const GenerationResult g = s.Generate(Prompt(), go, {});
  EXPECT_EQ(r[0].tokens, g.tokens);
  ASSERT_EQ(r[0].entropy_bits.size(), g.tokens.size());
  EXPECT_EQ(r[0].forward_tokens, g.forward_passes);
  EXPECT_EQ(r[0].end, TraceEnd::kLength);
}

TEST(SchedulerTraceHost, ForkKeepsThePrefixAndTakesTheRunnerUpFromTheLogitsThere) {
  Host h(1);
  const TraceResult greedy = h.host->RunBatch({Greedy()})[0];
  const int p = 3;
  const TraceResult fork = h.host->RunBatch({Fork(1, p, Ranked(2))})[0];
  ASSERT_GT(fork.tokens.size(), static_cast<size_t>(p));
  EXPECT_TRUE(std::equal(greedy.tokens.begin(), greedy.tokens.begin() + p, fork.tokens.begin()));
  EXPECT_TRUE(std::equal(greedy.entropy_bits.begin(), greedy.entropy_bits.begin() + p, fork.entropy_bits.begin()));
  // Independently: the logits after the prompt and the greedy prefix.
  Session s(*Stories().model, Stories().tokenizer.get(), SessionOptions{1, 256, 32});
  std::vector<int32_t> context = Prompt();
  context.insert(context.end(), greedy.tokens.begin(), greedy.tokens.begin() + p);
  const std::span<const float> logits = s.Feed(context);
  const LogitStats ls = ComputeLogitStats(logits);
  EXPECT_EQ(ls.argmax, greedy.tokens[p]);
  EXPECT_EQ(fork.tokens[p], ls.second_index);
  EXPECT_NE(fork.tokens[p], greedy.tokens[p]);
  EXPECT_FLOAT_EQ(fork.entropy_bits[p], static_cast<float>(ls.entropy_bits));
  EXPECT_EQ(fork.entropy_bits[p], greedy.entropy_bits[p]);  // the same distribution, re-derived bitwise
  // The whole response counts against the cap; the re-fed token is a step.
  EXPECT_EQ(fork.tokens.size(), static_cast<size_t>(kMaxTokens));
  EXPECT_EQ(fork.forward_tokens, kMaxTokens - p);
}

TEST(SchedulerTraceHost, ForksBatchedEqualForksAlone) {
  Host batched(1), alone(1);
  const TraceResult g1 = batched.host->RunBatch({Greedy()})[0];
  const TraceResult g2 = alone.host->RunBatch({Greedy()})[0];
  ExpectSame(g1, g2);
  const int steps_before = batched.host->steps();
  const std::vector<TraceResult> together = batched.host->RunBatch(Forks());
  const int batched_steps = batched.host->steps() - steps_before;
  int alone_steps = 0;
  for (const TraceRequest& f : Forks()) {
    const int before = alone.host->steps();
    const std::vector<TraceResult> one = alone.host->RunBatch({f});
    alone_steps += alone.host->steps() - before;
    ASSERT_EQ(together.size(), Forks().size());
    ExpectSame(together[f.id - 1], one[0]);
  }
  // The forks really shared steps (one ForwardBatch for all of them).
  EXPECT_LT(batched_steps, alone_steps);
}

TEST(SchedulerTraceHost, SameResultsAtOneAndTwoThreads) {
  Host one(1), two(2);
  ExpectSame(one.host->RunBatch({Greedy()})[0], two.host->RunBatch({Greedy()})[0]);
  const std::vector<TraceResult> a = one.host->RunBatch(Forks());
  const std::vector<TraceResult> b = two.host->RunBatch(Forks());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ExpectSame(a[i], b[i]);
}

// A whole vote with forks forced (a gate no trace passes): the same events
// at 1 and 2 threads, and forks did run.
std::vector<std::string> VoteEvents(int threads) {
  Host h(threads);
  VoteProfile p;
  p.gate.trace_confidence = 1e9;
  p.budget.max_traces = 4;
  p.budget.batch = 3;
  VoteStrategy s(p, MathAnswerHook(false), 42);
  RunVote(s, *h.host);
  std::vector<std::string> out;
  for (const VoteEvent& e : s.events()) out.push_back(VoteEventToJson(e));
  return out;
}

TEST(SchedulerTraceHost, VoteIsDeterministicAcrossThreadCounts) {
  const std::vector<std::string> a = VoteEvents(1);
  EXPECT_EQ(a, VoteEvents(2));
  int started = 0;  // the greedy trace and three forks (max_traces 4)
  for (const std::string& e : a) started += e.find("\"trace_started\"") != std::string::npos;
  EXPECT_EQ(started, 4);
}

// VoteRun: the same vote with its traces on a scheduler shared with an
// unrelated sequence, driven step by step as the server's engine does,
// gives the events of RunVote on a host of its own.
TEST(VoteRun, OnASharedSchedulerEqualsTheHost) {
  const std::vector<std::string> expected = VoteEvents(1);
  ThreadPool pool(1);
  Scheduler scheduler(*Stories().model, Stories().tokenizer.get(), pool, SchedulerOptions{256, 32, 4});
  GenerateOptions other;
  other.max_tokens = 60;
  const int stranger = scheduler.Add(Stories().tokenizer->Encode("The cat", true, false), other);
  VoteProfile p;
  p.gate.trace_confidence = 1e9;
  p.budget.max_traces = 4;
  p.budget.batch = 3;
  VoteRun v(*Stories().tokenizer, Prompt(), p, 42, kMaxTokens);
  std::vector<int> started = v.StartBatch(scheduler);
  int batches = 1;
  while (!v.stopped()) {
    ASSERT_GT(scheduler.Step(), 0);
    for (std::unique_ptr<Sequence>& s : scheduler.TakeFinished()) {
      if (s->id() == stranger || !v.Owns(s->id())) continue;
      if (v.Finish(std::move(s))) {
        started = v.StartBatch(scheduler);
        batches += !started.empty();
      }
    }
  }
  std::vector<std::string> got;
  for (const VoteEvent& e : v.strategy().events()) got.push_back(VoteEventToJson(e));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(batches, 2);  // greedy, then three forks together
  EXPECT_TRUE(v.running().empty());
}

// Speculation: first-token forks started beside the greedy trace.
struct SpeculationRun {
  std::vector<std::string> events;
  std::vector<TraceResult> traces;  // by trace id
  int steps = 0;
  int64_t unused = 0;
};

// A vote whose gate never passes, with speculation on or off.
SpeculationRun SpeculatedVote(bool speculate, ForkRule rule, Continuation continuation = Continuation::kGreedy,
                              const std::string& prompt = "Once upon a time", int max_rows = 32) {
  ThreadPool pool(1);
  VoteHostOptions o;
  o.max_tokens = kMaxTokens;
  o.max_rows = max_rows;
  o.speculate = speculate;
  SchedulerTraceHost host(*Stories().model, *Stories().tokenizer, pool,
                          Stories().tokenizer->Encode(prompt, true, false), o);
  VoteProfile p;
  p.fork.rule = rule;
  p.fork.continuation = continuation;
  p.budget.max_traces = 5;
  p.budget.batch = 3;
  p.gate.trace_confidence = 1e9;
  VoteStrategy s(p, MathAnswerHook(false), 5);
  const VoteOutcome& outcome = RunVote(s, host);
  SpeculationRun r;
  r.unused = host.EndSpeculation();
  r.steps = host.steps();
  for (const VoteEvent& e : s.events()) r.events.push_back(VoteEventToJson(e));
  for (int id = 0; id < outcome.traces; ++id) r.traces.push_back(s.trace(id));
  return r;
}

void ExpectSameVote(const SpeculationRun& fast, const SpeculationRun& plain) {
  EXPECT_EQ(fast.events, plain.events);
  ASSERT_EQ(fast.traces.size(), 5u);  // greedy, the speculated batch of 3, one more
  ASSERT_EQ(fast.traces.size(), plain.traces.size());
  for (size_t i = 0; i < plain.traces.size(); ++i) ExpectSame(fast.traces[i], plain.traces[i]);
  EXPECT_EQ(fast.unused, 0);  // the first fork batch took every speculative trace
  EXPECT_LT(fast.steps, plain.steps - kMaxTokens / 2);
}

// The forks' tokens, signals and costs and the whole vote are what they are
// without speculation; the vote takes fewer steps (the forks ran beside the
// greedy trace) and every speculative fork was used.
TEST(SchedulerTraceHost, SpeculativeForksChangeOnlyTheSteps) {
  ExpectSameVote(SpeculatedVote(true, ForkRule::kFirstToken), SpeculatedVote(false, ForkRule::kFirstToken));
}

// Sampled continuations: a speculative fork serves only the request with its
// seed (the seed follows the trace id).
TEST(SchedulerTraceHost, SpeculativeForksWithSampledContinuations) {
  ExpectSameVote(SpeculatedVote(true, ForkRule::kFirstToken, Continuation::kSampled),
                 SpeculatedVote(false, ForkRule::kFirstToken, Continuation::kSampled));
}

// Independent samples start with the greedy trace and end in its step, so
// they are served finished.
TEST(SchedulerTraceHost, SpeculativeSamplesAreServedFinished) {
  ExpectSameVote(SpeculatedVote(true, ForkRule::kIndependentSample),
                 SpeculatedVote(false, ForkRule::kIndependentSample));
}

// A prompt fed over several steps (4 rows a step): the forks wait until the
// greedy sequence has all of it cached.
TEST(SchedulerTraceHost, SpeculativeForksWaitForALongPrompt) {
  const std::string prompt = "Once upon a time there was a little girl named Lily who loved to play in the park";
  ASSERT_GT(Stories().tokenizer->Encode(prompt, true, false).size(), 12u);
  ExpectSameVote(SpeculatedVote(true, ForkRule::kFirstToken, Continuation::kGreedy, prompt, 4),
                 SpeculatedVote(false, ForkRule::kFirstToken, Continuation::kGreedy, prompt, 4));
}

// When the greedy trace passes the gate the speculative forks are never
// asked for (stories260K never ends a story, so the host is driven as the
// strategy would: the greedy batch, then no more): the greedy trace is
// unchanged, and the forks' token-steps so far are counted as unused.
TEST(SchedulerTraceHost, UnusedSpeculationIsCounted) {
  Host plain(1), fast(1);
  fast.host->Speculate({Fork(1, 0, Ranked(2)), Fork(2, 0, Ranked(3)), Fork(3, 0, Ranked(4))});
  const TraceResult greedy = fast.host->RunBatch({Greedy()})[0];
  ExpectSame(greedy, plain.host->RunBatch({Greedy()})[0]);
  EXPECT_EQ(fast.host->steps(), plain.host->steps());  // the forks did not hold the greedy trace up
  // Each fork started at the greedy trace's second step (its prompt cached
  // after the first) and ran beside it to its end.
  EXPECT_EQ(fast.host->EndSpeculation(), 3 * (greedy.forward_tokens));
  EXPECT_EQ(fast.host->EndSpeculation(), 0);  // nothing left
}

// A request served by a speculative trace of another id (a loop escape can
// shift the ids): the result carries the request's id and equals the trace
// run without speculation.
TEST(SchedulerTraceHost, SpeculativeTraceServesARequestOfAnotherId) {
  Host plain(1), fast(1);
  fast.host->Speculate({Fork(1, 0, Ranked(2)), Fork(2, 0, Ranked(3))});
  ExpectSame(fast.host->RunBatch({Greedy()})[0], plain.host->RunBatch({Greedy()})[0]);
  const std::vector<TraceRequest> swapped = {Fork(1, 0, Ranked(3)), Fork(2, 0, Ranked(2)), Fork(3, 0, Ranked(4))};
  const std::vector<TraceResult> a = fast.host->RunBatch(swapped);
  const std::vector<TraceResult> b = plain.host->RunBatch(swapped);
  ASSERT_EQ(a.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) ExpectSame(a[i], b[i]);
  EXPECT_EQ(fast.host->EndSpeculation(), 0);
}

}  // namespace
}  // namespace entropix
