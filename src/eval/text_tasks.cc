#include "eval/text_tasks.h"

#include <map>
#include <set>

#include "core/error.h"
#include "eval/ifeval_checkers.h"
#include "eval/json_fields.h"
#include "eval/task_data.h"

namespace entropix {
namespace {

using json = nlohmann::json;

class IfevalTask : public Task {
 public:
  explicit IfevalTask(const TaskOptions& o) : options_(o) {
    path_ = o.data.empty() ? DefaultDataDir() + "/ifeval/input_data.jsonl" : o.data;
    for (IfevalRow& r : ReadIfevalFile(path_)) {
      if (o.limit > 0 && static_cast<int>(items_.size()) >= o.limit) break;
      EvalItem item;
      item.id = r.id;
      // The same explicit, neutral system message as `run` and `calibrate`
      // (TaskOptions): with none, SmolLM2's template would inject its own
      // ("...named SmolLM..."), which derails the model and is not what the
      // profiles were calibrated under. "" (--system "") sends none.
      if (!o.system_prompt.empty()) item.messages.push_back({"system", o.system_prompt});
      item.messages.push_back({"user", std::move(r.prompt)});
      item.data = {{"instruction_id_list", r.instruction_ids}, {"kwargs", r.kwargs}};
      items_.push_back(std::move(item));
    }
  }
  std::string name() const override { return "ifeval"; }
  std::string metric() const override { return "prompt_strict_accuracy"; }
  int default_max_tokens() const override { return 512; }
  const std::vector<EvalItem>& items() const override { return items_; }

  // Primary value: prompt-level strict (every checkable instruction
  // followed). A prompt with an uncheckable instruction is not scored.
  ItemScore Score(const EvalItem& item, std::string_view response) const override {
    ItemScore s;
    const auto& ids = item.data["instruction_id_list"];
    const auto& kwargs = item.data["kwargs"];
    json per = json::array();
    bool all_strict = true, all_loose = true, any_skipped = false;
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string id = ids[i];
      const json& kw = kwargs[i];  // one per instruction (ParseIfevalLine)
      const CheckResult strict = CheckStrict(id, kw, response);
      const CheckResult loose = CheckLoose(id, kw, response);
      if (strict == CheckResult::kSkipped) {
        any_skipped = true;
        per.push_back({{"id", id}, {"skipped", true}});
        continue;
      }
      all_strict &= strict == CheckResult::kFollowed;
      all_loose &= loose == CheckResult::kFollowed;
      per.push_back({{"id", id}, {"strict", strict == CheckResult::kFollowed}, {"loose", loose == CheckResult::kFollowed}});
    }
    s.scored = !any_skipped;
    s.value = all_strict ? 1.0 : 0.0;
    s.details = {{"instructions", per}, {"prompt_strict", all_strict}, {"prompt_loose", all_loose},
                 {"has_skipped", any_skipped}};
    return s;
  }

  // The details of records read back from a checkpoint are checked by
  // CheckDetails (CheckIfevalDetails) before they get here.
  json Summarize(std::span<const EvalRecord> records) const override {
    int prompts = 0, p_strict = 0, p_loose = 0, prompts_skipped = 0, inst = 0, i_strict = 0, i_loose = 0;
    std::map<std::string, int> skipped;
    for (const auto& r : records) {
      const auto& d = r.details;
      if (d.value("has_skipped", false)) ++prompts_skipped;
      else {
        ++prompts;
        p_strict += d.value("prompt_strict", false);
        p_loose += d.value("prompt_loose", false);
      }
      for (const auto& x : d["instructions"]) {
        if (x.value("skipped", false)) {
          ++skipped[x["id"].get<std::string>()];
          continue;
        }
        ++inst;
        i_strict += x.value("strict", false);
        i_loose += x.value("loose", false);
      }
    }
    auto ratio = [](int a, int b) { return b > 0 ? static_cast<double>(a) / b : 0.0; };
    return {{"prompts_scored", prompts},
            {"prompts_skipped", prompts_skipped},
            {"prompt_strict_accuracy", ratio(p_strict, prompts)},
            {"prompt_loose_accuracy", ratio(p_loose, prompts)},
            {"instructions_scored", inst},
            {"instruction_strict_accuracy", ratio(i_strict, inst)},
            {"instruction_loose_accuracy", ratio(i_loose, inst)},
            {"instructions_skipped", skipped}};
  }
  void CheckDetails(const JsonFields& details) const override { CheckIfevalDetails(details); }
  // Open-ended: no answer to vote on.
  AnswerRule VoteAnswerRule(const EvalItem&) const override { return {AnswerRule::Kind::kNone, false, {}}; }
  // Without a system message the identity is the one runs recorded before
  // issue 8, so their folders stay rescorable (--system "").
  json Identity() const override {
    json id = {{"task", "ifeval"}, {"data", path_}};
    if (!options_.system_prompt.empty()) id["system"] = options_.system_prompt;
    return id;
  }

