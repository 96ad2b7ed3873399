"""The Python package against the engine's own CLI (issue 14 item 6): the
same tokens and signals as `entropix run --trace` on stories260K, logits
whose softmax has the trace's entropy, prompts as text or messages, clean
errors. Run by scripts/test-python.sh in a fresh virtual environment."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import entropix

ROOT = Path(__file__).resolve().parents[2]
STORIES = Path(os.environ.get("ENTROPIX_STORIES", ROOT.parent / "shared" / "models" / "stories260K.gguf"))
CLI = Path(sys.executable).parent / "entropix"  # installed with the package
PROMPT = "Once upon a time"


@pytest.fixture(scope="module")
def model():
    if not STORIES.exists():
        pytest.skip(f"{STORIES} not found (the shared/ folder beside the checkout)")
    return entropix.Model(str(STORIES), n_threads=2)


def cli_trace(tmp_path, *flags):
    trace = tmp_path / "trace.jsonl"
    subprocess.run([str(CLI), "run", "-m", str(STORIES), "-p", PROMPT, "-q", "--trace", str(trace), *flags],
                   check=True, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    return [r for r in records if r.get("event") == "token"]


@pytest.mark.parametrize("sampler,seed", [("greedy", 0), ("entropix", 7), ("sample", 3)])
def test_generate_matches_the_cli_trace(model, tmp_path, sampler, seed):
    expected = cli_trace(tmp_path, "-n", "16", "--sampler", sampler, "-s", str(seed))
    got = list(model.generate(PROMPT, sampler=sampler, seed=seed, max_tokens=16))
    assert [t.id for t in got] == [r["token"] for r in expected]
    for t, r in zip(got, expected):
        assert t.state == r["state"] and t.action == r["action"]
        assert t.entropy == pytest.approx(r["entropy"], abs=1e-4)
        assert t.varentropy == pytest.approx(r["varentropy"], abs=1e-4)
    assert "".join(t.text for t in got).startswith(", there was") or sampler != "greedy"


def test_logits_match_the_engine(model, tmp_path):
    logits = model.logits(PROMPT)
    assert logits.dtype == np.float32 and logits.shape == (model.vocab_size,)
    first = cli_trace(tmp_path, "-n", "1", "--sampler", "greedy")[0]
    assert int(np.argmax(logits)) == first["token"]
    # The entropy of softmax(logits), in bits, computed here independently.
    p = np.exp(logits.astype(np.float64) - logits.max())
    p /= p.sum()
    entropy_bits = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
    assert entropy_bits == pytest.approx(first["entropy"], abs=1e-4)
    assert entropy_bits == pytest.approx(0.2257, abs=5e-4)  # shared/models/README.md: 0.1564 nats
    assert model.signals(PROMPT)[0] == pytest.approx(entropy_bits, abs=1e-6)


def test_prompt_as_messages_or_ids(model):
    ids = model.encode(PROMPT)
    assert ids == model.encode([{"role": "system", "content": entropix.DEFAULT_SYSTEM_PROMPT},
                                {"role": "user", "content": PROMPT}])
    by_text = [t.id for t in model.generate(PROMPT, max_tokens=5)]
    assert by_text == [t.id for t in model.generate(ids, max_tokens=5)]
    assert model.detokenize(model.tokenize("The cat", add_bos=False)).strip() == "The cat"


def test_breaking_out_stops_and_the_model_stays_usable(model):
    for i, _ in enumerate(model.generate(PROMPT, max_tokens=500)):
        if i == 2:
            break
    assert len(list(model.generate(PROMPT, max_tokens=4))) == 4


def test_errors_are_value_errors(model):
    with pytest.raises(ValueError, match="no model file or known model named"):
        entropix.Model("/nonexistent/model.gguf")
    with pytest.raises(ValueError, match="no profile file or built-in profile named .no-such-sampler."):
        list(model.generate(PROMPT, sampler="no-such-sampler"))
    with pytest.raises(ValueError):
        list(model.generate(PROMPT, max_tokens=0))


def test_precision_is_a_load_option(model):
    # Each model keeps its own precision (the C++ tests compare the logits
    # on a quantised model; stories260K is all F32, where both agree).
    q8 = entropix.Model(str(STORIES), n_threads=2, precision="q8")
    assert model.precision == "f32"  # auto: f32 below 1 GiB of weights
    assert q8.precision == "q8"
    ids = model.tokenize(PROMPT)
    assert np.array_equal(model.logits(ids), q8.logits(ids))
    with pytest.raises(ValueError, match="not one of auto, f32, q8"):
        entropix.Model(str(STORIES), precision="f16")


def test_version_and_cli_installed():
    assert entropix.version().startswith("0.1.0")
    out = subprocess.run([str(CLI), "--version"], check=True, capture_output=True, text=True).stdout
    assert out.startswith("entropix 0.1.0")
