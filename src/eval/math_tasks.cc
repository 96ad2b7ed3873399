#include "eval/math_tasks.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "core/error.h"
#include "text/answer_extract.h"
#include "eval/json_fields.h"
#include "eval/task_data.h"
#include "runtime/session.h"

namespace entropix {
namespace {

// ---------------------------------------------------------------- GSM8K

// The issue 8 protocol: plain words, no code, a final \boxed{} answer.
// Without it the coder model writes a program and invents its output; a
// final box is what Qwen-family models write anyway, and a required marker
// makes strict scoring fair. In the user turn, so the system message stays
// the one every task, `run` and `calibrate` send. plain-boxed-last (the
// default) puts it after the question: on the first 30 dev items, greedy,
// invented program output fell from 8 answers (plain-boxed, instruction
// first) to 1 at the same accuracy (docs/EVALUATION.md). qwen-boxed: the
// system line Qwen2.5-Math is prompted with. answer-is: before issue 8.
constexpr const char* kPlainBoxed =
    "Solve the following math problem. Reason step by step in plain words and show the arithmetic; do not "
    "write any code. End with the final answer, a single number, in \\boxed{}.";
constexpr Gsm8kPromptStyle kGsm8kStyles[] = {
    {kGsm8kStylePlainBoxed, "", kPlainBoxed, false},
    {kGsm8kStylePlainBoxedSystem, kPlainBoxed, "", false},
    {kGsm8kStylePlainBoxedLast, "", kPlainBoxed, true},
    {kGsm8kStyleQwenBoxed, "Please reason step by step, and put your final answer within \\boxed{}.", "", false},
    {kGsm8kStyleAnswerIs, "",
     "Solve the following math problem step by step. At the end, write the final answer as "
     "\"The answer is N.\" where N is a number.", false},
};

class Gsm8kTask : public Task {
 public:
  explicit Gsm8kTask(const TaskOptions& o)
      : options_(o),
        style_(Gsm8kPromptStyleByName(o.prompt_style)),
        system_(style_.system.empty() ? o.system_prompt : std::string(style_.system)) {
    path_ = o.data.empty() ? DefaultDataDir() + "/gsm8k/train.jsonl" : o.data;
    const std::vector<Gsm8kRow> rows = ReadGsm8kFile(path_);
    // Exemplars: the first `shots` rows of the train split. When the items
    // come from the same file, they are not asked as questions.
    const std::string train = DefaultDataDir() + "/gsm8k/train.jsonl";
    std::vector<Gsm8kRow> train_rows;
    const bool same_file = o.data.empty() || o.data == train;
    if (o.shots > 0) train_rows = same_file ? rows : ReadGsm8kFile(train);
    if (o.shots > static_cast<int>(train_rows.size()) && o.shots > 0) {
      throw Error(ErrorCode::kInvalidArgument, "--shots is larger than the train split");
    }
    std::string shots_text;
    for (int s = 0; s < o.shots; ++s) {
      const Gsm8kRow& r = train_rows[s];
      std::string solution = StripCalculatorAnnotations(r.answer);
      solution = solution.substr(0, solution.rfind("####"));
      while (!solution.empty() && (solution.back() == '\n' || solution.back() == ' ')) solution.pop_back();
      shots_text += "Question: " + r.question + "\nAnswer: " + solution + "\nThe answer is " + r.reference + ".\n\n";
    }
    const size_t first = same_file ? static_cast<size_t>(o.shots) : 0;
    for (size_t i = first; i < rows.size(); ++i) {
      if (o.limit > 0 && static_cast<int>(items_.size()) >= o.limit) break;
      const Gsm8kRow& r = rows[i];
      EvalItem item;
      item.id = std::to_string(i);
      if (!system_.empty()) item.messages.push_back({"system", system_});
      const std::string instruction(style_.instruction);
      std::string user = shots_text + "Question: " + r.question;
      if (!instruction.empty()) {
        user = style_.instruction_last ? user + "\n\n" + instruction : instruction + "\n\n" + user;
      }
      if (o.shots > 0) user += "\nAnswer:";
      item.messages.push_back({"user", user});
      item.reference = r.reference;
      items_.push_back(std::move(item));
    }
  }
  std::string name() const override { return "gsm8k"; }
  // Greedy answers under the 384-token cap of the first runs were cut 23 %
  // of the time (eval-results/qwen-gsm8k), and the uncut ones already reach
  // 355 tokens at p90 (median 270): the cap must sit well above the tail.
  int default_max_tokens() const override { return kGsm8kDefaultMaxTokens; }
  const std::vector<EvalItem>& items() const override { return items_; }

