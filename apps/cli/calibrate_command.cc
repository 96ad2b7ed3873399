// `entropix calibrate`: reads a prompt corpus, runs the model over it with
// the base profile's plain sampler recording every step's signals, and
// writes the profile fitted to them. The fitting is sampling/calibration.h;
// this file is the corpus, the flags and the report.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "flag_checks.h"
#include "model/model.h"
#include "model_flags.h"
#include "prompt_flags.h"
#include "runtime/session.h"
#include "runtime/trace.h"
#include "sampling/calibration.h"
#include "sampling/policy.h"
#include "sampling/profile.h"
#include "store/progress_bar.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

CLI::App* AddCalibrateCommand(CLI::App& app, CalibrateArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Fit an entropix profile's thresholds to a model: run it over a prompt corpus, "
                   "record every signal, write thresholds at chosen quantiles");
  AddModelFlags(cmd, a.model);
  AddPromptFlags(cmd, a.prompt_format);
  cmd->add_option("--corpus", a.corpus, "Prompts: JSONL (\"prompt\"/\"question\"/\"text\") or one per line")->required();
  cmd->add_option("-o,--output", a.output, "The profile file to write")->required();
  cmd->add_option("--base", a.base, "Profile whose coefficients and base sampler are kept")->capture_default_str();
  cmd->add_option("--name", a.name, "Profile name (default: the output file's stem)");
  cmd->add_option("-n,--tokens-per-prompt", a.tokens_per_prompt, "Tokens generated per prompt")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--max-prompts", a.max_prompts, "Use at most this many prompts (0 = all)");
  cmd->add_option("-s,--seed", a.seed, "Random seed of the base sampler (prompt i uses seed + i)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--dump-signals", a.dump_signals, "Also write every recorded step's signals as CSV");
  cmd->add_option("--q-low-entropy", a.q_low_entropy, "Quantile for low_entropy (default 0.30)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--q-low-varentropy", a.q_low_varentropy, "Quantile of V among steps with H > high_entropy, for low_varentropy (default 0.15)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--q-medium-entropy", a.q_medium_entropy, "Quantile for medium_entropy (default 0.60)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--q-high-entropy", a.q_high_entropy, "Quantile for high_entropy (default 0.90)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--q-high-varentropy", a.q_high_varentropy, "Quantile for high_varentropy (default 0.85)")->check(FiniteRange(0.0, 1.0));
  return cmd;
}

