// The task data formats (JSONL, one item per line) and one typed reader for
// each. A line of the wrong shape raises Error(kCorruptFile)
// "FILE line N: field 'question' must be a string"; blank lines are skipped.
// The Parse*Line functions are what the readers (and the fuzzer) use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

// GSM8K: {"question": "...", "answer": "... #### N"}.
struct Gsm8kRow {
  int line_no = 0;
  std::string question;
  std::string answer;     // the worked solution, ending in "#### N"
  std::string reference;  // N, normalised
};
Gsm8kRow ParseGsm8kLine(std::string_view line, const std::string& file, int line_no);
std::vector<Gsm8kRow> ReadGsm8kFile(const std::string& path);

// IFEval: {"key": 1000, "prompt": "...", "instruction_id_list": [ids],
// "kwargs": [one object per instruction]} (kwargs may be left out; null
// entries and null-valued arguments stand for none). Every instruction's
// arguments are checked (CheckKwargs, eval/ifeval_checkers.h).
struct IfevalRow {
  int line_no = 0;
  std::string id;  // the key as JSON text: 1000 -> "1000", "a" -> "\"a\""
  std::string prompt;
  std::vector<std::string> instruction_ids;
  std::vector<nlohmann::json> kwargs;  // one object per instruction
};
IfevalRow ParseIfevalLine(std::string_view line, const std::string& file, int line_no);
// Also refuses a key that repeats an earlier line's.
std::vector<IfevalRow> ReadIfevalFile(const std::string& path);

// loops: {"prompt": "..."} (or {"text": "..."}).
struct PromptRow {
  int line_no = 0;
  std::string prompt;
};
PromptRow ParseLoopsLine(std::string_view line, const std::string& file, int line_no);
std::vector<PromptRow> ReadLoopsFile(const std::string& path);

}  // namespace entropix
