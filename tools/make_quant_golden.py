#!/usr/bin/env python3
"""Golden dequantisation data for the kernel tests (tests/unit/kernels).

For every weight type our kernels support, writes random but valid blocks
and the floats the `gguf` Python package (an independent implementation of
GGML's formats) dequantises them to:

    tests/golden/quant/<TYPE>.bin   raw GGUF block bytes
    tests/golden/quant/<TYPE>.f32   expected floats, little-endian float32

Blocks are uniformly random bytes except the fp16 scale fields, which get
sane magnitudes (plus one zero and one subnormal scale) so no value is
inf/NaN. Seeded: rerunning reproduces the files byte for byte.

    python3 tools/make_quant_golden.py [--out tests/golden/quant]
"""
import argparse
import pathlib

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize

SEED = 20240611
N_ELEMENTS = 4096  # per type: 128 blocks of 32 or 16 super-blocks of 256

# Byte offsets of fp16 scale fields in each block, and the exponent range
# (powers of two) of their magnitudes; *_signed: random sign.
SCALE_FIELDS = {
    T.Q4_0: [(0, -10, -3, True)],
    T.Q4_1: [(0, -10, -3, False), (2, -6, 0, True)],
    T.Q5_0: [(0, -10, -3, True)],
    T.Q5_1: [(0, -10, -3, False), (2, -6, 0, True)],
    T.Q8_0: [(0, -14, -5, True)],
    T.Q4_K: [(0, -14, -6, False), (2, -14, -6, False)],
    T.Q5_K: [(0, -14, -6, False), (2, -14, -6, False)],
    T.Q6_K: [(208, -16, -8, False)],
}


def random_halves(rng, n, lo, hi, signed):
    mags = np.exp2(rng.uniform(lo, hi, n))
    signs = rng.choice([-1.0, 1.0], n) if signed else np.ones(n)
    return (mags * signs).astype(np.float16)


def make_blocks(rng, qtype):
    block_elems, block_bytes = GGML_QUANT_SIZES[qtype]
    n_blocks = N_ELEMENTS // block_elems
    if qtype == T.F32:
        return rng.standard_normal(N_ELEMENTS).astype(np.float32).view(np.uint8)
    if qtype == T.F16:
        v = rng.standard_normal(N_ELEMENTS).astype(np.float16)
        v[:4] = np.array([0.0, -0.0, 3e-6, -6e-8], dtype=np.float16)  # zeros, subnormals
        return v.view(np.uint8)
    if qtype == T.BF16:
        f = rng.standard_normal(N_ELEMENTS).astype(np.float32)
        return (f.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    blocks = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    for offset, lo, hi, signed in SCALE_FIELDS[qtype]:
        h = random_halves(rng, n_blocks, lo, hi, signed)
        h[0] = 0.0                  # a zero scale
        h[1] = np.float16(3.0e-5)   # an fp16 subnormal scale
        blocks[:, offset:offset + 2] = h.view(np.uint8).reshape(n_blocks, 2)
    return blocks.reshape(-1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent /
                                         "tests" / "golden" / "quant"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for qtype in [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0,
                  T.Q4_K, T.Q5_K, T.Q6_K]:
        data = make_blocks(rng, qtype)
        expected = np.asarray(dequantize(data, qtype), dtype=np.float32).reshape(-1)
        assert expected.size == N_ELEMENTS and np.all(np.isfinite(expected)), qtype.name
        (out / f"{qtype.name}.bin").write_bytes(data.tobytes())
        (out / f"{qtype.name}.f32").write_bytes(expected.astype("<f4").tobytes())
        print(f"{qtype.name:5s} {data.size:6d} bytes -> {expected.size} floats")


if __name__ == "__main__":
    main()
