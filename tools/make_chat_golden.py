#!/usr/bin/env python3
"""Chat-template golden data rendered by Jinja (independent of our C++).

For each model's GGUF, reads tokenizer.chat_template with the `gguf` package
and renders a few conversations with `jinja2` the way Hugging Face's
apply_chat_template does (trim_blocks, lstrip_blocks, add_generation_prompt,
bos_token / eos_token variables, raise_exception). Llama 3 and Gemma 3
templates are not in any model we ship, so their published template text is
written out below (abridged to string message contents).

Usage: python3 tools/make_chat_golden.py [--out tests/golden/tokenizer/chat.json]
"""
import argparse
import json
import os

import gguf
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

HOME_MODELS = os.path.expanduser("~/.cache/entropix/models")
GGUF_MODELS = [
    ("smollm2", os.path.join(HOME_MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf")),
    ("qwen2.5", os.path.join(HOME_MODELS, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")),
]

# Meta-Llama-3-8B-Instruct's tokenizer_config.json chat_template.
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

# Gemma 3's template, restricted to string contents.
GEMMA3 = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {{- message['content'] | trim }}
    {{- '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke.\n"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  padded  "},
     {"role": "assistant", "content": "ok"}, {"role": "user", "content": "ünïcödé 🤖\nsecond line"}],
]


def render(template, messages, add_generation_prompt, bos, eos):
    def raise_exception(msg):
        raise jinja2.exceptions.TemplateError(msg)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                            bos_token=bos, eos_token=eos)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "golden",
                                                  "tokenizer", "chat.json"))
    args = ap.parse_args()
    templates = []
    for name, path in GGUF_MODELS:
        if not os.path.exists(path):
            print(f"{name}: {path} missing, skipped")
            continue
        r = gguf.GGUFReader(path)
        field = r.fields["tokenizer.chat_template"]
        toks = r.fields["tokenizer.ggml.tokens"]

        def tok(key):
            f = r.fields.get(key)
            return bytes(toks.parts[toks.data[int(f.parts[-1][0])]]).decode() if f else ""

        templates.append((name, bytes(field.parts[-1]).decode(), tok("tokenizer.ggml.bos_token_id"),
                          tok("tokenizer.ggml.eos_token_id")))
    templates.append(("llama3", LLAMA3, "<|begin_of_text|>", "<|eot_id|>"))
    templates.append(("gemma3", GEMMA3, "<bos>", "<eos>"))
    doc = []
    for name, src, bos, eos in templates:
        cases = []
        for conv in CONVERSATIONS:
            for agp in (True, False):
                cases.append({"messages": conv, "add_generation_prompt": agp,
                              "rendered": render(src, conv, agp, bos, eos)})
        doc.append({"name": name, "template": src, "cases": cases})
        print(f"{name}: {len(cases)} renderings")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"reference": f"jinja2 {jinja2.__version__}", "templates": doc}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
