// The command line before CLI11 sees it: llama-cli's spellings (-sys, -cnv,
// -no-cnv, -ngl), an unknown subcommand named as such, and the --version
// text. Kept apart from main.cc so that the subcommand table stays readable.
#pragma once

#include <string>
#include <vector>

namespace entropix {

// argv with llama-cli's multi-letter single-dash flags spelled as ours
// (-sys → --sys, -cnv → --cnv, -no-cnv → --no-cnv, -ngl → --ngl). Only whole
// arguments are rewritten, so a prompt that merely contains them is kept.
std::vector<std::string> NormalizeLlamaFlags(int argc, char** argv);

// "unknown command 'x'; the commands are: run, chat, ..." when the first
// argument is neither a flag nor one of `commands`; "" otherwise.
std::string UnknownCommandMessage(const std::vector<std::string>& args,
                                  const std::vector<std::string>& commands);

// "entropix 0.1.0\ncommit ...\nbuild Release\nkernels avx2 (...)".
std::string VersionText();

}  // namespace entropix
