// Hostile eval input (issue #12): task data and checkpoint records of the
// wrong shape must raise entropix::Error naming "FILE line N", never another
// exception or a crash; IFEval kwargs of the wrong type are refused at load;
// the summary counts only this run's items; the checkpoint is rewritten
// atomically.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/ifeval_checkers.h"
#include "eval/runner.h"
#include "eval/task.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path ScratchDir() {
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("entropix_eval_hard_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs f; it must throw entropix::Error whose message contains every piece.
template <typename F>
void ExpectError(F f, std::initializer_list<std::string> pieces) {
  try {
    f();
    ADD_FAILURE() << "no Error thrown";
  } catch (const Error& e) {
    for (const auto& p : pieces) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an entropix::Error: " << e.what();
  }
}

std::unique_ptr<Task> TaskFromData(const std::string& name, const fs::path& data) {
  TaskOptions to;
  to.name = name;
  to.data = data.string();
  return MakeTask(to);
}

// ------------------------------------------------------------- task data

struct DataCase {
  const char* task;
  const char* line;     // the bad line (after a good one)
  const char* expect;   // in the message, after "FILE line N: "
};

constexpr const char* kGoodGsm8k = R"({"question": "What is 1 + 1?", "answer": "1 + 1 = 2\n#### 2"})" "\n";
constexpr const char* kGoodIfeval =
    R"({"key": 1, "prompt": "Say hi.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]})" "\n";

std::string GoodLine(const std::string& task) {
  if (task == "gsm8k") return kGoodGsm8k;
  if (task == "ifeval") return kGoodIfeval;
  return "{\"prompt\": \"Tell a story.\"}\n";
}

class BadTaskData : public ::testing::TestWithParam<DataCase> {};

TEST_P(BadTaskData, IsAnErrorNamingFileAndLine) {
  const fs::path dir = ScratchDir();
  const fs::path data = dir / "data.jsonl";
  WriteText(data, GoodLine(GetParam().task) + GetParam().line);
  ExpectError([&] { TaskFromData(GetParam().task, data); }, {data.string() + " line 2: ", GetParam().expect});
}

INSTANTIATE_TEST_SUITE_P(
    Eval, BadTaskData,
    ::testing::Values(
        DataCase{"gsm8k", "{\"question\": 5, \"answer\": \"#### 3\"}\n", "field 'question' must be a string"},
        DataCase{"gsm8k", "{\"question\": \"q\", \"answer\": [1]}\n", "field 'answer' must be a string"},
        DataCase{"gsm8k", "{\"answer\": \"#### 3\"}\n", "field 'question' is missing"},
        DataCase{"gsm8k", "[1, 2]\n", "not a JSON object"},
        DataCase{"gsm8k", "{\"question\": \"q\", \"answer\": \"no marker\"}\n", "####"},
        DataCase{"ifeval", "{\"key\": 2, \"prompt\": 7, \"instruction_id_list\": []}\n",
                 "field 'prompt' must be a string"},
        DataCase{"ifeval", "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [3]}\n",
                 "field 'instruction_id_list[0]' must be a string"},
        DataCase{"ifeval",
                 "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [\"punctuation:no_comma\"], "
                 "\"kwargs\": \"x\"}\n",
                 "field 'kwargs' must be an array"},
        DataCase{"ifeval",
                 "{\"key\": {}, \"prompt\": \"p\", \"instruction_id_list\": [\"punctuation:no_comma\"]}\n",
                 "field 'key' must be an integer or a string"},
        // Kwargs of the wrong type were scored as followed ("at least 0 words").
        DataCase{"ifeval",
                 "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [\"length_constraints:number_words\"], "
                 "\"kwargs\": [{\"relation\": \"at least\", \"num_words\": \"ten\"}]}\n",
                 "'num_words' must be a non-negative integer"},
        DataCase{"ifeval",
                 "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [\"keywords:frequency\"], "
                 "\"kwargs\": [{\"relation\": \"more than\", \"keyword\": \"a\", \"frequency\": 2}]}\n",
                 "'relation' must be \"less than\" or \"at least\""},
        DataCase{"ifeval",
                 "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [\"keywords:existence\"], "
                 "\"kwargs\": [{\"keywords\": [\"a\", 5]}]}\n",
                 "field 'keywords[1]' must be a string"},
        DataCase{"ifeval",
                 "{\"key\": 2, \"prompt\": \"p\", \"instruction_id_list\": [\"length_constraints:number_words\"], "
                 "\"kwargs\": [{\"relation\": \"at least\"}]}\n",
                 "'num_words' is missing"},
        DataCase{"loops", "{\"prompt\": 5}\n", "field 'prompt' must be a string"}),
    [](const ::testing::TestParamInfo<DataCase>& info) { return std::to_string(info.index); });

