// Scheduler and Sequence: a sequence scheduled with others produces exactly
// what it produces alone (tokens, trace records, text, stop reason), for
// greedy, seeded sampling, pauses and branching, at 1 and 2 threads; fork,
// cancel, chunked prefill beside decoding sequences, the active cap, and
// sequences added after others finished. "Alone" is Session::Generate, whose
// own tests pin it to independent references (session_test.cc); the fork
// child is compared with a fresh sequence built from the parent's reported
// tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/scheduler.h"
#include "runtime/sequence.h"
#include "runtime/session.h"
#include "runtime/trace.h"
#include "sampling/profile.h"
#include "test_models.h"

namespace entropix {
namespace {

using test_models::Load;
using test_models::Loaded;

struct Spec {
  std::vector<int32_t> prompt;
  const Policy* policy = nullptr;
  uint64_t seed = 0;
  int max_tokens = 30;
};

// Everything a sequence reports through its callbacks and result.
struct Out {
  std::vector<std::string> trace;  // token and branch records, in order
  std::string text;
  GenerationResult result;
  std::vector<int> steps;  // the step counter at each token event
};

GenerateOptions OptionsFor(const Spec& s, const Tokenizer* tok, Out& out, const int* step = nullptr) {
  GenerateOptions go;
  go.max_tokens = s.max_tokens;
  go.seed = s.seed;
  go.policy = s.policy;
  go.record_signals = true;
  go.on_token = [&out, step](const TokenEvent& ev) {
    out.trace.push_back(TokenEventJson(ev).dump());
    out.steps.push_back(step ? *step : 0);
  };
  go.on_branch = [&out, tok](const BranchEvent& ev) { out.trace.push_back(BranchEventJson(ev, tok).dump()); };
  return go;
}

TextCallback TextInto(Out& out) {
  return [&out](std::string_view t) {
    out.text += t;
    return true;
  };
}

Out RunAlone(const Loaded& m, const Spec& s, int threads) {
  SessionOptions so;
  so.n_threads = threads;
  so.context = 256;
  Session session(*m.model, m.tokenizer.get(), so);
  Out out;
  out.result = session.Generate(s.prompt, OptionsFor(s, m.tokenizer.get(), out), TextInto(out));
  return out;
}

// Collects finished sequences' results into outs (by id).
void Collect(Scheduler& sch, std::deque<Out>& outs) {
  for (auto& seq : sch.TakeFinished()) outs[seq->id()].result = seq->TakeResult();
}

void ExpectSame(const Out& a, const Out& b, const std::string& what) {
  EXPECT_EQ(a.result.tokens, b.result.tokens) << what;
  EXPECT_EQ(a.result.stop, b.result.stop) << what;
  EXPECT_EQ(a.result.pauses_inserted, b.result.pauses_inserted) << what;
  EXPECT_EQ(a.result.forward_passes, b.result.forward_passes) << what;
  EXPECT_EQ(a.result.branches.size(), b.result.branches.size()) << what;
  EXPECT_EQ(a.text, b.text) << what;
  ASSERT_EQ(a.trace.size(), b.trace.size()) << what;
  for (size_t i = 0; i < a.trace.size(); ++i) EXPECT_EQ(a.trace[i], b.trace[i]) << what << " record " << i;
}

// The policies the mix uses, for one model.
struct Policies {
  GreedyPolicy greedy;
  SamplePolicy sample{{0.8, 40, 0.95, 0.05}};
  std::unique_ptr<EntropixPolicy> entropix, branching, pausing;

