#!/usr/bin/env python3
"""Independent float64 reference for small llama-family GGUF models.

A plain numpy transformer (weights dequantised by the `gguf` package), written
separately from the C++ engine, used to make golden logits and attention
statistics for tests/unit/model. It is slow and only meant for small models
(stories260K; SmolLM2 and Gemma 3 270M with --golden). Families: llama, and
gemma3 (facts from llama.cpp's gemma3 graph: embeddings x sqrt(dim), q/k head
norms, NeoX rope with base 10000 on sliding-window layers and rope.freq_base
on every 6th layer, window of attention.sliding_window keys, sandwich norms,
GELU-tanh gate; norm weights stored as 1 + w).

Usage: tools/make_numpy_reference.py MODEL.gguf OUT.json
       tools/make_numpy_reference.py MODEL.gguf OUT.json --golden LLAMACPP.json --prompts a,b
The second form evaluates prompts of a llama.cpp golden file (same token ids)
and records the float64 log-probabilities of llama.cpp's top-256 next tokens:
how far each engine's quantised arithmetic lands from exact arithmetic.
Writes, for each prompt (token ids with BOS), per step of a greedy rollout:
the token, entropy/varentropy of the next-token distribution (nats), the top
logits, and, per layer and head, the attention statistics of the last query
(entropy/varentropy in bits, mean |scaled score|, agreement per layer).
"""
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def field(r, key, default=None):
    f = r.fields.get(key)
    return default if f is None else f.contents()


