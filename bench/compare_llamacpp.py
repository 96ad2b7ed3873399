#!/usr/bin/env python3
"""Side-by-side speed of llama.cpp (xllamacpp) and our CLI on the same machine.

For each model: prompt processing of P tokens (ppP) and decode of N tokens
(tgN, generated right after the ppP prompt, so the context grows P -> P+N),
T threads, R repetitions, alternating llama.cpp / ours; each repetition runs in
a fresh process (llama.cpp's OpenMP workers spin after work and would steal
cores from the next run). Prints medians, the ratio ours/llama.cpp and, for
decode, the achieved weight bandwidth: GB/s = bytes of weights read per token
(tensor bytes from the GGUF; the token-embedding table counts only when it is
also the output matrix) x tok/s, as a % of the read bandwidth measured in the
same run by a C read loop (numpy if no compiler; or --bandwidth-gbs).

Our side runs `OURS bench -m MODEL -p P -n N -t T --json` and reads the last
JSON line: {"prompt_tokens_per_s": .., "decode_tokens_per_s": ..}.

Usage: python3 bench/compare_llamacpp.py [--ours build/apps/cli/entropix]
           [-m MODEL.gguf ...] [-p 128] [-n 128] [-t 2] [-r 5] [--bandwidth-gbs X]
"""
import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time