  explicit Policies(const Tokenizer& tok) {
    entropix = std::make_unique<EntropixPolicy>(BuiltinProfile("entropix-g2"), ResolvePauseTokens(tok, " ..."));
    Profile b = BuiltinProfile("entropix-branch");
    b.branch.entropy = 1.0;  // make branching fire on this small model
    b.branch.varentropy = 1.0;
    branching = std::make_unique<EntropixPolicy>(b, ResolvePauseTokens(tok, " ..."));
    Profile p = BuiltinProfile("entropix-g2");
    p.thresholds = {0.0, 1e9, 0.0, 0.0, 1e9};  // every step treads: multi-token pauses
    p.pause.max_per_response = 3;
    pausing = std::make_unique<EntropixPolicy>(p, ResolvePauseTokens(tok, " and then they went home"));
  }
};

const std::vector<int32_t> kOnce = {1, 403, 407, 261, 378};  // "Once upon a time"
const std::vector<int32_t> kCat = {1, 291, 280, 294};        // "The cat"

std::vector<int32_t> LongPrompt(int n) {
  std::vector<int32_t> p = {1};
  for (int i = 1; i < n; ++i) p.push_back(260 + (i * 7) % 200);
  return p;
}

std::vector<Spec> Mix(const Policies& p) {
  return {{kOnce, &p.greedy, 0, 30},        {kCat, &p.sample, 1, 40},     {kCat, &p.sample, 2, 25},
          {kOnce, p.entropix.get(), 7, 30}, {kCat, p.branching.get(), 7, 40},
          {kOnce, p.pausing.get(), 1, 30},  {LongPrompt(75), p.branching.get(), 3, 20}};
}

// Runs specs together on one scheduler; all added before the first step.
std::deque<Out> RunTogether(const Loaded& m, const std::vector<Spec>& specs, int threads, int max_rows,
                            int max_active = 0) {
  ThreadPool pool(threads);
  SchedulerOptions so;
  so.context = 256;
  so.max_rows = max_rows;
  so.max_active = max_active;
  Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
  std::deque<Out> outs(specs.size());
  int step = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(sch.Add(specs[i].prompt, OptionsFor(specs[i], m.tokenizer.get(), outs[i], &step), TextInto(outs[i])),
              static_cast<int>(i));
  }
  while (sch.Step() > 0) {
    ++step;
    Collect(sch, outs);
  }
  EXPECT_EQ(sch.held(), 0);
  return outs;
}

TEST(Scheduler, TogetherEqualsAloneAtOneAndTwoThreads) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  const std::vector<Spec> specs = Mix(p);
  for (int threads : {1, 2}) {
    for (int rows : {32, 9}) {
      const std::deque<Out> together = RunTogether(m, specs, threads, rows);
      for (size_t i = 0; i < specs.size(); ++i) {
        const Out alone = RunAlone(m, specs[i], threads);
        ExpectSame(together[i], alone,
                   "sequence " + std::to_string(i) + ", " + std::to_string(threads) + " threads, rows " +
                       std::to_string(rows));
      }
    }
  }
  // The mix really exercises rollouts and multi-token pauses inside shared steps.
  const Out branchy = RunAlone(m, specs[4], 1);
  EXPECT_FALSE(branchy.result.branches.empty());
  EXPECT_GT(RunAlone(m, specs[5], 1).result.pauses_inserted, 0);
}

// Sequence::PrepareDecision only moves the first decision of a step out of
// OnLogits (the scheduler takes it for every sequence at once on its pool):
// a sequence driven by hand without it, OnLogits deciding everything
// itself, reports exactly what the scheduler reports.
TEST(Scheduler, PreparedDecisionsEqualUnprepared) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  const std::vector<Spec> specs = Mix(p);
  ThreadPool pool(1);
  Workspace ws(m.model->config(), 32, 256), rollout(m.model->config(), 1, 256);
  const SequenceEnv env{m.model.get(), m.tokenizer.get(), &pool, &rollout};
  for (size_t i = 0; i < specs.size(); ++i) {
    Out by_hand;
    Sequence s(0, env, std::make_unique<KvCache>(m.model->NewCache(256)), nullptr, specs[i].prompt,
               OptionsFor(specs[i], m.tokenizer.get(), by_hand), TextInto(by_hand));
    while (!s.done()) {
      const SequenceInput in = s.NextInput(32);
      const BatchSegment seg{s.cache(), in.tokens, in.logits, in.all_logits, in.attention_stats};
      const BatchResult& r = m.model->ForwardBatch(std::span<const BatchSegment>(&seg, 1), ws, pool);
      s.OnLogits(r.logits(0), seg.attention_stats ? &r.stats(0) : nullptr);
    }
    by_hand.result = s.TakeResult();
    ExpectSame(by_hand, RunAlone(m, specs[i], 2), "sequence " + std::to_string(i));
  }
}

