#!/usr/bin/env python3
"""Writes tests/golden/eval/gsm8k_extraction.jsonl: real GSM8K responses with
hand-made final-answer labels, for tests/unit/eval/gsm8k_protocol_test.cc.

The responses are copied verbatim from the committed records
(eval-results/qwen-gsm8k/results.jsonl: Qwen2.5-Coder-1.5B-Instruct Q4_K_M,
384-token cap, samplers greedy/sample/entropix). The labels below were written
BY HAND, by reading each response, never by running our extractor, following
the protocol stated in docs/EVALUATION.md (gsm8k):

* final-answer markers: a closed \\boxed{...}; "answer is" (the number on the
  rest of its sentence/line, or on the next non-blank line after "answer is:";
  a \\boxed that follows belongs to the box); "final answer:"; "####".
* strict: the number of the LAST marker in the text that holds one; a marker
  holding an expression ("24 + B"), no number ("the answer is {x}" in code) or
  an unclosed box cut by the token cap holds none. No such marker: null.
* flexible: strict if any, else the last number anywhere in the response.
* numbers compare numerically ("2.0" = "2"); fractions are written "a/b".

Usage: python3 tools/make_gsm8k_extraction_golden.py [RESULTS_JSONL] > tests/golden/eval/gsm8k_extraction.jsonl
"""
import json
import sys