// Long responses (a stored one on --rescore can be any size): the span
// checkers used std::regex, which recursed once per character and overflowed
// the stack (a crash at 200,000 characters). Also no quadratic blow-up.
TEST(IfevalHostile, LongResponsesDoNotOverflowTheStack) {
  const std::string run(1000000, 'a');
  EXPECT_EQ(CheckStrict("detectable_content:number_placeholders", {{"num_placeholders", 1}}, "[" + run + "]"),
            CheckResult::kFollowed);
  EXPECT_EQ(CheckStrict("detectable_format:number_highlighted_sections", {{"num_highlights", 2}},
                        "*" + run + "* **" + run + "**"),
            CheckResult::kFollowed);
  EXPECT_EQ(CheckStrict("detectable_format:title", json::object(), "<<" + run + ">>"), CheckResult::kFollowed);
  EXPECT_EQ(CheckStrict("detectable_format:multiple_sections", {{"section_spliter", "Part"}, {"num_sections", 1}},
                        "Part " + std::string(1000000, '7')),
            CheckResult::kFollowed);
  EXPECT_EQ(CheckStrict("detectable_content:number_placeholders", {{"num_placeholders", 1}}, std::string(300000, '[')),
            CheckResult::kNotFollowed);
  EXPECT_EQ(CheckStrict("detectable_format:number_highlighted_sections", {{"num_highlights", 1}},
                        std::string(300000, '*') + "\n"),
            CheckResult::kNotFollowed);
}

// ------------------------------------------------------------- runner

const std::string kModel = std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf";

class RunnerHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kModel)) GTEST_SKIP() << "no " << kModel;
    model_ = Model::Load(kModel);
    tokenizer_ = Tokenizer::FromGguf(model_->file());
    dir_ = ScratchDir() / "run";
  }
  EvalOptions Options() const {
    EvalOptions eo;
    eo.out_dir = dir_.string();
    eo.seed = 5;
    eo.max_tokens = 6;
    eo.threads = 1;
    eo.context = 256;
    eo.progress = false;
    eo.resamples = 100;
    return eo;
  }
  EvalRunStats Run(int limit, const std::string& samplers = "greedy,sample") {
    TaskOptions to;
    to.name = "arith";
    to.limit = limit;
    to.seed = 3;
    task_ = MakeTask(to);
    return RunEvaluation(*model_, *tokenizer_, "stories260K", *task_, ParseSamplers(samplers, *model_), Options());
  }
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Task> task_;
  fs::path dir_;
};

// `-o` naming a file, not a folder.
TEST_F(RunnerHardening, OutputPathThatIsAFileIsAnError) {
  fs::create_directories(dir_.parent_path());
  WriteText(dir_, "not a folder");
  ExpectError([&] { Run(1); }, {dir_.string(), "not a folder"});
}

// Lowering --limit on a rerun: the summary is about this run's items only.
TEST_F(RunnerHardening, SummaryCountsOnlyThisRunsItems) {
  Run(3);
  Run(1);
  const json summary = json::parse(ReadText(dir_ / "summary.json"));
  EXPECT_EQ(summary["n_items"], 1);
}

