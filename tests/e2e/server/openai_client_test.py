"""End-to-end tests of `entropix serve` with the official `openai` client.

Starts the server on 127.0.0.1 on a free port (stories260K with an API key
and 4 slots; stories260K with 1 slot + 1 queued for the overload test;
SmolLM2, when cached, for the hang-ups: streaming, non-streaming and a vote)
and drives it; sampler vote is compared with `entropix run --sampler vote -q`.
Every check names what it expects; the first failure
ends the run with exit code 1.

    python openai_client_test.py ENTROPIX_BINARY STORIES_GGUF
"""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

import openai

KEY = "test-key"


class Server:
    def __init__(self, binary, model, *flags):
        self.proc = subprocess.Popen([binary, "serve", "-m", model, "--port", "0", "-t", "1", *flags],
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise SystemExit(f"the server did not say where it listens: {line!r}")
        self.port = int(m.group(1))
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.wait_ready()

    def wait_ready(self):
        for _ in range(200):
            status, _ = self.get("/health")
            if status == 200:
                return
            check(status == 503, f"/health while loading: 503, got {status}")
            time.sleep(0.05)
        raise SystemExit("the server did not become ready")

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data, r

    def get(self, path):
        status, data, _ = self.request("GET", path)
        return status, data.decode()

    def post(self, path, body, key=KEY):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        status, data, r = self.request("POST", path, body, headers)
        return status, json.loads(data or b"null"), r

    def metric(self, name):
        _, text = self.get("/metrics")
        m = re.search(rf"^{name} (\S+)$", text, re.M)
        return float(m.group(1))

    def client(self, key=KEY):
        return openai.OpenAI(base_url=f"http://127.0.0.1:{self.port}/v1", api_key=key, max_retries=0)

    def assert_clean(self):
        """/health answers and no sequence is left (the gauge is set after each step)."""
        check(self.get("/health")[0] == 200, "/health answers 200 afterwards")
        for _ in range(100):
            if self.metric("entropix_active_sequences") == 0:
                break
            time.sleep(0.05)
        check(self.metric("entropix_active_sequences") == 0, "no sequence is left (/metrics active_sequences 0)")

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(timeout=30) == 0, "the server exits 0 on SIGTERM")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", flush=True)
        raise SystemExit(1)
    print(f"ok: {what}", flush=True)


def expect_status(fn, error_class, status, what):
    try:
        fn()
    except error_class as e:
        check(e.status_code == status, f"{what}: {status} (got {e.status_code}: {e})")
        return e
    check(False, f"{what}: expected {error_class.__name__}")


def stream_text(client, **kw):
    """Content, logprob tokens and the last chunk of a streamed chat completion."""
    text, tokens, chunks = "", [], list(client.chat.completions.create(stream=True, **kw))
    for ch in chunks:
        for c in ch.choices:
            text += c.delta.content or ""
            if c.logprobs and c.logprobs.content:
                tokens += [t.token for t in c.logprobs.content]
    return text, tokens, chunks


def test_basics(s, client, model):
    msgs = [{"role": "user", "content": "Once upon a time"}]
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=8, seed=1)
    check(isinstance(r.choices[0].message.content, str) and r.choices[0].finish_reason in ("stop", "length"),
          "chat: a message and a finish_reason")
    check(r.usage.prompt_tokens > 0 and r.usage.completion_tokens <= 8 and
          r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, "chat: usage adds up")
    text, _, chunks = stream_text(client, model=model, messages=msgs, max_tokens=8, seed=1,
                                  stream_options={"include_usage": True})
    check(chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0,
          "chat stream: include_usage sends a last chunk with usage and no choices")
    check(all(c.usage is None for c in chunks[:-1]), "chat stream: usage is null before the last chunk")
    check(chunks[-2].choices[0].finish_reason in ("stop", "length"), "chat stream: a finish_reason")
    r = client.completions.create(model=model, prompt="Once upon a time", max_tokens=12, seed=3, temperature=0)
    check(r.choices[0].text.startswith(", there was"), f"completions, greedy: ', there was...' ({r.choices[0].text!r})")
    check(r.choices[0].finish_reason == "length", "completions: finish_reason length at max_tokens")
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=model, prompt="Once upon a time", max_tokens=12, temperature=0, stream=True) if c.choices)
    check(streamed == r.choices[0].text, "completions stream == completions whole")
    r = client.completions.create(model=model, prompt="Once upon a time", max_tokens=30, temperature=0,
                                  stop=["Lily"])
    check(r.choices[0].text.endswith("named ") and r.choices[0].finish_reason == "stop",
          f"stop string cuts the text: {r.choices[0].text!r}")


