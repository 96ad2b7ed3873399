#include "eval/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>

#include "core/error.h"
#include "eval/json_fields.h"
#include "eval/task.h"
#include "store/unique_fd.h"

namespace entropix {

namespace fs = std::filesystem;

Checkpoint ReadCheckpoint(const fs::path& path, const Task* task) {
  Checkpoint out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read '" + path.string() + "'");
  std::map<std::tuple<std::string, std::string, int64_t>, int> first_line;  // (sampler, item, draw) -> line
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const bool terminated = !in.eof();  // getline stopped at a '\n'
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    EvalRecord r;
    try {
      r = EvalRecord::FromJson(line, path.string(), n);
    } catch (const Error&) {
      if (terminated) throw;
      out.needs_rewrite = true;  // the torn tail of a killed run
      break;
    }
    if (task) task->CheckDetails(JsonFields(r.details, LineWhere(path.string(), n), "details."));
    const auto [it, fresh] = first_line.emplace(std::make_tuple(r.sampler, r.item, r.draw), n);
    if (!fresh) {
      throw Error(ErrorCode::kCorruptFile, LineWhere(path.string(), n) + ": a second record for sampler '" +
                                               r.sampler + "', item '" + r.item + "' and draw " +
                                               std::to_string(r.draw) + " (the first is on line " +
                                               std::to_string(it->second) + ")");
    }
    out.needs_rewrite |= !terminated;
    out.records.push_back(std::move(r));
  }
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path.string() + "'");
  return out;
}

std::string CheckpointText(const std::vector<EvalRecord>& records) {
  std::string text;
  for (const auto& r : records) text += r.ToLine();
  return text;
}

void WriteFileAtomically(const fs::path& path, const std::string& text) {
  std::string temp = path.string() + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) {
    throw Error(ErrorCode::kIo, "cannot create a file beside '" + path.string() + "': " + std::strerror(errno));
  }
  const auto fail = [&](const char* what) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw Error(ErrorCode::kIo, std::string("cannot ") + what + " '" + path.string() + "': " + std::strerror(err));
  };
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<size_t>(n);
  }
  // mkstemp makes the file 0600; results are ordinary readable files.
  if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0 || fd.Close() != 0) fail("write");
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("replace");
}

}  // namespace entropix
