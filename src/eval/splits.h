// The declared evaluation splits: data/splits/<task>.json (written once by
// tools/make_splits.py, compiled in like the built-in profiles) lists, per
// split name (dev, holdout, calibration), the item ids, i.e. 0-based line
// numbers of the task's data file. `eval --split NAME` runs exactly those
// items; the split's name and the sha256 of its file join the run identity,
// so an edited split file cannot mix into an old run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

class Task;

struct SplitFile {
  std::string task;    // "gsm8k"
  std::string source;  // the data file, relative to the data folder ("gsm8k/train.jsonl")
  int64_t n_items = 0;  // lines of that file
  std::map<std::string, std::vector<int64_t>> splits;  // name -> ascending item ids
  std::string sha256;   // of the file's bytes
};

// Error(kCorruptFile) naming `where` unless every split holds distinct ids
// in [0, n_items) and no id is in two splits.
SplitFile ParseSplitFile(std::string_view text, const std::string& where);

// The compiled-in data/splits/<task>.json; Error(kInvalidArgument) for a task
// without one.
SplitFile BuiltinSplitFile(const std::string& task);
std::vector<std::string> BuiltinSplitTasks();

// `full` is the task over its whole data file (no --limit). The result has
// the items of split `name`, in file order, the first `limit` of them when
// limit > 0, and its Identity() adds {"split": {name, sha256}}. The items'
// line numbers are their positions in `full` shifted by the exemplar rows a
// few-shot task skips (`skipped_rows`). Error(kInvalidArgument) for an
// unknown split, or data that is not the file the split was declared on.
std::unique_ptr<Task> SelectSplit(std::unique_ptr<Task> full, const SplitFile& file, const std::string& name,
                                  int limit, int64_t skipped_rows);

}  // namespace entropix
