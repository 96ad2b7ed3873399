#!/usr/bin/env python3
"""Writes the declared evaluation splits (data/splits/<task>.json): item ids
(0-based line numbers of the task's data file under ../shared/data) for
`dev` (choose methods here), `holdout` (run once, after a method is frozen)
and `calibration` (prompts `entropix calibrate` may fit on), pairwise
disjoint. The GSM8K *test* split is not part of the project: held-out data is
declared train items.

GSM8K (train.jsonl, 7,473 items):
  holdout      the last 1,319 train items (6154..7472), as the evaluation issue declares;
  dev          500 items drawn (seeded) from 200..6153, avoiding every item used before
               this file existed: 0..199 (the first evaluations), 1000..1039 (a prompt
               check) and the old calibration stride 0, 467, ..., 7005;
  calibration  16 further items from the same pool.
IFEval (input_data.jsonl, 541 prompts): a seeded permutation; its first 16 are
  calibration, the next 180 (a third) holdout, the remaining 345 dev. (All 541 were
  read in earlier analyses; the holdout third is the best that can be declared now.)

    python3 tools/make_splits.py ../shared/data data/splits
"""
import json
import os
import random
import sys

SEED = 20261127


def count_lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def write(out_dir, task, source, n, splits, note):
    ids = [i for s in splits.values() for i in s]
    assert len(ids) == len(set(ids)), "splits overlap"
    assert all(0 <= i < n for i in ids)
    doc = {"task": task, "source": source, "n_items": n, "seed": SEED, "made_by": "tools/make_splits.py",
           "note": note, "splits": {k: sorted(v) for k, v in splits.items()}}
    # One key per line, each id list on one line: diffs stay readable.
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in doc.items() if k != "splits"]
    lines.append(' "splits": {\n' + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}"
                                              for k, v in doc["splits"].items()) + "\n }")
    with open(os.path.join(out_dir, f"{task}.json"), "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(task, {k: len(v) for k, v in splits.items()})


def gsm8k(data, out_dir):
    n = count_lines(os.path.join(data, "gsm8k/train.jsonl"))
    assert n == 7473, n
    holdout = list(range(n - 1319, n))
    used = set(range(0, 200)) | set(range(1000, 1040)) | set(range(0, 16 * 467, 467))
    pool = [i for i in range(200, n - 1319) if i not in used]
    rng = random.Random(SEED)
    drawn = rng.sample(pool, 516)
    write(out_dir, "gsm8k", "gsm8k/train.jsonl", n,
          {"dev": drawn[:500], "holdout": holdout, "calibration": drawn[500:]},
          "GSM8K train only; the test split is deliberately absent")


def ifeval(data, out_dir):
    n = count_lines(os.path.join(data, "ifeval/input_data.jsonl"))
    assert n == 541, n
    order = list(range(n))
    random.Random(SEED + 1).shuffle(order)
    write(out_dir, "ifeval", "ifeval/input_data.jsonl", n,
          {"calibration": order[:16], "holdout": order[16:196], "dev": order[196:]},
          "holdout: seeded random third; all prompts were read in analyses before this file existed")


if __name__ == "__main__":
    data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else "data/splits"
    os.makedirs(out_dir, exist_ok=True)
    gsm8k(data, out_dir)
    ifeval(data, out_dir)
