#!/usr/bin/env python3
"""Writes dev_prompts.jsonl, the development prompt set `entropix calibrate`
fits thresholds on: the GSM8K *train* questions and IFEval prompts of the
declared "calibration" splits (data/splits/gsm8k.json, data/splits/ifeval.json,
disjoint from every eval split), and a few open-ended prompts. Never a test
split. Deterministic.

    python3 profiles/calibration/make_dev_prompts.py ../shared/data > profiles/calibration/dev_prompts.jsonl

(Until this used the splits, it took GSM8K train items 0, 467, ..., 7005 and
IFEval prompts 0, 33, ..., 495, which overlap the evaluated items; the
committed profiles were fitted on that older set.)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = os.path.join(HERE, "..", "..", "data", "splits")


def calibration_ids(task):
    with open(os.path.join(SPLITS, f"{task}.json"), encoding="utf-8") as f:
        return json.load(f)["splits"]["calibration"]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
out = []
gsm = read_jsonl(f"{data}/gsm8k/train.jsonl")
for i in calibration_ids("gsm8k"):  # ids are 0-based lines; "source" keeps 1-based line numbers
    out.append({"source": f"gsm8k/train.jsonl:{i + 1}", "prompt": gsm[i]["question"]})
ife = read_jsonl(f"{data}/ifeval/input_data.jsonl")
for i in calibration_ids("ifeval"):
    out.append({"source": f"ifeval/input_data.jsonl:{i + 1}", "prompt": ife[i]["prompt"]})
OPEN = [
    "Write a short poem about the sea at night.",
    "What would happen if the Moon disappeared?",
    "Tell me a story about a robot who learns to paint.",
    "Give me three ideas for a birthday present for my grandmother.",
    "Why is the sky blue? Explain it to a child.",
    "Describe your perfect weekend.",
    "What are the pros and cons of working from home?",
    "Invent a new board game and explain the rules.",
]
for p in OPEN:
    out.append({"source": "open-ended", "prompt": p})
for o in out:
    print(json.dumps(o, ensure_ascii=False))