// A torn last line is dropped by writing a new file and renaming it over the
// old one: a crash mid-rewrite leaves the old file whole, and a reader that
// has the old file open keeps seeing it unchanged.
TEST_F(RunnerHardening, TornLineRewriteIsAtomic) {
  Run(1);
  { std::ofstream(dir_ / "results.jsonl", std::ios::app) << "{\"sampler\": \"gre"; }
  struct stat before, after;
  ASSERT_EQ(stat((dir_ / "results.jsonl").c_str(), &before), 0);
  const fs::path old_view = dir_.parent_path() / "old_view.jsonl";
  fs::create_hard_link(dir_ / "results.jsonl", old_view);
  const std::string old_text = ReadText(old_view);
  Run(2);
  ASSERT_EQ(stat((dir_ / "results.jsonl").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino) << "rewritten in place";
  EXPECT_EQ(ReadText(old_view), old_text);
  EXPECT_EQ(ReadResults(dir_.string()).size(), 4u);
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

// A final record without its newline (killed between the bytes and the
// '\n') is kept, and the next record does not get glued to it.
TEST_F(RunnerHardening, UnterminatedCompleteLastRecordIsKept) {
  Run(1);
  std::string text = ReadText(dir_ / "results.jsonl");
  ASSERT_EQ(text.back(), '\n');
  text.pop_back();
  WriteText(dir_ / "results.jsonl", text);
  const EvalRunStats stats = Run(2);
  EXPECT_EQ(stats.resumed, 2);
  EXPECT_EQ(ReadResults(dir_.string()).size(), 4u);
}

// Corrupted checkpoint records (a complete line, so not a torn tail).
struct RecordCase {
  const char* name;
  std::function<void(json&)> corrupt;  // applied to a good record
  const char* expect;
};

class BadCheckpoint : public RunnerHardening, public ::testing::WithParamInterface<RecordCase> {};

TEST_P(BadCheckpoint, IsAnErrorNamingFileAndLine) {
  Run(1);
  const fs::path results = dir_ / "results.jsonl";
  std::ifstream in(results);
  std::string first;
  std::getline(in, first);
  json rec = json::parse(first);
  rec["item"] = "1";  // a pair the rerun would otherwise generate
  GetParam().corrupt(rec);
  // Discarded stands for a truncated line: half of a good one.
  const std::string line = rec.is_discarded() ? first.substr(0, first.size() / 2) : rec.dump();
  { std::ofstream(results, std::ios::app) << line << "\n"; }
  ExpectError([&] { Run(2); }, {results.string() + " line 3: ", GetParam().expect});
}

INSTANTIATE_TEST_SUITE_P(
    Eval, BadCheckpoint,
    ::testing::Values(
        RecordCase{"NumberForString", [](json& r) { r["response"] = 5; }, "field 'response' must be a string"},
        RecordCase{"OnlySamplerAndItem", [](json& r) { r = {{"sampler", "greedy"}, {"item", "1"}}; },
                   "is missing"},
        RecordCase{"WrongTypeCorrect", [](json& r) { r["correct"] = "yes"; }, "field 'correct' must be a number"},
        RecordCase{"WrongTypeScored", [](json& r) { r["scored"] = 1; }, "field 'scored' must be a boolean"},
        RecordCase{"WrongTypeStates", [](json& r) { r["states"] = {{"flowing", "many"}}; },
                   "field 'states.flowing' must be a non-negative integer"},
        RecordCase{"UnknownState", [](json& r) { r["states"]["dreaming"] = 1; }, "'states.dreaming'"},
        RecordCase{"WrongTypeTokenIds", [](json& r) { r["token_ids"] = {"a"}; }, "field 'token_ids[0]'"},
        RecordCase{"WrongTypeDetails", [](json& r) { r["details"] = 3; }, "field 'details' must be an object"},
        RecordCase{"WrongTypeSampler", [](json& r) { r["sampler"] = json::array(); },
                   "field 'sampler' must be a string"},
        RecordCase{"NotAnObject", [](json& r) { r = json::array({1, 2}); }, "not a JSON object"},
        RecordCase{"TruncatedJson", [](json& r) { r = json::value_t::discarded; }, "not a JSON object"},
        RecordCase{"MissingField", [](json& r) { r.erase("decode_seconds"); }, "field 'decode_seconds' is missing"},
        RecordCase{"NegativeIndex", [](json& r) { r["index"] = -1; }, "field 'index'"},
        RecordCase{"HugeIndex", [](json& r) { r["index"] = 1e300; }, "field 'index'"},
        RecordCase{"TokensDisagree", [](json& r) { r["tokens"] = 1000; }, "'tokens'"},
        RecordCase{"UnknownField", [](json& r) { r["surprise"] = 1; }, "'surprise'"},
        RecordCase{"Duplicate", [](json& r) { r["item"] = "0"; }, "second record"}),
    [](const ::testing::TestParamInfo<RecordCase>& info) { return std::string(info.param.name); });

// Truncated JSON in the middle (a complete, newline-terminated line).
TEST_F(RunnerHardening, TruncatedLineBeforeTheEndIsAnError) {
  Run(1);
  const fs::path results = dir_ / "results.jsonl";
  const std::string text = ReadText(results);
  const size_t nl = text.find('\n');
  WriteText(results, text.substr(0, nl / 2) + "\n" + text.substr(nl + 1));
  ExpectError([&] { Run(2); }, {results.string() + " line 1: ", "not a JSON object"});
}

TEST_F(RunnerHardening, RescoreRefusesACorruptedRecord) {
  Run(1);
  const fs::path results = dir_ / "results.jsonl";
  std::ifstream in(results);
  std::string first;
  std::getline(in, first);
  json rec = json::parse(first);
  rec["token_ids"] = "none";
  WriteText(results, rec.dump() + "\n");
  ExpectError([&] { RescoreEvaluation("stories260K", *task_, ParseSamplers("greedy,sample", *model_), Options()); },
              {results.string() + " line 1: ", "'token_ids'"});
}

}  // namespace
}  // namespace entropix
