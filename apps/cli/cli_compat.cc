#include "cli_compat.h"

#include <algorithm>

#include "core/error.h"
#include "eval/engine_version.h"
#include "kernels/kernels.h"

#ifndef ENTROPIX_BUILD_TYPE
#define ENTROPIX_BUILD_TYPE "unknown"
#endif

namespace entropix {

std::vector<std::string> NormalizeLlamaFlags(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i > 0 && (arg == "-sys" || arg == "-cnv" || arg == "-no-cnv" || arg == "-ngl")) {
      out.push_back("-" + arg);
    } else {
      out.push_back(arg);
    }
  }
  return out;
}

std::string UnknownCommandMessage(const std::vector<std::string>& args, const std::vector<std::string>& commands) {
  if (args.size() < 2 || args[1].empty() || args[1][0] == '-') return "";
  if (std::find(commands.begin(), commands.end(), args[1]) != commands.end()) return "";
  std::string list;
  for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
  return "unknown command '" + args[1] + "'; the commands are: " + list +
         " (`entropix COMMAND --help` describes one)";
}

std::string VersionText() {
  // Built before the commands run (outside their error handling): a bad
  // ENTROPIX_ISA is reported here, and again as an error by any command.
  std::string kernels;
  try {
    kernels = std::string(IsaName(DetectIsa())) +
              " (the best this CPU supports; ENTROPIX_ISA caps it: scalar|avx2|avx512 on x86-64, "
              "scalar|neon|dotprod on ARM64)";
  } catch (const Error& e) {
    kernels = std::string("none: ") + e.what();
  }
  return "entropix " + EngineVersion() + "\nbuild type: " ENTROPIX_BUILD_TYPE "\nkernels: " + kernels;
}

}  // namespace entropix
