// The subcommands of the entropix CLI: each one's arguments, the function
// that adds it and its flags to the app, and the function that runs it (one
// file per subcommand: run_command.cc, calibrate_command.cc, ...). The flags
// several share are in model_flags.h, prompt_flags.h and sampler_flags.h.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "console.h"
#include "decoding/vote_profile.h"
#include "flag_checks.h"
#include "model_flags.h"
#include "prompt_flags.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "sampler_flags.h"

namespace entropix {

struct RunArgs {
  ModelArgs model;
  PromptArgs prompt_format;
  SamplerArgs sampler;
  std::string prompt;
  bool prompt_given = false;   // -p (set by main after parsing)
  std::string prompt_file;     // -f FILE ("" = none)
  int conversation = -1;       // -cnv: 1, -no-cnv: 0, neither: -1 (chat when no prompt on a terminal)
  int max_tokens = 256;        // -1: until the end of generation or a full context
  int64_t seed = -1;           // -1: a random seed, printed to stderr (sampling decoders only)
  bool seed_given = false;     // set by main after parsing
  bool quiet = false;          // only the answer (and warnings, errors) is printed
  bool show_pauses = false;    // entropix: print the inserted pause text with the answer
  std::string trace;        // JSONL trace file ("" = none)
  std::string color = "auto";  // auto | always | never
  bool no_timings = false;
  int budget = 0;            // vote: traces in all (0: the profile's)
  std::string vote_profile;  // vote: a JSON file or built-in name ("" = the --sampler spec's)
};
CLI::App* AddRunCommand(CLI::App& app, RunArgs& args);
int RunCommand(const RunArgs& args);
// `entropix chat`, and `run` without a prompt on a terminal (chat_command.cc).
int ChatCommand(const RunArgs& args);
// `run --sampler vote` (vote_command.cc).
int RunVoteCommand(const RunArgs& args, VoteProfile profile);

struct CalibrateArgs {
  ModelArgs model;
  PromptArgs prompt_format;
  std::string corpus;          // JSONL ("prompt" / "question" / "text") or one prompt per line
  std::string output;          // the profile file to write
  std::string base = "entropix-g2";  // coefficients and base sampler come from this profile
  std::string name;            // profile name ("" = from the model)
  int tokens_per_prompt = 64;
  int max_prompts = 0;         // 0 = all
  uint64_t seed = 0;
  std::string dump_signals;    // CSV of every recorded step ("" = none)
  double q_low_entropy = -1, q_low_varentropy = -1, q_medium_entropy = -1, q_high_entropy = -1,
         q_high_varentropy = -1;  // < 0: the documented defaults (sampling/calibration.h)
};
CLI::App* AddCalibrateCommand(CLI::App& app, CalibrateArgs& args);
int CalibrateCommand(const CalibrateArgs& args);

struct InspectArgs {
  std::string path;
  bool all = false;
  bool json = false;
};
CLI::App* AddInspectCommand(CLI::App& app, InspectArgs& args);
int InspectCommand(const InspectArgs& args);

// Model management as Ollama does it: `list` (the cached models and whether
// each can run), `rm` (remove one from the cache), `show` (a short summary;
// the tensor table with --tensors); list_command.cc, rm_command.cc,
// show_command.cc over model_summary.h.
struct ListArgs {
  bool json = false;
};
CLI::App* AddListCommand(CLI::App& app, ListArgs& a);
int ListCommand(const ListArgs& a);
struct RmArgs {
  std::string name;  // a known model name or a file name in the cache
};
CLI::App* AddRmCommand(CLI::App& app, RmArgs& a);
int RmCommand(const RmArgs& a);
struct ShowArgs {
  std::string name;  // a known model name or a path
  bool tensors = false;
  bool json = false;
};
CLI::App* AddShowCommand(CLI::App& app, ShowArgs& a);
int ShowCommand(const ShowArgs& a);

struct PullArgs {
  std::string name;
  bool list = false;
  bool force = false;
  bool json = false;
};
CLI::App* AddPullCommand(CLI::App& app, PullArgs& args);
int PullCommand(const PullArgs& args);

// `entropix bench` (bench_command.cc; bench/README.md says what each test measures).
struct BenchArgs {
  ModelArgs model;
  int prompt_tokens = 512;   // pp test (0: none)
  int gen_tokens = 128;      // tg tests' decode steps (0: none)
  std::vector<int> depth = {0};  // one tg test per depth
  std::vector<int> batch;    // one tg B=k test per k
  int batch_prompt = 128;    // cached positions of each sequence before a tg B=k test
  int repetitions = 5;
  double bandwidth_gbs = 0;  // 0: measure
  bool json = false;
};
CLI::App* AddBenchCommand(CLI::App& app, BenchArgs& args);
int BenchCommand(const BenchArgs& args);

class Model;
class Tokenizer;
class Task;

// `entropix eval`: every sampler on the same items of a task, resumable
// (src/eval/runner.h, docs/EVALUATION.md).
struct EvalArgs {
  ModelArgs model;
  std::string task;                                // gsm8k | ifeval | arith | loops
  std::string samplers = "greedy,sample,entropix";  // runtime/sampler_spec.h forms
  std::string data;                                // task data file ("" = shared/data)
  std::string out_dir;                             // "" = eval-<task>
  int limit = 0;                                   // 0 = all items
  std::string split;                               // gsm8k, ifeval: dev | holdout | calibration ("" = all)
  int draws = 1;                                   // per item, stochastic samplers
  bool samplers_given = false, draws_given = false;  // on the command line (--rescore: else from the folder)
  int parallel = 4;                                // generations at once on one scheduler
  uint64_t seed = 0;
  int max_tokens = 0;                              // 0 = the task's default
  int difficulty = 1;                              // arith
  int shots = 0;                                   // gsm8k few-shot exemplars
  std::string prompt_style;                        // gsm8k: a Gsm8kPromptStyles() name ("" = default)
  bool raw = false;                                // no chat template
  std::string chat_template;
  std::string system_prompt = kDefaultSystemPrompt;  // every task's items, ifeval's too
  int resamples = 2000;
  bool quiet = false;
  bool rescore = false;
  bool list_items = false;                         // print the task's selected items and exit
  std::string pool;                                // --pool KINDS: build a trace pool instead (eval/pool_runner.h)
  std::string pool_profile = "vote-default";       // the pool's base vote profile
};
CLI::App* AddEvalCommand(CLI::App& app, EvalArgs& args);
int EvalCommand(const EvalArgs& args);
// eval --pool: the trace pool of the task's items (pool_command.cc).
int PoolCommand(const EvalArgs& args, const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                const Task& task);

// `entropix replay`: decoding methods replayed on stored trace pools
// (src/eval/replay.h); no model is loaded.
struct ReplayArgs {
  std::vector<std::string> pools;  // pool folders (or pool.jsonl files)
  std::string methods = "greedy,sc@8,cot@8,vote-default,vote-cot";
  std::string out_dir;             // "" = print only
  int resamples = 2000;
  uint64_t seed = 0;
  double choose = 0.0;  // > 0: pick a vote method at <= this x greedy's compute (eval/replay.h ChooseMethod)
  std::string versus;   // "" or a method label: every row compared with it too (eval/replay.h CompareWith)
  std::string items_file;  // "" or a file of item ids (first field per line): replay only those
};
CLI::App* AddReplayCommand(CLI::App& app, ReplayArgs& args);
int ReplayCommand(const ReplayArgs& args);

// `entropix serve` (serve_command.cc): the OpenAI-compatible server.
struct ServeArgs {
  ModelArgs model;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;  // "": $ENTROPIX_API_KEY, else none
  int parallel = 4;
  int queue = 16;
  size_t max_body = 4u << 20;
};
CLI::App* AddServeCommand(CLI::App& app, ServeArgs& args);
int ServeCommand(const ServeArgs& args);

}  // namespace entropix
