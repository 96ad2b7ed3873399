// Our IFEval checkers against the reference implementation (Google's IFEval
// code as shipped in lm-eval 0.4.13): tests/golden/ifeval/reference_verdicts.jsonl
// holds the reference's strict and loose verdict for 1,777 (response,
// instruction) pairs, made by tools/make_ifeval_golden.py (SmolLM2's greedy
// and entropix IFEval responses plus hand-written edge cases).
//
// Every instruction type must agree exactly, except those in AllowedMismatches():
// deliberate differences, each capped at the mismatch count measured when it
// was written, so a regression still fails. For english_capital /
// english_lowercase we compare with the reference's case rule alone (its
// verdict with language detection answering "en", recorded as case_strict /
// case_loose): we do not detect the language offline (docs/EVALUATION.md).
// The test prints a per-type agreement table (ENTROPIX_IFEVAL_VERBOSE=1 also
// lists the responses whose sentence/word/capital-word counts differ).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "eval/ifeval_checkers.h"

namespace entropix {
namespace {

using json = nlohmann::json;

struct Allowed {
  int strict;  // at most this many strict mismatches
  int loose;   // and loose mismatches
  const char* reason;
};

// Deliberate differences, capped at the counts measured on the golden file
// (tests/golden/README.md, ifeval/).
const std::map<std::string, Allowed>& AllowedMismatches() {
  static const std::map<std::string, Allowed> allowed = {
      {"detectable_format:json_format",
       {1, 1,
        "Python's json.loads accepts NaN/Infinity, which are not JSON (RFC 8259); we do not "
        "(hand-written case {\"a\": NaN})"}},
  };
  return allowed;
}

struct Tally {
  int n = 0, strict_agree = 0, loose_agree = 0;
  int lang_strict_agree = 0, lang_loose_agree = 0;  // vs the verdict with language detection
  bool has_lang = false;
  int counts = 0, counts_equal = 0;  // our count vs the reference's (counting checks)
  long count_abs_diff = 0;
  std::vector<std::string> examples;
};

// Our count for a counting check (the reference's is recorded as "count").
int OurCount(const std::string& id, const std::string& response) {
  if (id == "length_constraints:number_sentences") return CountSentences(response);
  if (id == "length_constraints:number_words") return CountWords(response);
  return CountCapitalWords(response);  // change_case:capital_word_frequency
}

std::string Snippet(const std::string& s) {
  std::string out = s.substr(0, 160);
  if (s.size() > 160) out += "...";
  return json(out).dump();
}

TEST(IfevalReference, AgreesWithTheReferenceVerdicts) {
  const std::string path = std::string(ENTROPIX_TEST_DATA_DIR) + "/ifeval/reference_verdicts.jsonl";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::map<std::string, Tally> tally;
  json left_out = json::object();  // instruction ids the golden file has no cases for
  std::string line;
  int responses = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json rec = json::parse(line);
    if (rec.contains("meta")) {
      left_out = rec["meta"].value("left_out", json::object());
      continue;
    }
    ++responses;
    const std::string response = rec["response"];
    for (const auto& c : rec["checks"]) {
      const std::string id = c["id"];
      const bool strict = CheckStrict(id, c["kwargs"], response) == CheckResult::kFollowed;
      const bool loose = CheckLoose(id, c["kwargs"], response) == CheckResult::kFollowed;
      const bool case_only = c.contains("case_strict");
      const bool want_strict = case_only ? c["case_strict"].get<bool>() : c["strict"].get<bool>();
      const bool want_loose = case_only ? c["case_loose"].get<bool>() : c["loose"].get<bool>();
      Tally& t = tally[id];
      ++t.n;
      t.strict_agree += strict == want_strict;
      t.loose_agree += loose == want_loose;
      if (c.contains("count")) {
        const int ours = OurCount(id, response), theirs = c["count"].get<int>();
        ++t.counts;
        t.counts_equal += ours == theirs;
        t.count_abs_diff += std::abs(ours - theirs);
        if (ours != theirs && std::getenv("ENTROPIX_IFEVAL_VERBOSE")) {
          std::printf("count %s %s: ours %d, reference %d: %s\n", id.c_str(), rec["source"].get<std::string>().c_str(),
                      ours, theirs, json(response).dump().c_str());
        }
      }
      if (case_only) {
        t.has_lang = true;
        t.lang_strict_agree += strict == c["strict"].get<bool>();
        t.lang_loose_agree += loose == c["loose"].get<bool>();
      }
      if ((strict != want_strict || loose != want_loose) && t.examples.size() < 6) {
        t.examples.push_back(rec["source"].get<std::string>() + " kwargs=" + c["kwargs"].dump() + " ours strict=" +
                             std::to_string(strict) + " loose=" + std::to_string(loose) + ", reference strict=" +
                             std::to_string(want_strict) + " loose=" + std::to_string(want_loose) +
                             " response=" + Snippet(response));
      }
    }
  }
  ASSERT_GT(responses, 1000);
  // Every checked instruction type has golden cases, except those the golden
  // file's meta says it left out: language:response_language, whose reference
  // verdict comes from langdetect, another detector than ours (CLD2; see
  // ifeval_language_test.cc).
  for (const std::string& id : CheckedInstructionIds()) {
    EXPECT_TRUE(tally.count(id) || left_out.contains(id)) << id << " has no golden cases";
  }

