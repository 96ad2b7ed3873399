#include "eval/task_data.h"

#include <fstream>
#include <map>

#include "core/error.h"
#include "text/answer_extract.h"
#include "eval/ifeval_checkers.h"
#include "eval/json_fields.h"

namespace entropix {
namespace {

using json = nlohmann::json;

template <typename Row>
std::vector<Row> ReadRows(const std::string& path, Row (*parse)(std::string_view, const std::string&, int)) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read '" + path + "' (pass --data FILE)");
  std::vector<Row> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back(parse(line, path, n));
  }
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  return rows;
}

}  // namespace

Gsm8kRow ParseGsm8kLine(std::string_view line, const std::string& file, int line_no) {
  const std::string where = LineWhere(file, line_no);
  const json j = ParseJsonObject(line, where);
  const JsonFields f(j, where);
  Gsm8kRow row;
  row.line_no = line_no;
  row.question = f.String("question");
  row.answer = f.String("answer");
  try {
    row.reference = Gsm8kReferenceNumber(row.answer);
  } catch (const Error& e) {  // says what is wrong, not where: add the line
    f.Fail(std::string("field 'answer': ") + e.what());
  }
  return row;
}

IfevalRow ParseIfevalLine(std::string_view line, const std::string& file, int line_no) {
  const std::string where = LineWhere(file, line_no);
  const json j = ParseJsonObject(line, where);
  const JsonFields f(j, where);
  IfevalRow row;
  row.line_no = line_no;
  if (!f.Has("key")) f.Fail("field 'key' is missing");
  const json& key = j["key"];
  if (!key.is_number_integer() && !key.is_string()) f.Fail("field 'key' must be an integer or a string");
  row.id = key.dump();
  row.prompt = f.String("prompt");
  row.instruction_ids = f.Strings("instruction_id_list");
  // No instruction would make the prompt count as followed by any response.
  if (row.instruction_ids.empty()) f.Fail("field 'instruction_id_list' is empty");
  if (f.Has("kwargs")) {
    const json& kwargs = f.Array("kwargs");
    if (kwargs.size() != row.instruction_ids.size()) {
      f.Fail("field 'kwargs' has " + std::to_string(kwargs.size()) + " entries for " +
             std::to_string(row.instruction_ids.size()) + " instructions");
    }
    for (const json& kw : kwargs) row.kwargs.push_back(kw.is_null() ? json::object() : kw);
  } else {
    row.kwargs.assign(row.instruction_ids.size(), json::object());
  }
  for (size_t i = 0; i < row.instruction_ids.size(); ++i) {
    const std::string instruction = "instruction " + std::to_string(i + 1) + " (" + row.instruction_ids[i] + ")";
    CheckKwargs(row.instruction_ids[i], JsonFields(row.kwargs[i], where + ": " + instruction));
  }
  return row;
}

std::vector<IfevalRow> ReadIfevalFile(const std::string& path) {
  std::vector<IfevalRow> rows = ReadRows(path, &ParseIfevalLine);
  std::map<std::string, int> first_line;
  for (const IfevalRow& r : rows) {
    const auto [it, fresh] = first_line.emplace(r.id, r.line_no);
    if (!fresh) {
      throw Error(ErrorCode::kCorruptFile, LineWhere(path, r.line_no) + ": key " + r.id + " repeats line " +
                                               std::to_string(it->second) + "'s (item ids must be unique)");
    }
  }
  return rows;
}

PromptRow ParseLoopsLine(std::string_view line, const std::string& file, int line_no) {
  const std::string where = LineWhere(file, line_no);
  const json j = ParseJsonObject(line, where);
  const JsonFields f(j, where);
  PromptRow row;
  row.line_no = line_no;
  if (!f.Has("prompt") && !f.Has("text")) f.Fail("field 'prompt' is missing");
  row.prompt = f.String(f.Has("prompt") ? "prompt" : "text");
  return row;
}

std::vector<Gsm8kRow> ReadGsm8kFile(const std::string& path) { return ReadRows(path, &ParseGsm8kLine); }
std::vector<PromptRow> ReadLoopsFile(const std::string& path) { return ReadRows(path, &ParseLoopsLine); }

}  // namespace entropix
