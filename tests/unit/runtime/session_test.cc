// Session with the policies on real models: the trace's signals against the
// independent reference values of ../shared/models/README.md, determinism
// across thread counts and runs, pause insertion, and branching (the KV
// cache after a commit must equal a fresh prefill of the same tokens).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "model/model.h"
#include "runtime/policy_factory.h"
#include "runtime/session.h"
#include "runtime/trace.h"
#include "sampling/profile.h"
#include "tokenizer/tokenizer.h"
#include "test_models.h"

namespace entropix {
namespace {

using test_models::CachedModel;
using test_models::Load;
using test_models::Loaded;
using test_models::ModelsRequired;
using test_models::StoriesPath;

struct RunOut {
  GenerationResult result;
  std::vector<TokenEvent> events;
  std::vector<std::string> trace;  // JSON lines
};

RunOut Generate(const Loaded& m, const std::vector<int32_t>& prompt, const Policy& policy, int threads, int n,
             uint64_t seed = 0, int context = 256) {
  SessionOptions so;
  so.n_threads = threads;
  so.context = context;
  Session s(*m.model, m.tokenizer.get(), so);
  RunOut r;
  GenerateOptions go;
  go.max_tokens = n;
  go.seed = seed;
  go.policy = &policy;
  go.record_signals = true;
  go.on_token = [&](const TokenEvent& ev) {
    r.events.push_back(ev);
    r.events.back().piece = {};
    r.events.back().text = {};
    r.trace.push_back(TokenEventJson(ev).dump());
  };
  go.on_branch = [&](const BranchEvent& ev) { r.trace.push_back(BranchEventJson(ev, m.tokenizer.get()).dump()); };
  r.result = s.Generate(prompt, go, nullptr);
  return r;
}

constexpr double kLn2 = 0.69314718055994531;

// ../shared/models/README.md: H and V (natural log) of the next-token
// distribution, from an independent float64 implementation; a float32 engine
// is expected within ~1e-3 (H) and ~2e-3 (V). The trace is in bits.
TEST(StoriesTrace, SignalsMatchIndependentReference) {
  const Loaded m = Load(StoriesPath());
  const EntropixPolicy policy(BuiltinProfile("entropix-g2"), ResolvePauseTokens(*m.tokenizer, " ..."));
  const std::vector<int32_t> greedy = {432, 383, 286, 261, 376};
  const double h_ref[] = {0.1564, 0.3038, 0.1031, 0.0090, 1.8304};
  const double v_ref[] = {0.5697, 0.9386, 0.5096, 0.0878, 3.4364};
  const RunOut r = Generate(m, {1, 403, 407, 261, 378}, policy, 2, 5);
  ASSERT_EQ(r.events.size(), 5u);
  // Step i's signals are those of the distribution after the first i tokens:
  // comparable while the entropix trajectory follows the greedy one.
  int compared = 0;
  for (int i = 0; i < 5; ++i) {
    const TokenEvent& ev = r.events[i];
    EXPECT_NEAR(ev.logit.entropy_bits * kLn2, h_ref[i], 1e-3) << "step " << i;
    EXPECT_NEAR(ev.logit.varentropy_bits * kLn2 * kLn2, v_ref[i], 2e-3) << "step " << i;
    ++compared;
    if (ev.token != greedy[i]) break;
  }
  EXPECT_GE(compared, 4);
  const RunOut cat = Generate(m, {1, 291, 280, 294}, policy, 2, 1);
  EXPECT_NEAR(cat.events[0].logit.entropy_bits * kLn2, 2.4023, 1e-3);
  EXPECT_NEAR(cat.events[0].logit.varentropy_bits * kLn2 * kLn2, 2.1031, 2e-3);
  // The trace record carries the same numbers, in bits, and every field.
  const nlohmann::json j = nlohmann::json::parse(r.trace[0]);
  EXPECT_NEAR(j["entropy"].get<double>() * kLn2, 0.1564, 1e-3);
  for (const char* k : {"index", "token", "piece", "logprob", "entropy", "varentropy", "attn_entropy",
                        "attn_varentropy", "attn_head_varentropy", "agreement", "interaction_strength", "state",
                        "action", "temperature", "top_k", "top_p", "min_p"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_FALSE(j["attn_entropy"].is_null());
}

void ExpectSameRuns(const RunOut& a, const RunOut& b, const char* what) {
  EXPECT_EQ(a.result.tokens, b.result.tokens) << what;
  ASSERT_EQ(a.trace.size(), b.trace.size()) << what;
  for (size_t i = 0; i < a.trace.size(); ++i) EXPECT_EQ(a.trace[i], b.trace[i]) << what << " record " << i;
}

TEST(Determinism, StoriesEntropixOneTwoThreadsAndRepeats) {
  const Loaded m = Load(StoriesPath());
  Profile p = BuiltinProfile("entropix-branch");
  p.branch.entropy = 1.0;  // make branching fire on this small model
  p.branch.varentropy = 1.0;
  const EntropixPolicy policy(p, ResolvePauseTokens(*m.tokenizer, " ..."));
  const std::vector<int32_t> prompt = {1, 291, 280, 294};
  const RunOut a = Generate(m, prompt, policy, 1, 40, 7);
  const RunOut b = Generate(m, prompt, policy, 2, 40, 7);
  const RunOut c = Generate(m, prompt, policy, 2, 40, 7);
  ExpectSameRuns(a, b, "1 vs 2 threads");
  ExpectSameRuns(b, c, "repeat");
  EXPECT_FALSE(a.result.branches.empty());
  const RunOut d = Generate(m, prompt, policy, 2, 40, 8);
  EXPECT_NE(a.trace, d.trace) << "another seed should give another run";
}

TEST(Determinism, DefaultModelCalibratedProfile) {
  const std::string path = CachedModel("SmolLM2-135M-Instruct.Q4_1.gguf");
  if (path.empty()) {
    if (ModelsRequired()) FAIL() << "SmolLM2-135M-Instruct.Q4_1.gguf not in the model cache";
    GTEST_SKIP() << "default model not cached";
  }
  const Loaded m = Load(path);
  const Profile p = BuiltinProfile(DefaultProfileFor(m.model->config().name, m.model->config().vocab_size));
  const EntropixPolicy policy(p, ResolvePauseTokens(*m.tokenizer, p.pause.text));
  const std::vector<int32_t> prompt =
      m.tokenizer->Encode("<|im_start|>user\nWhy is the sky blue?<|im_end|>\n<|im_start|>assistant\n", false, true);
  const RunOut a = Generate(m, prompt, policy, 1, 24, 3);
  const RunOut b = Generate(m, prompt, policy, 2, 24, 3);
  const RunOut c = Generate(m, prompt, policy, 2, 24, 3);
  ExpectSameRuns(a, b, "1 vs 2 threads");
  ExpectSameRuns(b, c, "repeat");
}

TEST(Pause, ResolvedThroughTheTokenizer) {
  const Loaded stories = Load(StoriesPath());  // SentencePiece: the space is the prefix
  const auto ids = ResolvePauseTokens(*stories.tokenizer, " ...");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(stories.tokenizer->Decode(ids), " ...");
  EXPECT_TRUE(ResolvePauseTokens(*stories.tokenizer, "").empty());
  const std::string path = CachedModel("SmolLM2-135M-Instruct.Q4_1.gguf");
  if (path.empty()) return;
  const Loaded smol = Load(path);  // byte-level BPE: the space is part of the text
  const auto sids = ResolvePauseTokens(*smol.tokenizer, " ...");
  ASSERT_FALSE(sids.empty());
  EXPECT_EQ(smol.tokenizer->Decode(sids), " ...");
  EXPECT_EQ(smol.tokenizer->Decode(ResolvePauseTokens(*smol.tokenizer, " Wait,")), " Wait,");
}

TEST(Pause, InsertedWithGuardAndCap) {
  const Loaded m = Load(StoriesPath());
  Profile p = BuiltinProfile("entropix-g2");
  // Every step is "treading": high entropy above 0 bits, varentropy below 1e9.
  p.thresholds = {0.0, 1e9, 0.0, 0.0, 1e9};
  p.pause.max_per_response = 3;
  const auto pause = ResolvePauseTokens(*m.tokenizer, " ...");
  const EntropixPolicy policy(p, pause);
  const RunOut r = Generate(m, {1, 403, 407, 261, 378}, policy, 2, 30, 1);
  EXPECT_EQ(r.result.pauses_inserted, 3);
  int inserted = 0;
  for (size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].action != Action::kInsert) continue;
    ++inserted;
    EXPECT_EQ(r.events[i].state, State::kTreading);
    // Never two pauses in a row.
    if (i >= pause.size()) {
      const bool prev_is_pause_end = r.events[i - 1].action == Action::kInsert &&
                                     r.events[i - 1].token == pause.back() && r.events[i].token == pause.front();
      EXPECT_FALSE(prev_is_pause_end) << "at " << i;
    }
  }
  EXPECT_EQ(inserted, 3 * static_cast<int>(pause.size()));
}

// After branching, the session's cache must hold exactly the committed
// tokens: continuing from it gives the same logits as a fresh prefill.
TEST(Branching, CommittedCacheEqualsFreshPrefill) {
  const Loaded m = Load(StoriesPath());
  Profile p = BuiltinProfile("entropix-branch");
  p.branch.entropy = 0.5;
  p.branch.varentropy = 0.5;
  p.branch.n_branches = 3;
  p.branch.max_tokens = 5;
  p.branch.max_per_response = 4;
  const EntropixPolicy policy(p, {});
  const std::vector<int32_t> prompt = {1, 291, 280, 294};
  SessionOptions so;
  so.n_threads = 2;
  so.context = 256;
  Session s(*m.model, m.tokenizer.get(), so);
  GenerateOptions go;
  go.max_tokens = 40;
  go.seed = 11;
  go.policy = &policy;
  int branch_tokens = 0;
  go.on_token = [&](const TokenEvent& ev) { branch_tokens += ev.action == Action::kBranch; };
  const GenerationResult r = s.Generate(prompt, go, nullptr);
  ASSERT_FALSE(r.branches.empty());
  EXPECT_GT(branch_tokens, 0);
  EXPECT_GT(r.branch_extra_forwards, 0);
  int extra = 0;
  for (const auto& b : r.branches) {
    extra += b.outcome.extra_forwards;
    const auto& w = b.outcome.branches[b.outcome.winner];
    // The committed tokens are the winner's, in place.
    for (size_t i = 0; i < w.tokens.size() && b.index + i < r.tokens.size(); ++i) {
      EXPECT_EQ(r.tokens[b.index + i], w.tokens[i]);
    }
    for (const auto& other : b.outcome.branches) EXPECT_LE(other.score, w.score);
  }
  EXPECT_EQ(extra, r.branch_extra_forwards);

  std::vector<int32_t> all = prompt;
  all.insert(all.end(), r.tokens.begin(), r.tokens.end());
  // Feed what the session has not fed yet (the last sampled token), then one more.
  const int fed = s.cache().size();
  ASSERT_LE(fed, static_cast<int>(all.size()));
  std::vector<int32_t> rest(all.begin() + fed, all.end());
  rest.push_back(300);
  const auto a = s.Feed(rest);
  const std::vector<float> la(a.begin(), a.end());
  Session fresh(*m.model, m.tokenizer.get(), so);
  all.push_back(300);
  const auto b = fresh.Feed(all);
  ASSERT_EQ(la.size(), b.size());
  for (size_t i = 0; i < la.size(); ++i) ASSERT_EQ(la[i], b[i]) << "logit " << i;
}

TEST(Session, LegacyTemperatureApiStillWorks) {
  const Loaded m = Load(StoriesPath());
  SessionOptions so;
  so.n_threads = 2;
  so.context = 128;
  Session s(*m.model, m.tokenizer.get(), so);
  GenerateOptions go;
  go.max_tokens = 30;
  std::string text;
  const GenerationResult r = s.Generate(std::vector<int32_t>{1, 403, 407, 261, 378}, go, [&](std::string_view t) {
    text += t;
    return true;
  });
  EXPECT_EQ(text, ", there was a little girl named Lily. She loved to play outside in the park. One day,");
  EXPECT_EQ(r.state_counts[static_cast<int>(State::kFixed)], 30);
}

// Seeded sampling through Generate equals the plainest decode loop written
// here from the public pieces (Feed, Policy::Decide, one Rng): prefill, then
// decide and feed one token at a time. Greedy is pinned by the reference
// continuation above; this pins what Generate does with the RNG.
TEST(Session, SeededSamplingEqualsAHandWrittenLoop) {
  const Loaded m = Load(StoriesPath());
  const SamplePolicy policy({0.8, 40, 0.95, 0.05});
  const std::vector<int32_t> prompt = {1, 291, 280, 294};
  for (uint64_t seed : {1u, 2u, 3u}) {
    SessionOptions so;
    so.n_threads = 1;
    so.context = 128;
    Session ref(*m.model, m.tokenizer.get(), so);
    std::span<const float> logits = ref.Feed(prompt);
    Rng rng(seed);
    CandidateSet scratch;
    std::vector<int32_t> expected;
    for (int i = 0; i < 50; ++i) {
      StepInput in;
      in.logits = logits;
      in.response = expected;
      const Decision d = policy.Decide(in, scratch, rng);
      expected.push_back(d.token);
      logits = ref.Feed(std::span<const int32_t>(&d.token, 1));
    }
    Session s(*m.model, m.tokenizer.get(), so);
    GenerateOptions go;
    go.max_tokens = 50;
    go.seed = seed;
    go.policy = &policy;
    go.stop_at_eog = false;
    EXPECT_EQ(s.Generate(prompt, go, nullptr).tokens, expected) << "seed " << seed;
  }
}

// The message of the Error `f` throws ("no error" if none).
template <class F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// A copy of stories260K with one float of a tensor replaced (a damaged file).
std::string PatchedStories(const std::string& tensor, float value) {
  const auto dir = std::filesystem::temp_directory_path() / ("entropix_patched_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "stories_patched.gguf").string();
  std::filesystem::copy_file(StoriesPath(), path, std::filesystem::copy_options::overwrite_existing);
  uint64_t offset = 0;
  {
    const auto file = GgufFile::Open(path);
    const GgufTensorInfo* t = file->FindTensor(tensor);
    EXPECT_TRUE(t != nullptr && t->type == GgmlType::F32);
    offset = file->data_offset() + t->offset;
  }
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(reinterpret_cast<const char*>(&value), sizeof value);
  return path;
}

// One NaN weight makes every logit NaN: a clear Error for every policy, not
// an abort in the sampler or a silent token 0 from argmax (issue #12 item 1).
TEST(Hardening, NonFiniteLogitsAreAnError) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    const Loaded m = Load(PatchedStories("output_norm.weight", bad));
    const GreedyPolicy greedy;
    const SamplePolicy sample({0.8, 40, 0.95, 0.05});
    const EntropixPolicy entropix(BuiltinProfile("entropix-g2"), {});
    for (const Policy* p : {static_cast<const Policy*>(&greedy), static_cast<const Policy*>(&sample),
                            static_cast<const Policy*>(&entropix)}) {
      const std::string msg = ErrorOf([&] { Generate(m, {1, 403, 407, 261, 378}, *p, 1, 16); });
      EXPECT_NE(msg.find("non-finite logits (corrupt weights?)"), std::string::npos) << p->name() << ": " << msg;
    }
  }
}

// Token ids index the logits and the embedding table: an id outside the
// model's vocabulary (a pause text resolved by a tokenizer larger than the
// model, a bad prompt id) is an Error, never a read past a buffer (item 4).
TEST(Hardening, TokenIdsOutsideTheVocabularyAreAnError) {
  const Loaded m = Load(StoriesPath());
  const int vocab = m.model->config().vocab_size;
  Profile p = BuiltinProfile("entropix-g2");
  p.thresholds = {0.0, 1e9, 0.0, 0.0, 1e9};  // every step treads: the pause is inserted at once
  for (const std::vector<int32_t>& pause : {std::vector<int32_t>{vocab}, std::vector<int32_t>{5, vocab + 7},
                                            std::vector<int32_t>{-1}}) {
    const EntropixPolicy policy(p, pause);
    const std::string msg = ErrorOf([&] { Generate(m, {1, 403, 407}, policy, 1, 8); });
    EXPECT_NE(msg.find("outside the model's vocabulary"), std::string::npos) << msg;
  }
  const GreedyPolicy greedy;
  for (int32_t bad : {vocab, -5, std::numeric_limits<int32_t>::max()}) {
    const std::string msg = ErrorOf([&] { Generate(m, {1, bad, 407}, greedy, 1, 4); });
    EXPECT_NE(msg.find("outside the model's vocabulary"), std::string::npos) << msg;
  }
}

// When the limit is the model's own context length, raising -c cannot help:
// the message says so instead (item 9).
TEST(Hardening, ContextHintNamesTheModelsLimit) {
  const Loaded m = Load(StoriesPath());
  const int n_ctx = m.model->config().context_length;
  const GreedyPolicy greedy;
  const std::vector<int32_t> prompt(n_ctx + 10, 403);
  const std::string capped = ErrorOf([&] { Generate(m, prompt, greedy, 1, 4, 0, n_ctx * 2); });
  EXPECT_NE(capped.find("the model's context length is " + std::to_string(n_ctx)), std::string::npos) << capped;
  EXPECT_EQ(capped.find("-c"), std::string::npos) << capped;
  const std::string small = ErrorOf([&] { Generate(m, std::vector<int32_t>(40, 403), greedy, 1, 4, 0, 32); });
  EXPECT_NE(small.find("-c"), std::string::npos) << small;
}

// A cancel flag (set by the CLI's SIGINT handler) stops generation before the
// next step with StopReason::kCancelled (item 7).
TEST(Hardening, CancelFlagStopsGeneration) {
  const Loaded m = Load(StoriesPath());
  SessionOptions so;
  so.n_threads = 1;
  so.context = 256;
  Session s(*m.model, m.tokenizer.get(), so);
  std::atomic<bool> cancel{false};
  const GreedyPolicy greedy;
  GenerateOptions go;
  go.max_tokens = 100;
  go.policy = &greedy;
  go.cancel = &cancel;
  int seen = 0;
  go.on_token = [&](const TokenEvent&) {
    if (++seen == 7) cancel.store(true);
  };
  const GenerationResult r = s.Generate(std::vector<int32_t>{1, 403, 407}, go, nullptr);
  EXPECT_EQ(r.stop, StopReason::kCancelled);
  EXPECT_EQ(r.tokens.size(), 7u);
  EXPECT_STREQ(StopReasonName(r.stop), "cancelled");
}

// The step after a branch commit reads the winner's logits. They lived in the
// branch host, destroyed with its block: the next step read freed memory
// (valgrind: invalid read in ComputeLogitStats; in a plain build, garbage in
// the first logits, e.g. token 0, when the allocator reused the block).
// Each such step's signals must equal a fresh prefill of the same tokens.
TEST(Hardening, StepAfterBranchReadsTheWinnersLogits) {
  const Loaded m = Load(StoriesPath());
  Profile p = BuiltinProfile("entropix-branch");
  p.branch.entropy = 1.0;
  p.branch.varentropy = 1.0;
  const EntropixPolicy policy(p, {});
  const std::vector<int32_t> prompt = {1, 291, 280, 294};
  const RunOut r = Generate(m, prompt, policy, 1, 40, 7);
  ASSERT_FALSE(r.result.branches.empty());
  int checked = 0;
  for (size_t i = 1; i < r.events.size(); ++i) {
    const bool after_commit = r.events[i - 1].action == Action::kBranch &&
                              (r.events[i].action != Action::kBranch ||
                               r.events[i].branch_event != r.events[i - 1].branch_event);
    if (!after_commit) continue;
    SessionOptions so;
    so.n_threads = 1;
    so.context = 256;
    Session fresh(*m.model, m.tokenizer.get(), so);
    std::vector<int32_t> seq = prompt;
    seq.insert(seq.end(), r.result.tokens.begin(), r.result.tokens.begin() + static_cast<long>(i));
    const std::span<const float> logits = fresh.Feed(seq);
    const LogitStats ls = ComputeLogitStats(logits);
    EXPECT_EQ(r.events[i].logit.entropy_bits, ls.entropy_bits) << "step " << i;
    EXPECT_EQ(r.events[i].logprob, ls.LogProb(logits[r.events[i].token])) << "step " << i;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace entropix

namespace entropix {
namespace {

// GenerateFrom (the chat's turns): the cache keeps the conversation's
// history, only the new tokens are fed, and the answer equals a fresh
// session's on the whole conversation.
TEST(Session, GenerateFromReusesTheHistoryAndMatchesAFreshPrefill) {
  const Loaded m = Load(StoriesPath());
  SessionOptions so;
  so.n_threads = 2;
  so.context = 128;
  const GreedyPolicy greedy;
  GenerateOptions go;
  go.max_tokens = 10;
  go.policy = &greedy;
  std::vector<float> first_entropy;
  go.on_token = [&](const TokenEvent& ev) { first_entropy.push_back(static_cast<float>(ev.logit.entropy_bits)); };
  Session chat(*m.model, m.tokenizer.get(), so);
  const std::vector<int32_t> turn1 = {1, 403, 407, 261, 378};  // "Once upon a time"
  const GenerationResult r1 = chat.GenerateFrom(turn1, go, nullptr);
  EXPECT_EQ(r1.reused_tokens, 0);
  ASSERT_EQ(r1.tokens.size(), 10u);
  // At the token limit the last token was never fed: the cache holds 14.
  EXPECT_EQ(chat.cache().size(), 14);
  EXPECT_EQ(chat.cached_tokens().size(), 14u);

  std::vector<int32_t> turn2 = turn1;
  turn2.insert(turn2.end(), r1.tokens.begin(), r1.tokens.end());
  const std::vector<int32_t> more = m.tokenizer->Encode(" The dog", /*add_bos=*/false, /*parse_special=*/false);
  turn2.insert(turn2.end(), more.begin(), more.end());
  first_entropy.clear();
  const GenerationResult r2 = chat.GenerateFrom(turn2, go, nullptr);
  const std::vector<float> chat_entropy = first_entropy;
  EXPECT_EQ(r2.reused_tokens, 14);
  EXPECT_EQ(r2.prompt_tokens, static_cast<int>(turn2.size()) - 14);

  Session fresh(*m.model, m.tokenizer.get(), so);
  first_entropy.clear();
  const GenerationResult r3 = fresh.Generate(turn2, go, nullptr);
  EXPECT_EQ(r2.tokens, r3.tokens);
  ASSERT_EQ(chat_entropy.size(), first_entropy.size());
  for (size_t i = 0; i < chat_entropy.size(); ++i) EXPECT_NEAR(chat_entropy[i], first_entropy[i], 1e-4) << i;

  // Regenerating the same turn feeds only its last token again.
  const GenerationResult again = chat.GenerateFrom(turn2, go, nullptr);
  EXPECT_EQ(again.reused_tokens, static_cast<int>(turn2.size()) - 1);
  EXPECT_EQ(again.tokens, r2.tokens);
  // A history that differs after the prompt keeps only the common prefix.
  std::vector<int32_t> other = turn1;
  other.push_back(more.back());
  EXPECT_EQ(chat.GenerateFrom(other, go, nullptr).reused_tokens, 5);
  // A cache changed behind the session's back is not trusted.
  chat.cache().Truncate(3);
  EXPECT_EQ(chat.GenerateFrom(other, go, nullptr).reused_tokens, 0);
}

}  // namespace
}  // namespace entropix