TEST(Scheduler, DefaultModelTogetherEqualsAlone) {
  const std::string path = test_models::CachedModel("SmolLM2-135M-Instruct.Q4_1.gguf");
  if (path.empty()) {
    if (test_models::ModelsRequired()) FAIL() << "SmolLM2-135M-Instruct.Q4_1.gguf not in the model cache";
    GTEST_SKIP() << "default model not cached";
  }
  const Loaded m = Load(path);
  const Profile prof = BuiltinProfile(DefaultProfileFor(m.model->config().name, m.model->config().vocab_size));
  const EntropixPolicy entropix(prof, ResolvePauseTokens(*m.tokenizer, prof.pause.text));
  const GreedyPolicy greedy;
  const SamplePolicy sample({0.8, 40, 0.95, 0.05});
  auto chat = [&](const std::string& q) {
    return m.tokenizer->Encode("<|im_start|>user\n" + q + "<|im_end|>\n<|im_start|>assistant\n", false, true);
  };
  const std::vector<Spec> specs = {{chat("Why is the sky blue?"), &entropix, 3, 16},
                                   {chat("Name a fruit."), &greedy, 0, 16},
                                   {chat("Write one word."), &sample, 5, 16}};
  const std::deque<Out> together = RunTogether(m, specs, 2, 32);
  for (size_t i = 0; i < specs.size(); ++i) ExpectSame(together[i], RunAlone(m, specs[i], 2), std::to_string(i));
}

// A long prompt is prefilled in chunks while the other sequences go on:
// with the long one added first, the short prompts still finish their
// prefill in the first steps and then emit one token every step; the long
// one takes the rows left. All outputs stay those of alone runs.
TEST(Scheduler, ChunkedPrefillDoesNotStarveDecoding) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  ThreadPool pool(1);
  SchedulerOptions so;
  so.context = 256;
  so.max_rows = 10;
  Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
  const std::vector<Spec> specs = {{LongPrompt(90), &p.greedy, 0, 10}, {kOnce, &p.greedy, 0, 30},
                                   {kCat, &p.sample, 2, 40}};
  std::deque<Out> outs(specs.size());
  int step = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    sch.Add(specs[i].prompt, OptionsFor(specs[i], m.tokenizer.get(), outs[i], &step), TextInto(outs[i]));
  }
  while (sch.Step() > 0) {
    ++step;
    Collect(sch, outs);
  }
  ASSERT_FALSE(outs[0].steps.empty());
  const int long_first = outs[0].steps.front();
  // Step 0: one row each, the 7 left go to the short prompts (4 and 5
  // tokens) first: both start decoding; the long prompt has 1 token in.
  // Then it gets the 8 rows the two decoding sequences leave: 1 + 11 * 8 = 89
  // after step 11, the last token in step 12, which also gives its first token.
  EXPECT_EQ(long_first, 12);
  for (int s = 1; s <= 2; ++s) {
    ASSERT_GE(outs[s].steps.size(), static_cast<size_t>(long_first + 1));
    EXPECT_EQ(outs[s].steps.front(), 0) << "sequence " << s << ": its prompt waited";
    // One token in every step while the long prompt was being fed.
    for (int st = 0; st <= long_first; ++st) EXPECT_EQ(outs[s].steps[st], st) << "sequence " << s;
  }
  for (size_t i = 0; i < specs.size(); ++i) ExpectSame(outs[i], RunAlone(m, specs[i], 1), std::to_string(i));
}

