#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/model_load_fuzz.cc: tiny complete models.

Each seed is a valid GGUF that entropix loads and runs one token of, written by
the `gguf` package (llama.cpp's gguf-py, an independent writer), so that the
fuzzer's mutations start from files that reach the config, weight binding,
tokenizer and forward code instead of dying in the header. Together they cover
both families, both tokenizer kinds, F32/F16/Q8_0 weights, tied and separate
output, grouped-query attention, partial rotary dimensions and both rope
scalings. Weights are deterministic (seeded), every file is a few KB.

Usage (the gguf package needs numpy):
  python3 tools/make_model_load_seeds.py [OUT_DIR]   # default tests/fuzz/corpus/model_load_fuzz

Without an installed gguf: `pip download --no-deps gguf numpy -d W`, unzip the
numpy wheel into W/np, and run with PYTHONPATH=W/np:W/gguf-<version>-py3-none-any.whl.
"""
import os
import sys
import zlib

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, TokenType
from gguf.quants import quantize

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "tests", "fuzz", "corpus", "model_load_fuzz")


def spm_vocab(n):
    """<unk> <s> </s>, the 256 byte tokens would be too many: a few bytes, then pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in (0x0A, 0x20, 0x41)]
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL] + [TokenType.BYTE] * 3
    pieces = ["\u2581", "\u2581a", "\u2581the", "a", "b", "c", "e", "t", "h", "\u2581b", "at", "he"]
    i = 0
    while len(tokens) < n:
        tokens.append(pieces[i] if i < len(pieces) else f"p{i}")
        types.append(TokenType.NORMAL)
        i += 1
    scores = [0.0] * 6 + [-float(k) for k in range(n - 6)]
    return tokens, scores, types


def bpe_vocab(n):
    """Byte-level BPE: printable single bytes, a few merges, then an end-of-text token."""
    singles = [chr(c) for c in range(ord("a"), ord("a") + 20)] + ["\u0120", "."]
    merged = ["\u0120a", "ab", "\u0120ab"]
    tokens = singles + merged
    while len(tokens) < n - 1:
        tokens.append(f"x{len(tokens)}")
    tokens.append("<|endoftext|>")
    types = [TokenType.NORMAL] * (n - 1) + [TokenType.CONTROL]
    merges = ["\u0120 a", "a b", "\u0120a b"]
    return tokens, types, merges


def weights(rng, rows, cols, qtype):
    """A [rows][cols] matrix (GGUF ne = [cols, rows]) as (array, raw_dtype)."""
    w = (rng.standard_normal((rows, cols)) * 0.2).astype(np.float32)
    if qtype == GGMLQuantizationType.F32:
        return w, None
    if qtype == GGMLQuantizationType.F16:
        return w.astype(np.float16), None
    return quantize(w, qtype), qtype


def write_model(path, arch, dim, ffn, heads, kv_heads, vocab, qtype, tied, extra, tokenizer):
    rng = np.random.default_rng(zlib.crc32(os.path.basename(path).encode()))
    w = GGUFWriter(path, arch)
    w.add_block_count(1)
    w.add_embedding_length(dim)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_context_length(64)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    for key, (kind, value) in extra.items():
        getattr(w, "add_" + kind)(key, value)
    tokenizer(w, vocab)

    head_dim = extra.get(f"{arch}.attention.key_length", ("", dim // heads))[1]
    q_dim, kv_dim = heads * head_dim, kv_heads * head_dim

    def matrix(name, rows, cols):
        array, raw = weights(rng, rows, cols, qtype)
        w.add_tensor(name, array, raw_dtype=raw)

    def vector(name, n, value=None):
        v = np.full(n, value, np.float32) if value is not None else (rng.standard_normal(n) * 0.1).astype(np.float32)
        w.add_tensor(name, v)

    matrix("token_embd.weight", vocab, dim)
    vector("output_norm.weight", dim, 1.0)
    if not tied:
        matrix("output.weight", vocab, dim)
    p = "blk.0."
    vector(p + "attn_norm.weight", dim, 1.0)
    matrix(p + "attn_q.weight", q_dim, dim)
    matrix(p + "attn_k.weight", kv_dim, dim)
    matrix(p + "attn_v.weight", kv_dim, dim)
    if arch == "qwen2":
        vector(p + "attn_q.bias", q_dim)
        vector(p + "attn_k.bias", kv_dim)
        vector(p + "attn_v.bias", kv_dim)
    matrix(p + "attn_output.weight", dim, q_dim)
    vector(p + "ffn_norm.weight", dim, 1.0)
    matrix(p + "ffn_gate.weight", ffn, dim)
    matrix(p + "ffn_up.weight", ffn, dim)
    matrix(p + "ffn_down.weight", dim, ffn)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def spm_tokenizer(w, n):
    tokens, scores, types = spm_vocab(n)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)


def bpe_tokenizer(w, n):
    tokens, types, merges = bpe_vocab(n)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(n - 1)
    w.add_string("tokenizer.chat_template", "{% for m in messages %}<|im_start|>{{ m['content'] }}{% endfor %}")


F32, F16, Q8_0 = GGMLQuantizationType.F32, GGMLQuantizationType.F16, GGMLQuantizationType.Q8_0

SEEDS = {
    # name: (arch, dim, ffn, heads, kv_heads, vocab, weight type, tied, extra keys, tokenizer)
    "llama_spm_f32.gguf": ("llama", 8, 16, 2, 1, 32, F32, False, {}, spm_tokenizer),
    "qwen2_bpe_f16_tied.gguf": ("qwen2", 8, 16, 2, 2, 32, F16, True, {}, bpe_tokenizer),
    "llama3_rope_q8_0.gguf": ("llama", 32, 32, 4, 2, 32, Q8_0, False, {
        "llama.rope.scaling.type": ("string", "llama3"),
        "llama.rope.scaling.factor": ("float32", 8.0),
        "llama.rope.scaling.low_freq_factor": ("float32", 1.0),
        "llama.rope.scaling.high_freq_factor": ("float32", 4.0),
        "llama.rope.scaling.original_context_length": ("uint32", 16),
    }, spm_tokenizer),
    "llama_linear_keylength.gguf": ("llama", 8, 16, 2, 1, 24, F32, True, {
        "llama.rope.scaling.type": ("string", "linear"),
        "llama.rope.scaling.factor": ("float32", 2.0),
        "llama.attention.key_length": ("uint32", 6),
        "llama.attention.value_length": ("uint32", 6),
        "llama.rope.dimension_count": ("uint32", 2),
    }, spm_tokenizer),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    for name, spec in SEEDS.items():
        path = os.path.join(out, name)
        write_model(path, *spec)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
