#include "eval/task.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "eval/math_tasks.h"
#include "eval/splits.h"
#include "eval/text_tasks.h"

namespace entropix {

std::unique_ptr<Task> MakeTask(const TaskOptions& o) {
  if (!o.split.empty() && o.name != "arith") {  // arith's splits are item seeds (eval/math_tasks.h)
    // The whole data file, then the split's items (ids are line numbers).
    const SplitFile file = BuiltinSplitFile(o.name);
    TaskOptions whole = o;
    whole.split.clear();
    whole.limit = 0;
    // A few-shot gsm8k task over the train file skips the exemplar rows.
    const bool train_file = o.data.empty() || o.data == DefaultDataDir() + "/gsm8k/train.jsonl";
    const int64_t skipped = o.name == "gsm8k" && train_file ? o.shots : 0;
    return SelectSplit(MakeTask(whole), file, o.split, o.limit, skipped);
  }
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
