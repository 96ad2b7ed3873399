#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "core/error.h"
#include "io/gguf.h"
#include "kernels/kernels.h"
#include "io/gguf_dump.h"
#include "model/archs/registry.h"
#include "model/model.h"
#include "model_commands.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "runtime/sampler_spec.h"
#include "runtime/session.h"
#include "runtime/terminal_text.h"
#include "runtime/trace.h"
#include "run_flags.h"
#include "state_colors.h"
#include "runtime/vote_profiles.h"
#include "sampling/calibration.h"
#include "sampling/profile.h"
#include "store/model_store.h"
#include "store/progress_bar.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
void AddModelFlags(CLI::App* cmd, ModelArgs& args) {
  cmd->add_option("-m,--model", args.model,
                  "GGUF file or known model name (default: smollm2-135m, downloaded on first use)");
  cmd->add_option("-t,--threads", args.threads, "Threads (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("-c,--ctx-size", args.context, "Context size in tokens")->check(CLI::Range(16, 1 << 20));
  cmd->add_option("--precision", args.precision,
                  "Activation precision of the matrix products: f32 (exact), q8 (8-bit, as llama.cpp; "
                  "faster on large models), auto (f32 below 1 GiB of weights)")
      ->check(CLI::IsMember({"auto", "f32", "q8"}))
      ->capture_default_str();
}

std::unique_ptr<Model> LoadModel(const ModelArgs& args, std::string* path_out) {
  const std::string path = ResolveModelPath(args.model);
  ModelOptions options;
  options.precision = ParsePrecisionChoice(args.precision);
  auto model = Model::Load(path, options);
  if (path_out) *path_out = path;
  return model;
}

// Whether `path` names an existing file; a path that cannot exist (a
// component over NAME_MAX, ...) is an Error, not a std::filesystem_error.
bool PathExists(const std::string& path, const char* what) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) throw Error(ErrorCode::kIo, std::string("cannot use '") + path + "' as " + what + ": " + ec.message());
  return exists;
}

std::string ResolveModelPath(const std::string& arg) {
  const std::string name = arg.empty() ? "default" : arg;
  if (!arg.empty() && PathExists(arg, "a model file")) return arg;
  if (const ModelSpec* spec = FindModelSpec(name)) {
    const std::string path = CachedModelPath(*spec);
    if (PathExists(path, "a cached model")) return path;
    std::fprintf(stderr, "entropix: %s is not in the cache yet; downloading it (once)\n",
                 spec->name.c_str());
    return PullModel(*spec);
  }
  throw Error(ErrorCode::kNotFound, "no such model file: '" + arg +
                                        "' (give a path to a .gguf file or a known model name; "
                                        "`entropix pull --list` lists them)");
}

void AddPromptFlags(CLI::App* cmd, PromptArgs& args) {
  auto* sys = cmd->add_option("--sys,--system-prompt", args.system_prompt, "System message in chat mode")
                  ->capture_default_str();
  cmd->add_flag("--template-system", args.template_system,
                "Use the chat template's built-in system message instead")->excludes(sys);
  auto* chat = cmd->add_flag("--chat", args.force_chat, "Apply the model's chat template (default for instruct models)");
  cmd->add_flag("--raw", args.force_raw, "Feed the prompt as is, without a chat template")->excludes(chat);
  cmd->add_option("--chat-template", args.chat_template,
                  "Override the chat template: chatml, llama3, gemma or none");
  cmd->add_flag("--parse-special", args.parse_special,
                "Let special-token texts typed in the prompt or --sys (e.g. <|im_end|>) become control "
                "tokens; by default only the chat template's own markup does");
}

