#!/usr/bin/env python3
"""Side by side: our `entropix bench` against llama.cpp built natively for this
CPU (bench/build_llamacpp.sh), same machine, same run, same model files,
threads and repetitions.

Tests (bench/README.md says exactly what each measures on both sides):
  ppP           llama-bench -p P -n 0        | entropix bench -p P
  tgN           llama-bench -n N (-d 0)      | entropix bench -n N --depth 0
  tgN @ dD      llama-bench -p 0 -n N -d D   | entropix bench -p 0 -n N --depth D
  tgN B=k       llama-batched-bench -npp Q -ntg N -npl k (S_TG)
                                             | entropix bench -n N --batch k --batch-prompt Q

Each repetition runs every tool once, in a fresh process (-r 1 inside),
alternating llama.cpp / ours group by group, so a change in the machine's load
hits both sides alike and llama.cpp's spinning OpenMP workers never overlap
our run. GB/s uses one traffic model for both sides (our JSON's weight bytes
per step + KV bytes read; llama.cpp's KV at its own type, f16 by default), and
% bw one read bandwidth: the best our processes measured in this run, or
--bandwidth-gbs.

Usage: python3 bench/side_by_side.py [-m MODEL.gguf ...] [-t 2] [-r 3]
           [-p 512] [-n 128] [--depth 4096] [--batch 1,2,4,8] [--batch-prompt 128]
           [--ours build/apps/cli/entropix] [--ours-args "--precision q8"]
           [--llama-dir /work/llama-native/bin] [--bandwidth-gbs X] [--json-out FILE]
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys

HOME_MODELS = os.path.expanduser("~/.cache/entropix/models")
DEFAULT_MODELS = [os.path.join(HOME_MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"),
                  os.path.join(HOME_MODELS, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")]
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# Bytes per cached value of llama.cpp's KV types (type_k / type_v).
KV_TYPE_BYTES = {"f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
TIMEOUT_S = 3600


def run(cmd):
    """Runs one tool; returns the JSON objects it printed (stdout and stderr)."""
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    if out.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited {out.returncode}:\n{out.stderr[-3000:]}")
    objs = []
    for line in (out.stdout + "\n" + out.stderr).splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            objs.append(json.loads(line))
    if not objs:
        raise RuntimeError(f"{shlex.join(cmd)} printed no JSON line:\n{out.stdout[-2000:]}")
    return objs


def test_name(n_prompt, n_gen, depth=0, batch=None):
    if n_prompt:
        return f"pp{n_prompt}"
    name = f"tg{n_gen}"
    if batch is not None:
        return f"{name} B={batch}"
    return f"{name} @ d{depth}" if depth else name


# --- llama.cpp ---------------------------------------------------------------

def llama_bench(a, model, p, n, depth):
    """llama-bench, one repetition: {test: sample} with its KV type."""
    cmd = [os.path.join(a.llama_dir, "llama-bench"), "-m", model, "-t", str(a.threads), "-r", "1",
           "-p", str(p), "-n", str(n), "-o", "jsonl"]
    if depth:
        cmd += ["-d", str(depth)]
    res = {}
    for o in run(cmd):
        if "avg_ts" not in o:
            continue
        name = test_name(o["n_prompt"], o["n_gen"], o.get("n_depth", 0))
        res[name] = {"tokens_per_s": o["avg_ts"], "type_k": o.get("type_k", "f16"),
                     "type_v": o.get("type_v", "f16"), "cpu_info": o.get("cpu_info", ""),
                     "build": f"{o.get('build_commit', '?')} ({o.get('build_number', '?')})",
                     "flash_attn": o.get("flash_attn")}
    return res


def llama_batched(a, model):
    """llama-batched-bench S_TG for every B of --batch, one process."""
    batches = a.batch
    ctx = max(batches) * (a.batch_prompt + a.n) + 16
    cmd = [os.path.join(a.llama_dir, "llama-batched-bench"), "-m", model, "-t", str(a.threads),
           "-tb", str(a.threads), "-c", str(ctx), "-npp", str(a.batch_prompt), "-ntg", str(a.n),
           "-npl", ",".join(map(str, batches)), "--output-format", "jsonl"]
    res = {}
    for o in run(cmd):
        if "speed_tg" in o:
            res[test_name(0, o["tg"], batch=o["pl"])] = {"tokens_per_s": o["speed_tg"],
                                                         "type_k": "f16", "type_v": "f16"}
    return res


def llama_has_depth(a):
    """Whether this llama-bench has -d/--n-depth (added in 2025)."""
    cmd = [os.path.join(a.llama_dir, "llama-bench"), "--help"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return "--n-depth" in out.stdout + out.stderr


# --- ours ----------------------------------------------------------------------

def ours(a, model, args):
    cmd = [a.ours, "bench", "-m", model, "-t", str(a.threads), "-r", "1", "--json"] + args
    if a.bandwidth_gbs:
        cmd += ["--bandwidth-gbs", str(a.bandwidth_gbs)]
    cmd += shlex.split(a.ours_args)
    return {o["test"]: o for o in run(cmd)}


# --- one repetition: the groups, alternating ------------------------------------

def groups(a, depth_ok, batched_ok):
    """(llama.cpp call, our bench arguments, tests the pair measures)."""
    out = [(lambda m: llama_bench(a, m, a.p, a.n, 0),
            ["-p", str(a.p), "-n", str(a.n), "--depth", "0"],
            [test_name(a.p, 0), test_name(0, a.n)])]
    for d in a.depth:
        llama = (lambda m, d=d: llama_bench(a, m, 0, a.n, d)) if depth_ok else (lambda m: {})
        out.append((llama, ["-p", "0", "-n", str(a.n), "--depth", str(d)], [test_name(0, a.n, d)]))
    if a.batch:
        # Our side also runs a plain tgN here (--depth defaults to 0); it is not used.
        out.append(((lambda m: llama_batched(a, m)) if batched_ok else (lambda m: {}),
                    ["-p", "0", "-n", str(a.n), "--batch", ",".join(map(str, a.batch)),
                     "--batch-prompt", str(a.batch_prompt)],
                    [test_name(0, a.n, batch=b) for b in a.batch]))
    return out


def measure_model(a, model, depth_ok, batched_ok):
    samples = {}  # test -> {"llama": [...], "ours": [...]}
    info = {"llama": {}, "ours": {}}
    for rep in range(a.reps):
        for llama, our_args, tests in groups(a, depth_ok, batched_ok):
            got = {"llama": llama(model), "ours": ours(a, model, our_args)}
            for side, res in got.items():
                for t in tests:
                    if t in res:
                        samples.setdefault(t, {"llama": [], "ours": []})[side].append(res[t]["tokens_per_s"])
                        info[side].setdefault(t, res[t])
            done = "; ".join(f"{t}: llama.cpp {got['llama'].get(t, {}).get('tokens_per_s', 0):.1f}, "
                             f"ours {got['ours'].get(t, {}).get('tokens_per_s', 0):.1f} t/s" for t in tests)
            print(f"  {os.path.basename(model)} rep {rep + 1}/{a.reps}: {done}", file=sys.stderr, flush=True)
    return samples, info


# --- figures -------------------------------------------------------------------

def stats(vals):
    if not vals:
        return None, None
    return statistics.mean(vals), (statistics.stdev(vals) if len(vals) > 1 else 0.0)


def gbps(ours_rec, tokens_per_s, kv_bytes_per_value=None):
    """GB/s of a decode test at `tokens_per_s`, by our JSON's traffic model; with
    kv_bytes_per_value, the KV bytes are recomputed for that KV type."""
    if tokens_per_s is None or ours_rec is None or ours_rec.get("kind") != "tg":
        return None
    kv = ours_rec["kv_bytes_per_step"]
    if kv_bytes_per_value is not None:
        kv = kv / ours_rec["kv_bytes_per_position"] * ours_rec["kv_values_per_position"] * kv_bytes_per_value
    steps_per_s = tokens_per_s / ours_rec["batch"]
    return (ours_rec["weight_bytes_per_step"] + kv) * steps_per_s / 1e9


def rows_for_model(model, samples, info, bw):
    rows = []
    for test, s in samples.items():
        lm, lsd = stats(s["llama"])
        om, osd = stats(s["ours"])
        orec = info["ours"].get(test)
        lrec = info["llama"].get(test, {})
        kvb = KV_TYPE_BYTES.get(lrec.get("type_k", "f16"), 2.0)
        lg, og = gbps(orec, lm, kvb), gbps(orec, om)
        rows.append({"model": os.path.basename(model), "test": test,
                     "llama": {"tokens_per_s": lm, "sd": lsd, "samples": s["llama"], "gbps": lg,
                               "bandwidth_pct": None if lg is None else 100 * lg / bw,
                               "kv_type": lrec.get("type_k")},
                     "ours": {"tokens_per_s": om, "sd": osd, "samples": s["ours"], "gbps": og,
                              "bandwidth_pct": None if og is None else 100 * og / bw,
                              "precision": (orec or {}).get("precision")},
                     "ratio": None if (lm is None or om is None) else om / lm})
    return rows


def fmt_ts(m, sd):
    return "not measured" if m is None else f"{m:.2f} ± {sd:.2f}"


def fmt_gb(side):
    g = side["gbps"]
    return "-" if g is None else f"{g:.1f} ({side['bandwidth_pct']:.0f}%)"


def print_table(rows, threads):
    print("| model | threads | test | llama.cpp t/s | ours t/s | ours/llama.cpp "
          "| llama.cpp GB/s (% bw) | ours GB/s (% bw) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        l, o = r["llama"], r["ours"]
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        name = f"{r['model']} (ours {o['precision']})"
        print(f"| {name} | {threads} | {r['test']} | {fmt_ts(l['tokens_per_s'], l['sd'])} "
              f"| {fmt_ts(o['tokens_per_s'], o['sd'])} | {ratio} | {fmt_gb(l)} | {fmt_gb(o)} |")


# --- main ----------------------------------------------------------------------

def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def int_list(text):
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of integers")
    if any(v < 0 for v in vals):
        raise argparse.ArgumentTypeError(f"'{text}' has a negative value")
    return vals


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("-m", "--model", action="append", help="GGUF file (repeatable; default: the two cached models)")
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--reps", type=int, default=3, help="processes per tool and test group")
    ap.add_argument("-p", type=int, default=512, help="ppP prompt tokens")
    ap.add_argument("-n", type=int, default=128, help="tgN decode steps")
    ap.add_argument("--depth", type=int_list, default=[4096], help="tgN @ dD depths ('' for none)")
    ap.add_argument("--batch", type=int_list, default=[1, 2, 4, 8], help="tgN B=k batches ('' for none)")
    ap.add_argument("--batch-prompt", type=int, default=128, help="prompt tokens per sequence of tgN B=k")
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "apps", "cli", "entropix"))
    ap.add_argument("--ours-args", default="", help="extra `entropix bench` arguments, e.g. '--precision q8'")
    ap.add_argument("--llama-dir", default="/work/llama-native/bin", help="bench/build_llamacpp.sh's bin/")
    ap.add_argument("--bandwidth-gbs", type=float, help="read bandwidth for %% bw (default: measured by ours)")
    ap.add_argument("--json-out", help="write every sample and figure here")
    a = ap.parse_args()
    a.depth = [d for d in a.depth if d > 0]
    if any(b < 1 for b in a.batch) or a.threads < 1 or a.reps < 1 or a.p < 1 or a.n < 1:
        ap.error("-t, -r, -p, -n and every --batch value must be >= 1")
    return a


def check_tools(a):
    """Exits when a required tool is missing; returns whether llama-batched-bench
    is there (without it the tgN B=k rows have no llama.cpp side)."""
    if not os.access(os.path.join(a.llama_dir, "llama-bench"), os.X_OK):
        sys.exit(f"side_by_side: {a.llama_dir}/llama-bench not found; build it with "
                 f"bench/build_llamacpp.sh or pass --llama-dir")
    if not os.access(a.ours, os.X_OK):
        sys.exit(f"side_by_side: {a.ours} not found; build it (cmake --build build --target entropix) "
                 f"or pass --ours")
    return os.access(os.path.join(a.llama_dir, "llama-batched-bench"), os.X_OK)


def build_info(a):
    """bench/build_llamacpp.sh's BUILD_INFO beside bin/ (the sdist version: a
    build from the sdist reports build number 0, commit unknown)."""
    path = os.path.join(a.llama_dir, "..", "BUILD_INFO")
    try:
        with open(path) as f:
            return dict(line.rstrip("\n").split(": ", 1) for line in f if ": " in line)
    except OSError:
        return {}


def bandwidth(a, infos):
    if a.bandwidth_gbs:
        return a.bandwidth_gbs, "given"
    measured = [rec["bandwidth_gbs"] for info in infos for rec in info["ours"].values()]
    return max(measured), "measured by `entropix bench` in this run (best of its processes)"


def main():
    a = parse_args()
    batched_ok = check_tools(a)
    models = a.model or [m for m in DEFAULT_MODELS if os.path.exists(m)]
    if not models:
        sys.exit("side_by_side: no model found; pass -m MODEL.gguf")
    depth_ok = llama_has_depth(a) if a.depth else True
    load = os.getloadavg()[0]
    per_model = [(m,) + measure_model(a, m, depth_ok, batched_ok) for m in models]
    bw, bw_how = bandwidth(a, [info for _, _, info in per_model])
    rows = [r for m, s, info in per_model for r in rows_for_model(m, s, info, bw)]
    llama_meta = dict(next((rec for _, _, info in per_model for rec in info["llama"].values() if "build" in rec), {}))
    built = build_info(a)
    llama_meta["build_info"] = built
    version = built.get("llama-cpp-python sdist", "").split(" ")[0] or "?"
    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  CPU: {cpu_name()} "
          f"({os.cpu_count()} CPUs visible)  llama.cpp {built.get('llama.cpp', '')} from the "
          f"llama-cpp-python {version} sdist, {built.get('flags', 'build flags unknown')}")
    print(f"# read bandwidth {bw:.1f} GB/s ({bw_how}); mean ± sd of {a.reps} alternating "
          f"process(es) per side; load average at start {load:.2f}")
    if not depth_ok:
        print("# this llama-bench has no -d: llama.cpp's tgN @ dD is not measured")
    if a.batch and not batched_ok:
        print(f"# {a.llama_dir}/llama-batched-bench is missing: llama.cpp's tgN B=k is not measured")
    print_table(rows, a.threads)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "cpu": cpu_name(),
                       "cpus_visible": os.cpu_count(), "load_average_at_start": load,
                       "llama_cpp": llama_meta, "bandwidth_gbs": bw, "bandwidth_source": bw_how,
                       "threads": a.threads, "reps": a.reps, "p": a.p, "n": a.n, "depth": a.depth,
                       "batch": a.batch, "batch_prompt": a.batch_prompt, "ours_args": a.ours_args,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
