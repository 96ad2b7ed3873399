# Everyday use (issue #14 items 2-5): prompt input for scripts, quiet and
# JSON output, defaults and seeds, llama-cli habits, model management.
# Included by tests/e2e/CMakeLists.txt (EX, STORIES). Every test runs
# stories260K for a few tokens: the file adds a few seconds to the suite.
set(UX_DIR ${CMAKE_CURRENT_BINARY_DIR}/everyday_use)
file(MAKE_DIRECTORY ${UX_DIR})
set(UX_RUN "${EX} run -m ${STORIES} -n 12")
# stories260K's greedy continuation of "Once upon a time" (shared/models/README.md).
set(UX_GREEDY "Once upon a time, there was a little girl named Lily")
set(UX_JSON_CHECK "python3 -c \"import json,sys; d=json.load(sys.stdin); print('JSON-OK', CHECK)\"")

# Item 2: -f FILE, -p - and a piped standard input read the prompt; -q
# prints only the answer.
add_test(NAME e2e_use_prompt_file COMMAND sh -c
  "printf 'Once upon a time\\n' > ${UX_DIR}/prompt.txt && ${UX_RUN} -f ${UX_DIR}/prompt.txt -q 2>&1")
add_test(NAME e2e_use_prompt_stdin_dash COMMAND sh -c "printf 'Once upon a time' | ${UX_RUN} -p - -q 2>&1")
add_test(NAME e2e_use_prompt_piped COMMAND sh -c "echo 'Once upon a time' | ${UX_RUN} -q 2>&1")
set_tests_properties(e2e_use_prompt_file e2e_use_prompt_stdin_dash e2e_use_prompt_piped PROPERTIES
  PASS_REGULAR_EXPRESSION "^${UX_GREEDY}" FAIL_REGULAR_EXPRESSION "\\[prompt|\\[greedy|seed" TIMEOUT 60)
add_test(NAME e2e_use_prompt_file_missing COMMAND sh -c "${UX_RUN} -f ${UX_DIR}/no-such-prompt.txt 2>&1; test $? -eq 1")
set_tests_properties(e2e_use_prompt_file_missing PROPERTIES
  PASS_REGULAR_EXPRESSION "error: cannot read the prompt file '.*no-such-prompt.txt'.*give an existing file to -f")
add_test(NAME e2e_use_prompt_stdin_empty COMMAND sh -c "${UX_RUN} -p - < /dev/null 2>&1; test $? -eq 1")
set_tests_properties(e2e_use_prompt_stdin_empty PROPERTIES PASS_REGULAR_EXPRESSION "error: standard input was empty")
add_test(NAME e2e_use_prompt_and_file_conflict COMMAND sh -c "${UX_RUN} -p hi -f ${UX_DIR}/prompt.txt 2>&1; test $? -ne 0")
set_tests_properties(e2e_use_prompt_and_file_conflict PROPERTIES PASS_REGULAR_EXPRESSION "excludes")

# Item 2: --json for inspect, pull --list and list (valid JSON, the fields).
string(REPLACE "CHECK" "d['metadata']['general.architecture'], d['summary']['runnable'], len(d['tensors'])"
       UX_INSPECT_CHECK "${UX_JSON_CHECK}")
add_test(NAME e2e_use_inspect_json COMMAND sh -c "${EX} inspect --json ${STORIES} | ${UX_INSPECT_CHECK}")
set_tests_properties(e2e_use_inspect_json PROPERTIES PASS_REGULAR_EXPRESSION "JSON-OK llama True [0-9]+")
string(REPLACE "CHECK" "[(m['name'], m['runnable']) for m in d]" UX_PULL_CHECK "${UX_JSON_CHECK}")
add_test(NAME e2e_use_pull_list_json COMMAND sh -c "${EX} pull --list --json | ${UX_PULL_CHECK}")
set_tests_properties(e2e_use_pull_list_json PROPERTIES
  PASS_REGULAR_EXPRESSION "JSON-OK .*'smollm2-135m', True.*'gemma3-270m', True")
# Item 3: pull --list marks what cannot run yet (every known model runs since
# gemma3 landed: the "cannot run yet" mark is then absent) and base models.
add_test(NAME e2e_use_pull_list_marks COMMAND ${EX} pull --list)
set_tests_properties(e2e_use_pull_list_marks PROPERTIES
  PASS_REGULAR_EXPRESSION "gemma3-270m .*base model" FAIL_REGULAR_EXPRESSION "cannot run yet")

# Item 2: --help shows every default.
add_test(NAME e2e_use_help_defaults COMMAND ${EX} run --help)
set_tests_properties(e2e_use_help_defaults PROPERTIES
  PASS_REGULAR_EXPRESSION "--ctx-size[^\n]*=4096.*--n-predict[^\n]*=256.*--seed[^\n]*=-1.*--temp[^\n]*=0.8")

