#include "eval/task.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "eval/math_tasks.h"
#include "eval/text_tasks.h"

namespace entropix {

std::unique_ptr<Task> MakeTask(const TaskOptions& o) {
  if (o.name == "gsm8k") return MakeGsm8kTask(o);
  if (o.name == "arith") return MakeArithTask(o);
  if (o.name == "ifeval") return MakeIfevalTask(o);
  if (o.name == "loops") return MakeLoopsTask(o);
  throw Error(ErrorCode::kInvalidArgument, "unknown task '" + o.name + "': use gsm8k, ifeval, arith or loops");
}

std::string DefaultDataDir() {
  if (const char* env = std::getenv("ENTROPIX_DATA_DIR"); env && env[0]) return env;
  for (const char* candidate : {"../shared/data", "shared/data", "../../shared/data"}) {
    if (std::filesystem::is_directory(candidate)) return candidate;
  }
  return "../shared/data";
}

}  // namespace entropix
