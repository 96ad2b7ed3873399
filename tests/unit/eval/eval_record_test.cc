// The checkpoint record (eval/eval_record.h) and the typed readers: the
// committed checkpoints under eval-results/ read back and write out byte for
// byte; records round-trip; hostile shapes raise Error, never crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/checkpoint.h"
#include "eval/eval_record.h"
#include "eval/ifeval_checkers.h"
#include "eval/json_fields.h"
#include "eval/task.h"
#include "eval/task_data.h"
#include "eval/text_tasks.h"

namespace entropix {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kResults = fs::path(ENTROPIX_TEST_DATA_DIR) / ".." / ".." / "eval-results";

// Every committed checkpoint is valid under the strict reader, and writing
// its records out again gives the same bytes (so a rewrite after a torn line,
// or a rescore that changes nothing, leaves the file as it was).
TEST(EvalRecord, CommittedCheckpointsReadBackByteForByte) {
  if (!fs::is_directory(kResults)) GTEST_SKIP() << "no " << kResults;
  int files = 0;
  for (const auto& dir : fs::directory_iterator(kResults)) {
    const fs::path path = dir.path() / "results.jsonl";
    if (!fs::exists(path)) continue;
    ++files;
    const Checkpoint c = ReadCheckpoint(path, nullptr);
    EXPECT_FALSE(c.needs_rewrite) << path;
    ASSERT_FALSE(c.records.empty()) << path;
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(CheckpointText(c.records) == text) << path;
    if (dir.path().filename().string().find("ifeval") != std::string::npos) {
      for (const auto& r : c.records) CheckIfevalDetails(JsonFields(r.details, path.string(), "details."));
    }
  }
  EXPECT_GE(files, 4);
}

EvalRecord Sample() {
  EvalRecord r;
  r.sampler = "entropix";
  r.policy = "entropix";
  r.item = "12";
  r.index = 12;
  r.seed = 18446744073709551615ull;
  r.prompt = "Wie heißt die Hauptstadt? \"quoted\"\n";
  r.reference = "Berlin";
  r.response = "Berlin. 🙂";
  r.extracted = "Berlin";
  r.correct = 1.0;
  r.tokens = 3;
  r.prompt_tokens = 17;
  r.stop = "end of text";
  r.states[1] = 2;
  r.states[5] = 1;
  r.seconds = 0.125;
  r.decode_seconds = 1e-7;
  r.tokens_per_s = 3 / 1e-7;
  r.token_ids = {0, 5, 2147483647};
  r.details = {{"instructions", json::array()}, {"x", 0.1}};
  r.profile = "cool";
  return r;
}

TEST(EvalRecord, RoundTripsThroughItsLine) {
  const EvalRecord r = Sample();
  const std::string line = r.ToLine();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(EvalRecord::FromJson(line, "f", 1), r);
  EvalRecord no_profile = r;
  no_profile.profile.reset();
  EXPECT_EQ(EvalRecord::FromJson(no_profile.ToLine(), "f", 1), no_profile);
  EXPECT_EQ(no_profile.ToJson().count("profile"), 0u);
}

void ExpectCorrupt(const std::string& line, const std::string& piece) {
  try {
    EvalRecord::FromJson(line, "ck.jsonl", 7);
    ADD_FAILURE() << "accepted: " << line.substr(0, 200);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruptFile);
    EXPECT_EQ(std::string(e.what()).rfind("ck.jsonl line 7: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(piece), std::string::npos) << e.what();
  }
}

TEST(EvalRecord, RefusesHostileLines) {
  json j = Sample().ToJson();
  ExpectCorrupt(std::string(50000, '[') + std::string(50000, ']'), "nesting deeper");
  j["details"] = json::parse(std::string(40, '[') + std::string(40, ']'));
  ExpectCorrupt(j.dump(), "nesting deeper");
  j = Sample().ToJson();
  j["correct"] = 2;
  ExpectCorrupt(j.dump(), "'correct' must be between 0 and 1");
  j = Sample().ToJson();
  j["seed"] = -1;
  ExpectCorrupt(j.dump(), "'seed'");
  j = Sample().ToJson();
  j["token_ids"] = {1, -2, 3};
  j["tokens"] = 3;
  ExpectCorrupt(j.dump(), "'token_ids[1]'");
  j = Sample().ToJson();
  j["seconds"] = 1.5e308 * 10;  // inf: written as null by nlohmann
  ExpectCorrupt(j.dump(), "'seconds' is missing");
  ExpectCorrupt("\xff\xfe{}", "not a JSON object");
  // A vote record: its trace count must match its traces, fields typed.
  EvalRecord v = Sample();
  v.vote = VoteRecord{"consensus", 1, 2, {{0, -1, 0, "greedy", "7", 1.0, 0.9, 0.5, 12, "end"},
                                          {1, 0, 3, "entropy", std::nullopt, 0.0, 0.4, 0.0, 9, "length"}}};
  EXPECT_EQ(EvalRecord::FromJson(v.ToLine(), "f", 1), v);
  EXPECT_FALSE(v.ToJson()["vote"].contains("speculative_tokens"));  // older records keep their bytes
  v.vote->speculative_tokens = 40;
  EXPECT_EQ(EvalRecord::FromJson(v.ToLine(), "f", 1), v);
  j = v.ToJson();
  j["vote"]["traces"] = 3;
  ExpectCorrupt(j.dump(), "'vote.traces' (3) differs");
  j = v.ToJson();
  j["vote"]["per_trace"][1]["weight"] = "heavy";
  ExpectCorrupt(j.dump(), "'vote.per_trace[1].weight'");
  ExpectCorrupt("", "not a JSON object");
}

TEST(Checkpoint, AtomicWriteFailureLeavesNothing) {
  const fs::path dir = fs::path(::testing::TempDir()) / "entropix_atomic_write";
  fs::remove_all(dir);
  fs::create_directories(dir);
  WriteFileAtomically(dir / "a.txt", "one\n");
  WriteFileAtomically(dir / "a.txt", "two\n");
  std::ifstream in(dir / "a.txt");
  std::string got;
  std::getline(in, got);
  EXPECT_EQ(got, "two");
  EXPECT_THROW(WriteFileAtomically(dir / "missing" / "a.txt", "x"), Error);
  fs::create_directory(dir / "a_dir");
  EXPECT_THROW(WriteFileAtomically(dir / "a_dir", "x"), Error);  // rename over a folder fails
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "a_dir"}));
  fs::remove_all(dir);
}

