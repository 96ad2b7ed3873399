// ForwardBatch against Forward: every segment of a batched step must give
// bitwise the logits and attention statistics of its sequence run alone
// (the batched step concatenates rows; matmul equals matvec bit for bit,
// attention is per segment), whatever the mix of prefill and decode
// segments, their order, the chunking (max_batch) and the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "test_util.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

// A sequence: a prompt, then one token per decode step; it starts (prefills)
// at step `start`.
struct Seq {
  std::vector<int32_t> prompt;
  std::vector<int32_t> decode;
  int start = 0;
};

struct Output {
  std::vector<float> logits;
  AttentionStats stats;
};

void ExpectSameStats(const AttentionStats& a, const AttentionStats& b, const std::string& where) {
  EXPECT_EQ(a.n_positions, b.n_positions) << where;
  EXPECT_EQ(a.entropy_bits, b.entropy_bits) << where;
  EXPECT_EQ(a.varentropy_bits, b.varentropy_bits) << where;
  EXPECT_EQ(a.mean_abs_score, b.mean_abs_score) << where;
  EXPECT_EQ(a.agreement, b.agreement) << where;
}

// Each sequence alone: its prompt (all logits), then its decode tokens.
std::vector<std::vector<Output>> RunAlone(const Model& m, const std::vector<Seq>& seqs, int threads,
                                          int page_positions) {
  ThreadPool pool(threads);
  Workspace ws(m.config(), 32, 256);
  std::vector<std::vector<Output>> out(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    KvCache cache = m.NewCache(256, page_positions);
    ForwardOptions o;
    o.attention_stats = true;
    o.all_logits = true;
    auto l = m.Forward(seqs[i].prompt, cache, ws, pool, o);
    out[i].push_back({{l.begin(), l.end()}, ws.stats()});
    o.all_logits = false;
    for (int32_t t : seqs[i].decode) {
      l = m.Forward(std::span<const int32_t>(&t, 1), cache, ws, pool, o);
      out[i].push_back({{l.begin(), l.end()}, ws.stats()});
    }
  }
  return out;
}

// All sequences in one ForwardBatch per step, segments in reverse order:
// at step s a sequence prefills (s == start), decodes, or sits out.
void CheckBatched(const Model& m, const std::vector<Seq>& seqs, int threads, int max_batch,
                  int page_positions) {
  const auto alone = RunAlone(m, seqs, threads, page_positions);
  ThreadPool pool(threads);
  Workspace ws(m.config(), max_batch, 256);
  std::vector<KvCache> caches;
  for (size_t i = 0; i < seqs.size(); ++i) caches.push_back(m.NewCache(256, page_positions));
  int steps = 0;
  for (const Seq& s : seqs) steps = std::max(steps, s.start + 1 + static_cast<int>(s.decode.size()));
  for (int step = 0; step < steps; ++step) {
    std::vector<BatchSegment> segs;
    std::vector<int> which, at;  // sequence of each segment, and its output index
    for (int i = static_cast<int>(seqs.size()) - 1; i >= 0; --i) {
      const Seq& s = seqs[i];
      const int k = step - s.start;  // 0: prefill, j > 0: decode token j - 1
      if (k < 0 || k > static_cast<int>(s.decode.size())) continue;
      BatchSegment seg;
      seg.cache = &caches[i];
      seg.tokens = k == 0 ? std::span<const int32_t>(s.prompt)
                          : std::span<const int32_t>(&s.decode[k - 1], 1);
      seg.all_logits = k == 0;
      seg.attention_stats = true;
      segs.push_back(seg);
      which.push_back(i);
      at.push_back(k);
    }
    const BatchResult& r = m.ForwardBatch(segs, ws, pool);
    ASSERT_EQ(r.size(), static_cast<int>(segs.size()));
    for (size_t j = 0; j < segs.size(); ++j) {
      const std::string where = "threads " + std::to_string(threads) + " max_batch " +
                                std::to_string(max_batch) + " step " + std::to_string(step) +
                                " sequence " + std::to_string(which[j]);
      const Output& want = alone[which[j]][at[j]];
      const std::span<const float> got = r.logits(static_cast<int>(j));
      ASSERT_EQ(got.size(), want.logits.size()) << where;
      EXPECT_TRUE(std::equal(got.begin(), got.end(), want.logits.begin())) << where;  // bitwise
      ExpectSameStats(r.stats(static_cast<int>(j)), want.stats, where);
    }
  }
}

std::vector<Seq> Sequences(int count, int prompt_scale, int decode_steps, bool staggered) {
  // Prompt lengths 1, 5, 9, ... times the scale (several cross a page boundary).
  std::vector<Seq> seqs;
  for (int i = 0; i < count; ++i) {
    Seq s;
    const int len = 1 + 4 * i * prompt_scale;
    s.prompt.push_back(1);
    for (int j = 1; j < len; ++j) s.prompt.push_back(static_cast<int32_t>(260 + (37 * j + 11 * i) % 240));
    for (int j = 0; j < decode_steps; ++j) s.decode.push_back(static_cast<int32_t>(300 + (13 * j + 7 * i) % 200));
    s.start = staggered ? i : 0;
    seqs.push_back(s);
  }
  return seqs;
}

class Batch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stories_ = Model::Load(testing::StoriesPath()).release(); }
  static void TearDownTestSuite() { delete stories_; }
  static Model* stories_;
};
Model* Batch::stories_ = nullptr;

TEST_F(Batch, OneToFiveSequencesEqualAloneStories) {
  for (int b = 1; b <= 5; ++b) {
    for (int threads : {1, 2}) {
      // Prompts up to 1 + 16 * 4 = 65 tokens: the last crosses a 64-position page.
      CheckBatched(*stories_, Sequences(b, 4, 3, false), threads, 16, KvCache::kDefaultPagePositions);
    }
  }
}

