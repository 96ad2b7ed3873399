#include "store/pip_downloader.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/error.h"

extern char** environ;

namespace entropix {
namespace {

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string InstallHint() {
  if (std::getenv("ENTROPIX_PIP")) {
    return "check ENTROPIX_PIP (it is set to '" + std::string(std::getenv("ENTROPIX_PIP")) +
           "'), or unset it to use python3 -m pip";
  }
  return "python3 -m pip is needed to download models: apt-get install python3-pip";
}

struct SpawnResult {
  bool started = false;
  int spawn_errno = 0;
  int exit_status = -1;  // exit code, or 128 + signal number
};

// Runs argv and waits. quiet sends the child's stdout and stderr to /dev/null;
// otherwise its stdout goes to our stderr and its stderr is inherited.
SpawnResult Run(const std::vector<std::string>& argv, bool quiet) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  }
  SpawnResult result;
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.spawn_errno = rc;
    return result;
  }
  result.started = true;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(ErrorCode::kIo, std::string("waiting for pip failed: ") + std::strerror(errno));
    }
  }
  if (WIFEXITED(status))
    result.exit_status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_status = 128 + WTERMSIG(status);
  return result;
}

}  // namespace

std::vector<std::string> PipCommand() {
  std::vector<std::string> words;
  const char* env = std::getenv("ENTROPIX_PIP");
  if (env && *env) {
    std::istringstream in(env);
    for (std::string w; in >> w;) words.push_back(w);
  }
  if (words.empty()) words = {"python3", "-m", "pip"};
  return words;
}

void PipDownload(const std::vector<std::string>& requirements, const std::string& dest_dir) {
  const std::vector<std::string> pip = PipCommand();

  // Probe first: "python3 has no pip" and "the index is unreachable" need
  // different advice, and pip's own exit codes do not tell them apart.
  std::vector<std::string> probe = pip;
  probe.push_back("--version");
  const SpawnResult probed = Run(probe, /*quiet=*/true);
  if (!probed.started) {
    throw Error(ErrorCode::kIo, InstallHint() + " (could not run '" + pip[0] +
                                    "': " + std::strerror(probed.spawn_errno) + ")");
  }
  if (probed.exit_status != 0) {
    throw Error(ErrorCode::kIo, InstallHint() + " ('" + Join(probe) + "' exited with status " +
                                    std::to_string(probed.exit_status) + ")");
  }

  std::vector<std::string> argv = pip;
  for (const char* flag : {"download", "--no-deps", "--no-cache-dir", "--only-binary=:all:",
                           "--disable-pip-version-check", "--no-input", "-d"}) {
    argv.push_back(flag);
  }
  argv.push_back(dest_dir);
  argv.insert(argv.end(), requirements.begin(), requirements.end());
  const SpawnResult ran = Run(argv, /*quiet=*/false);
  if (!ran.started) {
    throw Error(ErrorCode::kIo, InstallHint() + " (could not run '" + pip[0] +
                                    "': " + std::strerror(ran.spawn_errno) + ")");
  }
  if (ran.exit_status != 0) {
    throw Error(ErrorCode::kIo,
                "pip download failed with exit status " + std::to_string(ran.exit_status) +
                    " (see pip's message above) for: " + Join(requirements) +
                    ". Check that the package index is reachable (network, proxy, "
                    "PIP_INDEX_URL / pip.conf) and that there is free disk space, then retry");
  }
}

}  // namespace entropix