def load(path):
    r = GGUFReader(path)
    arch = field(r, "general.architecture")
    cfg = dict(
        n_layers=field(r, f"{arch}.block_count"),
        dim=field(r, f"{arch}.embedding_length"),
        n_heads=field(r, f"{arch}.attention.head_count"),
        n_kv=field(r, f"{arch}.attention.head_count_kv"),
        eps=field(r, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
        theta=field(r, f"{arch}.rope.freq_base", 10000.0),
    )
    cfg["arch"] = arch
    cfg["head_dim"] = field(r, f"{arch}.attention.key_length", cfg["dim"] // cfg["n_heads"])
    cfg["window"] = field(r, f"{arch}.attention.sliding_window", 0) if arch == "gemma3" else 0
    cfg["theta_local"] = field(r, f"{arch}.rope.freq_base_swa", 10000.0)
    cfg["rope_dim"] = field(r, f"{arch}.rope.dimension_count", cfg["head_dim"])
    w = {}
    for t in r.tensors:
        a = dequantize(t.data, t.tensor_type).astype(np.float64)
        shape = [int(x) for x in reversed(t.shape)]  # outermost first
        w[t.name] = a.reshape(shape)
    if "output.weight" not in w:
        w["output.weight"] = w["token_embd.weight"]
    return cfg, w


def rmsnorm(x, g, eps):
    return x / np.sqrt(np.mean(x * x) + eps) * g


def rope(v, pos, cfg, theta=None, halves=False):
    # GGUF llama layout: rotary pairs are adjacent dimensions (2i, 2i+1);
    # NeoX layout (gemma3): pairs (i, i + d/2).
    d = cfg["rope_dim"]
    theta = cfg["theta"] if theta is None else theta
    out = v.copy()
    for i in range(d // 2):
        f = theta ** (-2.0 * i / d)
        c, s = np.cos(pos * f), np.sin(pos * f)
        ia, ib = (i, i + d // 2) if halves else (2 * i, 2 * i + 1)
        a, b = v[..., ia], v[..., ib]
        out[..., ia] = a * c - b * s
        out[..., ib] = a * s + b * c
    return out


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def step_gemma3(cfg, w, tok, pos, cache, want_logits=True):
    """One token through gemma3; logits only when asked (262k-row output)."""
    hd, nh, nkv, eps = cfg["head_dim"], cfg["n_heads"], cfg["n_kv"], cfg["eps"]
    x = w["token_embd.weight"][tok] * np.sqrt(cfg["dim"])
    for l in range(cfg["n_layers"]):
        p = f"blk.{l}."
        sliding = cfg["window"] > 0 and l % 6 < 5
        theta = cfg["theta_local"] if sliding else cfg["theta"]
        xn = rmsnorm(x, w[p + "attn_norm.weight"], eps)
        q = (w[p + "attn_q.weight"] @ xn).reshape(nh, hd)
        k = (w[p + "attn_k.weight"] @ xn).reshape(nkv, hd)
        v = (w[p + "attn_v.weight"] @ xn).reshape(nkv, hd)
        q = np.stack([rmsnorm(q[h], w[p + "attn_q_norm.weight"], eps) for h in range(nh)])
        k = np.stack([rmsnorm(k[h], w[p + "attn_k_norm.weight"], eps) for h in range(nkv)])
        q, k = rope(q, pos, cfg, theta, True), rope(k, pos, cfg, theta, True)
        cache[l][0].append(k)
        cache[l][1].append(v)
        first = max(0, pos - cfg["window"] + 1) if sliding else 0
        K = np.stack(cache[l][0][first:])  # [keys][nkv][hd]
        V = np.stack(cache[l][1][first:])
        out = np.zeros((nh, hd))
        for h in range(nh):
            kvh = h // (nh // nkv)
            s = K[:, kvh, :] @ q[h] / np.sqrt(hd)
            pr = np.exp(s - s.max())
            out[h] = (pr / pr.sum()) @ V[:, kvh, :]
        a = w[p + "attn_output.weight"] @ out.reshape(-1)
        x = x + rmsnorm(a, w[p + "post_attention_norm.weight"], eps)
        xn = rmsnorm(x, w[p + "ffn_norm.weight"], eps)
        g = gelu_tanh(w[p + "ffn_gate.weight"] @ xn) * (w[p + "ffn_up.weight"] @ xn)
        x = x + rmsnorm(w[p + "ffn_down.weight"] @ g, w[p + "post_ffw_norm.weight"], eps)
    if not want_logits:
        return None, []
    x = rmsnorm(x, w["output_norm.weight"], cfg["eps"])
    return w["output.weight"] @ x, []


def step(cfg, w, tok, pos, cache):
    hd, nh, nkv = cfg["head_dim"], cfg["n_heads"], cfg["n_kv"]
    x = w["token_embd.weight"][tok].copy()
    stats = []
    for l in range(cfg["n_layers"]):
        p = f"blk.{l}."
        xn = rmsnorm(x, w[p + "attn_norm.weight"], cfg["eps"])
        q = (w[p + "attn_q.weight"] @ xn).reshape(nh, hd)
        k = (w[p + "attn_k.weight"] @ xn).reshape(nkv, hd)
        v = (w[p + "attn_v.weight"] @ xn).reshape(nkv, hd)
        q, k = rope(q, pos, cfg), rope(k, pos, cfg)
        cache[l][0].append(k)
        cache[l][1].append(v)
        K = np.stack(cache[l][0])  # [pos+1][nkv][hd]
        V = np.stack(cache[l][1])
        out = np.zeros((nh, hd))
        ent, vent, mabs, probs = [], [], [], []
        for h in range(nh):
            kvh = h // (nh // nkv)
            s = K[:, kvh, :] @ q[h] / np.sqrt(hd)
            pr = np.exp(s - s.max())
            pr /= pr.sum()
            out[h] = pr @ V[:, kvh, :]
            lp = np.log2(np.maximum(pr, 1e-300))
            e = -(pr * lp).sum()
            ent.append(e)
            vent.append((pr * (lp + e) ** 2).sum())
            mabs.append(np.abs(s).mean())
            probs.append(pr)
        probs = np.stack(probs)
        agreement = np.abs(probs - probs.mean(axis=0)).mean()
        stats.append(dict(entropy_bits=ent, varentropy_bits=vent, mean_abs_score=mabs,
                          agreement=float(agreement)))
        x = x + w[p + "attn_output.weight"] @ out.reshape(-1)
        xn = rmsnorm(x, w[p + "ffn_norm.weight"], cfg["eps"])
        g = w[p + "ffn_gate.weight"] @ xn
        u = w[p + "ffn_up.weight"] @ xn
        x = x + w[p + "ffn_down.weight"] @ (g / (1 + np.exp(-g)) * u)
    x = rmsnorm(x, w["output_norm.weight"], cfg["eps"])
    return w["output.weight"] @ x, stats


def from_golden(cfg, w, golden_path, names, out_path, model_name):
    golden = json.load(open(golden_path))
    result = {"model": model_name, "source": "tools/make_numpy_reference.py --golden (numpy float64, "
              "weights dequantised by gguf, activations unquantised)", "golden": golden_path.split("/")[-1],
              "prompts": []}
    for p in golden["prompts"]:
        if p["name"] not in names:
            continue
        cache = [([], []) for _ in range(cfg["n_layers"])]
        ids = p["prompt_ids"]
        for pos, t in enumerate(ids):
            if cfg["arch"] == "gemma3":
                logits, _ = step_gemma3(cfg, w, t, pos, cache, pos == len(ids) - 1)
            else:
                logits, _ = step(cfg, w, t, pos, cache)
        lp = logits - logits.max()
        lp = lp - np.log(np.exp(lp).sum())
        pr = np.exp(lp)
        H = -(pr * lp).sum()
        ids = p["next_token"]["ids"]
        result["prompts"].append(dict(name=p["name"], ids=ids, logprobs=[float(lp[i]) for i in ids],
                                      entropy_nats=float(H)))
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)


def main():
    path, out_path = sys.argv[1], sys.argv[2]
    cfg, w = load(path)
    if len(sys.argv) > 3 and sys.argv[3] == "--golden":
        from_golden(cfg, w, sys.argv[4], sys.argv[6].split(","), out_path, path.split("/")[-1])
        return
    prompts = {"Once upon a time": [1, 403, 407, 261, 378], "The cat": [1, 291, 280, 294]}
    result = {"model": path.split("/")[-1], "source": "tools/make_numpy_reference.py (numpy float64)",
              "prompts": []}
    for text, ids in prompts.items():
        cache = [([], []) for _ in range(cfg["n_layers"])]
        for pos, t in enumerate(ids[:-1]):
            step(cfg, w, t, pos, cache)
        tok, pos, steps = ids[-1], len(ids) - 1, []
        for _ in range(8):
            logits, stats = step(cfg, w, tok, pos, cache)
            lp = logits - logits.max()
            lp = lp - np.log(np.exp(lp).sum())
            p = np.exp(lp)
            H = -(p * lp).sum()
            V = (p * (lp + H) ** 2).sum()
            nxt = int(np.argmax(logits))
            top = np.argsort(-logits)[:10]
            steps.append(dict(token=nxt, entropy_nats=H, varentropy_nats=V,
                              top_ids=[int(i) for i in top], top_logits=[float(logits[i]) for i in top],
                              attention=stats))
            tok, pos = nxt, pos + 1
        result["prompts"].append(dict(text=text, ids=ids, steps=steps))
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, default=float)


if __name__ == "__main__":
    main()