TEST_F(Batch, PrefillMixedWithDecodeAndSmallPages) {
  // Staggered starts: from step 1 on, one sequence prefills while the
  // others decode. max_batch 7 makes prompts straddle chunks; pages of 5
  // positions make attention cross many page runs.
  for (int threads : {1, 2}) {
    CheckBatched(*stories_, Sequences(5, 3, 4, true), threads, 7, 5);
    CheckBatched(*stories_, Sequences(4, 2, 3, true), threads, 1, KvCache::kDefaultPagePositions);
  }
}

TEST_F(Batch, SegmentsWithoutLogitsOrStats) {
  ThreadPool pool(2);
  Workspace ws(stories_->config(), 8, 64);
  KvCache a = stories_->NewCache(64), b = stories_->NewCache(64), c = stories_->NewCache(64);
  const std::vector<int32_t> pa = {1, 403, 407}, pb = {1, 261}, pc = {1, 378, 432, 383};
  std::vector<BatchSegment> segs(3);
  segs[0] = {&a, pa, false, false, false};
  segs[1] = {&b, pb, true, false, false};
  segs[2] = {&c, pc, false, false, true};
  const BatchResult& r = stories_->ForwardBatch(segs, ws, pool);
  EXPECT_TRUE(r.logits(0).empty());
  EXPECT_EQ(r.logits(1).size(), 512u);
  EXPECT_TRUE(r.logits(2).empty());
  EXPECT_EQ(r.stats(2).n_positions, 4);
  EXPECT_EQ(a.size(), 3);
  EXPECT_EQ(b.size(), 2);
  EXPECT_EQ(c.size(), 4);
  // The caches are right even where no logits were computed.
  const std::vector<int32_t> next = {291};
  KvCache fresh = stories_->NewCache(64);
  std::vector<int32_t> full = pa;
  full.push_back(291);
  auto want = stories_->Forward(full, fresh, ws, pool);
  const std::vector<float> w(want.begin(), want.end());
  auto got = stories_->Forward(next, a, ws, pool);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), w.begin()));
}

TEST_F(Batch, ErrorsThrowBeforeAnythingIsWritten) {
  ThreadPool pool(1);
  Workspace ws(stories_->config(), 8, 64);
  KvCache a = stories_->NewCache(64), b = stories_->NewCache(8);
  const std::vector<int32_t> ok = {1, 403, 407}, none = {}, bad = {1, 512}, neg = {-3},
                             nine = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto expect_error = [&](std::vector<BatchSegment> segs, ErrorCode code, const char* what) {
    try {
      stories_->ForwardBatch(segs, ws, pool);
      ADD_FAILURE() << what << ": expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << what;
    }
    EXPECT_EQ(a.size(), 0) << what;
    EXPECT_EQ(a.pages(), 0) << what;
    EXPECT_EQ(b.size(), 0) << what;
    EXPECT_EQ(b.pages(), 0) << what;
  };
  // A valid segment first: it must not have run either.
  expect_error({{&a, ok}, {&b, none}}, ErrorCode::kInvalidArgument, "empty segment");
  expect_error({{&a, ok}, {nullptr, ok}}, ErrorCode::kInvalidArgument, "no cache");
  expect_error({{&a, ok}, {&a, ok}}, ErrorCode::kInvalidArgument, "cache twice");
  expect_error({{&a, ok}, {&b, bad}}, ErrorCode::kInvalidArgument, "token id past the vocabulary");
  expect_error({{&a, ok}, {&b, neg}}, ErrorCode::kInvalidArgument, "negative token id");
  expect_error({{&a, ok}, {&b, nine}}, ErrorCode::kOutOfRange, "cache full");
  Workspace small(stories_->config(), 8, 2);
  try {
    const std::vector<BatchSegment> segs = {{&a, ok}};
    stories_->ForwardBatch(segs, small, pool);
    ADD_FAILURE() << "workspace capacity: expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
  }
  EXPECT_EQ(a.size(), 0);
}

// Real quantised models: the matmul kernels of their weight types, in both
// activation precisions, must also give batch == alone bit for bit.
void CheckCachedModel(const std::string& file, const std::vector<int>& thread_counts) {
  const std::string path = testing::CachedModel(file);
  if (path.empty()) {
    if (testing::ModelsRequired()) FAIL() << file << " is not in the model cache";
    GTEST_SKIP() << file << " not in the model cache (entropix pull)";
  }
  std::vector<Seq> seqs(3);
  seqs[0] = {{1, 504, 3458}, {28, 253, 1848}, 0};
  seqs[1] = {{1, 9690, 314, 1345, 281, 253, 3458, 28, 1848}, {3458, 30}, 1};
  seqs[2] = {{1, 1848}, {504, 253, 9690}, 0};
  for (PrecisionChoice p : {PrecisionChoice::kF32, PrecisionChoice::kQ8}) {
    ModelOptions options;
    options.precision = p;
    auto m = Model::Load(path, options);
    for (int threads : thread_counts) CheckBatched(*m, seqs, threads, 8, 4);
  }
}

// Q4_1 + Q8_0 weights.
TEST(BatchRealModels, SmolLM2ThreeSequencesEqualAlone) {
  CheckCachedModel("SmolLM2-135M-Instruct.Q4_1.gguf", {1, 2});
}

// Q4_K + Q6_K weights (2 threads only: the 1.5B model is slow on CI).
TEST(BatchRealModels, QwenThreeSequencesEqualAlone) {
  CheckCachedModel("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", {2});
}

}  // namespace
}  // namespace entropix
