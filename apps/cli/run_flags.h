// How `run`'s flags combine before anything is loaded: where the prompt
// comes from (-p TEXT, -p -, -f FILE, a piped standard input), whether the
// run is one answer or a chat, and which given flags the chosen decoder
// ignores (a warning each, not a silent no-op).
#pragma once

#include <string>

#include "commands.h"

namespace entropix {

enum class RunMode { kOneShot, kChat };

// -p, -f, -n, -s, -q, -cnv/-no-cnv, -ngl: where the prompt comes from and
// how much is printed.
void AddRunInputFlags(CLI::App* cmd, RunArgs& a);

// -n: 1 .. 2^20 tokens, or -1 for no limit.
CLI::Validator TokenCountValidator();

// After parsing: which of the flags that change a default were given
// (--temp, --top-k, --top-p, --min-p, -p, -s), as RunArgs records them.
void NoteGivenFlags(const CLI::App& cmd, RunArgs& a);

// Fills a.prompt from -p -, -f FILE or a piped standard input, and says
// whether to chat: -cnv, or no prompt at all on a terminal (unless -no-cnv,
// which then is an error that says how to give one). One trailing newline
// of a read prompt is dropped (the one `echo` and editors add).
RunMode ResolveRunInput(RunArgs& a);

// The whole of `path` (a prompt file), or Error(kIo) that names the file
// and says what to do.
std::string ReadPromptFile(const std::string& path);

// One "entropix: warning: ..." line per flag that the decoder `kind_name`
// (greedy, sample, entropix) does not read; the spec is --sampler's text.
void WarnIgnoredFlags(const RunArgs& a, const std::string& kind_name);

}  // namespace entropix
