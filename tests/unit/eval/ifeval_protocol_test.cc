// The IFEval protocol (issue 8): the items carry the same explicit, neutral
// system message as `run` and `calibrate` (runtime/prompt.h), because with
// none SmolLM2's template injects its own, which derails the model; an empty
// --system keeps the old behaviour and the old run identity.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eval/task.h"
#include "runtime/prompt.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string IfevalFile() {
  const fs::path dir = fs::path(::testing::TempDir()) / "entropix_ifeval_protocol";
  fs::create_directories(dir);
  const fs::path file = dir / "ifeval.jsonl";
  std::ofstream(file) << R"({"key": 1, "prompt": "Say hi.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]})"
                      << "\n";
  return file.string();
}

std::unique_ptr<Task> Ifeval(const std::optional<std::string>& system) {
  TaskOptions o;
  o.name = "ifeval";
  o.data = IfevalFile();
  if (system) o.system_prompt = *system;
  return MakeTask(o);
}

TEST(IfevalProtocol, ItemsCarryTheNeutralSystemMessageOfRun) {
  EXPECT_STREQ(TaskOptions().system_prompt.c_str(), kDefaultSystemPrompt);
  const auto task = Ifeval(std::nullopt);
  const auto& m = task->items()[0].messages;
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].role, "system");
  EXPECT_EQ(m[0].content, kDefaultSystemPrompt);
  EXPECT_EQ(m[1].role, "user");
  EXPECT_EQ(m[1].content, "Say hi.");
  EXPECT_EQ(task->Identity()["system"], kDefaultSystemPrompt);
}

TEST(IfevalProtocol, AnEmptySystemMessageKeepsTheOldPromptAndIdentity) {
  const auto task = Ifeval("");
  ASSERT_EQ(task->items()[0].messages.size(), 1u);
  EXPECT_EQ(task->items()[0].messages[0].role, "user");
  // The identity committed runs recorded (eval-results/smollm2-ifeval/run.json).
  EXPECT_EQ(task->Identity(), (json{{"task", "ifeval"}, {"data", IfevalFile()}}));
  EXPECT_NE(Ifeval(std::nullopt)->Identity(), task->Identity());
}

}  // namespace
}  // namespace entropix
