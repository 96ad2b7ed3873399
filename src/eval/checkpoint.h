// The evaluation checkpoint, results.jsonl: one EvalRecord per line,
// appended as each generation finishes. Reading is strict: every complete
// line must be a valid record (Error "FILE line N: ..." otherwise) and a
// (sampler, item, draw) triple appears once. Only the last line may be torn (a run
// killed mid-write leaves it without its '\n'): it is dropped, or kept when
// it is a whole record that merely lacks the newline.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/eval_record.h"

namespace entropix {

class Task;

struct Checkpoint {
  std::vector<EvalRecord> records;
  bool needs_rewrite = false;  // the file does not end with a complete line
};

// A missing file is an empty checkpoint. With a task, each record's details
// must also have the task's shape (Task::CheckDetails).
Checkpoint ReadCheckpoint(const std::filesystem::path& path, const Task* task);

// The records as checkpoint text, one line each.
std::string CheckpointText(const std::vector<EvalRecord>& records);

// Replaces `path` with `text` atomically: written to a temporary file in the
// same folder, synced, and renamed over it, so a crash leaves the old file
// or the new one whole, never a mix. Error(kIo) on failure.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace entropix