# Item 4: the default decoder is greedy (no seed then); a sampling run
# without -s draws a random seed, printed on stderr and in the trace.
add_test(NAME e2e_use_default_greedy COMMAND sh -c "${UX_RUN} -p 'Once upon a time' 2>&1")
set_tests_properties(e2e_use_default_greedy PROPERTIES
  PASS_REGULAR_EXPRESSION "${UX_GREEDY}.*\\[greedy: " FAIL_REGULAR_EXPRESSION "seed" TIMEOUT 60)
add_test(NAME e2e_use_sample_random_seed COMMAND sh -c
  "${UX_RUN} -p 'Once' --sampler sample --trace ${UX_DIR}/seed.jsonl 2>${UX_DIR}/seed.err >/dev/null; \
   seed=$(sed -n 's/.*random seed \\([0-9]*\\).*/\\1/p' ${UX_DIR}/seed.err); \
   test -n \"$seed\" && grep -q \"\\\"seed\\\":$seed[,}]\" ${UX_DIR}/seed.jsonl && echo \"seed $seed in both\"")
set_tests_properties(e2e_use_sample_random_seed PROPERTIES PASS_REGULAR_EXPRESSION "seed [0-9]+ in both" TIMEOUT 60)
# Item 4: flags the decoder does not read are named in a warning.
add_test(NAME e2e_use_ignored_flag_warning COMMAND sh -c "${UX_RUN} -p Once --sampler greedy --temp 0.5 -s 3 2>&1")
set_tests_properties(e2e_use_ignored_flag_warning PROPERTIES PASS_REGULAR_EXPRESSION
  "warning: --temp is ignored by the greedy decoder.*warning: -s/--seed is ignored by the greedy decoder" TIMEOUT 60)
# Item 4: the inserted pause (a profile that always treads) stays out of
# stdout unless --show-pauses; the trace has it either way.
set(UX_PAUSE "${UX_RUN} -p 'Once upon a time' --profile ${CMAKE_CURRENT_SOURCE_DIR}/always_pause_profile.json -s 1")
add_test(NAME e2e_use_pause_hidden COMMAND sh -c "${UX_PAUSE} 2>/dev/null")
set_tests_properties(e2e_use_pause_hidden PROPERTIES PASS_REGULAR_EXPRESSION "Once upon a time" FAIL_REGULAR_EXPRESSION "PAUSE")
add_test(NAME e2e_use_pause_shown COMMAND sh -c "${UX_PAUSE} --show-pauses 2>&1")
set_tests_properties(e2e_use_pause_shown PROPERTIES PASS_REGULAR_EXPRESSION "PAUSE.*pauses [1-9]")

# Item 5: llama-cli habits.
add_test(NAME e2e_use_llama_flags COMMAND sh -c "${UX_RUN} -p 'Once upon a time' -sys 'Be brief' -no-cnv -ngl 99 2>&1")
set_tests_properties(e2e_use_llama_flags PROPERTIES PASS_REGULAR_EXPRESSION "note: -ngl is ignored: .*CPU only.*${UX_GREEDY}")
add_test(NAME e2e_use_llama_sys_is_sys COMMAND sh -c "${UX_RUN} -p hi -sys x --template-system 2>&1; test $? -ne 0")
set_tests_properties(e2e_use_llama_sys_is_sys PROPERTIES PASS_REGULAR_EXPRESSION "--template-system.*--sys|--sys.*--template-system")
add_test(NAME e2e_use_n_minus_one COMMAND sh -c "${EX} run -m ${STORIES} -c 48 -p 'Once upon a time' -n -1 2>&1")
set_tests_properties(e2e_use_n_minus_one PROPERTIES PASS_REGULAR_EXPRESSION "stop: (context full|end of generation)" TIMEOUT 60)
add_test(NAME e2e_use_n_zero COMMAND sh -c "${UX_RUN} -p hi -n 0 2>&1; test $? -ne 0")
set_tests_properties(e2e_use_n_zero PROPERTIES PASS_REGULAR_EXPRESSION "or -1 for no limit")
add_test(NAME e2e_use_unknown_command COMMAND sh -c "${EX} frobnicate 2>&1; test $? -eq 1")
set_tests_properties(e2e_use_unknown_command PROPERTIES
  PASS_REGULAR_EXPRESSION "error: unknown command 'frobnicate'; the commands are: run, .*chat.*list")
add_test(NAME e2e_use_version COMMAND ${EX} --version)
set_tests_properties(e2e_use_version PROPERTIES
  PASS_REGULAR_EXPRESSION "entropix [0-9]+\\.[0-9]+\\.[0-9]+.*\nbuild type: [A-Za-z]+\nkernels: (scalar|avx2|avx512)")

