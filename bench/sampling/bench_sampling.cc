// Per-token cost of the sampler (signals + policy) against a decode step.
//
//   bench_sampling [--model FILE ...] [--threads N] [--tokens N]
//
// Synthetic part: logits of 49,152 and 151,936 entries (SmolLM2 and Qwen2.5
// vocabularies) drawn so that the distributions span the states, timed per
// component: logit signals (one fused pass), attention signals, and a full
// entropix decision per state, plus the classic sampler on the full
// vocabulary. Model part (each --model): a real decode of N tokens with the
// entropix policy; the time of Forward (with attention statistics) and of
// signals + policy are measured per step, and their ratio printed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "model/model.h"
#include "runtime/session.h"
#include "sampling/metrics.h"
#include "sampling/policy.h"
#include "sampling/profile.h"
#include "threading/thread_pool.h"

using namespace entropix;
using Clock = std::chrono::steady_clock;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

template <class F>
double TimeUs(F&& f, int reps) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto a = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  return Median(t);
}

// Logits whose softmax has roughly the given sharpness: a few strong
// candidates over a Gaussian background.
std::vector<float> SyntheticLogits(int vocab, double scale, int strong, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> l(vocab);
  for (auto& x : l) {
    const double u1 = std::max(rng.Uniform(), 1e-12), u2 = rng.Uniform();
    x = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2) * 2.0);
  }
  for (int i = 0; i < strong; ++i) l[rng.Next() % vocab] = static_cast<float>(scale - i);
  return l;
}

void Synthetic(int vocab) {
  const Profile g2 = BuiltinProfile("entropix-g2");
  const EntropixPolicy policy(g2, {});
  CandidateSet scratch;
  Rng rng(7);
  AttentionSignals attn;
  attn.present = true;
  attn.entropy_bits = 2.0;
  attn.varentropy_bits = 0.3;
  attn.agreement = 0.05;
  attn.interaction_strength = 4.0;
  std::printf("\nvocab %d (synthetic logits)\n", vocab);
  std::printf("| case | H (bits) | V (bits^2) | state | signals us | decide us | total us |\n|---|---|---|---|---|---|---|\n");
  struct Case { const char* name; double scale; int strong; };
  const Case cases[] = {{"peaked", 30, 1}, {"few strong", 14, 4}, {"flat-ish", 6, 2}, {"flat", 0, 0}};
  for (const Case& c : cases) {
    const auto logits = SyntheticLogits(vocab, c.scale, c.strong, 11);
    LogitStats ls;
    const double t_sig = TimeUs([&] { ls = ComputeLogitStats(logits); }, 51);
    StepInput in;
    in.logits = logits;
    in.logit = &ls;
    in.attn = &attn;
    Decision d;
    const double t_dec = TimeUs([&] { d = policy.Decide(in, scratch, rng); }, 51);
    std::printf("| %s | %.3f | %.3f | %s | %.1f | %.1f | %.1f |\n", c.name, ls.entropy_bits, ls.varentropy_bits,
                StateName(d.state), t_sig, t_dec, t_sig + t_dec);
  }
  // Forcing each state's code path on the same logits.
  const auto logits = SyntheticLogits(vocab, 14, 4, 11);
  const LogitStats ls = ComputeLogitStats(logits);
  std::printf("| forced state (same logits) | | | | | decide us | |\n");
  const std::pair<const char*, EntropixThresholds> forced[] = {
      {"flowing", {1e9, 1e9, 0, 1e9, 1e9}},
      {"treading (no pause ids: samples)", {0, 1e9, 0, 0, 1e9}},
      {"exploring", {0, 0, 0, 1e9, 0}},
      {"resampling", {0, 0, 0, 0, 0}},
      {"adaptive", {0, 0, 1e9, 1e9, 1e9}},
  };
  for (const auto& [name, t] : forced) {
    Profile p = g2;
    p.thresholds = t;
    const EntropixPolicy pol(p, {});
    StepInput in;
    in.logits = logits;
    in.logit = &ls;
    in.attn = &attn;
    const double us = TimeUs([&] { pol.Decide(in, scratch, rng); }, 51);
    std::printf("| %s | | | | | %.1f | |\n", name, us);
  }
  const SamplePolicy full(SamplingParams{0.8, 0, 0.95, 0.05});
  StepInput in;
  in.logits = logits;
  const double us_full = TimeUs([&] { full.Decide(in, scratch, rng); }, 51);
  std::printf("| sample T 0.8, top-k off, top-p 0.95, min-p 0.05 (full vocabulary) | | | | | %.1f | |\n", us_full);
}

void Real(const std::string& path, int threads, int tokens) {
  auto model = Model::Load(path);
  SessionOptions so;
  so.n_threads = threads;
  so.context = 512;
  Session session(*model, nullptr, so);
  Profile prof = BuiltinProfile(DefaultProfileFor(model->config().name, model->config().vocab_size));
  const EntropixPolicy policy(prof, {});
  CandidateSet scratch;
  Rng rng(1);
  std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8};
  for (auto& t : prompt) t = static_cast<int32_t>(rng.Next() % model->config().vocab_size);
  ForwardOptions with_stats;
  with_stats.attention_stats = true;
  std::span<const float> logits = session.Feed(prompt, with_stats);
  std::vector<double> fwd_us, fwd_plain_us, samp_us;
  int counts[kNumStates] = {};
  for (int i = 0; i < tokens; ++i) {
    const auto a = Clock::now();
    const LogitStats ls = ComputeLogitStats(logits);
    const AttentionSignals as = ComputeAttentionSignals(ViewOf(session.workspace().stats()), policy.attention_layers());
    StepInput in;
    in.logits = logits;
    in.logit = &ls;
    in.attn = &as;
    Decision d = policy.Decide(in, scratch, rng);
    if (d.action == Action::kInsert || d.action == Action::kBranch) d.token = ls.argmax;
    const auto b = Clock::now();
    samp_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    ++counts[static_cast<int>(d.state)];
    // The same step without statistics, to show they are free when off.
    if (i % 2 == 0) {
      const int32_t tok = d.token;
      const auto c = Clock::now();
      logits = session.Feed(std::span<const int32_t>(&tok, 1), with_stats);
      fwd_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - c).count());
    } else {
      const int32_t tok = d.token;
      const auto c = Clock::now();
      logits = session.Feed(std::span<const int32_t>(&tok, 1));
      fwd_plain_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - c).count());
      // Stats for the next step's attention signals come from the previous
      // stats-enabled step; the policy cost is what is being measured here.
    }
  }
  const double f = Median(fwd_us), fp = Median(fwd_plain_us), s = Median(samp_us);
  std::printf("\nmodel %s (vocab %d, %d threads, %d steps)\n", model->config().name.c_str(),
              model->config().vocab_size, session.pool().size(), tokens);
  std::printf("| forward with attention stats us | forward without us | signals + policy us (median) | share of decode step |\n|---|---|---|---|\n");
  std::printf("| %.0f | %.0f | %.1f | %.2f %% |\n", f, fp, s, 100.0 * s / (f + s));
  std::printf("states:");
  for (int i = 0; i < kNumStates; ++i) std::printf(" %s %d", StateName(static_cast<State>(i)), counts[i]);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models;
  int threads = 2, tokens = 64;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc) models.push_back(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--tokens") && i + 1 < argc) tokens = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_sampling [--model FILE]... [--threads N] [--tokens N]\n");
      return 2;
    }
  }
  Synthetic(49152);
  Synthetic(151936);
  for (const auto& m : models) Real(m, threads, tokens);
  return 0;
}
