#!/usr/bin/env python3
"""Forward-pass golden data from llama.cpp (independent reference).

For each model, starts llama.cpp's server through the `xllamacpp` package on
loopback and, for each prompt:
  1. renders chat prompts with llama.cpp's own POST /apply-template;
  2. tokenizes with POST /tokenize (flags recorded) -- these ids are what was fed;
  3. runs POST /completion on those ids (greedy, temperature 0), then re-asks
     each step (prompt + greedy prefix, cached) for the log-probabilities of
     the WHOLE vocabulary (top-k kept, entropy and varentropy computed).

llama.cpp reports, with `post_sampling_probs` false (the default), the softmax
of the raw logits at temperature 1, whatever the sampling temperature is (the
script checks that greedy picks the argmax). Entropy and varentropy (nats) are
computed here in float64 from the full list after renormalising it (llama.cpp
sums the probabilities in float32; the reported sum is recorded).

Usage: python3 tools/make_llamacpp_golden.py [--out tests/golden/llamacpp]
           [--only smollm2,qwen2.5,stories260K,gemma3] [--threads 2]
           [--server /path/to/llama-server]
With --server, a native llama-server binary is started instead of xllamacpp
(tools/llamacpp_native.py); gemma3 was made that way. For vocabularies above
STEP_FULL_VOCAB_MAX (Gemma's 262k; a full-vocabulary request costs seconds
there) only the first step asks for the whole vocabulary (the next-token
distribution); the later greedy steps take the top STEP_TOP_K log-probs the
greedy run itself reported, re-asking (top STEP_TOP_K, cached prompt) only
for steps it left out, and record no entropy (the tests use the top-5 only).
Writes <out>/<model>.json (schema: tests/golden/README.md, "llama.cpp forward").
"""
import argparse
import hashlib
import json
import math
import os
import sys
import urllib.request

import gguf

from llamacpp_native import NativeServer

HOME_MODELS = os.path.expanduser("~/.cache/entropix/models")
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "models")

N_PREDICT = 64
TOP_K_NEXT = 256   # logprobs kept at the last prompt position...
FULL_VOCAB_MAX = 1024  # ...or all of them for vocabularies up to this size
TOP_K_STEP = 5     # logprobs kept at every greedy step
STEP_FULL_VOCAB_MAX = 200000  # larger vocabularies: full distribution at step 0 only...
STEP_TOP_K = 40               # ...and this many logprobs at later steps

# Written for this file (not from any corpus); long enough for >= 500 tokens.
LONG_TEXT = (
    "The harbour town of Wrenmouth sits where a slow brown river meets a cold green sea. "
    "Every morning, before the gulls begin their arguments, the baker on Tallow Lane lights "
    "her oven and sets out forty loaves to rise beneath linen cloths. The fishermen come in "
    "around seven, smelling of salt and diesel, and buy the first warm rolls with coins that "
    "are still damp from their pockets. Nobody remembers when the custom started; the baker's "
    "grandmother said it was older than the lighthouse, and the lighthouse is older than the "
    "church. In spring the river floods the lower meadows, and children race paper boats along "
    "the ditches that drain them. Their parents pretend not to watch, but they keep a tally of "
    "the winners on a chalkboard outside the post office, and by midsummer the names on that "
    "board are discussed with the seriousness usually reserved for the weather or the price of "
    "coal. The schoolmaster, a tall man called Edmund Ashby, once tried to turn the races into "
    "a lesson about currents and friction. He drew arrows on the blackboard, measured the slope "
    "of the meadow with a borrowed theodolite, and predicted the winner to within two seconds. "
    "The children were unimpressed; they said the best boat was the one folded with love, and "
    "Edmund, to his credit, wrote that sentence at the bottom of his notes. Autumn brings fog. "
    "It rolls in from the sea in the late afternoon, thick enough to hide the far side of the "
    "street, and the lamplighter walks his route twice as slowly so that nobody loses their way. "
    "Ships wait outside the bar until the bell buoy can be heard clearly, and the harbourmaster "
    "keeps a kettle on for their pilots. In winter the market moves indoors, into the old "
    "ropewalk, a building three hundred yards long and only twenty feet wide. Stalls line both "
    "walls: apples and pears from the valley farms, smoked mackerel, knitted gloves in every "
    "colour the dyer could invent, second-hand books with other people's names written inside "
    "their covers. A fiddler plays at one end and an accordion answers from the other, and "
    "somewhere in the middle the two tunes meet and quarrel and, by some miracle, agree. "
    "Visitors sometimes ask what the town is famous for, expecting a battle or a poet or a "
    "shipwreck. The townspeople find the question puzzling. They are famous, they say, for "
    "bread at seven, boats in spring, lamps in the fog and music in the ropewalk, and they have "
    "never felt the need for anything grander. In 1887 a surveyor counted 1,204 residents, "
    "312 houses, 9 public wells and exactly one stubborn goat that refused to be counted at all. "
    "The goat's descendants still graze on the cliff path, and every census since then has "
    "listed them, with affection, under the heading 'other inhabitants'. When the railway "
    "finally arrived, the station master planted roses along the platform, and the roses are "
    "still there, pruned each March by whoever happens to be waiting for the 9:15 to the city."
)

