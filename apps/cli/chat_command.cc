// `entropix chat`: the conversation is a list of messages; each turn renders
// all of it through the chat template and hands it to
// Session::GenerateFrom, which keeps the part of the KV cache that already
// holds it (the history) and feeds only the new turn. /regen drops the last
// answer and generates again (a new seed for sampling decoders); /clear
// empties both. Ctrl-C sets a flag the session checks between steps: the
// answer stops, the chat goes on.
#include "chat_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "runtime/session.h"
#include "runtime/terminal_text.h"
#include "runtime/trace.h"
#include "run_flags.h"
#include "state_colors.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

std::atomic<bool> g_stop_answer{false};
void OnChatSigint(int) { g_stop_answer.store(true, std::memory_order_relaxed); }

// Ctrl-C for the whole chat: it only sets the flag (SA_RESTART: a blocked
// read or write resumes), so it stops an answer and is harmless at the prompt.
class ChatSigint {
 public:
  ChatSigint() {
    struct sigaction sa {};
    sa.sa_handler = OnChatSigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &previous_);
  }
  ~ChatSigint() { sigaction(SIGINT, &previous_, nullptr); }
  ChatSigint(const ChatSigint&) = delete;
  ChatSigint& operator=(const ChatSigint&) = delete;

 private:
  struct sigaction previous_ {};
};

constexpr const char* kHelp =
    "/bye            leave (as Ctrl-D)\n"
    "/clear          forget the conversation\n"
    "/regen          answer the last message again\n"
    "/sampler NAME   greedy | sample | entropix[@PROFILE] | lowT[@PROFILE] | sample@PROFILE\n"
    "/trace on|off   print each answer token's signals (entropy, varentropy, state, action)\n"
    "/stats          context use and the last answer's numbers\n"
    "Ctrl-C stops the current answer.\n";

class ChatLoop {
 public:
  explicit ChatLoop(const RunArgs& a);
  int Run();

 private:
  bool Command(const std::string& line);  // false: leave
  void Ask(const std::string& text);
  void Answer();
  void Regenerate();
  void Clear();
  void SetSampler(const std::string& spec);
  void PrintTrace(const std::vector<TokenEvent>& events) const;
  void PrintStats() const;
  void Print(std::string_view text, const char* color);

  RunArgs args_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Session> session_;
  PolicyKind kind_ = PolicyKind::kGreedy;
  std::unique_ptr<Policy> policy_;
  std::string profile_name_;
  std::vector<ChatMessage> messages_;
  uint64_t seed_ = 0;
  int answers_ = 0;  // answers generated: the seed of the next is seed_ + answers_
  bool trace_ = false;
  bool color_ = false;
  std::optional<TerminalTextFilter> filter_;
  std::optional<GenerationResult> last_;
};

ChatLoop::ChatLoop(const RunArgs& a) : args_(a) {
  model_ = LoadModel(a.model);
  tokenizer_ = Tokenizer::FromGguf(model_->file());
  SessionOptions so;
  so.n_threads = a.model.threads;
  so.context = a.model.context;
  session_ = std::make_unique<Session>(*model_, tokenizer_.get(), so);
  SetSampler(a.sampler.sampler);
  if (!policy_) throw Error(ErrorCode::kInvalidArgument, "--sampler: see `entropix chat --help`");
  seed_ = ResolveSeed(a.seed, kind_ != PolicyKind::kGreedy);
  color_ = UseColor(a.color);
  if (isatty(STDOUT_FILENO) == 1) filter_.emplace();
  Clear();
}

void ChatLoop::SetSampler(const std::string& spec) {
  SamplerArgs s = args_.sampler;
  s.sampler = spec;
  if (spec == "vote" || spec.rfind("vote@", 0) == 0) {
    std::fprintf(stderr, "entropix: error: the chat answers with one trace: use `entropix run --sampler vote`\n");
    return;
  }
  try {
    std::string profile;
    const PolicyConfig pc = SamplerConfig(s, *model_, &profile);
    policy_ = MakePolicy(pc, tokenizer_.get());
    kind_ = pc.kind;
    profile_name_ = profile;
    args_.sampler = s;
  } catch (const Error& e) {
    std::fprintf(stderr, "entropix: error: %s (the decoder stays %s)\n", e.what(),
                 policy_ ? policy_->name() : "unset");
  }
}

