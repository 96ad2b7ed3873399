// The subcommands of the entropix CLI, one function each.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace entropix {

struct ModelArgs {
  std::string model;  // path or known model name; empty = the default model
  int threads = 0;    // 0 = all cores
  int context = 4096;
};
void AddModelFlags(CLI::App* cmd, ModelArgs& args);
// Path of the GGUF file to load: a path as given, a known model name from the
// cache, or the default model (pulled on first use).
std::string ResolveModelPath(const std::string& model_arg);

struct RunArgs {
  ModelArgs model;
  std::string prompt;
  int max_tokens = 256;
  double temperature = 0.0;
  uint64_t seed = 0;
  // The system message in chat mode. A neutral one by default: SmolLM2's
  // built-in message ("You are a helpful AI assistant named SmolLM...")
  // derails the Q4_1 model (greedy answers to simple questions turn into
  // French nonsense, identically in llama.cpp). --template-system restores
  // the template's own.
  std::string system_prompt = "You are a helpful assistant.";
  bool template_system = false;
  bool force_chat = false;
  bool force_raw = false;
  std::string chat_template;
  bool no_timings = false;
};
int RunCommand(const RunArgs& args);

struct InspectArgs {
  std::string path;
  bool all = false;
};
int InspectCommand(const InspectArgs& args);

struct PullArgs {
  std::string name;
  bool list = false;
  bool force = false;
};
int PullCommand(const PullArgs& args);

struct BenchArgs {
  ModelArgs model;
  int prompt_tokens = 128;
  int gen_tokens = 128;
  int repetitions = 3;
  bool json = false;
};
int BenchCommand(const BenchArgs& args);

}  // namespace entropix