void AddSamplerFlags(CLI::App* cmd, SamplerArgs& args) {
  cmd->add_option("--sampler", args.sampler,
                  "greedy | sample | sample@PROFILE | lowT[@PROFILE] | entropix[@PROFILE] | vote[@VOTE_PROFILE] "
                  "(as in eval --samplers; "
                  "default: greedy, the best measured on our models (README); sample when "
                  "--temp/--top-k/--top-p/--min-p is given, entropix when --profile is)");
  cmd->add_option("--profile", args.profile,
                  "entropix profile: a JSON file or a built-in name (entropix-g2, entropix-branch, ...; "
                  "default: the built-in fitted on the model, else entropix-g2)");
  cmd->add_option("--temp", args.temperature,
                  "Temperature (sample: default 0.8, 0 = greedy; entropix: overrides the profile's base T0)")
      ->check(FiniteRange(0.0, kMaxTemperature));
  cmd->add_option("--top-k", args.top_k, "Top-k (0 = off; sample default 40)")->check(CLI::Range(0, 1 << 24));
  cmd->add_option("--top-p", args.top_p, "Top-p (1 = off; sample default 0.95)")->check(FiniteRange(0.0, 1.0));
  cmd->add_option("--min-p", args.min_p, "Min-p (0 = off; sample default 0.05)")->check(FiniteRange(0.0, 0.999));
}

CLI::Validator FiniteRange(double lo, double hi) {
  // CLI::Range lets NaN through (every comparison with NaN is false).
  std::ostringstream range;
  range << "[" << lo << ", " << hi << "]";
  return CLI::Validator(
      [lo, hi, r = range.str()](std::string& text) -> std::string {
        double v = 0.0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (!std::isfinite(v)) return "must be a finite number in " + r + ", not '" + text + "'";
        if (v < lo || v > hi) return "'" + text + "' is outside " + r;
        return "";
      },
      "FLOAT in " + range.str());
}

// The prompt as tokens: through the chat template for instruct models (or
// with --chat), raw otherwise. *chat_out: whether the template was applied.
std::vector<int32_t> BuildPrompt(const Model& model, const Tokenizer& tokenizer, const PromptArgs& a,
                                 const std::string& user_text, bool* chat_out) {
  std::vector<ChatMessage> messages;
  if (!a.template_system && !a.system_prompt.empty()) messages.push_back({"system", a.system_prompt});
  messages.push_back({"user", user_text});
  const PromptFormat format{a.force_raw, a.force_chat, a.chat_template, a.parse_special};
  return EncodeConversation(model, tokenizer, format, messages, chat_out);
}

// The policy configuration of `run` from its flags (see SamplerArgs): the
// spec parsed as `eval --samplers` parses it, then the sampling flags given
// override its (base) parameters.
PolicyConfig SamplerConfig(const SamplerArgs& a, const Model& model, std::string* profile_name) {
  const bool any_sampling_flag = a.temp_given || a.top_k_given || a.top_p_given || a.min_p_given;
  // The default decoder is the best measured on our models: greedy
  // (docs/EVALUATION.md: entropix does not beat it). A sampling flag asks
  // for sampling, --profile for the entropix policy.
  std::string spec = a.sampler;
  if (spec.empty()) spec = !a.profile.empty() ? "entropix" : any_sampling_flag ? "sample" : "greedy";
  const std::string default_profile =
      a.profile.empty() ? DefaultProfileFor(model.config().name, model.config().vocab_size) : a.profile;
  PolicyConfig c = ParseSamplerSpec(spec, default_profile).config;
  if (c.kind == PolicyKind::kEntropix && a.temp_given && a.temperature <= 0.0) {
    throw Error(ErrorCode::kInvalidArgument, "--temp 0 with --sampler entropix: use --sampler greedy for argmax");
  }
  SamplingParams& p = c.kind == PolicyKind::kEntropix ? c.profile.base : c.sample;
  if (a.temp_given) p.temperature = a.temperature;
  if (a.top_k_given) p.top_k = a.top_k;
  if (a.top_p_given) p.top_p = a.top_p;
  if (a.min_p_given) p.min_p = a.min_p;
  if (profile_name && c.kind == PolicyKind::kEntropix) *profile_name = c.profile.name;
  return c;
}


bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && no_color[0] != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

// Checked: a full disk or a closed pipe is an Error, not a silently lost answer.
void WriteStdout(std::string_view text) {
  errno = 0;
  if ((!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) ||
      std::fflush(stdout) != 0) {
    throw Error(ErrorCode::kIo, std::string("cannot write to standard output: ") +
                                    (errno ? std::strerror(errno) : "write failed"));
  }
}

// -s -1: a random seed, printed so that the run can be repeated (llama-cli's
// convention). Random seeds stay below 2^63 so that -s accepts them back.
uint64_t ResolveSeed(int64_t requested, bool announce) {
  if (requested >= 0) return static_cast<uint64_t>(requested);
  std::random_device rd;
  const uint64_t seed = ((static_cast<uint64_t>(rd()) << 32) | rd()) & 0x7fffffffffffffffull;
  if (announce) std::fprintf(stderr, "entropix: random seed %llu (pass -s %llu to repeat)\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

// Ctrl-C during generation: the first sets the session's cancel flag (the
// trace gets its end record, the summary prints, exit 130); SA_RESETHAND
// restores the default action, so a second Ctrl-C kills as usual. SA_RESTART:
// a write blocked when the signal arrives resumes instead of failing (EINTR).
namespace {
std::atomic<bool> g_sigint{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
void OnSigint(int) { g_sigint.store(true, std::memory_order_relaxed); }
}  // namespace

CancelOnSigint::CancelOnSigint() {
  g_sigint.store(false);
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &sa, &previous_);
}
CancelOnSigint::~CancelOnSigint() { sigaction(SIGINT, &previous_, nullptr); }
const std::atomic<bool>* CancelOnSigint::flag() const { return &g_sigint; }
bool CancelOnSigint::requested() const { return g_sigint.load(); }

namespace {

nlohmann::json TraceEndRecord(const GenerationResult& r) {
  const int n = static_cast<int>(r.tokens.size());
  nlohmann::json end = {{"event", "end"},
                        {"tokens", n},
                        {"stop", StopReasonName(r.stop)},
                        {"pauses", r.pauses_inserted},
                        {"branches", r.branches.size()},
                        {"branch_extra_forwards", r.branch_extra_forwards},
                        {"forward_passes", r.forward_passes},
                        {"decode_tokens_per_s", n / std::max(r.decode_seconds, 1e-9)},
                        {"sampler_share_of_decode", r.sampler_seconds / std::max(r.decode_seconds, 1e-9)}};
  nlohmann::json states;
  for (int s = 0; s < kNumStates; ++s) states[StateName(static_cast<State>(s))] = r.state_counts[s];
  end["states"] = states;
  return end;
}

void PrintRunSummary(const GenerationResult& r, int threads, const std::string& policy_name,
                     const std::string& profile_name, bool no_timings) {
  const int n = static_cast<int>(r.tokens.size());
  const double tps = n / std::max(r.decode_seconds, 1e-9);
  if (!no_timings) {
    std::fprintf(stderr,
                 "\n[prompt: %d tokens, %.1f tok/s | decode: %d tokens, %.1f tok/s | %d threads | "
                 "stop: %s]\n",
                 r.prompt_tokens, r.prompt_tokens / std::max(r.prompt_seconds, 1e-9), n, tps, threads,
                 StopReasonName(r.stop));
  }
  std::string sampler = policy_name;
  if (!profile_name.empty()) sampler += " (" + profile_name + ")";
  std::fprintf(stderr, "[%s: %s | decode %.1f tok/s | sampler %.2f%% of decode]\n", sampler.c_str(),
               StateMixSummary(r).c_str(), tps, 100.0 * r.sampler_seconds / std::max(r.decode_seconds, 1e-9));
}


}  // namespace

namespace {

// The vote profile of `run --sampler vote[@VPROFILE]` (--vote-profile
// replaces it, --budget sets its trace budget); nullopt for the one-trace
// samplers, which the vote flags do not apply to.
std::optional<VoteProfile> VoteProfileOf(const RunArgs& a) {
  const std::string& spec = a.sampler.sampler;
  const bool vote = spec == "vote" || spec.rfind("vote@", 0) == 0;
  if (!vote) {
    if (a.budget > 0 || !a.vote_profile.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "--budget and --vote-profile apply to --sampler vote");
    }
    return std::nullopt;
  }
  const SamplerArgs& s = a.sampler;
  if (s.temp_given || s.top_k_given || s.top_p_given || s.min_p_given || !s.profile.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--sampler vote takes its sampling settings from its vote profile (--vote-profile), not from "
                "--temp/--top-k/--top-p/--min-p/--profile");
  }
  VoteProfile p = a.vote_profile.empty() ? *ParseSamplerSpec(spec, "").vote : ResolveVoteProfile(a.vote_profile);
  if (a.budget > 0) p.budget.max_traces = a.budget;
  return p;
}

}  // namespace

