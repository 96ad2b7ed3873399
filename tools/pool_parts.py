#!/usr/bin/env python3
"""Keeps a long trace pool across machines as committed, compressed parts.

`entropix eval --pool` appends one item per line to DIR/pool.jsonl, which is
git-ignored (tens of MB) and lives only on the machine that ran it. A pool
that takes more than one working session to build would be lost with the
machine, so its finished items are saved as xz-compressed parts that are
committed:

  DIR/pool.part-000.jsonl.xz, pool.part-001.jsonl.xz, ...

  save DIR      writes the items of DIR/pool.jsonl that no part holds yet to
                the next part (nothing when there are none); a torn last
                line (an interrupted run) is left out
  restore DIR   rebuilds DIR/pool.jsonl from the parts, followed by any item
                of the current pool.jsonl that no part holds; then
                `entropix eval --pool` with the pool's command resumes
  check DIR     says how many items the parts and pool.jsonl hold, and fails
                if an item is in two parts or a part is damaged

Each line is kept byte for byte, so the rebuilt pool.jsonl is what the run
wrote (item order aside, which neither the resume nor replay depends on).
Run it while no `eval --pool` writes to the folder. Stdlib only.

Usage: tools/pool_parts.py save|restore|check eval-results/qwen-gsm8k-dev-pool
"""
import argparse
import json
import lzma
import os
import re
import sys

PART = re.compile(r"^pool\.part-(\d{3,})\.jsonl\.xz$")


def item_id(line, where):
    try:
        return json.loads(line)["item"]
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"error: {where}: not a pool item ({e}); the file is damaged, rebuild it with the pool's command")


def split_lines(data):
    """Complete lines (bytes, each ending in b"\n") and whether a torn last
    piece was dropped. Only b"\n" ends a line: the engine writes non-ASCII
    text unescaped, and JSON strings may hold U+2028 and the like raw."""
    lines = data.split(b"\n")
    torn = lines.pop() != b""
    return [line + b"\n" for line in lines], torn


def parts(folder):
    names = sorted(n for n in os.listdir(folder) if PART.match(n))
    for k, name in enumerate(names):
        if int(PART.match(name).group(1)) != k:
            sys.exit(f"error: {folder}: the parts are not numbered 000, 001, ... without gaps ({name})")
    return [os.path.join(folder, n) for n in names]


def read_parts(folder):
    """The lines of every part, in order, and the item ids they hold. An item
    saved twice with the same bytes (e.g. from two machines) is kept once;
    with different bytes it is an error."""
    lines, seen = [], {}
    for path in parts(folder):
        try:
            with lzma.open(path, "rb") as f:
                data = f.read()
        except (lzma.LZMAError, EOFError) as e:
            sys.exit(f"error: {path}: {e}; restore it from git (git checkout -- {path})")
        part_lines, torn = split_lines(data)
        if torn:
            sys.exit(f"error: {path}: its last line is cut; restore it from git (git checkout -- {path})")
        for n, line in enumerate(part_lines, 1):
            key = item_id(line, f"{path} line {n}")
            if key in seen:
                if seen[key] != line:
                    sys.exit(f"error: {path} line {n}: item {key} is already in an earlier part, "
                             "with other contents")
                continue
            seen[key] = line
            lines.append(line)
    return lines, set(seen)


def read_pool(folder):
    """Complete lines of pool.jsonl (a torn last line is dropped)."""
    path = os.path.join(folder, "pool.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        lines, _ = split_lines(f.read())
    for n, line in enumerate(lines, 1):
        item_id(line, f"{path} line {n}")
    return lines


def not_in(lines, ids):
    """The lines whose item is not in `ids`, each item once (the first)."""
    out, seen = [], set(ids)
    for line in lines:
        key = item_id(line, "pool.jsonl")
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


def write_atomically(path, write):
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        write(raw)
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)


def save(folder):
    _, ids = read_parts(folder)
    new = not_in(read_pool(folder), ids)
    if not new:
        print(f"{folder}: nothing new to save ({len(ids)} items in parts)")
        return
    path = os.path.join(folder, f"pool.part-{len(parts(folder)):03d}.jsonl.xz")

    def write(raw):
        with lzma.open(raw, "wb", preset=9) as f:
            f.writelines(new)

    write_atomically(path, write)
    print(f"{path}: {len(new)} items ({os.path.getsize(path) / 1e6:.1f} MB); "
          f"{len(ids) + len(new)} items in parts")


def restore(folder):
    lines, ids = read_parts(folder)
    extra = not_in(read_pool(folder), ids)
    path = os.path.join(folder, "pool.jsonl")
    write_atomically(path, lambda raw: raw.writelines(lines + extra))
    print(f"{path}: {len(lines)} items from parts, {len(extra)} kept from the previous pool.jsonl")


def check(folder):
    lines, ids = read_parts(folder)
    pool = read_pool(folder)
    unsaved = len(not_in(pool, ids))
    print(f"{folder}: {len(parts(folder))} parts, {len(lines)} items; pool.jsonl {len(pool)} items, "
          f"{unsaved} not in any part")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["save", "restore", "check"])
    ap.add_argument("folder", help="a pool folder (made by entropix eval --pool)")
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(a.folder, "pool.json")):
        sys.exit(f"error: {a.folder}/pool.json not found: give the folder `entropix eval --pool -o` wrote")
    {"save": save, "restore": restore, "check": check}[a.action](a.folder)


if __name__ == "__main__":
    main()
