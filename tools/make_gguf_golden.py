#!/usr/bin/env python3
"""Dump GGUF metadata and tensor tables to JSON with the `gguf` Python package.

The JSON files under tests/golden/gguf/ are the reference for
tests/unit/io/gguf_golden_test.cc: the `gguf` package (from llama.cpp's
gguf-py) is an independent reader, so agreement checks our parser, not a copy
of it.

Usage:
  python3 tools/make_gguf_golden.py                # the two default models
  python3 tools/make_gguf_golden.py FILE.gguf OUT.json

For each metadata key: its type; scalars and strings in full; arrays as
element type, length, the first HEAD and the last TAIL elements. For each
tensor: name, GGML type id, shape (ne[0] first, as stored), data offset
(relative to the data section), byte size, and the first bytes of its data in
hex (checks the data pointer).
"""
import importlib.metadata
import json
import os
import sys

from gguf import GGUFReader, GGUFValueType

HEAD = 8
TAIL = 2
DATA_PREFIX_BYTES = 16

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "tests", "golden", "gguf")
DEFAULT_MODELS = [
    (os.path.join(REPO, "..", "shared", "models", "stories260K.gguf"), "stories260K.json"),
    (os.path.join(os.path.expanduser("~"), ".cache", "entropix", "models",
                  "SmolLM2-135M-Instruct.Q4_1.gguf"), "SmolLM2-135M-Instruct.Q4_1.json"),
]


def encode_string(raw: bytes):
    """Strings go to JSON as text when valid UTF-8, else as {"hex": ...}."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": raw.hex()}


def scalar(field, part_index):
    """One scalar element as a JSON number/bool; float32 widens exactly to double."""
    return field.parts[part_index].tolist()[0]


def element(field, elem_type, i):
    idx = field.data[i]
    if elem_type == GGUFValueType.STRING:
        return encode_string(bytes(field.parts[idx]))
    return scalar(field, idx)


def dump_field(field):
    main = field.types[0]
    entry = {"key": field.name, "type": main.name}
    if main == GGUFValueType.ARRAY:
        # parts: key length, key, value type, element type, length, elements...
        elem_type = GGUFValueType(int(field.parts[3][0]))
        n = int(field.parts[4][0])
        if elem_type == GGUFValueType.ARRAY:
            # gguf-py flattens nested arrays; no model we test has one.
            raise SystemExit(f"{field.name}: nested arrays are not supported by this script")
        entry["elem_type"] = elem_type.name
        entry["length"] = n
        head = min(HEAD, n)
        tail_start = max(head, n - TAIL)
        entry["head"] = [element(field, elem_type, i) for i in range(head)]
        entry["tail_start"] = tail_start
        entry["tail"] = [element(field, elem_type, i) for i in range(tail_start, n)]
    elif main == GGUFValueType.STRING:
        entry["value"] = encode_string(bytes(field.parts[-1]))
    else:
        entry["value"] = scalar(field, -1)
    return entry


def dump(path):
    r = GGUFReader(path)
    fields = [f for name, f in r.fields.items() if not name.startswith("GGUF.")]
    out = {
        "source": os.path.basename(path),
        "file_size": os.path.getsize(path),
        "version": int(r.fields["GGUF.version"].parts[0][0]),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "metadata": [dump_field(f) for f in fields],
        "tensors": [],
    }
    for t in r.tensors:
        rel = int(t.data_offset) - int(r.data_offset)
        with open(path, "rb") as fh:
            fh.seek(int(t.data_offset))
            prefix = fh.read(min(DATA_PREFIX_BYTES, int(t.n_bytes)))
        out["tensors"].append({
            "name": t.name,
            "type": int(t.tensor_type),
            "type_name": t.tensor_type.name,
            "shape": [int(d) for d in t.shape],
            "offset": rel,
            "n_bytes": int(t.n_bytes),
            "data_prefix_hex": prefix.hex(),
        })
    return out


def write(path, out_path):
    data = dump(path)
    # One metadata entry or tensor per line: small files, readable diffs.
    lines = ["{"]
    for key, value in data.items():
        if isinstance(value, list):
            items = [" " + json.dumps(v, ensure_ascii=True) for v in value]
            lines.append(f' "{key}": [\n' + ",\n".join(items) + "\n ],")
        else:
            lines.append(f' "{key}": {json.dumps(value, ensure_ascii=True)},')
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out_path}: {len(data['metadata'])} keys, {len(data['tensors'])} tensors "
          f"(gguf-py {importlib.metadata.version('gguf')})")


def main(argv):
    if len(argv) == 3:
        write(argv[1], argv[2])
        return
    os.makedirs(OUT_DIR, exist_ok=True)
    for path, name in DEFAULT_MODELS:
        if not os.path.exists(path):
            print(f"skip {path}: not found")
            continue
        write(path, os.path.join(OUT_DIR, name))


if __name__ == "__main__":
    main(sys.argv)