# (sampler initial + item id): (strict, flexible, marker, note)
LABELS = {
    "g34": ("5250", "5250", "boxed", "box, then 'The answer is \\(\\boxed{5250}\\)': same number twice"),
    "e70": ("19", "19", "boxed", "'The answer is' followed by a box on the same line"),
    "s79": ("70", "70", "boxed", "two boxes, the last wins"),
    "s86": ("6", "6", "boxed", "fractions \\frac{150}{25} in the work; final box 6"),
    "s176": ("2", "2", "boxed", "unit after the box: '\\(\\boxed{2}\\) kilograms'"),
    "s181": ("331", "331", "boxed", "box with spaces '\\( \\boxed{331} \\)'"),
    "g135": ("2350", "2350", "boxed", "B = \\frac{9400}{4} then box 2350"),
    "g193": ("160", "160", "boxed", "h = \\frac{192}{1.2}, box 160 inches"),
    "g163": ("-228", "-228", "boxed", "negative answer in a display box"),
    "e173": ("-18", "-18", "boxed", "negative answer after 'the answer is:' on its own lines"),
    "s2": ("0", "0", "boxed", "'The answer is N = 0.' earlier, a later box 0 wins"),
    "e3": ("42", "42", "boxed", "quoted 'The answer is 42.' then code, output block and box 42"),
    "g11": ("50/7", "50/7", "answer-is", "capped; 'then the answer is \\( \\frac{50}{7} \\)' is the last marker"),
    "g16": ("2300", "2300", "answer-is", "capped; 'the final answer is \\(2300\\)'"),
    "e21": ("1080", "1080", "answer-is", "capped inside the output block; 'final answer is \\(1080\\)'"),
    "g35": ("24", "24", "boxed", "print(f'The answer is {x}') holds no number; invented output 'The answer is 24.0'; box 24"),
    "s45": ("81", "81", "answer-is", "capped at '\\(\\boxed' (no brace): the last marker is 'The answer is 81' in the output block"),
    "g53": ("24", "24", "boxed", "invented output 'The answer is 24', then box 24"),
    "s75": ("15", "15", "answer-is", "'The answer is N = £15.' (pound sign)"),
    "s78": ("27", "27", "boxed", "'The answer is \\(27\\).' then code and box 27"),
    "g92": ("1020", "1020", "boxed", "output 'The answer is 1020.0' then box 1020"),
    "s97": (None, "24", "none", "capped; '\\text{The answer is } 24 + B' is an expression, not a number; last number 24"),
    "e102": ("25", "25", "boxed", "'The final answer is \\(N = 25\\).' then box 25 ml"),
    "s112": ("920", "920", "answer-is", "capped in an empty output block; 'the final answer is \\(920\\)'"),
    "s114": ("15", "15", "boxed", "'The answer is N, where N is 15.' then box 15"),
    "e121": ("12", "12", "boxed", "capped right after a closed box 12"),
    "s134": ("292", "292", "answer-is", "'The final answer is \"The answer is 292.\"', dollar amounts before"),
    "s10": (None, "128", "none", "capped mid-formula '\\( 128x \\'; no marker"),
    "s11": (None, "6", "none", "capped in code at '# Step 6: Use the information'; no marker"),
    "g15": (None, "5", "none", "capped after the list number '5.'; a random intermediate number"),
    "s16": (None, "200", "none", "capped; last number $200"),
    "e17": (None, "43", "none", "capped after output 43: flexible right, strict wrong"),
    "g18": (None, "3", "none", "capped after list number '3.'"),
    "e117": (None, "3", "none", "ends with 'First, we'll ...' (no marker); last number is the list number 3"),
    "e159": (None, "50", "none", "stops early with '...'; only number 50%"),
    "e177": (None, None, "none", "stops early, no number at all"),
    "g9": ("210", "210", "boxed", "box 210.00 (trailing zeros)"),
    "g37": ("4", "4", "boxed", "box 4.0; '# The answer is N' in code holds no number"),
    "s55": ("30", "30", "boxed", "box 30.0 (a percentage)"),
    "g57": ("2", "2", "boxed", "box 2.0 kilograms equals reference 2"),
    "g74": ("17.5", "17.5", "boxed", "decimal answer 17.5 kilograms"),
    "s81": ("15", "15", "boxed", "box 15.0"),
    "e108": ("111", "111", "boxed", "box 111.00; prices 1.50 and 5.50 in code"),
    "e27": (None, "100", "none", "capped at '\\(\\boxed' without brace; last number: output 100.0"),
    "g45": (None, "109", "none", "capped inside the box '\\(\\boxed{109' (unclosed)"),
    "s57": ("3", "3", "boxed", "box 3 early, then capped in code (no later marker)"),
    "s96": (None, "126", "none", "capped at 'the final answer is \\(\\boxed{126' (unclosed box)"),
    "e123": (None, "25", "none", "capped at 'the answer is:\\n\\[\\n\\boxed'; last number 25 cents"),
    "s131": (None, "500", "none", "capped in an unclosed box 500"),
    "g154": (None, "720", "none", "capped in an unclosed box 720 after output 720.0"),
    "e162": (None, "1", "none", "capped in an unclosed box '{1' (number cut); code comment 'The answer is the total cost'"),
    "g173": ("18", "18", "boxed", "display box 18 closed before the cap"),
    "g192": (None, "100", "none", "capped in an unclosed box '{100' after output 1000.0; '# The answer is N' holds no number"),
    "g198": ("120", "120", "boxed", "'The answer is \\(\\boxed{120}\\).' then capped"),
    "s141": ("72", "72", "answer-is", "capped in the output block '72.'; 'The answer is 72' in quotes"),
    "s145": ("1", "1", "boxed", "quoted 'The answer is 1.' then box 1"),
    "s146": ("156", "156", "boxed", "'final answer is \\(156\\) minutes' then box 156 minutes"),
    "s156": ("14", "14", "boxed", "invented output 'The answer is 14.0', box 14.0"),
    "g158": ("30", "30", "boxed", "code comment 'The answer is the distance ...' then box 30"),
    "g164": ("32", "32", "boxed", "'final answer is \\(32\\)' then box 32"),
    "s170": ("21", "21", "boxed", "'the answer is \\(21\\)' then box 21"),
    "s188": ("10", "10", "boxed", "'the final answer is \\(10\\)' then box 10"),
    "g104": ("96", "96", "boxed", "invented output 'The answer is 96', box 96 people"),
    "g0": ("72", "72", "boxed", "code, invented output 72.0, box 72"),
    "g1": ("10", "10", "boxed", "box 10 dollars after output 10.0"),
    "s5": ("35", "35", "boxed", "plain box"),
    "e8": ("126", "126", "boxed", "box 126 dollars (wrong answer, still extracted)"),
    "g177": ("11000", "11000", "boxed", "thousands separators 27,000 - 16,000 = 11,000 in the work; box 11000"),
    "s199": (None, "5", "none", "capped in code; last number from the comment '... paid over 5 years'"),
}

SAMPLERS = {"g": "greedy", "s": "sample", "e": "entropix"}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "eval-results/qwen-gsm8k/results.jsonl"
    records = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            records[(r["sampler"], r["item"])] = r
    for key, (strict, flexible, marker, note) in LABELS.items():
        sampler, item = SAMPLERS[key[0]], key[1:]
        r = records[(sampler, item)]
        out = {"source": f"qwen-gsm8k {sampler} item {item}", "stop": r["stop"], "reference": r["reference"],
               "strict": strict, "flexible": flexible, "marker": marker, "note": note, "response": r["response"]}
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