TEST(IfevalDetails, ShapeIsChecked) {
  const json good = {{"instructions", {{{"id", "a"}, {"strict", true}, {"loose", false}}, {{"id", "b"}, {"skipped", true}}}},
                     {"prompt_strict", false}, {"prompt_loose", false}, {"has_skipped", true}};
  CheckIfevalDetails(JsonFields(good, "f line 1", "details."));
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, json>>{
           {"/has_skipped", 1}, {"/instructions/0/id", 5}, {"/instructions/0/strict", "yes"}, {"/instructions", 3}}) {
    json bad = good;
    bad[json::json_pointer(pointer)] = value;
    EXPECT_THROW(CheckIfevalDetails(JsonFields(bad, "f line 1", "details.")), Error) << pointer;
  }
}

// The real IFEval prompts all pass the kwargs check (every argument present
// and typed), so the check refuses only damaged data.
TEST(TaskData, RealIfevalDataIsAccepted) {
  const std::string path = std::string(ENTROPIX_SHARED_DIR) + "/data/ifeval/input_data.jsonl";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path;
  EXPECT_EQ(ReadIfevalFile(path).size(), 541u);
}

TEST(TaskData, DuplicateIfevalKeyIsRefused) {
  const fs::path path = fs::path(::testing::TempDir()) / "entropix_dup_ifeval.jsonl";
  const std::string line = R"({"key": 3, "prompt": "p", "instruction_id_list": ["punctuation:no_comma"]})";
  std::ofstream(path) << line << "\n\n" << line << "\n";
  try {
    ReadIfevalFile(path.string());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3: key 3 repeats line 1"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

// Called directly, a malformed instruction is an Error, never "followed".
TEST(TaskData, CheckInstructionRefusesMalformedKwargs) {
  EXPECT_THROW(CheckStrict("length_constraints:number_words", {{"num_words", "ten"}, {"relation", "at least"}}, "hi"),
               Error);
  EXPECT_THROW(CheckStrict("length_constraints:number_words", {{"num_word", 10}, {"relation", "at least"}}, "hi"),
               Error);
  EXPECT_THROW(CheckStrict("punctuation:no_comma", json::array({1}), "hi"), Error);
  EXPECT_EQ(CheckStrict("length_constraints:number_words", {{"num_words", 10}, {"relation", "at least"}}, "hi"),
            CheckResult::kNotFollowed);
}

}  // namespace
}  // namespace entropix
