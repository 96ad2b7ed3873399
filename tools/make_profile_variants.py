#!/usr/bin/env python3
"""Writes profiles/variants/*.json: the evaluation's variants of the fitted
SmolLM2 profile (docs/EVALUATION.md, "ifeval: variants"). Each is the built-in
profiles/smollm2-135m-instruct.json with one change, so the files stay
complete, stand-alone profiles that `--samplers FILE` can load.

Usage: tools/make_profile_variants.py   (from the repository root)
"""
import copy
import json


def cool(p):
    c = p["coefficients"]
    c["resampling"].update(t_base=1.0, t_min=1.0, t_attn_varentropy=0.0)
    c["exploring"].update(t_base=1.0, t_max=1.0, t_interaction=0.0)
    c["treading"].update(t_base=1.0, t_max=1.0, t_attn_entropy=0.0)


VARIANTS = {
    "smollm2-branch": ("smollm2-135m-instruct with entropy-gated lookahead branching on (its fitted gate: H > q95, V > q90).",
                       lambda p: p["branch"].update(enabled=True)),
    "smollm2-nopause": ("smollm2-135m-instruct without pause insertion (treading samples instead of inserting \" ...\").",
                        lambda p: p["pause"].update(max_per_response=0)),
    "smollm2-cool": ("smollm2-135m-instruct with cooler non-flowing states: resampling at T = 1.0 (was >= 2.0), "
                     "exploring and treading at the base temperature 0.666 (were up to 1.5).", cool),
}


def main():
    with open("profiles/smollm2-135m-instruct.json", encoding="utf-8") as f:
        base = json.load(f)
    for name, (description, change) in VARIANTS.items():
        p = copy.deepcopy(base)
        change(p)
        p["name"], p["description"] = name, description
        with open(f"profiles/variants/{name}.json", "w", encoding="utf-8") as f:
            json.dump(p, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
