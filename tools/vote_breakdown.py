#!/usr/bin/env python3
"""Breaks a `vote` sampler's records down against greedy in one eval folder.

Reads only results.jsonl (stdlib only), so every number can be recomputed
from the committed files. For each vote sampler, on the items that it and
greedy both finished:

  * how the vote stopped (gate, consensus, max_traces, ...), forward
    tokens per item against greedy's (with those spent in unused speculative
    forks) and the ratio of summed per-item wall time;
  * on the items the gate kept (one trace) and on the forked ones: scores of
    greedy and of the vote, items right only with one of them (McNemar);
  * on forked items: how each trace ended, per origin (greedy, a fork at
    position 0 — the plan's first when the profile includes it —, entropy
    forks elsewhere, loop escapes, ...), and the scores of greedy and of the
    vote by how the chosen trace ended.

Usage: tools/vote_breakdown.py eval-results/smollm2-ifeval-dev-vote [--greedy greedy]
"""
import argparse
import collections

from eval_breakdown import load, mcnemar  # the same record reader and exact test


def compare(label, items, greedy, vote):
    g = [greedy[i]["correct"] for i in items]
    v = [vote[i]["correct"] for i in items]
    only_v = sum(1 for a, b in zip(g, v) if b > a)
    only_g = sum(1 for a, b in zip(g, v) if a > b)
    n = len(items)
    if n == 0:
        print(f"  {label}: no items")
        return
    print(f"  {label}: {n} items, greedy {sum(g) / n:.3f}, vote {sum(v) / n:.3f}, "
          f"right only with the vote {only_v}, only with greedy {only_g}, McNemar p {mcnemar(only_v, only_g):.3f}")


def origin_of(t):
    if t["origin"] != "greedy" and t["fork_position"] == 0 and t["parent"] >= 0:
        return t["origin"] + " @0"
    return t["origin"]


def report(name, greedy, vote):
    items = sorted(set(greedy) & set(vote), key=lambda i: greedy[i]["index"])
    print(f"== {name}: {len(items)} items paired with greedy")
    if not items:
        return
    stops = collections.Counter(vote[i]["vote"]["stop_reason"] for i in items)
    print("  stop reasons:", dict(stops))
    gt = sum(greedy[i]["forward_tokens"] for i in items) / len(items)
    vt = sum(vote[i]["forward_tokens"] for i in items) / len(items)
    spec = sum(vote[i]["vote"].get("speculative_tokens", 0) for i in items) / len(items)
    print(f"  forward tokens/item: greedy {gt:.0f}, vote {vt:.0f} ({vt / gt:.2f}x; "
          f"{spec:.0f} of them in unused speculative forks)")
    gs = sum(greedy[i]["seconds"] for i in items)
    vs = sum(vote[i]["seconds"] for i in items)
    print(f"  wall time, summed per-item seconds: greedy {gs:.1f}, vote {vs:.1f} ({vs / gs:.2f}x; "
          "comparable only when the run was alone on the machine with --parallel 1)")
    gated = [i for i in items if vote[i]["vote"]["stop_reason"] == "gate"]
    forked = [i for i in items if vote[i]["vote"]["stop_reason"] != "gate"]
    compare("all", items, greedy, vote)
    compare("kept by the gate", gated, greedy, vote)
    compare("forked", forked, greedy, vote)
    ends = collections.defaultdict(collections.Counter)  # origin -> end -> traces
    chosen_end = collections.Counter()
    by_chosen_end = collections.defaultdict(list)  # end of the chosen trace -> items
    for i in forked:
        v = vote[i]["vote"]
        for t in v["per_trace"]:
            ends[origin_of(t)][t["end"]] += 1
        chosen = next(t for t in v["per_trace"] if t["id"] == v["chosen_trace"])
        chosen_end[f'{origin_of(chosen)}, {chosen["end"]}'] += 1
        by_chosen_end[chosen["end"]].append(i)
    print("  forked items, how traces ended, by origin (@0: a fork at position 0):")
    for origin, c in sorted(ends.items()):
        total = sum(c.values())
        print(f"    {origin:16s} {total:4d} traces: " + ", ".join(f"{e} {n}" for e, n in c.most_common()))
    print("  forked items, the chosen trace (origin, end):", dict(chosen_end.most_common()))
    for end, chosen_items in sorted(by_chosen_end.items()):
        compare(f"forked, chosen trace ended by '{end}'", chosen_items, greedy, vote)
    changed = sum(1 for i in forked if vote[i]["response"] != greedy[i]["response"])
    print(f"  forked items whose returned reply differs from greedy's: {changed} of {len(forked)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--greedy", default="greedy", help="the greedy sampler's label")
    args = ap.parse_args()
    recs = load(args.folder)
    if args.greedy not in recs:
        raise SystemExit(f"error: no '{args.greedy}' records in {args.folder}/results.jsonl")
    for name, by_item in sorted(recs.items()):
        if name != args.greedy and any("vote" in r for r in by_item.values()):
            report(name, recs[args.greedy], by_item)


if __name__ == "__main__":
    main()
