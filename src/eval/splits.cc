#include "eval/splits.h"

#include <algorithm>
#include <limits>
#include <set>
#include <span>

#include "core/error.h"
#include "eval/builtin_splits.h"
#include "eval/json_fields.h"
#include "eval/task.h"
#include "store/sha256.h"

namespace entropix {
namespace {

// A Task over a subset of another task's items; everything but the items
// and the identity is the full task's. (A new virtual of Task must be
// forwarded here too.)
class SplitTask final : public Task {
 public:
  SplitTask(std::unique_ptr<Task> full, std::vector<EvalItem> items, nlohmann::json split)
      : full_(std::move(full)), items_(std::move(items)), split_(std::move(split)) {}
  std::string name() const override { return full_->name(); }
  std::string metric() const override { return full_->metric(); }
  bool higher_is_better() const override { return full_->higher_is_better(); }
  int default_max_tokens() const override { return full_->default_max_tokens(); }
  const std::vector<EvalItem>& items() const override { return items_; }
  ItemScore Score(const EvalItem& item, std::string_view response) const override {
    return full_->Score(item, response);
  }
  ItemScore ScoreGeneration(const EvalItem& item, std::string_view response,
                            const std::vector<int32_t>& tokens) const override {
    return full_->ScoreGeneration(item, response, tokens);
  }
  AnswerRule VoteAnswerRule(const EvalItem& item) const override { return full_->VoteAnswerRule(item); }
  nlohmann::json Summarize(std::span<const EvalRecord> records) const override { return full_->Summarize(records); }
  void CheckDetails(const JsonFields& details) const override { full_->CheckDetails(details); }
  nlohmann::json Identity() const override {
    nlohmann::json id = full_->Identity();
    id["split"] = split_;
    return id;
  }

 private:
  std::unique_ptr<Task> full_;
  std::vector<EvalItem> items_;
  nlohmann::json split_;
};

}  // namespace

SplitFile ParseSplitFile(std::string_view text, const std::string& where) {
  const nlohmann::json j = ParseJsonObject(text, where);
  const JsonFields f(j, where);
  SplitFile out;
  out.task = f.String("task");
  out.source = f.String("source");
  out.n_items = f.Integer("n_items", 1, std::numeric_limits<int32_t>::max());
  const JsonFields splits = f.Object("splits");
  std::set<int64_t> seen;
  for (const auto& entry : splits.value().items()) {
    const std::string name = entry.key();
    std::vector<int64_t>& v = out.splits[name];
    for (int32_t id : splits.Int32s(name.c_str())) {
      if (id >= out.n_items) splits.Fail("field '" + splits.Name(name) + "' holds " + std::to_string(id) +
                                         ", beyond the " + std::to_string(out.n_items) + " items");
      if (!seen.insert(id).second) {
        splits.Fail("item " + std::to_string(id) + " is listed twice (splits must be disjoint)");
      }
      v.push_back(id);
    }
    std::sort(v.begin(), v.end());
  }
  out.sha256 = Sha256::Hex(text);
  return out;
}

std::vector<std::string> BuiltinSplitTasks() {
  std::vector<std::string> out;
  for (const auto& t : BuiltinSplitTexts()) out.emplace_back(t.name);
  return out;
}

SplitFile BuiltinSplitFile(const std::string& task) {
  for (const auto& t : BuiltinSplitTexts()) {
    if (t.name == task) return ParseSplitFile(t.json, "data/splits/" + task + ".json");
  }
  std::string known;
  for (const auto& name : BuiltinSplitTasks()) known += (known.empty() ? "" : ", ") + name;
  throw Error(ErrorCode::kInvalidArgument,
              "--split: the task '" + task + "' has no declared splits (tasks with splits: " + known + ")");
}

std::unique_ptr<Task> SelectSplit(std::unique_ptr<Task> full, const SplitFile& file, const std::string& name,
                                  int limit, int64_t skipped_rows) {
  const auto it = file.splits.find(name);
  if (it == file.splits.end()) {
    std::string known;
    for (const auto& [n, ids] : file.splits) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::kInvalidArgument, "--split: unknown split '" + name + "' (" + file.task + " has " +
                                                 known + ")");
  }
  const std::vector<EvalItem>& all = full->items();
  if (static_cast<int64_t>(all.size()) + skipped_rows != file.n_items) {
    throw Error(ErrorCode::kInvalidArgument,
                "--split: the splits of " + file.task + " are declared on " + file.source + " (" +
                    std::to_string(file.n_items) + " items) but the data has " +
                    std::to_string(all.size() + skipped_rows) + "; use the default data with --split");
  }
  std::vector<EvalItem> items;
  for (int64_t line : it->second) {
    if (limit > 0 && static_cast<int>(items.size()) >= limit) break;
    if (line < skipped_rows) {
      throw Error(ErrorCode::kInvalidArgument, "--split " + name + ": item " + std::to_string(line) +
                                                   " is a few-shot exemplar here; lower --shots");
    }
    items.push_back(all[static_cast<size_t>(line - skipped_rows)]);
  }
  nlohmann::json split = {{"name", name}, {"sha256", file.sha256}};
  return std::make_unique<SplitTask>(std::move(full), std::move(items), std::move(split));
}

}  // namespace entropix