NON_ASCII_TEXT = (
    "Grüße aus München! Der Bär läuft über die Straße. "
    "Le garçon a mangé une crème brûlée à l'hôtel, très naïf. "
    "北京是中国的首都，我喜欢学习编程。"
    "Emoji: 😀🚀👍🏽 👨\u200d👩\u200d👧 — Ελληνικά, Русский текст, ¿Qué tal?"
)

CODE_TEXT = (
    "def fibonacci(n):\n"
    "    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"
    "    if n < 2:\n"
    "        return n\n"
    "    a, b = 0, 1\n"
    "    for _ in range(n - 1):\n"
    "        a, b = b, a + b\n"
    "    return b\n"
    "\n"
    "\n"
    "def is_prime(n):\n"
)

CHAT_FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


def model_specs():
    """name -> (path, [prompt specs]); a prompt is (name, text or None, chat messages or None)."""
    return {
        "smollm2": (os.path.join(HOME_MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"), [
            ("capital", "The capital of France is", None),
            ("chat_capital", None, CHAT_FRANCE),
            ("non_ascii", NON_ASCII_TEXT, None),
            ("long", LONG_TEXT, None),
            ("code", CODE_TEXT, None),
        ]),
        "qwen2.5": (os.path.join(HOME_MODELS, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"), [
            ("capital", "The capital of France is", None),
            ("chat_capital", None, CHAT_FRANCE),
            ("code", CODE_TEXT, None),
        ]),
        # 32 greedy steps: the test must stay well under a minute (262k vocabulary).
        "gemma3": (os.path.join(HOME_MODELS, "gemma-3-270m-q4_k_m.gguf"), [
            ("capital", "The capital of France is", None, 32),
            ("long", LONG_TEXT, None, 32),  # > 512 tokens: crosses the sliding window
            ("code", CODE_TEXT, None, 32),
        ]),
        "stories260K": (os.path.join(SHARED, "stories260K.gguf"), [
            ("once", "Once upon a time", None),
            ("cat", "The cat", None),
        ]),
    }


class NativeLlama:
    """A native llama-server binary on loopback (same interface as Llama)."""

    def __init__(self, binary, path, threads):
        self.server = NativeServer(binary, path, threads=threads, n_ctx=4096)
        props = self.server.props()
        self.params = {"n_ctx": 4096, "n_threads": threads, "n_batch": 2048, "n_ubatch": 512,
                       "server_args": self.server.args[4:]}
        self.info = {"binary": binary, "version": self.server.version,
                     "build_info": props.get("build_info"), "system_info": props.get("system_info")}
        self.post = self.server.post

    def close(self):
        self.server.close()