# Item 3: list, show, rm on a cache of our own (never the user's cache).
set(UX_CACHE ${UX_DIR}/cache)
set(UX_ENV "ENTROPIX_MODEL_DIR=${UX_CACHE}")
add_test(NAME e2e_use_models_lifecycle COMMAND sh -c
  "rm -rf ${UX_CACHE} && mkdir -p ${UX_CACHE} && cp ${STORIES} ${UX_CACHE}/ && \
   printf 'not a gguf' > ${UX_CACHE}/broken.gguf && \
   ${UX_ENV} ${EX} list && ${UX_ENV} ${EX} show ${UX_CACHE}/stories260K.gguf && \
   ${UX_ENV} ${EX} show --tensors ${UX_CACHE}/stories260K.gguf | grep -c '^blk\\.' && \
   ${UX_ENV} ${EX} rm stories260K && ${UX_ENV} ${EX} list && test ! -e ${UX_CACHE}/stories260K.gguf && echo GONE")
set_tests_properties(e2e_use_models_lifecycle PROPERTIES PASS_REGULAR_EXPRESSION
  "broken .*no: .*\nstories260K +stories260K.gguf +[A-Z0-9_]+ .* llama +yes\n.*parameters .*context +[0-9]+ tokens.*quant mix.*\n[0-9]+\nremoved stories260K.*\nbroken .*GONE")
add_test(NAME e2e_use_list_json COMMAND sh -c
  "mkdir -p ${UX_DIR}/cache2 && cp ${STORIES} ${UX_DIR}/cache2/ && ENTROPIX_MODEL_DIR=${UX_DIR}/cache2 ${EX} list --json | \
   python3 -c \"import json,sys; d=json.load(sys.stdin); print('JSON-OK', [(m['name'], m['architecture'], m['runnable']) for m in d])\"")
set_tests_properties(e2e_use_list_json PROPERTIES PASS_REGULAR_EXPRESSION "JSON-OK \\[\\('stories260K', 'llama', True\\)\\]")
add_test(NAME e2e_use_rm_unknown COMMAND sh -c "ENTROPIX_MODEL_DIR=${UX_DIR}/cache2 ${EX} rm no-such-model 2>&1; test $? -eq 1")
set_tests_properties(e2e_use_rm_unknown PROPERTIES
  PASS_REGULAR_EXPRESSION "error: no model named 'no-such-model' in the cache; `entropix list`")
add_test(NAME e2e_use_show_unknown COMMAND sh -c "${EX} show no-such-model 2>&1; test $? -eq 1")
set_tests_properties(e2e_use_show_unknown PROPERTIES PASS_REGULAR_EXPRESSION "error: no model file or known model named 'no-such-model'")

# Item 1: the chat REPL in tmux (two turns, /stats shows the reused cache,
# /regen, Ctrl-C stops an answer and the chat goes on, /bye exits 0).
add_test(NAME e2e_use_chat_tmux COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/chat_tmux.sh ${EX} ${STORIES} ${UX_DIR})
set_tests_properties(e2e_use_chat_tmux PROPERTIES PASS_REGULAR_EXPRESSION "^PASS" FAIL_REGULAR_EXPRESSION "FAIL" TIMEOUT 180)
# `run` without a prompt on a terminal chats (script gives it one); -cnv
# chats on a pipe too; colours on: the legend line.
add_test(NAME e2e_use_run_terminal_chats COMMAND sh -c
  "printf '/bye\\n' | script -qec '${EX} run -m ${STORIES} --color never' /dev/null")
set_tests_properties(e2e_use_run_terminal_chats PROPERTIES PASS_REGULAR_EXPRESSION "entropix chat: .*/bye" TIMEOUT 60)
add_test(NAME e2e_use_cnv_chat_turns COMMAND sh -c
  "printf 'Once upon a time\\n/stats\\n/bye\\n' | ${EX} run -m ${STORIES} -cnv -n 12 --color always 2>&1")
set_tests_properties(e2e_use_cnv_chat_turns PROPERTIES PASS_REGULAR_EXPRESSION
  "states: .*fixed.*flowing.*\n>>> .*there.*\n>>> \\[context: 16 of 2048 tokens" TIMEOUT 60)

# Items 7, 8: `cmake --install` into a temporary prefix; the C example
# builds against the installed header, library and entropix.pc, and its
# tokens and signals are the CLI's (stories260K's greedy start: token 432
# "," at 0.2257 bits, as e2e_trace_stories_entropy).
# Release builds only: a C program linked against a sanitizer-instrumented
# archive needs that sanitizer's runtime too, which is not what this tests.
if(NOT ENTROPIX_SANITIZE AND NOT ENTROPIX_TSAN AND NOT ENTROPIX_FUZZ)
add_test(NAME e2e_use_install_c_example COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install_c_example.sh
         ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${STORIES} ${UX_DIR})
set_tests_properties(e2e_use_install_c_example PROPERTIES TIMEOUT 120 FAIL_REGULAR_EXPRESSION "FAIL" PASS_REGULAR_EXPRESSION
  "0\t432\t0\\.225[5-9]\t[0-9.]+\tfixed\targmax\t,\n.*argmax after the prompt: 432\n.*completion: chat\nerror: no model file .*\nPASS")
endif()
