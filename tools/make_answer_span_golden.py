#!/usr/bin/env python3
"""Writes tests/golden/answer_span/smollm2.json: real vote traces of the default
model (SmolLM2-135M-Instruct) with the answer span and answer-span margin
computed independently of our C++ (issue 10: "answer-span margin alignment on
golden traces").

Inputs, not checked: the traces' token ids and per-token p1 - p2 margins come
from `entropix run --sampler vote --trace` (realistic traces: forks, words
split into several tokens, non-ASCII text before the answer).

The reference (what the test checks), computed here without our code:
  * each token's bytes from the GGUF vocabulary, read with the `gguf` package
    (GPT-2 byte-level BPE: every character of a token string stands for one
    byte), so the response text is the concatenation of those bytes;
  * the strict answer: the number held by the last final-answer marker that
    holds one ("answer is N", "Final answer: N", "\\boxed{N}", "#### N"); a
    trace where that marker states a calculation is left out;
  * the answer's tokens: those whose bytes overlap the number's bytes;
  * the answer-span margin: the mean margin over those tokens.

Usage (gguf and numpy from pip, e.g. in a venv):
  python3 tools/make_answer_span_golden.py [--entropix build/apps/cli/entropix]
      [--model ~/.cache/entropix/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

import gguf

PROMPTS = [
    "What is 15 + 27? End with: The answer is N.",
    "A pen costs 3 dollars. How much do 4 pens cost? Finish with \\boxed{N}.",
    "Combien font 7 + 5 ? Réponds en français, puis écris : The answer is N.",
    "What is 9 × 8? End with: The answer is N.",
    "Tom has 12 apples and gives away 5. How many are left? End with: Final answer: N",
    "Résumé en une phrase, puis calcule 20 − 6 et termine par : The answer is N.",
]
SEED = 1
MAX_TOKENS = 64

NUMBER = r"-?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
MARKERS = [
    re.compile(r"answer is:?\s*(" + NUMBER + r")", re.IGNORECASE),
    re.compile(r"final answer:\s*(" + NUMBER + r")", re.IGNORECASE),
    re.compile(r"\\boxed\{\s*(" + NUMBER + r")\s*\}"),
    re.compile(r"####\s*(" + NUMBER + r")"),
]
ANY_MARKER = re.compile(r"answer is|final answer:|\\boxed\{|####", re.IGNORECASE)


def byte_decoder():
    """GPT-2's bytes_to_unicode, inverted: character -> byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def vocab(model_path):
    reader = gguf.GGUFReader(model_path)
    field = reader.fields["tokenizer.ggml.tokens"]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def token_bytes(token_text, dec):
    return bytes(dec[c] for c in token_text)


def answer_span(text):
    """(number, byte_begin, byte_end) of the number held by the last marker
    that holds one (a later "The answer is N." with a letter does not count),
    None, or "expression" when that marker states a calculation."""
    for start in reversed([m.start() for m in ANY_MARKER.finditer(text)]):
        for rx in MARKERS:
            m = rx.match(text, start)
            if not m:
                continue
            if re.match(r"\s*[-+*/=×x]\s*\d", text[m.end(1):]):
                return "expression"  # "answer is 2 + 3 = 5": left out of the golden
            b = len(text[:m.start(1)].encode())
            return m.group(1), b, b + len(m.group(1).encode())
    return None


def traces_of(trace_file):
    started, tokens, margins = {}, {}, {}
    with open(trace_file, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["event"] == "trace_started":
                started[r["trace"]] = r
                parent = r["parent"]
                keep = r["fork_position"]
                tokens[r["trace"]] = tokens[parent][:keep] if parent >= 0 else []
                margins[r["trace"]] = margins[parent][:keep] if parent >= 0 else []
            elif r["event"] == "trace_token":
                assert r["index"] == len(tokens[r["trace"]])
                tokens[r["trace"]].append(r["token"])
                margins[r["trace"]].append(r["margin"])
    return [(t, tokens[t], margins[t]) for t in sorted(started)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entropix", default="build/apps/cli/entropix")
    ap.add_argument("--model", default=os.path.expanduser("~/.cache/entropix/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("-o", "--output", default="tests/golden/answer_span/smollm2.json")
    a = ap.parse_args()
    words = vocab(a.model)
    dec = byte_decoder()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for p, prompt in enumerate(PROMPTS):
            trace_file = os.path.join(tmp, f"{p}.jsonl")
            subprocess.run([a.entropix, "run", "-m", a.model, "-p", prompt, "-n", str(MAX_TOKENS), "-s", str(SEED),
                            "--sampler", "vote", "-q", "--trace", trace_file], check=True, capture_output=True)
            for trace, ids, margins in traces_of(trace_file):
                pieces = [token_bytes(words[t], dec) for t in ids]
                text = b"".join(pieces).decode("utf-8")
                span = answer_span(text)
                if span == "expression":
                    continue
                case = {"prompt": prompt, "trace": trace, "tokens": ids, "margins": margins, "text": text,
                        "answer": None}
                if span:
                    number, b, e = span
                    first = last = None
                    at = 0
                    for i, piece in enumerate(pieces):
                        if piece and at < e and at + len(piece) > b:
                            first = i if first is None else first
                            last = i
                        at += len(piece)
                    case.update({"answer": number, "byte_begin": b, "byte_end": e, "token_begin": first,
                                 "token_end": last + 1,
                                 "margin": sum(margins[first:last + 1]) / (last + 1 - first)})
                cases.append(case)
    os.makedirs(os.path.dirname(a.output), exist_ok=True)
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump({"model": os.path.basename(a.model), "seed": SEED, "max_tokens": MAX_TOKENS, "cases": cases}, f,
                  indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{a.output}: {len(cases)} traces, {sum(c['answer'] is not None for c in cases)} with an answer")


if __name__ == "__main__":
    main()