  // Primary value: strict (the last final-answer marker's number equals the
  // reference); flexible (last-number fallback) goes in the details.
  ItemScore Score(const EvalItem& item, std::string_view response) const override {
    const FinalAnswer answer = ExtractFinalAnswer(response);
    ItemScore s;
    s.extracted = answer.strict.value_or("");
    s.value = answer.strict && SameNumber(*answer.strict, item.reference) ? 1.0 : 0.0;
    s.details = {{"flexible", answer.flexible && SameNumber(*answer.flexible, item.reference)},
                 {"flexible_answer", answer.flexible.value_or("")},
                 {"marker", AnswerMarkerName(answer.marker)},
                 {"output_block", HasOutputBlock(response)}};
    return s;
  }

  // Votes compare the strict answer, the one scored.
  AnswerRule VoteAnswerRule(const EvalItem&) const override { return {AnswerRule::Kind::kMath, true, {}}; }

  // Records from before issue 8 have empty details: they count in n_legacy
  // only (rescoring gives them details).
  nlohmann::json Summarize(std::span<const EvalRecord> records) const override {
    int n = 0, strict = 0, flexible = 0, no_marker = 0, output_block = 0, truncated = 0, legacy = 0;
    for (const EvalRecord& r : records) {
      if (r.details.empty()) {
        ++legacy;
        continue;
      }
      ++n;
      strict += r.correct > 0.5;
      flexible += r.details.value("flexible", false);
      no_marker += r.details.value("marker", "") == AnswerMarkerName(AnswerMarker::kNone);
      output_block += r.details.value("output_block", false);
      truncated += CutShort(r);
    }
    const auto share = [n](int k) { return n > 0 ? static_cast<double>(k) / n : 0.0; };
    nlohmann::json out = {{"n", n},
                          {"strict_accuracy", share(strict)},
                          {"flexible_accuracy", share(flexible)},
                          {"no_marker_rate", share(no_marker)},
                          {"cap_hit_rate", share(truncated)},
                          {"output_block_rate", share(output_block)}};
    if (legacy > 0) out["n_legacy"] = legacy;
    return out;
  }

  // Empty (a record made before issue 8) or exactly what Score writes.
  void CheckDetails(const JsonFields& d) const override {
    if (d.value().empty()) return;
    d.OnlyKeys({"flexible", "flexible_answer", "marker", "output_block"}, "a gsm8k detail");
    d.Bool("flexible");
    d.String("flexible_answer");
    d.Bool("output_block");
    const std::string marker = d.String("marker");
    for (AnswerMarker m : {AnswerMarker::kNone, AnswerMarker::kBoxed, AnswerMarker::kAnswerIs,
                           AnswerMarker::kFinalAnswer, AnswerMarker::kHashes}) {
      if (marker == AnswerMarkerName(m)) return;
    }
    d.Fail("field '" + d.Name("marker") + "' must be none, boxed, answer-is, final-answer or hashes");
  }

  // The style before issue 8 keeps the identity its runs recorded, so their
  // folders can still be resumed and rescored; the others name the style and
  // its text (an edited instruction is another run).
  nlohmann::json Identity() const override {
    nlohmann::json id = {{"task", "gsm8k"}, {"data", path_}, {"shots", options_.shots}, {"system", system_}};
    if (style_.name != kGsm8kStyleAnswerIs) {
      id["prompt_style"] = style_.name;
      id["instruction"] = style_.instruction;
    }
    return id;
  }