namespace {

// Prompts of a calibration corpus: JSONL objects with "prompt", "question" or
// "text", or plain lines.
std::vector<std::string> ReadCorpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kIo, "cannot read the corpus file '" + path + "'");
  std::vector<std::string> prompts;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line[line.find_first_not_of(" \t")] == '{') {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::kCorruptFile, path + ":" + std::to_string(line_no) + ": not valid JSON: " + e.what());
      }
      bool found = false;
      for (const char* key : {"prompt", "question", "text"}) {
        if (j.contains(key) && j[key].is_string()) {
          prompts.push_back(j[key].get<std::string>());
          found = true;
          break;
        }
      }
      if (!found) {
        throw Error(ErrorCode::kCorruptFile,
                    path + ":" + std::to_string(line_no) + ": expected a \"prompt\", \"question\" or \"text\" string");
      }
    } else {
      prompts.push_back(line);
    }
  }
  if (prompts.empty()) throw Error(ErrorCode::kInvalidArgument, "the corpus '" + path + "' has no prompts");
  return prompts;
}

}  // namespace
int CalibrateCommand(const CalibrateArgs& a) {
  std::string path;
  auto model = LoadModel(a.model, &path);
  auto tokenizer = Tokenizer::FromGguf(model->file());
  std::vector<std::string> prompts = ReadCorpus(a.corpus);
  if (a.max_prompts > 0 && static_cast<int>(prompts.size()) > a.max_prompts) prompts.resize(a.max_prompts);
  const Profile base = ResolveProfile(a.base);

  SessionOptions so;
  so.n_threads = a.model.threads;
  so.context = a.model.context;
  Session session(*model, tokenizer.get(), so);
  // The base sampler: the base profile's T0 / top-k / top-p / min-p, plain.
  const SamplePolicy sampler(base.base);
  std::vector<SignalSample> samples;
  GenerateOptions go;
  go.max_tokens = a.tokens_per_prompt;
  go.policy = &sampler;
  go.record_signals = true;
  go.on_token = [&](const TokenEvent& ev) { samples.push_back(SignalSampleOf(ev)); };
  go.attention_layers = base.attention;  // the layers the calibrated policy will read
  const auto t0 = std::chrono::steady_clock::now();
  ProgressBar progress("calibrate", prompts.size(), ProgressOptions{ProgressUnit::kItems, 4, stderr});
  for (size_t i = 0; i < prompts.size(); ++i) {
    session.Reset();
    const std::vector<int32_t> ids = BuildPrompt(*model, *tokenizer, a.prompt_format, prompts[i], nullptr);
    if (static_cast<int>(ids.size()) + a.tokens_per_prompt >= session.context()) continue;
    go.seed = a.seed + i;
    session.Generate(ids, go, nullptr);
    progress.SetDetail(std::to_string(samples.size()) + " steps");
    progress.Set(i + 1);
  }
  progress.Finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "calibrate: %zu prompts, %zu steps (%.0f s)\n", prompts.size(), samples.size(), secs);
  if (!a.dump_signals.empty()) {
    std::ofstream d(a.dump_signals);
    if (!d) throw Error(ErrorCode::kIo, "cannot write '" + a.dump_signals + "'");
    for (size_t c = 0; c < SignalColumns().size(); ++c) d << (c ? "," : "") << SignalColumns()[c].name;
    d << "\n";
    for (const auto& s : samples) {
      for (size_t c = 0; c < SignalColumns().size(); ++c) d << (c ? "," : "") << s.*SignalColumns()[c].field;
      d << "\n";
    }
    if (!d.flush()) throw Error(ErrorCode::kIo, "cannot write '" + a.dump_signals + "' (disk full?)");
  }
  if (samples.size() < 20) throw Error(ErrorCode::kInvalidArgument, "too few decode steps to calibrate (need >= 20)");

  CalibrationQuantiles q;
  auto over = [](double v, double& field) { if (v >= 0) field = v; };
  over(a.q_low_entropy, q.low_entropy);
  over(a.q_low_varentropy, q.low_varentropy);
  over(a.q_medium_entropy, q.medium_entropy);
  over(a.q_high_entropy, q.high_entropy);
  over(a.q_high_varentropy, q.high_varentropy);

  Profile p = FitProfile(base, samples, q);
  p.name = a.name.empty() ? std::filesystem::path(a.output).stem().string() : a.name;
  p.description = "Calibrated on " + model->config().name + " by `entropix calibrate` (" +
                  std::to_string(prompts.size()) + " prompts of " +
                  std::filesystem::path(a.corpus).filename().string() + ", " +
                  std::to_string(samples.size()) + " decode steps); coefficients from " + base.name + ".";
  p.fitted_on = {model->config().name, std::filesystem::path(path).filename().string(),
                 model->config().arch, model->config().vocab_size};

  nlohmann::json cal;
  cal["corpus"] = std::filesystem::path(a.corpus).filename().string();
  cal["prompts"] = prompts.size();
  cal["decode_steps"] = samples.size();
  cal["tokens_per_prompt"] = a.tokens_per_prompt;
  cal["seed"] = a.seed;
  cal["base_sampler"] = {{"temperature", base.base.temperature}, {"top_k", base.base.top_k},
                         {"top_p", base.base.top_p}, {"min_p", base.base.min_p}};
  cal["attention"] = {{"layer", base.attention.layer}, {"mean_over_layers", base.attention.mean_over_layers}};
  cal["threshold_quantiles"] = {{"low_entropy", q.low_entropy},       {"low_varentropy", q.low_varentropy},
                                {"medium_entropy", q.medium_entropy}, {"high_entropy", q.high_entropy},
                                {"high_varentropy", q.high_varentropy}, {"branch_entropy", q.branch_entropy},
                                {"branch_varentropy", q.branch_varentropy}};
  std::printf("calibrate: %s, %zu prompts, %zu decode steps\n\n", model->config().name.c_str(), prompts.size(),
              samples.size());
  std::printf("%-22s %9s %9s %9s %9s %9s %9s %9s %9s\n", "signal", "mean", "q05", "q10", "q25", "q50", "q75", "q90", "q95");
  for (const SignalSummary& sig : SummarizeSignals(samples)) {
    nlohmann::json qs;
    qs["mean"] = sig.mean;
    std::printf("%-22s %9.4f", sig.name, sig.mean);
    for (size_t k = 0; k < kReportQuantiles.size(); ++k) {
      char key[8];
      std::snprintf(key, sizeof key, "q%02d", static_cast<int>(std::lround(kReportQuantiles[k] * 100)));
      qs[key] = sig.quantiles[k];
      std::printf(" %9.4f", sig.quantiles[k]);
    }
    std::printf("\n");
    cal["signals"][sig.name] = qs;
  }
  const auto& t = p.thresholds;
  std::printf("\nthresholds (bits): low_entropy %.4f (q%.2f)  low_varentropy %.4f (q%.2f)  medium_entropy %.4f (q%.2f)\n"
              "                   high_entropy %.4f (q%.2f)  high_varentropy %.4f (q%.2f)\n"
              "branch (off unless enabled): entropy > %.4f and varentropy > %.4f\n\n",
              t.low_entropy, q.low_entropy, t.low_varentropy, q.low_varentropy, t.medium_entropy, q.medium_entropy,
              t.high_entropy, q.high_entropy, t.high_varentropy, q.high_varentropy, p.branch.entropy,
              p.branch.varentropy);
  std::printf("adaptive centres (medians over adaptive steps): H+V %.4f, attn_entropy+attn_varentropy %.4f\n\n",
              p.coef.adaptive_logit_center, p.coef.adaptive_attn_center);
  const auto counts = CountStates(samples, t);
  const auto ref_counts = CountStates(samples, base.thresholds);
  std::printf("%-12s %16s %16s\n", "state", "fitted", base.name.c_str());
  bool silent_state = false;
  for (int s = 1; s < kNumStates; ++s) {
    const char* name = StateName(static_cast<State>(s));
    std::printf("%-12s %8d (%4.1f%%) %8d (%4.1f%%)\n", name, counts[s], 100.0 * counts[s] / samples.size(),
                ref_counts[s], 100.0 * ref_counts[s] / samples.size());
    cal["state_rates"][name] = static_cast<double>(counts[s]) / samples.size();
    cal["state_rates_" + base.name][name] = static_cast<double>(ref_counts[s]) / samples.size();
    if (counts[s] == 0) silent_state = true;
  }
  const int branch_fires = CountBranchFires(samples, p.branch);
  cal["branch_rate"] = static_cast<double>(branch_fires) / samples.size();
  std::printf("branch gate would fire on %d steps (%.1f%%)\n", branch_fires, 100.0 * branch_fires / samples.size());
  p.calibration_json = cal.dump();

  std::ofstream out(a.output, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, "cannot write the profile '" + a.output + "'");
  out << ProfileToJson(p);
  if (!out.flush()) throw Error(ErrorCode::kIo, "cannot write the profile '" + a.output + "' (disk full?)");
  std::printf("\nwrote %s\n", a.output.c_str());
  if (silent_state) {
    std::fprintf(stderr,
                 "entropix calibrate: warning: a state never fires with these thresholds on this corpus; "
                 "widen the corpus or adjust the quantiles (--q-*)\n");
    return 3;
  }
  return 0;
}

}  // namespace entropix