 private:
  TaskOptions options_;
  std::string path_;
  std::vector<EvalItem> items_;
};

// Open-ended prompts that invite long continuations (stories, lists,
// explanations): where repetition loops show up.
constexpr const char* kLoopPrompts[] = {
    "Write a long story about a girl who finds a key in the garden.",
    "Once upon a time, there was a little dog named Max.",
    "Describe your perfect day from morning to night.",
    "Write a poem about the sea.",
    "Explain how a bicycle works.",
    "List as many fruits as you can and say something about each.",
    "Tell me about the history of the city you like most.",
    "Write a letter to a friend you have not seen for a long time.",
    "What are the benefits of reading books? Explain in detail.",
    "Continue the story: The old man opened the door and saw",
    "Write a recipe for a chocolate cake with all the steps.",
    "Describe a forest in the rain.",
    "Write a dialogue between a cat and a mouse.",
    "Explain why the sky is blue to a child.",
    "Write a diary entry of a sailor on a stormy night.",
    "Tell a story about a robot who wants to learn to paint.",
    "Describe the rules of a game you invented.",
    "Write an essay about friendship.",
    "Tell me everything you know about the moon.",
    "Write a story that begins: Lily had never seen snow before.",
};

class LoopsTask : public Task {
 public:
  explicit LoopsTask(const TaskOptions& o) : options_(o) {
    if (!o.data.empty()) {
      for (const PromptRow& r : ReadLoopsFile(o.data)) {
        if (o.limit > 0 && static_cast<int>(items_.size()) >= o.limit) break;
        Add(r.prompt);
      }
    } else {
      for (const char* p : kLoopPrompts) {
        if (o.limit > 0 && static_cast<int>(items_.size()) >= o.limit) break;
        Add(p);
      }
    }
  }
  std::string name() const override { return "loops"; }
  std::string metric() const override { return "degeneration_rate"; }
  bool higher_is_better() const override { return false; }
  int default_max_tokens() const override { return 256; }
  const std::vector<EvalItem>& items() const override { return items_; }
  // Needs the tokens, not the text: the runner passes them in the details
  // (see ScoreTokens); the text-only scorer marks the item unscored.
  ItemScore Score(const EvalItem&, std::string_view) const override {
    ItemScore s;
    s.scored = false;
    return s;
  }
  ItemScore ScoreGeneration(const EvalItem&, std::string_view, const std::vector<int32_t>& tokens) const override {
    ItemScore s;
    const int period = TrailingLoopPeriod(tokens);
    s.value = period > 0 ? 1.0 : 0.0;
    s.details = {{"loop_period", period}};
    return s;
  }
  json Summarize(std::span<const EvalRecord> records) const override {
    std::vector<std::vector<int32_t>> gens;
    for (const auto& r : records) gens.push_back(r.token_ids);
    return {{"distinct_1", DistinctN(gens, 1)}, {"distinct_2", DistinctN(gens, 2)}, {"distinct_3", DistinctN(gens, 3)}};
  }
  // Open-ended: no answer to vote on.
  AnswerRule VoteAnswerRule(const EvalItem&) const override { return {AnswerRule::Kind::kNone, false, {}}; }
  // The system message is part of it when there is one (loops folders from
  // before issue 8 were made without one and rescore with --system "").
  json Identity() const override {
    json id = {{"task", "loops"}, {"data", options_.data}};
    if (!options_.system_prompt.empty()) id["system"] = options_.system_prompt;
    return id;
  }

 private:
  void Add(const std::string& prompt) {
    EvalItem item;
    item.id = std::to_string(items_.size());
    if (!options_.system_prompt.empty()) item.messages.push_back({"system", options_.system_prompt});
    item.messages.push_back({"user", prompt});
    items_.push_back(std::move(item));
  }
  TaskOptions options_;
  std::vector<EvalItem> items_;
};

}  // namespace

void CheckIfevalDetails(const JsonFields& d) {
  d.Bool("prompt_strict");
  d.Bool("prompt_loose");
  d.Bool("has_skipped");
  for (const JsonFields& x : d.Objects("instructions")) {
    x.String("id");
    if (x.Has("skipped")) {
      x.Bool("skipped");
    } else {
      x.Bool("strict");
      x.Bool("loose");
    }
  }
}

int TrailingLoopPeriod(const std::vector<int32_t>& t, const DegenerationRule& rule) {
  const int len = static_cast<int>(t.size());
  for (int n = 1; n <= rule.max_n; ++n) {
    if (n * rule.min_repeats > len) break;
    // How far back does the period-n repetition of the tail reach?
    int tail = n;
    while (tail < len && t[len - 1 - tail] == t[len - 1 - tail + n]) ++tail;
    if (tail >= n * rule.min_repeats && tail >= rule.min_tail) return n;
  }
  return 0;
}

double DistinctN(const std::vector<std::vector<int32_t>>& gens, int n) {
  std::set<std::vector<int32_t>> distinct;
  size_t total = 0;
  for (const auto& g : gens) {
    for (size_t i = 0; i + n <= g.size(); ++i) {
      distinct.insert(std::vector<int32_t>(g.begin() + i, g.begin() + i + n));
      ++total;
    }
  }
  return total ? static_cast<double>(distinct.size()) / total : 0.0;
}

std::unique_ptr<Task> MakeIfevalTask(const TaskOptions& o) { return std::make_unique<IfevalTask>(o); }
std::unique_ptr<Task> MakeLoopsTask(const TaskOptions& o) { return std::make_unique<LoopsTask>(o); }

}  // namespace entropix