 private:
  TaskOptions options_;
  const Gsm8kPromptStyle& style_;
  std::string system_;  // the system message sent ("" = none)
  std::string path_;
  std::vector<EvalItem> items_;
};

// ---------------------------------------------------------------- arith

// SplitMix64 for item generation: the items depend only on (seed, index).
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class ItemRng {
 public:
  ItemRng(uint64_t seed, uint64_t index) : state_(Mix(seed ^ Mix(index))) {}
  int64_t Range(int64_t lo, int64_t hi) {  // inclusive
    state_ = Mix(state_);
    return lo + static_cast<int64_t>(state_ % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

std::string Decimal(int64_t units, int places) {  // units / 10^places as text
  std::string s = std::to_string(units < 0 ? -units : units);
  if (places > 0) {
    while (static_cast<int>(s.size()) <= places) s.insert(s.begin(), '0');
    s.insert(s.end() - places, '.');
  }
  return (units < 0 ? "-" : "") + s;
}

struct ArithQuestion {
  std::string text, answer;
  bool comparison = false;
  std::string a, b;  // the comparison's candidates
};

// Difficulty 1: one- and two-digit + and -, comparisons like 9.9 vs 9.11.
// Difficulty 2: three-digit + and -, two-digit x, two-place decimals.
// Difficulty 3: a x b + c with two- and three-digit operands, three-place decimals.
ArithQuestion MakeArithQuestion(uint64_t seed, uint64_t index, int difficulty) {
  ItemRng rng(seed, index);
  ArithQuestion q;
  const int kind = static_cast<int>(rng.Range(0, 3));  // 0..2 arithmetic, 3 comparison
  if (kind == 3) {
    // Same integer part, fractional parts of different lengths: the trap is
    // reading "9.11" as larger than "9.9" because 11 > 9.
    const int places_long = difficulty + 1;
    const int64_t whole = rng.Range(1, difficulty == 1 ? 9 : 99);
    int64_t short_frac = rng.Range(1, 9);  // one decimal place
    int64_t pow = 1;
    for (int i = 0; i < places_long; ++i) pow *= 10;
    int64_t long_frac = rng.Range(pow / 10 + 1, pow - 1);
    if (long_frac % 10 == 0) long_frac += 1;
    if (long_frac * 10 == short_frac * pow) long_frac += 1;
    const std::string s1 = Decimal(whole * 10 + short_frac, 1);
    const std::string s2 = Decimal(whole * pow + long_frac, places_long);
    const bool first_larger = short_frac * pow > long_frac * 10;
    const bool swap = rng.Range(0, 1) == 1;
    q.a = swap ? s2 : s1;
    q.b = swap ? s1 : s2;
    q.comparison = true;
    q.answer = first_larger ? s1 : s2;
    q.text = "Which is larger, " + q.a + " or " + q.b + "? Answer with the larger number.";
    return q;
  }
  int64_t x = 0, y = 0, z = 0;
  std::string op;
  int64_t result = 0;
  if (difficulty == 1) {
    x = rng.Range(2, 99), y = rng.Range(2, 9 + 90 * (kind == 0));
    op = kind == 1 ? "-" : "+";
    result = op == "+" ? x + y : x - y;
  } else if (difficulty == 2) {
    if (kind == 2) {
      x = rng.Range(11, 99), y = rng.Range(11, 99), op = "*", result = x * y;
    } else {
      x = rng.Range(100, 999), y = rng.Range(100, 999), op = kind == 1 ? "-" : "+";
      result = op == "+" ? x + y : x - y;
    }
  } else {
    x = rng.Range(12, 99), y = rng.Range(12, 999), z = rng.Range(100, 9999);
    op = kind == 1 ? "* - " : "* + ";
    result = op == "* + " ? x * y + z : x * y - z;
  }
  if (difficulty == 3) {
    q.text = "What is " + std::to_string(x) + " * " + std::to_string(y) + (kind == 1 ? " - " : " + ") +
             std::to_string(z) + "?";
  } else {
    q.text = "What is " + std::to_string(x) + " " + op + " " + std::to_string(y) + "?";
  }
  q.text += " Answer with the number.";
  q.answer = std::to_string(result);
  return q;
}

constexpr ArithSplit kArithSplits[] = {{"dev", 101, 500, nullptr}, {"holdout", 102, 1000, "dev"}};

const ArithSplit& FindArithSplit(const std::string& name) {
  std::string known;
  for (const ArithSplit& s : kArithSplits) {
    if (name == s.name) return s;
    known += (known.empty() ? "" : ", ") + std::string(s.name);
  }
  throw Error(ErrorCode::kInvalidArgument, "--split: unknown split '" + name + "' (arith has " + known + ")");
}

// The question texts of a split's items (all of them, whatever --limit says).
std::set<std::string> SplitQuestions(const ArithSplit& split, int difficulty) {
  std::set<std::string> texts;
  for (int i = 0; i < split.items; ++i) {
    texts.insert(MakeArithQuestion(split.item_seed, static_cast<uint64_t>(i), difficulty).text);
  }
  return texts;
}

class ArithTask : public Task {
 public:
  explicit ArithTask(const TaskOptions& o) : options_(o) {
    if (o.difficulty < 1 || o.difficulty > 3) throw Error(ErrorCode::kInvalidArgument, "--difficulty must be 1, 2 or 3");
    int n = o.limit > 0 ? o.limit : 200;
    std::set<std::string> excluded;  // questions of the split this one must not share
    if (!o.split.empty()) {
      const ArithSplit& split = FindArithSplit(o.split);
      options_.seed = split.item_seed;
      n = o.limit > 0 ? std::min(o.limit, split.items) : split.items;
      if (split.disjoint_from) excluded = SplitQuestions(FindArithSplit(split.disjoint_from), o.difficulty);
    }
    // Ids are generator indices, so an item skipped for its question leaves a gap.
    for (uint64_t i = 0; static_cast<int>(items_.size()) < n; ++i) {
      const ArithQuestion q = MakeArithQuestion(options_.seed, i, o.difficulty);
      if (excluded.count(q.text)) continue;
      EvalItem item;
      item.id = std::to_string(i);
      if (!o.system_prompt.empty()) item.messages.push_back({"system", o.system_prompt});
      item.messages.push_back({"user", q.text});
      item.reference = q.answer;
      if (q.comparison) item.data = {{"kind", "comparison"}, {"candidates", {q.a, q.b}}};
      else item.data = {{"kind", "arithmetic"}};
      items_.push_back(std::move(item));
    }
  }
  std::string name() const override { return "arith"; }
  // 256: greedy SmolLM2-135M hits it on 1 % of the first 100 dev items (64,
  // the cap before, cut 39 % of them; the < 2 % rule of gsm8k's cap).
  int default_max_tokens() const override { return 256; }
  const std::vector<EvalItem>& items() const override { return items_; }
  ItemScore Score(const EvalItem& item, std::string_view response) const override {
    // The reading a vote uses too: one rule, so the two cannot drift apart.
    const std::optional<Answer> got = RuleAnswerHook(VoteAnswerRule(item))(response);
    ItemScore s;
    s.extracted = got ? got->key : "";
    s.value = got && SameNumber(got->key, item.reference) ? 1.0 : 0.0;
    return s;
  }
  AnswerRule VoteAnswerRule(const EvalItem& item) const override {
    if (item.data.value("kind", "") != "comparison") return {AnswerRule::Kind::kMath, false, {}};
    return {AnswerRule::Kind::kFirst, false, item.data.at("candidates").get<std::vector<std::string>>()};
  }
  nlohmann::json Identity() const override {
    nlohmann::json id = {{"task", "arith"}, {"item_seed", options_.seed}, {"difficulty", options_.difficulty},
                         {"system", options_.system_prompt}};
    if (!options_.split.empty()) {
      id["split"] = options_.split;
      if (const char* other = FindArithSplit(options_.split).disjoint_from) id["disjoint_from"] = other;
    }
    return id;
  }

 private:
  TaskOptions options_;
  std::vector<EvalItem> items_;
};

}  // namespace

std::span<const Gsm8kPromptStyle> Gsm8kPromptStyles() { return kGsm8kStyles; }

std::span<const ArithSplit> ArithSplits() { return kArithSplits; }

const Gsm8kPromptStyle& Gsm8kPromptStyleByName(std::string_view name) {
  if (name.empty()) name = kGsm8kDefaultStyle;
  std::string names;
  for (const Gsm8kPromptStyle& s : kGsm8kStyles) {
    if (s.name == name) return s;
    names += (names.empty() ? "" : ", ") + std::string(s.name);
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown GSM8K prompt style '" + std::string(name) + "': use " + names);
}

bool HasOutputBlock(std::string_view response) { return response.find("```output") != std::string_view::npos; }

std::optional<std::string> FirstCandidateMentioned(std::string_view response, const std::string& a,
                                                   const std::string& b) {
  const std::optional<Answer> got = FirstCandidateAnswer(response, {a, b});
  if (!got) return std::nullopt;
  return got->key;
}

std::unique_ptr<Task> MakeGsm8kTask(const TaskOptions& o) { return std::make_unique<Gsm8kTask>(o); }
std::unique_ptr<Task> MakeArithTask(const TaskOptions& o) { return std::make_unique<ArithTask>(o); }

}  // namespace entropix
