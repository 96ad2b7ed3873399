// `entropix replay`: replays decoding methods on stored trace pools
// (src/eval/replay.h); no model is loaded.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <sstream>
#include <set>
#include <optional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "decoding/vote_profile.h"
#include "eval/checkpoint.h"
#include "eval/replay.h"
#include "eval/trace_pool.h"
#include "store/sha256.h"

namespace entropix {

namespace fs = std::filesystem;

CLI::App* AddReplayCommand(CLI::App& app, ReplayArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "replay", "Replay greedy, self-consistency, CoT-decoding and vote profiles on stored trace pools (no model)");
  cmd->add_option("pools", a.pools, "Pool folders made by `eval --pool` (or their pool.jsonl)")->required();
  cmd->add_option("--methods", a.methods,
                  "Comma-separated: greedy, sc@K, cot@K, a vote profile name or file, or a grid "
                  "PROFILE:KEY=V1|V2:... (one method per combination)")
      ->capture_default_str();
  cmd->add_option("-o,--output", a.out_dir, "Folder for replay.json, replay.md, replay_items.jsonl and replay.svg");
  cmd->add_option("--resamples", a.resamples, "Bootstrap resamples")->check(CLI::Range(100, 1000000));
  cmd->add_option("-s,--seed", a.seed, "Bootstrap seed")->check(CLI::NonNegativeNumber);
  cmd->add_option("--choose", a.choose,
                  "Pick the most accurate vote method at <= X times greedy's mean compute (ties: less compute) "
                  "and write it to chosen_profile.json in the -o folder")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--items", a.items_file,
                  "Replay only the pool items whose ids this file lists (first field per line, '#' comments; "
                  "e.g. from `entropix eval ... --list-items`)");
  cmd->add_option("--versus", a.versus,
                  "A method of --methods (its label as listed) to compare every other method with, paired, "
                  "with Holm-adjusted McNemar p");
  return cmd;
}

namespace {

// Prints the chosen method; writes its profile (with -o) and returns the
// JSON block replay.json records. Null when --choose is off.
nlohmann::json ReportChoice(const ReplayArgs& a, const std::vector<ReplayRow>& rows,
                            const std::vector<ReplayMethod>& methods, size_t n_items) {
  if (a.choose <= 0.0) return nullptr;
  const int i = ChooseMethod(rows, methods, a.choose);
  nlohmann::json out = {{"max_compute_vs_greedy", a.choose}};
  if (i < 0) {
    std::printf("\nchoose: no vote method was replayed on every item at <= %.2fx greedy's compute\n", a.choose);
    out["chosen"] = nullptr;
    return out;
  }
  const ReplayRow& row = rows[static_cast<size_t>(i)];
  out["chosen"] = row.label;
  std::printf("\nchoose: %s (accuracy %.3f, %.2fx greedy's compute, among vote methods at <= %.2fx)\n",
              row.label.c_str(), row.accuracy.estimate, row.compute_vs_greedy, a.choose);
  if (!a.out_dir.empty()) {
    VoteProfile p = methods[static_cast<size_t>(i)].profile;
    char why[160];
    std::snprintf(why, sizeof why, "chosen by entropix replay --choose %.2f on %zu pool items: ", a.choose, n_items);
    p.name += "-chosen";  // not to be mistaken for the base profile it was derived from
    p.description = why + row.label;
    const std::string text = VoteProfileToJson(p);
    const fs::path file = fs::path(a.out_dir) / "chosen_profile.json";
    WriteFileAtomically(file, text);
    out["profile_sha256"] = Sha256::Hex(text);
    std::printf("choose: wrote %s (sha256 %s)\n", file.string().c_str(), Sha256::Hex(text).c_str());
  }
  return out;
}

}  // namespace

