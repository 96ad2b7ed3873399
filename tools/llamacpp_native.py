"""A native llama.cpp server (the llama-server binary) on loopback, for the
golden scripts: the same HTTP endpoints they use through `xllamacpp`, from a
build of llama.cpp we made ourselves (e.g. with AVX-512).

    with NativeServer("/path/llama-server", model, threads=2, n_ctx=4096) as s:
        s.post("/tokenize", {...})
"""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NativeServer:
    def __init__(self, binary, model, threads=2, n_ctx=4096, extra=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.args = [binary, "-m", model, "--host", "127.0.0.1", "--port", str(self.port),
                     "-c", str(n_ctx), "-t", str(threads), "-tb", str(threads), "-np", "1",
                     *extra]
        self.version = subprocess.run([binary, "--version"], capture_output=True,
                                      text=True).stderr.strip()
        self.log = open(os.devnull, "w")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.proc.returncode}: {self.args}")
            try:
                with urllib.request.urlopen(self.base + "/health") as f:
                    if json.loads(f.read()).get("status") == "ok":
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.5)
        raise RuntimeError("llama-server did not become ready")

    def post(self, endpoint, body):
        req = urllib.request.Request(self.base + endpoint, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as f:
            return json.loads(f.read())

    def props(self):
        with urllib.request.urlopen(self.base + "/props") as f:
            return json.loads(f.read())

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
