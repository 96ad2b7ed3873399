// `entropix run`: one answer to a prompt, streamed (chat: chat_command.cc,
// --sampler vote: vote_command.cc).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "commands.h"
#include "console.h"
#include "core/error.h"
#include "io/gguf.h"
#include "model/model.h"
#include "model_flags.h"
#include "prompt_flags.h"
#include "run_flags.h"
#include "runtime/policy_factory.h"
#include "runtime/sampler_spec.h"
#include "runtime/session.h"
#include "runtime/terminal_text.h"
#include "runtime/trace.h"
#include "runtime/vote_profiles.h"
#include "sampler_flags.h"
#include "state_colors.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

CLI::App* AddRunCommand(CLI::App& app, RunArgs& a) {
  CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt (streams the answer)");
  AddModelFlags(cmd, a.model);
  AddRunInputFlags(cmd, a);
  AddSamplerFlags(cmd, a.sampler);
  AddPromptFlags(cmd, a.prompt_format);
  cmd->add_option("--trace", a.trace, "Write a JSONL trace: one record per token (signals, state, action)");
  cmd->add_option("--color", a.color, "Colour tokens by state: auto (a terminal without NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--no-timings", a.no_timings, "Do not print the timing line");
  cmd->add_flag("--show-pauses", a.show_pauses,
                "entropix: print the inserted pause text in the answer (the trace always has it)");
  cmd->add_option("--budget", a.budget, "--sampler vote: traces in all, the first one included "
                                          "(default: the vote profile's)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--vote-profile", a.vote_profile,
                  "--sampler vote: a vote profile, JSON file or built-in name (vote-default, vote-cot)");
  return cmd;
}

namespace {

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
    trace->Write(TraceStartRecord({model->config().name, std::filesystem::path(path).filename().string(),
                                   policy->name(), profile_name, seed, prompt.size()}));
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

}  // namespace entropix