HOME_MODELS = os.path.expanduser("~/.cache/entropix/models")
DEFAULT_MODELS = [
    os.path.join(HOME_MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"),
    os.path.join(HOME_MODELS, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
]
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def weight_bytes(path):
    """(all tensor bytes, bytes read per decoded token) from the GGUF tensor table."""
    import gguf
    tensors = {t.name: int(t.n_bytes) for t in gguf.GGUFReader(path).tensors}
    total = sum(tensors.values())
    per_token = total
    if "output.weight" in tensors:   # untied: the embedding table is only gathered (1 row)
        per_token -= tensors.get("token_embd.weight", 0)
    return total, per_token


BANDWIDTH_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  size_t n = (size_t)atof(argv[1]) / 8;  /* uint64 elements */
  uint64_t *a = aligned_alloc(64, n * 8);
  for (size_t i = 0; i < n; i++) a[i] = i;
  double best = 0;
  for (int r = 0; r < 5; r++) {
    struct timespec t0, t1;
    uint64_t s = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
#pragma omp parallel for reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += a[i];
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double gbs = n * 8 / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9) / 1e9;
    if (gbs > best) best = gbs;
    if (s == 1) puts("");  /* keep the sum alive */
  }
  printf("%f\n", best);
  return 0;
}
"""


def measure_bandwidth_gbs(threads, gib=1.0):
    """Best of 5 reads of a `gib` GiB buffer by `threads` threads: a C loop built
    here with cc -O3 -march=native -fopenmp, else numpy int64 sums (about 10% lower
    than the C loop on the reference machine). Returns (GB/s, method)."""
    import shutil
    import tempfile
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc:
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = os.path.join(tmp, "bw.c"), os.path.join(tmp, "bw")
            with open(src, "w") as f:
                f.write(BANDWIDTH_C)
            built = subprocess.run([cc, "-O3", "-march=native", "-fopenmp", src, "-o", exe],
                                   capture_output=True)
            if built.returncode == 0:
                out = subprocess.run([exe, str(gib * (1 << 30))], capture_output=True, text=True,
                                     env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
                if out.returncode == 0:
                    return float(out.stdout.split()[-1]), "C read loop"
    import numpy as np
    buf = np.ones(int(gib * (1 << 30)) // 8, dtype=np.int64)
    parts = np.array_split(buf, threads)
    best = 0.0
    for _ in range(5):
        workers = [threading.Thread(target=np.sum, args=(a,)) for a in parts]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        best = max(best, buf.nbytes / (time.perf_counter() - t0) / 1e9)
    return best, "numpy int64 sum"


def llama_worker(model, p, n, threads, seed):
    """One measurement in this (fresh) process; prints a JSON line."""
    import xllamacpp
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = max(512, p + n + 16)
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.n_parallel = 1
    server = xllamacpp.Server(params)
    import gguf
    n_vocab = len(gguf.GGUFReader(model).fields["tokenizer.ggml.tokens"].data)
    rng = random.Random(seed)
    # Ordinary tokens only: special tokens sit at the start (SmolLM2) or the end (Qwen).
    ids = [rng.randrange(256, min(n_vocab, 32000)) for _ in range(p)]
    request = {"prompt": ids, "n_predict": n, "temperature": 0, "ignore_eos": True,
               "cache_prompt": False}
    server.handle_completions(dict(request, prompt=ids[:16], n_predict=4))   # warm-up
    t = server.handle_completions(request)["timings"]
    assert t["prompt_n"] == p and t["predicted_n"] == n, t
    print(json.dumps({"pp": t["prompt_per_second"], "tg": t["predicted_per_second"]}))


def run_llama(model, p, n, threads, seed):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--llama-worker", model,
                          "-p", str(p), "-n", str(n), "-t", str(threads), "--seed", str(seed)],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"llama.cpp worker failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(binary, model, p, n, threads, extra):
    cmd = [binary, "bench", "-m", model, "-p", str(p), "-n", str(n), "-t", str(threads), "--json"]
    cmd += extra
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stderr[-2000:]}")
    lines = [l for l in out.stdout.splitlines() if l.lstrip().startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd)} printed no JSON line")
    j = json.loads(lines[-1])
    return {"pp": float(j["prompt_tokens_per_s"]), "tg": float(j["decode_tokens_per_s"])}


def ours_available(binary):
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        return f"our binary {binary} not found; build it (cmake --build build) or pass --ours PATH"
    probe = subprocess.run([binary, "bench", "--help"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return (f"{binary} has no working `bench` subcommand (exit {probe.returncode}: "
                f"{(probe.stderr or probe.stdout).strip()[:200]})")
    return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def spread(runs, key):
    """'median [min-max]' of one test over the repetitions."""
    if not runs:
        return "-"
    vals = [r[key] for r in runs]
    return f"{statistics.median(vals):.1f} [{min(vals):.0f}-{max(vals):.0f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "apps", "cli", "entropix"))
    ap.add_argument("--ours-args", default="", help="extra arguments for `OURS bench`, e.g. '-r 1'")
    ap.add_argument("-m", "--model", action="append", help="GGUF path (repeatable)")
    ap.add_argument("-p", type=int, default=128, help="prompt tokens")
    ap.add_argument("-n", type=int, default=128, help="generated tokens")
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--bandwidth-gbs", type=float, help="skip the bandwidth measurement")
    ap.add_argument("--llama-only", action="store_true")
    ap.add_argument("--json-out", help="also write all samples here")
    ap.add_argument("--llama-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.llama_worker:
        llama_worker(args.llama_worker, args.p, args.n, args.threads, args.seed)
        return

    models = args.model or [m for m in DEFAULT_MODELS if os.path.exists(m)]
    if not models:
        sys.exit("no model found; pass -m MODEL.gguf")
    why_not = "--llama-only given" if args.llama_only else ours_available(args.ours)
    if why_not:
        print(f"NOTE: measuring llama.cpp only: {why_not}", file=sys.stderr)

    import xllamacpp
    if args.bandwidth_gbs:
        bw, bw_method = args.bandwidth_gbs, "given"
    else:
        bw, bw_method = measure_bandwidth_gbs(args.threads)
    print(f"# {datetime.date.today()}  {cpu_name()}  ({os.cpu_count()} CPUs visible)  "
          f"xllamacpp {xllamacpp.__version__} [{xllamacpp.get_system_info().strip()}]")
    print(f"# read bandwidth {bw:.1f} GB/s with {args.threads} threads "
          f"({bw_method}); median [min-max] of {args.reps} alternating runs; "
          f"load average at start {os.getloadavg()[0]:.2f}")

    results = []
    for model in models:
        total, per_token = weight_bytes(model)
        samples = {"llama": [], "ours": []}
        for rep in range(args.reps):
            samples["llama"].append(run_llama(model, args.p, args.n, args.threads, args.seed))
            if not why_not:
                samples["ours"].append(run_ours(args.ours, model, args.p, args.n, args.threads,
                                                args.ours_args.split()))
            print(f"  {os.path.basename(model)} rep {rep + 1}/{args.reps}", file=sys.stderr)
        med = {side: {k: statistics.median(s[k] for s in runs) for k in ("pp", "tg")}
               for side, runs in samples.items() if runs}
        results.append({"model": model, "size_bytes": total, "bytes_per_token": per_token,
                        "median": med, "samples": samples})

    header = ("| model | size | threads | test | llama.cpp t/s | ours t/s | ours/llama.cpp "
              "| llama.cpp GB/s (% bw) | ours GB/s (% bw) |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        name = os.path.basename(r["model"])
        size = f"{r['size_bytes'] / 2**20:.0f} MiB"
        for key, test in (("pp", f"pp{args.p}"), ("tg", f"tg{args.n}")):
            lv = r["median"]["llama"][key]
            ov = r["median"].get("ours", {}).get(key)
            ratio = None if ov is None else ov / lv
            if key == "tg":
                lg = lv * r["bytes_per_token"] / 1e9
                og = None if ov is None else ov * r["bytes_per_token"] / 1e9
                gbs_l = f"{lg:.1f} ({100 * lg / bw:.0f}%)"
                gbs_o = "-" if og is None else f"{og:.1f} ({100 * og / bw:.0f}%)"
            else:
                gbs_l = gbs_o = "-"
            print(f"| {name} | {size} | {args.threads} | {test} | {spread(r['samples']['llama'], key)} "
                  f"| {spread(r['samples']['ours'], key)} "
                  f"| {fmt(ratio, '.2f')} | {gbs_l} | {gbs_o} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"date": str(datetime.date.today()), "cpu": cpu_name(), "bandwidth_gbs": bw, "bandwidth_method": bw_method,
                       "threads": args.threads, "p": args.p, "n": args.n, "results": results}, f,
                      indent=1)


if __name__ == "__main__":
    main()