  std::printf("\n%-46s %5s %13s %13s\n", "instruction (ours vs reference)", "n", "strict agree", "loose agree");
  int total = 0, total_strict = 0, total_loose = 0;
  for (const auto& [id, t] : tally) {
    std::printf("%-46s %5d %6d %5.1f%% %6d %5.1f%%\n", id.c_str(), t.n, t.strict_agree, 100.0 * t.strict_agree / t.n,
                t.loose_agree, 100.0 * t.loose_agree / t.n);
    if (t.has_lang) {
      std::printf("%-46s %5s %6d %5.1f%% %6d %5.1f%%\n", "  (with the reference's language detection)", "",
                  t.lang_strict_agree, 100.0 * t.lang_strict_agree / t.n, t.lang_loose_agree,
                  100.0 * t.lang_loose_agree / t.n);
    }
    total += t.n;
    total_strict += t.strict_agree;
    total_loose += t.loose_agree;
  }
  std::printf("%-46s %5d %6d %5.1f%% %6d %5.1f%%\n\n", "all", total, total_strict, 100.0 * total_strict / total,
              total_loose, 100.0 * total_loose / total);
  std::printf("%-46s %5s %13s %13s\n", "counts (ours vs reference, response as is)", "n", "equal", "mean |diff|");
  for (const auto& [id, t] : tally) {
    if (t.counts == 0) continue;
    std::printf("%-46s %5d %6d %5.1f%% %13.2f\n", id.c_str(), t.counts, t.counts_equal,
                100.0 * t.counts_equal / t.counts, static_cast<double>(t.count_abs_diff) / t.counts);
  }
  std::printf("\n");

  for (const auto& [id, t] : tally) {
    const int strict_miss = t.n - t.strict_agree, loose_miss = t.n - t.loose_agree;
    std::string examples;
    for (const auto& e : t.examples) examples += "\n  " + e;
    const auto it = AllowedMismatches().find(id);
    const int max_strict = it == AllowedMismatches().end() ? 0 : it->second.strict;
    const int max_loose = it == AllowedMismatches().end() ? 0 : it->second.loose;
    EXPECT_LE(strict_miss, max_strict) << id << ": strict verdicts differ from the reference" << examples;
    EXPECT_LE(loose_miss, max_loose) << id << ": loose verdicts differ from the reference" << examples;
    if (it != AllowedMismatches().end() && (strict_miss > 0 || loose_miss > 0)) {
      std::printf("allowed: %s differs on %d strict, %d loose: %s\n", id.c_str(), strict_miss, loose_miss,
                  it->second.reason);
    }
    if (it != AllowedMismatches().end() && (strict_miss < max_strict || loose_miss < max_loose)) {
      std::printf("note: %s now differs less (strict %d, loose %d) than allowed (%d, %d): tighten kAllowed\n",
                  id.c_str(), strict_miss, loose_miss, max_strict, max_loose);
    }
  }
}

}  // namespace
}  // namespace entropix
