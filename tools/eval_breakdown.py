#!/usr/bin/env python3
"""Breaks an `entropix eval` folder's results.jsonl down further than summary.md.

Reads only the per-item records (stdlib only), so every number it prints can be
recomputed from the committed files:

  * ifeval: strict pass counts per instruction type for each sampler, on the
    items every listed sampler finished;
  * any task: how often a sampler's first generated token differs from
    greedy's, and its score on items where the first token differs / agrees;
  * any task: pause insertions and stop reasons per sampler.

Usage: tools/eval_breakdown.py eval-results/smollm2-ifeval [--samplers a,b,c] [--top 12]
"""
import argparse
import collections
import json
import math
import os
import sys


def load(folder):
    recs = collections.defaultdict(dict)  # sampler -> item -> record
    with open(os.path.join(folder, "results.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line
            if r.get("draw", 0) == 0:  # with --draws, the breakdown reads the first draw
                recs[r["sampler"]][r["item"]] = r
    return recs


def mcnemar(b, c):
    """Exact two-sided McNemar p: min(1, 2 P[X <= min(b, c)]), X ~ Binomial(b + c, 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def short(label):
    return os.path.splitext(os.path.basename(label))[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--samplers", help="comma-separated labels (default: all in the file)")
    ap.add_argument("--top", type=int, default=12, help="instruction types shown (largest spread first)")
    ap.add_argument("--skip", type=int, default=0,
                    help="leave out the first N items in task order (e.g. those a variant was designed on)")
    a = ap.parse_args()
    recs = load(a.folder)
    labels = a.samplers.split(",") if a.samplers else list(recs)
    missing = [l for l in labels if l not in recs]
    if missing:
        sys.exit(f"no records for sampler(s) {missing} in {a.folder}; present: {list(recs)}")
    items = sorted(set.intersection(*(set(recs[l]) for l in labels)),
                   key=lambda i: recs[labels[0]][i].get("index", 0))
    items = items[a.skip:]
    scored = [i for i in items if all(recs[l][i].get("scored", True) for l in labels)]
    print(f"{a.folder}: {len(items)} items finished by all of {len(labels)} samplers, {len(scored)} scored\n")

    names = [short(l) for l in labels]
    print("| sampler | score | first token != greedy | score when != | score when = | pauses/answer | stopped by token limit |")
    print("|---|---|---|---|---|---|---|")
    g = recs.get("greedy")
    for l, n in zip(labels, names):
        rs = [recs[l][i] for i in scored]
        score = sum(r["correct"] for r in rs) / max(len(rs), 1)
        cells = ["—", "—", "—"]
        if g is not None and l != "greedy":
            diff = [r for r in rs if r["token_ids"][:1] != g[r["item"]]["token_ids"][:1]]
            same = [r for r in rs if r["token_ids"][:1] == g[r["item"]]["token_ids"][:1]]
            mean = lambda xs: f"{sum(x['correct'] for x in xs) / len(xs):.3f} (n={len(xs)})" if xs else "—"
            cells = [f"{len(diff) / max(len(rs), 1):.1%}", mean(diff), mean(same)]
        pauses = sum(r.get("pauses", 0) for r in rs) / max(len(rs), 1)
        limit = sum(r.get("stop") == "token limit" for r in rs) / max(len(rs), 1)
        print(f"| {n} | {score:.3f} | {' | '.join(cells)} | {pauses:.2f} | {limit:.1%} |")

    # Exact McNemar test of every sampler against greedy and against the first
    # entropix-policy sampler, on these items (the summary's test, recomputed
    # here so that a subset such as --skip can be tested).
    bases = [b for b in ("greedy", "entropix") if b in labels]
    if bases:
        print("\n| sampler | " + " | ".join(f"vs {b}: difference, McNemar p (only this / only {b})" for b in bases) + " |")
        print("|---|" + "---|" * len(bases))
        for l, n in zip(labels, names):
            cells = []
            for b in bases:
                if b == l:
                    cells.append("—")
                    continue
                only_l = sum(recs[l][i]["correct"] > recs[b][i]["correct"] for i in scored)
                only_b = sum(recs[b][i]["correct"] > recs[l][i]["correct"] for i in scored)
                diff = sum(recs[l][i]["correct"] - recs[b][i]["correct"] for i in scored) / max(len(scored), 1)
                cells.append(f"{diff:+.3f}, {mcnemar(only_l, only_b):.3f} ({only_l}/{only_b})")
            print(f"| {n} | " + " | ".join(cells) + " |")

    # IFEval: strict passes per instruction type.
    if a.top <= 0 or "instructions" not in recs[labels[0]][items[0]].get("details", {}):
        return
    passes = {l: collections.Counter() for l in labels}
    total = collections.Counter()
    for i in scored:
        for l in labels:
            for ins in recs[l][i]["details"]["instructions"]:
                if ins.get("skipped"):
                    continue
                if l == labels[0]:
                    total[ins["id"]] += 1
                passes[l][ins["id"]] += bool(ins.get("strict"))
    spread = lambda k: max(passes[l][k] for l in labels) - min(passes[l][k] for l in labels)
    kinds = sorted(total, key=lambda k: (-spread(k), k))[: a.top]
    print(f"\nstrict passes per instruction type (the {len(kinds)} with the largest spread between samplers)\n")
    print("| instruction | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for k in kinds:
        print(f"| {k} | {total[k]} | " + " | ".join(str(passes[l][k]) for l in labels) + " |")


if __name__ == "__main__":
    main()
