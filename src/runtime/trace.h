// The per-token trace (one JSON object per line): its start record, token
// and branch records and end record; the closing summary; and the signals of
// a step as calibration records them.
//
// Token records: index, position, token, piece, logprob (natural log,
// untempered), entropy and varentropy (bits, bits^2), the attention signals
// (null when not recorded), state, action and the effective temperature,
// top_k, top_p, min_p. Branch events are records of their own
// ("event": "branch"), written before the tokens they commit.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/generation.h"
#include "sampling/calibration.h"

namespace entropix {

class Tokenizer;

// A JSONL file written one record at a time. Each record is flushed at once
// (a crash or Ctrl-C leaves whole lines) and every write is checked: a full
// disk or a bad target is an Error naming the file, never a short trace.
class TraceWriter {
 public:
  explicit TraceWriter(const std::string& path);  // Error(kIo) if it cannot be created
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void Write(const nlohmann::json& record);
  void Close();  // checked; the destructor only closes

 private:
  [[noreturn]] void Fail(int error_number) const;
  std::string path_;
  std::FILE* file_ = nullptr;
};

// What produced a trace: its first record ("event": "start", with the units
// of the signals; "profile" only when the decoder has one).
struct TraceStart {
  std::string model;    // the model's name
  std::string file;     // the model file's name, without its folder
  std::string sampler;  // the policy's name
  std::string profile;  // "" = none
  uint64_t seed = 0;
  size_t prompt_tokens = 0;
};
nlohmann::json TraceStartRecord(const TraceStart& start);
// The last record ("event": "end"): tokens, stop reason, pauses, branches,
// forward passes, decode speed, the sampler's share of decode time, states.
nlohmann::json TraceEndRecord(const GenerationResult& r);

nlohmann::json TokenEventJson(const TokenEvent& ev);
nlohmann::json BranchEventJson(const BranchEvent& ev, const Tokenizer* tokenizer);

// "flowing 62% treading 3% ..." over the states that occurred, plus pauses
// and branches; fixed-state policies give "fixed 100%".
std::string StateMixSummary(const GenerationResult& r);

// A decoded step's signals as calibration records them (sampling/calibration.h).
SignalSample SignalSampleOf(const TokenEvent& ev);

}  // namespace entropix