void ChatLoop::Clear() {
  messages_.clear();
  const PromptArgs& p = args_.prompt_format;
  if (!p.template_system && !p.system_prompt.empty()) messages_.push_back({"system", p.system_prompt});
  session_->Reset();
  last_.reset();
}

void ChatLoop::Print(std::string_view text, const char* color) {
  const std::string safe = filter_ ? filter_->Filter(text) : std::string(text);
  if (safe.empty()) return;
  WriteStdout(color[0] != '\0' ? std::string(color) + safe + "\x1b[0m" : safe);
}

void ChatLoop::Ask(const std::string& text) {
  messages_.push_back({"user", text});
  try {
    Answer();
  } catch (const Error& e) {
    messages_.pop_back();  // the turn did not happen; the chat goes on
    std::fprintf(stderr, "entropix: error: %s\n", e.what());
  }
}

// Generates the assistant's answer to messages_ and appends it.
void ChatLoop::Answer() {
  const PromptFormat format{args_.prompt_format.force_raw, args_.prompt_format.force_chat,
                            args_.prompt_format.chat_template, args_.prompt_format.parse_special};
  const std::vector<int32_t> ids = EncodeConversation(*model_, *tokenizer_, format, messages_);
  if (static_cast<int>(ids.size()) >= session_->context()) {
    throw Error(ErrorCode::kInvalidArgument, "the conversation (" + std::to_string(ids.size()) +
                                                 " tokens) fills the context of " +
                                                 std::to_string(session_->context()) +
                                                 ": /clear starts a new one (or restart with a larger -c)");
  }
  GenerateOptions go;
  go.max_tokens = args_.max_tokens < 0 ? session_->context() : args_.max_tokens;
  go.seed = seed_ + static_cast<uint64_t>(answers_++);
  go.policy = policy_.get();
  go.record_signals = trace_;
  go.cancel = &g_stop_answer;
  const char* color = "";
  bool in_pause = false;
  std::vector<TokenEvent> events;
  go.on_token = [&](const TokenEvent& ev) {
    color = color_ ? StateColor(ev.state, ev.action) : "";
    in_pause = ev.action == Action::kInsert;
    if (trace_) events.push_back(ev), events.back().piece = {}, events.back().text = {};
  };
  std::string answer;
  g_stop_answer.store(false);
  GenerationResult r = session_->GenerateFrom(ids, go, [&](std::string_view text) {
    answer += text;  // the history keeps the pauses: the cache holds them
    if (!in_pause || args_.show_pauses) Print(text, color);
    return true;
  });
  WriteStdout("\n");
  if (r.stop == StopReason::kCancelled) std::fprintf(stderr, "[answer stopped]\n");
  if (trace_) PrintTrace(events);
  messages_.push_back({"assistant", answer});
  last_ = std::move(r);
}

void ChatLoop::Regenerate() {
  if (messages_.empty() || messages_.back().role != "assistant") {
    std::fprintf(stderr, "entropix: nothing to regenerate yet: ask something first\n");
    return;
  }
  messages_.pop_back();
  if (kind_ == PolicyKind::kGreedy) {
    std::fprintf(stderr, "[greedy answers the same again; /sampler sample gives another]\n");
  }
  try {
    Answer();
  } catch (const Error& e) {
    std::fprintf(stderr, "entropix: error: %s\n", e.what());
  }
}

