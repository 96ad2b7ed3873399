#!/usr/bin/env python3
"""Writes dev_prompts.jsonl, the development prompt set `entropix calibrate`
fits thresholds on: GSM8K *train* questions, IFEval prompts and a few
open-ended prompts. Never a test split. Deterministic: fixed strides.

    python3 profiles/calibration/make_dev_prompts.py ../shared/data > profiles/calibration/dev_prompts.jsonl
"""
import json
import sys

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
out = []
with open(f"{data}/gsm8k/train.jsonl") as f:
    gsm = [json.loads(line) for line in f]
for i in range(0, 16 * 467, 467):  # 16 questions spread over the 7,473
    out.append({"source": f"gsm8k/train.jsonl:{i + 1}", "prompt": gsm[i]["question"]})
with open(f"{data}/ifeval/input_data.jsonl") as f:
    ife = [json.loads(line) for line in f]
for i in range(0, 16 * 33, 33):  # 16 of the 541
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