// Fork at position p: the child continues from the parent's state and equals
// a fresh sequence whose prompt is the parent's first p tokens (plus the
// suffix); the parent goes on unchanged.
TEST(Scheduler, ForkEqualsFreshSequenceWithTheSamePrefix) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  for (const Policy* parent_policy : {static_cast<const Policy*>(&p.sample), static_cast<const Policy*>(p.branching.get())}) {
    ThreadPool pool(2);
    SchedulerOptions so;
    so.context = 256;
    Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
    const Spec parent{kCat, parent_policy, 7, 120};
    std::deque<Out> outs(5);
    const int pid = sch.Add(parent.prompt, OptionsFor(parent, m.tokenizer.get(), outs[0]), TextInto(outs[0]));
    for (int i = 0; i < 12; ++i) sch.Step();
    const Sequence* ps = sch.Find(pid);
    ASSERT_NE(ps, nullptr);
    const int cached = ps->cache()->size();
    // The parent's context so far: its prompt and the tokens it reported.
    std::vector<int32_t> context = kCat;
    context.insert(context.end(), ps->result().tokens.begin(), ps->result().tokens.end());
    ASSERT_GE(static_cast<int>(context.size()), cached);
    const std::vector<int32_t> suffix = {261, 370};
    struct Case {
      int position;
      std::vector<int32_t> suffix;
      Spec spec;
    };
    const std::vector<Case> cases = {{cached, {}, {{}, &p.sample, 11, 25}},
                                     {cached - 9, {}, {{}, p.entropix.get(), 12, 25}},
                                     {6, suffix, {{}, &p.greedy, 0, 25}}};
    std::vector<int> ids;
    for (size_t c = 0; c < cases.size(); ++c) {
      Out& o = outs[1 + c];
      ids.push_back(sch.Fork(pid, cases[c].position, OptionsFor(cases[c].spec, m.tokenizer.get(), o), TextInto(o),
                             cases[c].suffix));
    }
    while (sch.Step() > 0) Collect(sch, outs);
    Collect(sch, outs);
    for (size_t c = 0; c < cases.size(); ++c) {
      Spec fresh = cases[c].spec;
      fresh.prompt.assign(context.begin(), context.begin() + cases[c].position);
      fresh.prompt.insert(fresh.prompt.end(), cases[c].suffix.begin(), cases[c].suffix.end());
      const Out f = RunAlone(m, fresh, 1);
      const Out& child = outs[ids[c]];
      ASSERT_FALSE(child.result.tokens.empty());
      // The child's prompt is what it fed itself: the re-fed token, or the suffix.
      EXPECT_EQ(child.result.prompt_tokens, cases[c].suffix.empty() ? 1 : 2);
      ExpectSame(child, f, "case " + std::to_string(c));
    }
    ExpectSame(outs[0], RunAlone(m, parent, 1), "parent");
  }
}

TEST(Scheduler, ForkRejectsBadPositionsAndUnknownParents) {
  const Loaded m = Load(test_models::StoriesPath());
  const GreedyPolicy greedy;
  ThreadPool pool(1);
  SchedulerOptions so;
  so.context = 64;
  Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
  GenerateOptions go;
  go.policy = &greedy;
  const int id = sch.Add(kOnce, go);
  sch.Step();
  const int cached = sch.Find(id)->cache()->size();
  EXPECT_EQ(cached, 5);
  EXPECT_THROW(sch.Fork(id, cached + 1, go), Error);
  EXPECT_THROW(sch.Fork(id, 0, go), Error);  // no token to re-feed
  EXPECT_THROW(sch.Fork(id + 1, 1, go), Error);
  const std::vector<int32_t> bad = {9999};
  EXPECT_THROW(sch.Fork(id, 2, go, {}, bad), Error);
  EXPECT_EQ(sch.held(), 1);
}

