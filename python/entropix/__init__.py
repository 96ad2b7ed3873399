"""entropix: local language models with entropy-adaptive decoding.

    import entropix
    model = entropix.Model("smollm2-135m")          # a known name (pulled) or a .gguf path
    for tok in model.generate("What is 2+2?", sampler="greedy", max_tokens=32):
        print(tok.text, tok.entropy, tok.state, end="")
    model.logits("Once upon a time")                 # numpy float32 [vocab_size]
    model.signals("Once upon a time")                # numpy [entropy_bits, varentropy_bits]

A prompt is a string (the user message; the chat template applies to
instruct models, as in `entropix run`) or a list of {"role", "content"}
messages. Entropies are in bits, log-probabilities in nats.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Iterator, Sequence, Union

import numpy as np

from . import _entropix

__all__ = ["Model", "Token", "version", "DEFAULT_SYSTEM_PROMPT"]

# The system message `entropix run` sends in chat mode (runtime/prompt.h).
DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."


def version() -> str:
    return _entropix.version()


@dataclass(frozen=True)
class Token:
    """One generated token with the signals of the distribution it came from."""

    index: int
    id: int
    text: str
    logprob: float
    entropy: float
    varentropy: float
    attn_entropy: float
    attn_varentropy: float
    agreement: float
    interaction_strength: float
    state: str
    action: str


Prompt = Union[str, Sequence[dict]]


class Model:
    """A GGUF model loaded by the engine (one context, reused per call)."""

    def __init__(self, path_or_name: str, n_threads: int = 0, context: int = 4096,
                 precision: str | None = None):
        """precision: activation precision of the matrix products, "f32" (exact), "q8"
        (8-bit, as llama.cpp) or "auto" (f32 below 1 GiB of weights); None: the
        environment variable ENTROPIX_ACT_PRECISION, else "auto"."""
        self._m = _entropix.Model(path_or_name, n_threads, context, precision)

    @property
    def vocab_size(self) -> int:
        return self._m.vocab_size

    @property
    def precision(self) -> str:
        """The resolved activation precision: "f32" or "q8"."""
        return self._m.precision

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        return self._m.tokenize(text, add_bos)

    def detokenize(self, ids: Sequence[int]) -> str:
        return self._m.detokenize(list(ids))

    def encode(self, prompt: Prompt, system: str | None = DEFAULT_SYSTEM_PROMPT, raw: bool = False) -> list[int]:
        """The prompt's token ids, exactly as `entropix run` builds them."""
        if isinstance(prompt, str):
            messages = ([("system", system)] if system else []) + [("user", prompt)]
        else:
            messages = [(m["role"], m["content"]) for m in prompt]
        return self._m.encode_messages(messages, raw)

    def logits(self, prompt: Prompt | Sequence[int]) -> np.ndarray:
        """Next-token logits after the prompt: float32 [vocab_size]."""
        return self._m.logits(self._ids(prompt))

    def signals(self, prompt: Prompt | Sequence[int]) -> np.ndarray:
        """[entropy_bits, varentropy_bits] of the next-token distribution."""
        return self._m.signals(self._ids(prompt))

    def generate(self, prompt: Prompt, sampler: str = "greedy", profile: str = "", max_tokens: int = 256,
                 seed: int = 0) -> Iterator[Token]:
        """Yields the answer's tokens as the engine produces them.

        sampler: greedy | sample | entropix[@PROFILE] | lowT[@PROFILE] | sample@PROFILE (as
        `entropix run --sampler`); profile: the entropix profile (a built-in name or a file).
        Breaking out of the loop stops the generation.
        """
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        ids = self._ids(prompt)
        q: queue.Queue = queue.Queue(maxsize=64)
        stop = threading.Event()
        done = object()
        failure: list[BaseException] = []

        def on_token(d: dict) -> bool:
            q.put(d)
            return stop.is_set()

        def work() -> None:
            try:
                self._m.generate(ids, sampler, profile, max_tokens, seed, on_token)
            except BaseException as e:  # handed to the consumer
                failure.append(e)
            finally:
                q.put(done)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        try:
            while True:
                d = q.get()
                if d is done:
                    break
                # The engine's streaming decoder hands over complete UTF-8 only.
                yield Token(**{**d, "text": d["text"].decode("utf-8", errors="replace")})
        finally:
            stop.set()
            while worker.is_alive():  # drain so the worker is never blocked on a full queue
                try:
                    q.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()
        if failure:
            raise failure[0]

    def _ids(self, prompt) -> list[int]:
        if isinstance(prompt, (list, tuple)) and prompt and isinstance(prompt[0], int):
            return list(prompt)
        return self.encode(prompt)
