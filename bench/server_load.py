#!/usr/bin/env python3
"""Aggregate decode throughput of an OpenAI-compatible server with 1 and with
4 concurrent clients: `entropix serve` and llama.cpp's `llama-server` on the
same GGUF file, one after the other, in one run.

Each client sends REQUESTS completions of MAX_TOKENS tokens (temperature 0,
the same prompt) back to back; aggregate tokens/s is the sum of the
completion tokens the servers report (usage) over the wall time of the whole
round. Standard library only.

    bench/server_load.py --entropix build/apps/cli/entropix \\
        --llama-server /work/llama-native/bin/llama-server \\
        --model ~/.cache/entropix/models/SmolLM2-135M-Instruct.Q4_1.gguf [--threads 2]
"""
import argparse
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request

PROMPT = "Once upon a time, in a small village by the sea, there lived"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(port, proc, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def complete(port, model, max_tokens):
    body = json.dumps({"model": model, "prompt": PROMPT, "max_tokens": max_tokens, "temperature": 0}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", body,
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)["usage"]["completion_tokens"]


def round_(port, model, clients, requests, max_tokens):
    tokens = [0] * clients

    def client(i):
        for _ in range(requests):
            tokens[i] += complete(port, model, max_tokens)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    return sum(tokens), wall


def measure(name, cmd, port, model_id, args):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_health(port, proc)
        complete(port, model_id, 8)  # warm-up
        rows = []
        for clients in (1, 4):
            tokens, wall = round_(port, model_id, clients, args.requests, args.max_tokens)
            rows.append((name, clients, tokens, wall, tokens / wall))
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entropix", required=True)
    p.add_argument("--llama-server", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--requests", type=int, default=3, help="requests per client per round")
    p.add_argument("--max-tokens", type=int, default=64)
    args = p.parse_args()
    model_id = re.sub(r"\.gguf$", "", args.model.rsplit("/", 1)[-1])
    port = free_port()
    rows = measure("entropix serve", [args.entropix, "serve", "-m", args.model, "--port", str(port),
                                      "-t", str(args.threads), "--parallel", "4", "-c", "1024"], port, model_id, args)
    port = free_port()
    rows += measure("llama-server", [args.llama_server, "-m", args.model, "--port", str(port), "-t", str(args.threads),
                                     "-np", "4", "-c", "4096", "--no-webui"], port, model_id, args)
    print(f"model {model_id}, {args.threads} threads, {args.requests} requests x {args.max_tokens} tokens per client")
    print("| server | clients | tokens | wall s | aggregate tok/s | 4 vs 1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, clients, tokens, wall, tps in rows:
        one = next(r[4] for r in rows if r[0] == name and r[1] == 1)
        print(f"| {name} | {clients} | {tokens} | {wall:.1f} | {tps:.1f} | {tps / one:.2f}x |")


if __name__ == "__main__":
    main()