namespace {

std::vector<PoolItem> ReadPools(const std::vector<std::string>& pools) {
  std::vector<PoolItem> items;
  for (const std::string& p : pools) {
    const fs::path file = fs::is_directory(p) ? fs::path(p) / "pool.jsonl" : fs::path(p);
    if (!fs::is_regular_file(file)) throw Error(ErrorCode::kNotFound, "no pool file '" + file.string() + "'");
    bool torn = false;
    std::vector<PoolItem> more = ReadPoolFile(file, &torn);
    // Item order: lines are written as items finish (eval --pool --parallel),
    // and the bootstrap resamples by position.
    std::stable_sort(more.begin(), more.end(), [](const PoolItem& x, const PoolItem& y) { return x.index < y.index; });
    if (torn) std::fprintf(stderr, "replay: %s: a torn last line was left out\n", file.string().c_str());
    items.insert(items.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return items;
}

// --items FILE: the first whitespace-separated field of each line that is
// not empty or a '#' comment (what `eval --list-items` prints).
std::set<std::string> ReadItemIds(const std::string& path) {
  std::ifstream in(path);
  if (!in || !fs::is_regular_file(path)) throw Error(ErrorCode::kIo, "--items: cannot read '" + path + "'");
  std::set<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id;
    if (fields >> id && id[0] != '#') ids.insert(id);
  }
  if (ids.empty()) throw Error(ErrorCode::kInvalidArgument, "--items: '" + path + "' lists no item ids");
  return ids;
}

void KeepListedItems(std::vector<PoolItem>& items, const std::string& path) {
  const std::set<std::string> ids = ReadItemIds(path);
  const size_t before = items.size();
  std::erase_if(items, [&](const PoolItem& item) { return !ids.count(item.item); });
  std::fprintf(stderr, "replay: --items %s: %zu of %zu pool items kept (%zu ids listed)\n", path.c_str(), items.size(),
               before, ids.size());
}

// The index of --versus among the methods, checked before anything is replayed.
std::optional<size_t> VersusIndex(const std::vector<ReplayMethod>& methods, const std::string& label) {
  if (label.empty()) return std::nullopt;
  for (size_t i = 0; i < methods.size(); ++i) {
    if (methods[i].label == label) return i;
  }
  throw Error(ErrorCode::kInvalidArgument, "--versus '" + label + "' is not one of the --methods labels");
}

}  // namespace

int ReplayCommand(const ReplayArgs& a) {
  const std::vector<ReplayMethod> methods = ParseReplayMethods(a.methods);
  const std::optional<size_t> base = VersusIndex(methods, a.versus);
  std::vector<PoolItem> items = ReadPools(a.pools);
  if (!a.items_file.empty()) KeepListedItems(items, a.items_file);
  if (items.empty()) throw Error(ErrorCode::kInvalidArgument, "the pools hold no items (to replay)");
  const std::vector<ReplayRow> rows = ReplayPool(items, methods, a.resamples, a.seed);
  std::string md = ReplayMarkdown(rows);
  nlohmann::json versus;
  if (base) {
    const std::vector<VersusRow> vs = CompareWith(rows, *base, a.resamples, a.seed);
    md += "\n" + VersusMarkdown(vs, *base, a.resamples);
    versus = VersusJson(vs, *base);
  }
  std::printf("%zu pool items\n\n%s", items.size(), md.c_str());
  if (!a.out_dir.empty()) fs::create_directories(a.out_dir);
  const nlohmann::json choice = ReportChoice(a, rows, methods, items.size());
  if (!a.out_dir.empty()) {
    nlohmann::json summary = {{"items", items.size()}, {"methods", ReplayJson(rows)}};
    if (!a.items_file.empty()) summary["items_file"] = a.items_file;
    if (!choice.is_null()) summary["choose"] = choice;
    if (!versus.is_null()) summary["versus"] = versus;
    WriteFileAtomically(fs::path(a.out_dir) / "replay.json", summary.dump(2) + "\n");
    WriteFileAtomically(fs::path(a.out_dir) / "replay.md", md);
    WriteFileAtomically(fs::path(a.out_dir) / "replay_items.jsonl", ReplayItemsJsonl(rows));
    WriteFileAtomically(fs::path(a.out_dir) / "replay.svg", ReplayChartSvg(rows));
  }
  return 0;
}

}  // namespace entropix