def test_logprobs_n_extensions(s, client, model):
    msgs = [{"role": "user", "content": "Once upon a time"}]
    for k in (0, 5):
        r = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, seed=2, logprobs=True,
                                           top_logprobs=k)
        content = r.choices[0].logprobs.content
        check(len(content) == r.usage.completion_tokens and all(len(t.top_logprobs) == k for t in content),
              f"chat logprobs: one entry per token, top_logprobs {k}")
        check(all(t.logprob <= 0 for t in content), "chat logprobs are log-probabilities")
        if k:
            check(all(t.top_logprobs[0].logprob >= t.top_logprobs[-1].logprob for t in content),
                  "top_logprobs are best first")
    _, tokens, _ = stream_text(client, model=model, messages=msgs, max_tokens=6, seed=2, logprobs=True,
                               top_logprobs=2)
    check(len(tokens) > 0, "chat stream: logprobs per chunk")
    r = client.completions.create(model=model, prompt="Once upon a time", max_tokens=5, logprobs=5, seed=2)
    check(all(len(t) == 5 for t in r.choices[0].logprobs.top_logprobs), "completions logprobs=5")
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, n=2, seed=4, temperature=1.0)
    check([c.index for c in r.choices] == [0, 1], "n=2: two choices")
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, seed=4,
                                       extra_body={"sampler": "entropix", "profile": "entropix-g2", "entropix": True})
    recs = r.choices[0].model_extra["entropix"]
    check(len(recs) == r.usage.completion_tokens and {"entropy", "varentropy", "state", "action"} <= set(recs[0]),
          "extension: per-token entropix records")
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, extra_body={"sampler": "greedy"})
    check(r.choices[0].finish_reason in ("stop", "length"), "extension: sampler greedy")


VOTE_PROFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vote_always_fork.json")