const char* PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kGreedy: return "greedy";
    case PolicyKind::kSample: return "sample";
    case PolicyKind::kEntropix: return "entropix";
  }
  return "?";
}

int RunCommand(const RunArgs& a) {
  if (std::optional<VoteProfile> vote = VoteProfileOf(a)) return RunVoteCommand(a, std::move(*vote));
  std::string path;
  auto model = LoadModel(a.model, &path);
  auto tokenizer = Tokenizer::FromGguf(model->file());
  bool chat = false;
  const std::vector<int32_t> prompt = BuildPrompt(*model, *tokenizer, a.prompt_format, a.prompt, &chat);
  if (!a.quiet && !chat && !a.prompt_format.force_raw &&
      model->file().GetStringOr("tokenizer.chat_template", "").empty()) {
    std::fputs("[base model (no chat template): the prompt is continued as raw text]\n", stderr);
  }

  std::string profile_name;
  const PolicyConfig pc = SamplerConfig(a.sampler, *model, &profile_name);
  WarnIgnoredFlags(a, PolicyKindName(pc.kind));
  const std::unique_ptr<Policy> policy = MakePolicy(pc, tokenizer.get());
  // Greedy reads no random numbers: its seed is 0 and not announced.
  const bool stochastic = pc.kind != PolicyKind::kGreedy;
  const uint64_t seed = stochastic ? ResolveSeed(a.seed, !a.quiet) : 0;

  std::optional<TraceWriter> trace;
  if (!a.trace.empty()) trace.emplace(a.trace);

  SessionOptions so;
  so.n_threads = a.model.threads;
  so.context = a.model.context;
  Session session(*model, tokenizer.get(), so);
  GenerateOptions go;
  go.max_tokens = a.max_tokens < 0 ? session.context() : a.max_tokens;
  go.seed = seed;
  go.policy = policy.get();
  go.record_signals = trace.has_value();
  if (trace) {
    nlohmann::json start = {{"event", "start"},
                            {"model", model->config().name},
                            {"file", std::filesystem::path(path).filename().string()},
                            {"sampler", policy->name()},
                            {"seed", seed},
                            {"prompt_tokens", prompt.size()},
                            {"units", {{"entropy", "bits"}, {"varentropy", "bits^2"}, {"logprob", "nats"}}}};
    if (!profile_name.empty()) start["profile"] = profile_name;
    trace->Write(start);
  }
  const bool color = UseColor(a.color);
  if (color && !a.quiet) std::fprintf(stderr, "%s\n", StateColorLegend().c_str());
  const char* current_color = "";
  bool in_pause = false;
  go.on_token = [&](const TokenEvent& ev) {
    if (trace) {
      nlohmann::json j = TokenEventJson(ev);
      j["event"] = "token";
      trace->Write(j);
    }
    current_color = color ? StateColor(ev.state, ev.action) : "";
    in_pause = ev.action == Action::kInsert;
  };
  go.on_branch = [&](const BranchEvent& ev) {
    if (trace) trace->Write(BranchEventJson(ev, tokenizer.get()));
  };
  // Model text (and the echoed prompt) reach a terminal without control
  // characters or escape sequences; piped output is kept byte for byte.
  std::optional<TerminalTextFilter> filter;
  if (isatty(STDOUT_FILENO) == 1) filter.emplace();
  auto print = [&](std::string_view text) {
    const std::string safe = filter ? filter->Filter(text) : std::string(text);
    if (current_color[0] != '\0' && !safe.empty()) {
      WriteStdout(std::string(current_color) + safe + "\x1b[0m");
    } else {
      WriteStdout(safe);
    }
  };
  if (!chat) print(a.prompt);
  CancelOnSigint cancel;
  go.cancel = cancel.flag();
  const GenerationResult r = session.Generate(prompt, go, [&](std::string_view text) {
    // The inserted pause is the model's thinking room, not the answer
    // (the trace keeps it); --show-pauses prints it too.
    if (!in_pause || a.show_pauses) print(text);
    return true;
  });
  WriteStdout("\n");
  if (trace) {
    trace->Write(TraceEndRecord(r));
    trace->Close();
  }
  if (!a.quiet) PrintRunSummary(r, session.pool().size(), policy->name(), profile_name, a.no_timings);
  // 128 + SIGINT, as if the signal had ended the process (shells expect it).
  return r.stop == StopReason::kCancelled && cancel.requested() ? 130 : 0;
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
  go.on_token = [&](const TokenEvent& ev) {
    SignalSample s;
    s.entropy = ev.logit.entropy_bits;
    s.varentropy = ev.logit.varentropy_bits;
    s.attn_entropy = ev.attn.entropy_bits;
    s.attn_varentropy = ev.attn.varentropy_bits;
    s.attn_head_varentropy = ev.attn.head_varentropy_bits;
    s.agreement = ev.attn.agreement;
    s.interaction_strength = ev.attn.interaction_strength;
    samples.push_back(s);
  };
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

  Profile p = base;
  p.name = a.name.empty() ? std::filesystem::path(a.output).stem().string() : a.name;
  p.description = "Calibrated on " + model->config().name + " by `entropix calibrate` (" +
                  std::to_string(prompts.size()) + " prompts of " +
                  std::filesystem::path(a.corpus).filename().string() + ", " +
                  std::to_string(samples.size()) + " decode steps); coefficients from " + base.name + ".";
  p.fitted_on = {model->config().name, std::filesystem::path(path).filename().string(),
                 model->config().arch, model->config().vocab_size};
  p.thresholds = FitThresholds(samples, q);
  std::vector<double> hs, vs;
  for (const auto& s : samples) {
    hs.push_back(s.entropy);
    vs.push_back(s.varentropy);
  }
  // Centre the adaptive formulas on this model's typical adaptive step.
  {
    std::vector<double> logit_sum, attn_sum;
    for (const auto& s : samples) {
      if (ClassifyState(s.entropy, s.varentropy, p.thresholds) != State::kAdaptive) continue;
      logit_sum.push_back(s.entropy + s.varentropy);
      attn_sum.push_back(s.attn_entropy + s.attn_varentropy);
    }
    if (!logit_sum.empty()) {
      p.coef.adaptive_logit_center = Quantile(logit_sum, 0.5);
      p.coef.adaptive_attn_center = Quantile(attn_sum, 0.5);
    }
  }
  p.branch.entropy = Quantile(hs, q.branch_entropy);
  p.branch.varentropy = Quantile(vs, q.branch_varentropy);

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
  static const double kReportQ[] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
  std::printf("calibrate: %s, %zu prompts, %zu decode steps\n\n", model->config().name.c_str(), prompts.size(),
              samples.size());
  std::printf("%-22s %9s %9s %9s %9s %9s %9s %9s %9s\n", "signal", "mean", "q05", "q10", "q25", "q50", "q75", "q90", "q95");
  for (const SignalColumn& col : SignalColumns()) {
    std::vector<double> v;
    double mean = 0;
    for (const auto& s : samples) {
      v.push_back(s.*col.field);
      mean += s.*col.field;
    }
    mean /= v.size();
    nlohmann::json qs;
    qs["mean"] = mean;
    std::printf("%-22s %9.4f", col.name, mean);
    for (double qq : kReportQ) {
      const double x = Quantile(v, qq);
      char key[8];
      std::snprintf(key, sizeof key, "q%02d", static_cast<int>(std::lround(qq * 100)));
      qs[key] = x;
      std::printf(" %9.4f", x);
    }
    std::printf("\n");
    cal["signals"][col.name] = qs;
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
  int branch_fires = 0;
  for (const auto& s : samples) branch_fires += s.entropy > p.branch.entropy && s.varentropy > p.branch.varentropy;
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

int InspectCommand(const InspectArgs& a) {
  if (a.json) return InspectJson(a);
  std::string path = a.path;
  if (!PathExists(path, "a model file")) {
    if (const ModelSpec* spec = FindModelSpec(path)) path = CachedModelPath(*spec);
  }
  auto file = GgufFile::Open(path);
  std::fputs(DescribeGguf(*file, a.all).c_str(), stdout);
  // The verdict: everything Run would do before the first token, on the
  // file already parsed.
  try {
    auto model = Model::Load(std::move(file));
    auto tokenizer = Tokenizer::FromGguf(model->file());
    const ModelConfig& c = model->config();
    std::string chat = "none (base model)";
    const std::string_view tmpl = model->file().GetStringOr("tokenizer.chat_template", "");
    if (!tmpl.empty()) {
      try {
        chat = ChatFormatName(DetectChatTemplate(tmpl).format);
      } catch (const Error& e) {
        chat = std::string("unrecognised (pass --chat-template): ") + e.what();
      }
    }
    std::printf(
        "\nverdict: would load: %s, %d layers, dim %d, ffn %d, %d heads (%d kv), head dim %d, "
        "vocab %d, context %d, %s output; chat template: %s\n",
        c.arch.c_str(), c.n_layers, c.model_dim, c.ffn_dim, c.n_heads, c.n_kv_heads, c.head_dim,
        c.vocab_size, c.context_length, c.tied_output ? "tied" : "separate", chat.c_str());
  } catch (const Error& e) {
    std::printf("\nverdict: would NOT load: %s\n", e.what());
    return 2;
  }
  return 0;
}

int PullCommand(const PullArgs& a) {
  if (a.list && a.json) return PullListJson();
  if (a.list || a.name.empty()) {
    for (const ModelSpec& m : KnownModels()) {
      std::error_code ec;
      const bool cached = std::filesystem::exists(CachedModelPath(m), ec);
      const bool runnable = FindArch(m.architecture) != nullptr;
      std::printf("%-22s %s%s%s\n", m.name.c_str(), m.description.c_str(), cached ? " [cached]" : "",
                  runnable ? "" : " [cannot run yet: unsupported architecture]");
    }
    if (!a.list) {
      std::fprintf(stderr, "entropix pull: name a model to download, e.g. `entropix pull smollm2-135m`\n");
      return 2;
    }
    return 0;
  }
  const ModelSpec* spec = FindModelSpec(a.name);
  if (!spec) {
    std::string names;
    for (const ModelSpec& m : KnownModels()) names += (names.empty() ? "" : ", ") + m.name;
    throw Error(ErrorCode::kNotFound, "unknown model '" + a.name + "' (known: " + names + ")");
  }
  std::printf("%s\n", PullModel(*spec, a.force).c_str());
  return 0;
}

}  // namespace entropix
