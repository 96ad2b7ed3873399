#include "run_flags.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace entropix {
namespace {

void DropOneTrailingNewline(std::string& s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
}

std::string ReadStandardInput() {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, std::string("cannot read the prompt from standard input: ") + std::strerror(errno));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  DropOneTrailingNewline(text);
  if (text.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "standard input was empty: pipe a prompt in, or give one with -p TEXT or -f FILE");
  }
  return text;
}

}  // namespace

CLI::Validator TokenCountValidator() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        int n = 0;
        if (!CLI::detail::lexical_cast(v, n) || n < -1 || n == 0 || n > (1 << 20)) {
          return "'" + v + "' is not a token count: give 1 to 1048576, or -1 for no limit";
        }
        return "";
      },
      "INT >= 1 or -1");
}

void AddRunInputFlags(CLI::App* cmd, RunArgs& a) {
  auto* prompt = cmd->add_option("-p,--prompt", a.prompt,
                                 "The prompt (the user message with a chat template); - reads standard input. "
                                 "Without -p or -f: a piped standard input, else a chat on a terminal");
  cmd->add_option("-f,--file", a.prompt_file, "Read the prompt from this file")->excludes(prompt);
  cmd->add_option("-n,--n-predict", a.max_tokens,
                  "Maximum tokens to generate (-1: until the end of generation or a full context)")
      ->check(TokenCountValidator());
  cmd->add_option("-s,--seed", a.seed, "Random seed of a sampling decoder (-1: a random one, printed to stderr)")
      ->check(CLI::Range(int64_t{-1}, std::numeric_limits<int64_t>::max()));
  cmd->add_flag("-q,--quiet", a.quiet, "Print only the answer: no legend, seed or summary lines on stderr");
  auto* cnv = cmd->add_flag_callback("--cnv,--conversation", [&a] { a.conversation = 1; },
                                     "Chat (as `entropix chat`; -p is then the first message), as llama-cli's -cnv");
  cmd->add_flag_callback("--no-cnv,--no-conversation", [&a] { a.conversation = 0; },
                         "Never chat: answer one prompt (as llama-cli's -no-cnv)")
      ->excludes(cnv);
  cmd->add_option_function<int>(
      "--ngl,--n-gpu-layers",
      [](const int&) { std::fprintf(stderr, "entropix: note: -ngl is ignored: entropix runs on the CPU only\n"); },
      "Accepted for llama-cli habits; entropix runs on the CPU only");
}

void NoteGivenFlags(const CLI::App& cmd, RunArgs& a) {
  auto given = [&](const char* name) {
    const CLI::Option* o = cmd.get_option_no_throw(name);
    return o != nullptr && o->count() > 0;
  };
  a.sampler.temp_given = given("--temp");
  a.sampler.top_k_given = given("--top-k");
  a.sampler.top_p_given = given("--top-p");
  a.sampler.min_p_given = given("--min-p");
  a.prompt_given = given("--prompt");
  a.seed_given = given("--seed");
}

std::string ReadPromptFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::kIo, "cannot read the prompt file '" + path + "': " + std::strerror(errno) +
                                    " (give an existing file to -f, or the prompt itself with -p)");
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read the prompt file '" + path + "'");
  DropOneTrailingNewline(text);
  return text;
}

RunMode ResolveRunInput(RunArgs& a) {
  if (!a.prompt_file.empty()) {
    a.prompt = ReadPromptFile(a.prompt_file);
    a.prompt_given = true;
  } else if (a.prompt_given && a.prompt == "-") {
    a.prompt = ReadStandardInput();
  }
  if (a.conversation == 1) return RunMode::kChat;
  if (a.prompt_given) return RunMode::kOneShot;
  if (isatty(STDIN_FILENO) != 1) {
    a.prompt = ReadStandardInput();
    a.prompt_given = true;
    return RunMode::kOneShot;
  }
  if (a.conversation == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "no prompt: give one with -p TEXT, -f FILE or on standard input (-no-cnv turns the chat off)");
  }
  return RunMode::kChat;
}

void WarnIgnoredFlags(const RunArgs& a, const std::string& kind_name) {
  const SamplerArgs& s = a.sampler;
  std::vector<const char*> ignored;
  if (kind_name == "greedy") {
    if (s.temp_given) ignored.push_back("--temp");
    if (s.top_k_given) ignored.push_back("--top-k");
    if (s.top_p_given) ignored.push_back("--top-p");
    if (s.min_p_given) ignored.push_back("--min-p");
    if (a.seed_given) ignored.push_back("-s/--seed");
  }
  const bool plain_sample = s.sampler == "sample" || s.sampler.rfind("sample@", 0) == 0;
  if (!s.profile.empty() && (kind_name == "greedy" || plain_sample)) ignored.push_back("--profile");
  if (a.show_pauses && kind_name != "entropix") ignored.push_back("--show-pauses");
  for (const char* flag : ignored) {
    std::fprintf(stderr, "entropix: warning: %s is ignored by the %s decoder (see --sampler)\n", flag,
                 kind_name.c_str());
  }
}

}  // namespace entropix