class Llama:
    """llama.cpp server (xllamacpp) on loopback; all requests go over HTTP."""

    def __init__(self, path, threads):
        import xllamacpp
        p = xllamacpp.CommonParams()
        p.model.path = path
        p.n_ctx = 4096
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        p.n_parallel = 1
        self.params = {"n_ctx": p.n_ctx, "n_threads": threads, "n_batch": p.n_batch,
                       "n_ubatch": p.n_ubatch, "use_jinja": bool(p.use_jinja)}
        self.server = xllamacpp.Server(p)
        self.base = self.server.listening_address.rstrip("/")
        self.info = {"xllamacpp_version": xllamacpp.__version__,
                     "build_info": dict(xllamacpp.BUILD_INFO),
                     "system_info": xllamacpp.get_system_info().strip()}

    def close(self):
        pass

    def post(self, endpoint, body):
        req = urllib.request.Request(self.base + endpoint, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as f:
            return json.loads(f.read())


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_info(path):
    r = gguf.GGUFReader(path)

    def field(key, default=None):
        f = r.fields.get(key)
        return f.contents() if f is not None else default

    return {
        "file": os.path.basename(path), "sha256": sha256(path), "size_bytes": os.path.getsize(path),
        "general_name": field("general.name"), "architecture": field("general.architecture"),
        "n_vocab": len(field("tokenizer.ggml.tokens")),
        "tokenizer_model": field("tokenizer.ggml.model"), "tokenizer_pre": field("tokenizer.ggml.pre"),
        "add_bos_token": field("tokenizer.ggml.add_bos_token"),
        "bos_token_id": field("tokenizer.ggml.bos_token_id"),
        "eos_token_id": field("tokenizer.ggml.eos_token_id"),
    }


def r6(v):
    return round(float(v), 6)


def summarize(top):
    """top: llama.cpp's [{id, logprob}] over the whole vocabulary, best first.
    Returns (ids, logprobs, entropy_nats, varentropy_nats2, reported_prob_sum)."""
    ids = [t["id"] for t in top]
    lps = [t["logprob"] for t in top]
    reported_sum = sum(math.exp(l) for l in lps)
    m = max(lps)
    lse = m + math.log(sum(math.exp(l - m) for l in lps))   # renormalise in float64
    norm = [l - lse for l in lps]
    h = -sum(math.exp(l) * l for l in norm)
    v = sum(math.exp(l) * (l + h) ** 2 for l in norm)
    return ids, lps, h, v, reported_sum


def greedy_steps_reported(greedy):
    """step index -> top_logprobs of the greedy run's own report. The report
    leaves out steps whose token text ends inside a UTF-8 character, so it is
    matched to the token ids in order."""
    out, j, probs, ids = {}, 0, greedy["completion_probabilities"], greedy["tokens"]
    for i, tok in enumerate(ids):
        if j < len(probs) and probs[j]["id"] == tok:
            out[i] = probs[j]["top_logprobs"]
            j += 1
    assert j == len(probs), "greedy report does not match its tokens"
    return out


def run_prompt(llama, info, name, text, messages, n_predict=N_PREDICT):
    n_vocab = info["n_vocab"]
    out = {"name": name}
    if messages is not None:
        text = llama.post("/apply-template", {"messages": messages})["prompt"]
        out["chat_messages"] = messages
        out["rendered_by"] = "llama.cpp POST /apply-template (model's tokenizer.chat_template)"
    out["text"] = text
    tok_flags = {"add_special": True, "parse_special": messages is not None}
    ids = llama.post("/tokenize", dict(tok_flags, content=text))["tokens"]
    out["tokenize"] = dict(tok_flags, endpoint="POST /tokenize")
    out["prompt_ids"] = ids
    out["n_prompt_tokens"] = len(ids)
    out["starts_with_bos"] = bool(ids) and ids[0] == info["bos_token_id"]

    # 1. The greedy run. llama.cpp's server leaves out the probabilities of any
    #    token whose text ends inside a UTF-8 character (streamed or not), so the
    #    ids come from return_tokens and the probabilities from step 2.
    big_vocab = n_vocab > STEP_FULL_VOCAB_MAX
    greedy = llama.post("/completion", {"prompt": ids, "n_predict": n_predict, "temperature": 0,
                                        "n_probs": STEP_TOP_K if big_vocab else TOP_K_STEP,
                                        "return_tokens": True, "cache_prompt": False})
    assert greedy["tokens_evaluated"] == len(ids), "server changed the prompt"
    greedy_ids = greedy["tokens"]
    assert len(greedy_ids) == greedy["tokens_predicted"]

    # 2. The whole distribution at every step: prompt + greedy[:i], one token out.
    #    With cache_prompt only greedy[i-1] is evaluated, as a one-token batch as in
    #    the greedy run; step 0 evaluates the prompt from scratch. A logit bias makes
    #    the sampled token a plain ASCII one so that its probabilities are reported;
    #    the bias acts in the sampler chain, after the reported raw distribution.
    forced = llama.post("/tokenize", {"content": " the", "add_special": False})["tokens"][0]
    steps = []
    reported = greedy_steps_reported(greedy) if big_vocab else {}
    for i in range(len(greedy_ids)):
        full = i == 0 or not big_vocab
        if not full and i in reported:
            top = reported[i]
            steps.append({"ids": [t["id"] for t in top], "lps": [t["logprob"] for t in top],
                          "h": None, "v": None, "sum": None})
            continue
        k_req = n_vocab if full else STEP_TOP_K
        r = llama.post("/completion", {"prompt": ids + greedy_ids[:i], "n_predict": 1,
                                       "temperature": 0, "n_probs": k_req,
                                       "logit_bias": [[forced, 1e4]], "cache_prompt": i > 0})
        step = r["completion_probabilities"][0]
        assert step["id"] == forced
        top = step["top_logprobs"]
        assert len(top) == k_req, (len(top), k_req)
        if full:
            s_ids, s_lps, h, v, psum = summarize(top)
        else:
            s_ids, s_lps = [t["id"] for t in top], [t["logprob"] for t in top]
            h = v = psum = None
        # Greedy must be the argmax of the reported (raw) distribution.
        assert greedy_ids[i] == s_ids[0] or s_lps[s_ids.index(greedy_ids[i])] == s_lps[0], i
        steps.append({"ids": s_ids, "lps": s_lps, "h": h, "v": v, "sum": psum})

    # 3. Cross-check with the steps the greedy run did report (a subsequence;
    #    for big vocabularies only steps 0 and any re-asked ones are independent).
    max_diff, j, probs = 0.0, 0, greedy["completion_probabilities"]
    for i, st in enumerate(steps):
        if j < len(probs) and probs[j]["id"] == greedy_ids[i] \
                and [t["id"] for t in probs[j]["top_logprobs"][:TOP_K_STEP]] == st["ids"][:TOP_K_STEP]:
            max_diff = max(max_diff, max(abs(t["logprob"] - l)
                                         for t, l in zip(probs[j]["top_logprobs"], st["lps"])))
            j += 1
    assert j == len(probs), f"{len(probs) - j} reported greedy steps do not match the reruns"
    print(f"  {name}: {len(ids)} prompt tokens, {len(steps)} steps, {j} checked against the "
          f"greedy run, max |dlogprob| {max_diff:.2g}", file=sys.stderr)
    out["rerun_vs_greedy_run"] = {"steps_compared": j, "max_abs_logprob_diff": max_diff}

    first = steps[0]
    k = n_vocab if n_vocab <= FULL_VOCAB_MAX else TOP_K_NEXT
    out["next_token"] = {
        "k": k, "ids": first["ids"][:k], "logprobs": [r6(l) for l in first["lps"][:k]],
        "entropy_nats": r6(first["h"]), "varentropy_nats2": r6(first["v"]),
        "reported_prob_sum": r6(first["sum"]),
    }
    out["greedy"] = {
        "n_predict": n_predict, "stop_type": greedy.get("stop_type"),
        "ids": greedy_ids,
        "text": llama.post("/detokenize", {"tokens": greedy_ids})["content"],
        "top5_ids": [s["ids"][:TOP_K_STEP] for s in steps],
        "top5_logprobs": [[r6(l) for l in s["lps"][:TOP_K_STEP]] for s in steps],
        "entropy_nats": [None if s["h"] is None else r6(s["h"]) for s in steps],
        "varentropy_nats2": [None if s["v"] is None else r6(s["v"]) for s in steps],
    }
    if messages is not None:
        # Cross-check: the server's own chat endpoint must see the same prompt and answer.
        chat = llama.post("/v1/chat/completions", {"messages": messages, "max_tokens": N_PREDICT,
                                                   "temperature": 0, "cache_prompt": False})
        out["chat_endpoint_check"] = {
            "prompt_tokens": chat["usage"]["prompt_tokens"],
            "same_prompt_length": chat["usage"]["prompt_tokens"] == len(ids),
            "content": chat["choices"][0]["message"]["content"],
        }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "tests", "golden", "llamacpp"))
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--server", default="", help="a native llama-server binary instead of xllamacpp")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    for model_name, (path, prompts) in model_specs().items():
        if only and model_name not in only:
            continue
        if not os.path.exists(path):
            print(f"skip {model_name}: {path} not found", file=sys.stderr)
            continue
        print(f"{model_name}: {path}", file=sys.stderr)
        info = model_info(path)
        llama = NativeLlama(args.server, path, args.threads) if args.server else Llama(path, args.threads)
        doc = {
            "schema": "entropix.llamacpp_golden.v1",
            "generator": "tools/make_llamacpp_golden.py",
            "llama_cpp": llama.info,
            "model": info,
            "settings": dict(llama.params, n_predict=N_PREDICT, temperature=0,
                             logprobs="log softmax of raw logits (temperature 1), "
                                      "post_sampling_probs=false; entropy/varentropy in nats from "
                                      "the full vocabulary renormalised in float64"),
            "prompts": [run_prompt(llama, info, *p) for p in prompts],
        }
        llama.close()
        del llama
        out_path = os.path.join(args.out, f"{model_name}.json")
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {out_path} ({os.path.getsize(out_path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
