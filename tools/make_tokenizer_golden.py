#!/usr/bin/env python3
"""Tokenizer golden data from llama.cpp (independent reference).

Starts llama.cpp's HTTP server through the `xllamacpp` package on loopback for
each model, and records for every test string the ids of POST /tokenize
(add_special=false; parse_special true and false) and the text of
POST /detokenize for the parse_special=false ids.

Usage: python3 tools/make_tokenizer_golden.py [--out tests/golden/tokenizer]
           [--models NAME,...] [--server /path/to/llama-server]
With --server, a native llama-server binary is started instead of xllamacpp
(tools/llamacpp_native.py); gemma3 was made that way.
Writes <out>/<name>.json: {"model": file name, "tokenizer_model", "pre",
"cases": [{"text", "ids_special", "ids_plain", "detok_plain"}]}.
"""
import argparse
import json
import os
import sys
import urllib.request

import gguf

from llamacpp_native import NativeServer

HOME_MODELS = os.path.expanduser("~/.cache/entropix/models")
SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "models")
MODELS = [
    ("stories260K", os.path.join(SHARED, "stories260K.gguf")),
    ("smollm2", os.path.join(HOME_MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf")),
    ("qwen2.5", os.path.join(HOME_MODELS, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")),
    ("gemma3", os.path.join(HOME_MODELS, "gemma-3-270m-q4_k_m.gguf")),
]


def test_strings():
    s = [
        "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", " \t\n ",
        "Hello", "Hello world", " Hello world", "Hello  world", "Hello   world ",
        "hello world!", "Hello, World!", "HELLO WORLD", "hElLo WoRlD",
        "Once upon a time", "The cat", "Once upon a time, there was a little girl named Lily.",
        "She loved to play outside in the park. One day, she saw a big dog.",
        "I'm", "I'M", "don't", "DON'T", "you're", "YOU'RE", "we've", "they'll", "he'd", "it's",
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'hello", "''", "' s", "a's b't",
        "rock'n'roll", "O'Neil's", "l'été", "'sup", "'Sup",
        "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890",
        " 1", " 12", " 1234", "a1", "a12b", "3.14159", "1,000,000", "-42", "+7", "1e-5",
        "2024-01-15", "12:30:45", "$100", "100%", "#1", "v1.2.3", "0x1F", "½ ¼ ¾", "٣٤٥", "१२३",
        "①②③", "Ⅻ", "x²", "CO₂",
        "\t\tindented", "    four spaces", "trailing spaces    ", "a\tb\tc", "line1\nline2",
        "line1\r\nline2", "a\n\nb", "a\n\n\nb", "a \n b", "a  \n  b", "  \n\n  x", "x\n", "x\n ",
        "x \n", "\u00a0nbsp", "a\u00a0b", "a\u2003b", "a\u3000b", "\u2028", "a\u200bb", "\u000b\u000c",
        "def foo(x):\n    return x + 1\n", "int main() { return 0; }",
        "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}", "#include <stdio.h>",
        "if x == 1 and y != 2: pass", "console.log(`hi ${name}`);", "<div class=\"a\">b</div>",
        "SELECT * FROM t WHERE id = 5;", "a->b", "a::b", "a=>b", "x+=1;", "/* comment */",
        "// comment", "# heading", "**bold** _it_", "[link](http://x.y/z?q=1&r=2)",
        "https://example.com/path?x=1", "user@example.com", "C:\\Users\\me", "~/.bashrc",
        "{\"key\": [1, 2, 3]}", "...", "!!!", "???", "?!", "--", "---", "___", "***", "...hello",
        "hello...", "(parenthesis)", "[brackets]", "{braces}", "<angle>", "\"quoted\"", "'single'",
        "«guillemets»", "“curly”", "‘curly’", "—dash—", "–", "…", "•", "©®™", "§¶", "€£¥", "°C",
        "±×÷", "→←↑↓", "∀x∈ℝ", "√2", "∞", "≠≤≥",
        "café", "naïve", "résumé", "über", "Straße", "ÀÉÎÕÜ", "çà", "e\u0301", "n\u0303",
        "Ελληνικά", "Русский язык", "Привет, мир!", "Україна", "Հայերեն", "ქართული", "עברית",
        "العربية", "مرحبا بالعالم", "فارسی", "हिन्दी", "বাংলা", "தமிழ்", "తెలుగు", "ಕನ್ನಡ",
        "മലയാളം", "ไทย", "ລາວ", "မြန်မာ", "ខ្មែរ", "中文", "你好，世界！", "日本語", "こんにちは",
        "カタカナ", "한국어", "안녕하세요", "ᚠᚢᚦ", "ꦗꦮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝕏", "Ⓐ", "ｆｕｌｌｗｉｄｔｈ",
        "😀", "😀😃😄", "🤖", "👍🏽", "👨‍👩‍👧‍👦", "👩‍💻", "🏳️‍🌈", "❤️", "🇫🇷🇯🇵", "1️⃣", "🫠",
        "Hello 😀 world", "emoji🤖inside", " 🤖", "🤖 ", "a😀b😀c",
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHi<|im_end|>\n",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
        "text<|im_end|>more", "<|im_start|><|im_end|>", "<|im_start", "im_start|>", "<|unknown|>",
        "<s>", "</s>", "<s>Hello</s>", "<unk>", "<s> x", "a<s>b", "<s><s>",
        "<|start_header_id|>", "<|eot_id|>", "<start_of_turn>", "<end_of_turn>",
        "<repo_name>x", "<tool_call>", "</tool_call>", "<|fim_prefix|>a<|fim_suffix|>",
        "▁", "▁▁", "a▁b", "\u200a", "<0x41>", "<0xFF>",
        "The quick brown fox jumps over the lazy dog.",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
        "a" * 50, "ab" * 30, " " * 17, "\n" * 9, "!" * 20, "9" * 25, "-" * 40, "=" * 33,
        "Mixed: English, Ελληνικά, 中文, العربية, and emoji 🚀 in 1 line!",
        "tabs\tand\nnewlines\r\nand  spaces",
        "The year 1999 and 2024; 3.5 + 4.25 = 7.75",
        "He said, \"It's 5 o'clock.\" She replied: 'No, it isn't!'",
        "ALLCAPS lowercase MiXeD CamelCase snake_case kebab-case",
        "getElementById XMLHttpRequest iPhone eBay",
        "  leading and trailing  ", "\n\nleading newlines", "trailing newlines\n\n",
        " \u00e9 \u00e8", "x\u0300\u0301\u0302", "\ufeffBOM", "\ufffd", "\u0000nul", "\u0001\u0002",
        "\u007f", "\u0085next", "\u200d", "Tab\there", "ß", "ǅ", "ﬁ", "Å",
    ]
    # Deterministic extra mixes so the set stays well above 200 strings.
    words = ["the", " The", "cat", "  sat", "\n", "on", "42", "🤖", "ünï", "中", "'s", "!?", "\t", "x1"]
    for i in range(24):
        s.append("".join(words[(i * 7 + j * 3) % len(words)] for j in range(3 + i % 5)))
    out, seen = [], set()
    for t in s:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def post(addr, endpoint, body):
    req = urllib.request.Request(addr.rstrip("/") + endpoint, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())


def start_server(path, port, server_bin):
    """(address, handle to keep alive, reference description)."""
    if server_bin:
        s = NativeServer(server_bin, path, n_ctx=512, extra=("--no-warmup",))
        return s.base, s, "native llama-server " + s.version.replace("\n", "; ")
    import xllamacpp
    p = xllamacpp.CommonParams()
    p.model.path = path
    p.n_ctx = 512
    p.port = port
    p.warmup = False
    server = xllamacpp.Server(p)
    return server.listening_address, server, "llama.cpp server via xllamacpp " + getattr(
        xllamacpp, "__version__", "?")


def run_model(name, path, port, out_dir, server_bin):
    r = gguf.GGUFReader(path)

    def meta_str(key):
        f = r.fields.get(key)
        return bytes(f.parts[-1]).decode() if f else ""

    addr, server, reference = start_server(path, port, server_bin)
    cases = []
    for text in test_strings():
        ids_s = post(addr, "/tokenize", {"content": text, "add_special": False, "parse_special": True})["tokens"]
        ids_p = post(addr, "/tokenize", {"content": text, "add_special": False, "parse_special": False})["tokens"]
        detok = post(addr, "/detokenize", {"tokens": ids_p})["content"]
        cases.append({"text": text, "ids_special": ids_s, "ids_plain": ids_p, "detok_plain": detok})
    # With add_special=true too, for a few strings (BOS handling).
    bos_cases = []
    for text in ["Once upon a time", "The cat", "Hello world", ""]:
        ids = post(addr, "/tokenize", {"content": text, "add_special": True, "parse_special": True})["tokens"]
        bos_cases.append({"text": text, "ids": ids})
    if server_bin:
        server.close()
    del server
    doc = {"model": os.path.basename(path), "tokenizer_model": meta_str("tokenizer.ggml.model"),
           "pre": meta_str("tokenizer.ggml.pre"), "reference": reference, "cases": cases, "add_special_cases": bos_cases}
    with open(os.path.join(out_dir, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
    print(f"{name}: {len(cases)} strings", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "tokenizer"))
    ap.add_argument("--models", default="stories260K,smollm2,qwen2.5")
    ap.add_argument("--server", default="", help="a native llama-server binary instead of xllamacpp")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    wanted = args.models.split(",")
    for i, (name, path) in enumerate(MODELS):
        if name not in wanted:
            continue
        if not os.path.exists(path):
            print(f"{name}: {path} missing, skipped", file=sys.stderr)
            continue
        run_model(name, path, 18391 + i, args.out, args.server)


if __name__ == "__main__":
    main()