void ChatLoop::PrintTrace(const std::vector<TokenEvent>& events) const {
  std::fprintf(stderr, "%5s %8s %10s %10s %-11s %s\n", "index", "token", "entropy", "varentropy", "state",
               "action");
  for (const TokenEvent& ev : events) {
    std::fprintf(stderr, "%5d %8d %10.4f %10.4f %-11s %s\n", ev.index, ev.token, ev.logit.entropy_bits,
                 ev.logit.varentropy_bits, StateName(ev.state), ActionName(ev.action));
  }
}

void ChatLoop::PrintStats() const {
  std::fprintf(stderr, "[context: %d of %d tokens | decoder %s%s%s | %zu messages]\n", session_->cache().size(),
               session_->context(), policy_->name(), profile_name_.empty() ? "" : " ",
               profile_name_.c_str(), messages_.size());
  if (!last_) return;
  const GenerationResult& r = *last_;
  std::fprintf(stderr, "[last answer: %zu tokens, %.1f tok/s, stop: %s | prompt: %d fed, %d reused from the cache]\n",
               r.tokens.size(), r.tokens.size() / std::max(r.decode_seconds, 1e-9), StopReasonName(r.stop),
               r.prompt_tokens, r.reused_tokens);
  std::fprintf(stderr, "[%s]\n", StateMixSummary(r).c_str());
}

bool ChatLoop::Command(const std::string& line) {
  std::istringstream in(line);
  std::string cmd, arg;
  in >> cmd >> arg;
  if (cmd == "/bye" || cmd == "/exit" || cmd == "/quit") return false;
  if (cmd == "/clear") {
    Clear();
    std::fprintf(stderr, "[conversation cleared]\n");
  } else if (cmd == "/regen") {
    Regenerate();
  } else if (cmd == "/sampler" && !arg.empty()) {
    SetSampler(arg);
    std::fprintf(stderr, "[decoder: %s]\n", policy_->name());
  } else if (cmd == "/trace" && (arg == "on" || arg == "off")) {
    trace_ = arg == "on";
  } else if (cmd == "/stats") {
    PrintStats();
  } else if (cmd == "/help" || cmd == "/?") {
    std::fputs(kHelp, stderr);
  } else {
    std::fprintf(stderr, "unknown or incomplete command '%s'; the commands are:\n%s", line.c_str(), kHelp);
  }
  return true;
}

int ChatLoop::Run() {
  ChatSigint sigint;
  std::fprintf(stderr, "entropix chat: %s, decoder %s. /help lists the commands; Ctrl-C stops an answer; "
               "/bye or Ctrl-D leaves.\n", model_->config().name.c_str(), policy_->name());
  if (color_) std::fprintf(stderr, "%s\n", StateColorLegend().c_str());
  if (args_.prompt_given && !args_.prompt.empty()) Ask(args_.prompt);
  std::string line;
  for (;;) {
    WriteStdout(">>> ");
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    if (line[0] == '/') {
      if (!Command(line)) break;
      continue;
    }
    Ask(line);
  }
  WriteStdout("\n");
  return 0;
}

}  // namespace

CLI::App* AddChatCommand(CLI::App& app, RunArgs& a) {
  CLI::App* cmd = app.add_subcommand("chat", "Chat with a model in the terminal (the context is kept between turns)");
  AddModelFlags(cmd, a.model);
  cmd->add_option("-n,--n-predict", a.max_tokens, "Maximum tokens per answer (-1: until the end or a full context)")
      ->check(TokenCountValidator());
  cmd->add_option("-s,--seed", a.seed, "Random seed of a sampling decoder (-1: a random one, printed)")
      ->check(CLI::Range(int64_t{-1}, std::numeric_limits<int64_t>::max()));
  AddSamplerFlags(cmd, a.sampler);
  AddPromptFlags(cmd, a.prompt_format);
  cmd->add_option("--color", a.color, "Colour tokens by state: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--show-pauses", a.show_pauses, "entropix: print the inserted pause text");
  return cmd;
}

int ChatCommand(const RunArgs& a) {
  ChatLoop loop(a);
  return loop.Run();
}

}  // namespace entropix