// Cancel mid-run: the sequence is reported at once with kCancelled and its
// cache freed; the others continue exactly as alone. A cancel from a
// callback takes effect at the end of that step.
TEST(Scheduler, CancelFreesTheSequenceAndTheRestContinue) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  ThreadPool pool(2);
  SchedulerOptions so;
  so.context = 256;
  Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
  const std::vector<Spec> specs = {{kOnce, &p.greedy, 0, 30}, {kCat, &p.sample, 2, 30},
                                   {kCat, p.branching.get(), 7, 120}, {kOnce, &p.sample, 9, 30}};
  std::deque<Out> outs(specs.size());
  int step = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    GenerateOptions go = OptionsFor(specs[i], m.tokenizer.get(), outs[i], &step);
    if (i == 3) {  // cancels itself from its 5th token event
      go.on_token = [&, inner = go.on_token](const TokenEvent& ev) {
        inner(ev);
        if (ev.index == 4) sch.Cancel(3);
      };
    }
    sch.Add(specs[i].prompt, go, TextInto(outs[i]));
  }
  for (; step < 6; ++step) sch.Step();
  sch.Cancel(1);
  std::vector<std::unique_ptr<Sequence>> gone = sch.TakeFinished();
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_EQ(gone[0]->id(), 3);  // cancelled at the end of its step
  EXPECT_EQ(gone[1]->id(), 1);
  for (auto& g : gone) {
    EXPECT_EQ(g->result().stop, StopReason::kCancelled);
    EXPECT_EQ(g->cache(), nullptr);
  }
  EXPECT_EQ(gone[0]->result().tokens.size(), 5u);
  EXPECT_EQ(outs[3].trace.size(), 5u);
  EXPECT_EQ(gone[1]->result().tokens.size(), 6u);
  EXPECT_EQ(sch.held(), 2);
  sch.Cancel(1);  // already gone: ignored
  while (sch.Step() > 0) Collect(sch, outs);
  ExpectSame(outs[0], RunAlone(m, specs[0], 2), "greedy");
  ExpectSame(outs[2], RunAlone(m, specs[2], 2), "branching");
  // The cancelled ones reported a prefix of their alone runs.
  for (int i : {1, 3}) {
    const Out alone = RunAlone(m, specs[i], 2);
    ASSERT_LE(outs[i].trace.size(), alone.trace.size());
    for (size_t r = 0; r < outs[i].trace.size(); ++r) EXPECT_EQ(outs[i].trace[r], alone.trace[r]);
  }
}

// With max_active 2 the third sequence waits until one finishes; a sequence
// added after all others finished runs as it does alone.
TEST(Scheduler, ActiveCapAndAddAfterOthersFinished) {
  const Loaded m = Load(test_models::StoriesPath());
  const Policies p(*m.tokenizer);
  ThreadPool pool(1);
  SchedulerOptions so;
  so.context = 256;
  so.max_active = 2;
  Scheduler sch(*m.model, m.tokenizer.get(), pool, so);
  const std::vector<Spec> specs = {{kOnce, &p.greedy, 0, 5}, {kCat, &p.sample, 3, 12}, {kCat, &p.sample, 4, 8},
                                   {kOnce, p.entropix.get(), 5, 10}};
  std::deque<Out> outs(specs.size());
  int step = 0;
  for (int i = 0; i < 3; ++i) {
    sch.Add(specs[i].prompt, OptionsFor(specs[i], m.tokenizer.get(), outs[i], &step), TextInto(outs[i]));
  }
  std::vector<int> sizes;
  while (int n = sch.Step()) {
    sizes.push_back(n);
    ++step;
    Collect(sch, outs);
  }
  // Sequence 0 takes 5 steps; 2 starts in step 5 and needs 8 more; 1 finishes at step 12.
  ASSERT_FALSE(outs[2].steps.empty());
  EXPECT_EQ(outs[2].steps.front(), 5);
  for (size_t s = 0; s < sizes.size(); ++s) EXPECT_LE(sizes[s], 2);
  EXPECT_EQ(sizes.front(), 2);
  const int late = sch.Add(specs[3].prompt, OptionsFor(specs[3], m.tokenizer.get(), outs[3]), TextInto(outs[3]));
  EXPECT_EQ(late, 3);
  sch.RunUntilDone();
  Collect(sch, outs);
  for (size_t i = 0; i < specs.size(); ++i) ExpectSame(outs[i], RunAlone(m, specs[i], 1), std::to_string(i));
}

}  // namespace
}  // namespace entropix
