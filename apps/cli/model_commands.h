// Model management as Ollama does it: `list` (the cached models and
// whether each can run), `rm` (remove one from the cache), `show` (a short
// summary; the tensor table with --tensors), and the JSON forms of `inspect`
// and `pull --list`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "commands.h"

namespace entropix {

struct ListArgs {
  bool json = false;
};
struct RmArgs {
  std::string name;  // a known model name or a file name in the cache
};
struct ShowArgs {
  std::string name;  // a known model name or a path
  bool tensors = false;
  bool json = false;
};

CLI::App* AddListCommand(CLI::App& app, ListArgs& a);
CLI::App* AddRmCommand(CLI::App& app, RmArgs& a);
CLI::App* AddShowCommand(CLI::App& app, ShowArgs& a);

int ListCommand(const ListArgs& a);
int RmCommand(const RmArgs& a);
int ShowCommand(const ShowArgs& a);
int PullListJson();
int InspectJson(const InspectArgs& a);

}  // namespace entropix