def test_vote(s, client, model, binary, stories):
    """sampler vote with a profile that always forks: the chosen text is what
    `entropix run --sampler vote -q` prints for the same seed and profile."""
    with open(VOTE_PROFILE) as f:
        profile = json.load(f)
    run = subprocess.run([binary, "run", "-m", stories, "-p", "Once upon a time", "-n", "24", "-s", "5", "-t", "1",
                          "--sampler", "vote", "--vote-profile", VOTE_PROFILE, "-q"],
                         capture_output=True, text=True, timeout=120)
    check(run.returncode == 0 and run.stdout.endswith("\n"), f"run --sampler vote -q works ({run.stderr[-200:]})")
    expected = run.stdout[:-1]  # -q: the chosen trace's text and a newline
    votes = s.metric("entropix_votes_total")
    kw = dict(model=model, messages=[{"role": "user", "content": "Once upon a time"}], max_tokens=24, seed=5,
              extra_body={"sampler": "vote", "profile": profile, "entropix": True})
    r = client.chat.completions.create(**kw)
    c = r.choices[0]
    check(c.message.content == expected, f"vote: the chosen text equals run's ({c.message.content!r} vs {expected!r})")
    vote = c.model_extra["vote"]
    check(len(vote["traces"]) == 4 and vote["stop_reason"] == "max_traces" and
          any(t["parent"] is not None for t in vote["traces"]), "vote: 4 traces, forks among them, stop max_traces")
    chosen = vote["traces"][vote["chosen_trace"]]
    check(chosen["text"] == expected and c.finish_reason in ("stop", "length"), "vote: the chosen trace is the answer")
    check({"id", "parent", "fork_position", "fork_token", "answer", "confidence", "weight", "stop"} <= set(chosen),
          "vote: each trace has its fork, answer, confidence, weight and stop reason")
    check(r.usage.completion_tokens == vote["forward_tokens"] == sum(t["forward_tokens"] for t in vote["traces"])
          and r.usage.completion_tokens > len(c.model_extra["entropix"]),
          f"vote: usage counts the forward tokens of all traces ({r.usage.completion_tokens})")
    text, _, chunks = stream_text(client, stream_options={"include_usage": True}, **kw)
    contents = [ch for ch in chunks if ch.choices and ch.choices[0].delta.content]
    ends = [ch for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    check(text == expected and len(contents) == 1, "vote stream: the chosen text in one chunk, once decided")
    check(len(ends) == 1 and ends[0].choices[0].model_extra["vote"]["chosen_trace"] == vote["chosen_trace"],
          "vote stream: the vote in the final chunk")
    check(chunks[-1].usage.completion_tokens == r.usage.completion_tokens, "vote stream: the same usage")
    check(s.metric("entropix_votes_total") == votes + 2, "/metrics counts the votes")
    expect_status(lambda: client.chat.completions.create(n=2, **kw), openai.BadRequestError, 400, "vote with n = 2")


def test_concurrent_equals_sequential(s, client, model):
    reqs = [dict(model=model, messages=[{"role": "user", "content": p}], max_tokens=24, seed=10 + i,
                 temperature=1.0, logprobs=True)
            for i, p in enumerate(["Once upon a time", "The cat", "Lily and Ben", "One day"])]
    alone = [stream_text(client, **r)[:2] for r in reqs]
    together = [None] * 4

    def run(i):
        together[i] = stream_text(client, **reqs[i])[:2]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(together == alone and all(a[1] for a in alone),
          "4 concurrent streaming requests give the tokens they give one at a time")


def test_negative(s, client, model):
    good = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    for body, what in [(b"{bad json", "malformed JSON"),
                       (json.dumps({**good, "max_tokens": "2"}).encode(), "max_tokens as a string"),
                       (json.dumps({**good, "messages": []}).encode(), "empty messages"),
                       (json.dumps({**good, "temperature": -1}).encode(), "negative temperature"),
                       (json.dumps({**good, "temperature": float("nan")}).encode(), "NaN temperature")]:
        status, body_json, _ = s.post("/v1/chat/completions", body)
        check(status == 400 and set(body_json["error"]) == {"message", "type", "param", "code"},
              f"{what}: 400 in OpenAI's error shape")
    status, _, _ = s.post("/v1/chat/completions", b'{"x":"' + b"a" * (100 << 20) + b'"}')
    check(status == 413, f"a 100 MB body: 413 (got {status})")
    e = expect_status(lambda: client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Once upon a time " * 200}]),
        openai.BadRequestError, 400, "a prompt longer than the context")
    check(re.search(r"prompt has \d+ tokens, but the context holds 256", str(e)), "... with both token counts")
    expect_status(lambda: s.client("wrong").models.list(), openai.AuthenticationError, 401, "a wrong API key")
    status, _, _ = s.post("/v1/chat/completions", json.dumps(good).encode(), key=None)
    check(status == 401, "a missing API key: 401")
    expect_status(lambda: client.chat.completions.create(model="gpt-4", messages=good["messages"]),
                  openai.NotFoundError, 404, "an unknown model")
    expect_status(lambda: client.chat.completions.create(model=model, messages=good["messages"], temperature=-0.5),
                  openai.BadRequestError, 400, "a negative temperature through the client")
    # A client that disconnects mid-stream: its sequence is freed.
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.request("POST", "/v1/completions", json.dumps({"model": model, "prompt": "Once", "max_tokens": 250,
                                                     "stream": True, "temperature": 1.0}),
              {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    r = c.getresponse()
    check(r.status == 200 and r.readline().startswith(b"data: "), "a stream starts")
    c.sock.close()
    c.close()
    s.assert_clean()


def test_overload(binary, model_path):
    s = Server(binary, model_path, "-c", "256", "--parallel", "1", "--queue", "1")
    model = s.client().models.list().data[0].id
    statuses, retry_after = [], []
    lock = threading.Lock()

    def run():
        status, _, r = s.post("/v1/completions", json.dumps(
            {"model": model, "prompt": "Once", "max_tokens": 250, "temperature": 1.0}).encode(), key=None)
        with lock:
            statuses.append(status)
            if status == 503:
                retry_after.append(r.getheader("Retry-After"))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(set(statuses) <= {200, 503} and statuses.count(200) >= 2 and 503 in statuses,
          f"8 requests at 1 slot + 1 queued: 200s and 503s ({sorted(statuses)})")
    check(all(retry_after), "every 503 has Retry-After")
    s.assert_clean()
    s.stop()


def cached_smollm2():
    base = os.environ.get("ENTROPIX_MODEL_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "entropix", "models")
    path = os.path.join(base, "SmolLM2-135M-Instruct.Q4_1.gguf")
    return path if os.path.exists(path) else None


def test_disconnect_frees(binary):
    """On SmolLM2 (slow enough to still be generating): a stream whose client
    hangs up stops well before max_tokens, and its sequence is freed."""
    path = cached_smollm2()
    if not path:
        check(os.environ.get("ENTROPIX_REQUIRE_MODELS") != "1", "SmolLM2 is cached (ENTROPIX_REQUIRE_MODELS=1)")
        print("skipped: the disconnect test needs SmolLM2 (entropix pull smollm2-135m)")
        return
    s = Server(binary, path, "-c", "1024")
    model = s.client().models.list().data[0].id
    r = s.client().chat.completions.create(model=model, max_tokens=32, extra_body={"sampler": "greedy"},
                                           messages=[{"role": "user", "content": "What is the capital of France?"}])
    check("Paris" in r.choices[0].message.content, f"SmolLM2 through the chat template answers Paris "
                                                   f"(the README's example): {r.choices[0].message.content!r}")
    before = s.metric("entropix_completion_tokens_total")
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.request("POST", "/v1/chat/completions", json.dumps(
        {"model": model, "messages": [{"role": "user", "content": "Write a long story about a dragon."}],
         "max_tokens": 800, "stream": True, "temperature": 1.0, "seed": 1}), {"Content-Type": "application/json"})
    r = c.getresponse()
    check(r.status == 200 and r.readline().startswith(b"data: "), "SmolLM2: a stream starts")
    c.sock.close()
    c.close()
    s.assert_clean()
    generated = s.metric("entropix_completion_tokens_total") - before
    check(generated < 800, f"a client that hangs up mid-stream stops its generation ({generated:.0f} of 800 tokens)")
    hang_up(s, model, {"max_tokens": 800, "temperature": 1.0, "seed": 1}, 800, "a non-streaming request")
    with open(VOTE_PROFILE) as f:
        profile = json.load(f)
    votes = s.metric("entropix_votes_total")
    hang_up(s, model, {"max_tokens": 400, "seed": 1, "sampler": "vote", "profile": profile, "stream": True}, 400,
            "a streaming vote (nothing is written before the vote is decided)")
    check(s.metric("entropix_votes_total") == votes, "the hung-up vote was not counted as decided")
    s.stop()


def hang_up(s, model, fields, max_tokens, what):
    """Sends a request, waits until it is generating, closes the connection
    without reading: its sequences are freed within a step or two, far below
    max_tokens (the hang-up is noticed while generating, not at the write)."""
    before = s.metric("entropix_completion_tokens_total")
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.request("POST", "/v1/chat/completions", json.dumps(
        {"model": model, "messages": [{"role": "user", "content": "Write a long story about a dragon."}], **fields}),
        {"Content-Type": "application/json"})
    for _ in range(200):
        if s.metric("entropix_active_sequences") > 0:
            break
        time.sleep(0.02)
    check(s.metric("entropix_active_sequences") > 0, f"{what}: it is generating")
    time.sleep(0.3)
    t0 = time.time()
    c.sock.close()
    c.close()
    s.assert_clean()
    generated = s.metric("entropix_completion_tokens_total") - before
    check(generated < max_tokens / 4, f"{what}: a client that hangs up frees its sequences in "
                                      f"{time.time() - t0:.2f}s after {generated:.0f} of {max_tokens} tokens")


def main():
    binary, stories = sys.argv[1], sys.argv[2]
    t0 = time.time()
    s = Server(binary, stories, "-c", "256", "--parallel", "4", "--queue", "8", "--api-key", KEY)
    try:
        client = s.client()
        models = client.models.list().data
        check(len(models) == 1 and models[0].id == "stories260K", "/v1/models lists the served model")
        test_basics(s, client, models[0].id)
        test_logprobs_n_extensions(s, client, models[0].id)
        test_vote(s, client, models[0].id, binary, stories)
        test_concurrent_equals_sequential(s, client, models[0].id)
        test_negative(s, client, models[0].id)
        s.assert_clean()
        s.stop()
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
    test_overload(binary, stories)
    test_disconnect_frees(binary)
    print(f"all server e2e checks passed in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
