# Hardening of the `run` front end (issue #12 items 1, 3, 4, 7, 9): hostile
# flags, profiles and output targets give "error: ..." and exit 1 (CLI11's
# own flag errors: non-zero), never an abort, a silent wrong value or a lost
# write. Included by tests/e2e/CMakeLists.txt (EX, STORIES, TRACE_DIR).
set(HX_DIR ${CMAKE_CURRENT_BINARY_DIR}/hardening_cli)
file(MAKE_DIRECTORY ${HX_DIR})
set(HX_RUN "${EX} run -m ${STORIES} -p 'Once upon a time' -n 4")

# Item 1/9: NaN and infinity are rejected on every float flag, by name.
foreach(flag temp top-p min-p)
  foreach(value nan inf -nan)
    add_test(NAME e2e_cli_${flag}_${value} COMMAND sh -c "${HX_RUN} --${flag} ${value} 2>&1; test $? -eq 1")
    set_tests_properties(e2e_cli_${flag}_${value} PROPERTIES
      PASS_REGULAR_EXPRESSION "error: --${flag}: .*finite" FAIL_REGULAR_EXPRESSION "internal|Aborted")
  endforeach()
endforeach()
add_test(NAME e2e_cli_calibrate_quantile_nan COMMAND sh -c
  "${EX} calibrate -m ${STORIES} --corpus /dev/null -o ${HX_DIR}/p.json --q-high-entropy nan 2>&1; test $? -eq 1")
set_tests_properties(e2e_cli_calibrate_quantile_nan PROPERTIES PASS_REGULAR_EXPRESSION "error: --q-high-entropy: .*finite")
# A denormal temperature (1/T overflows) samples like the smallest sane one.
add_test(NAME e2e_cli_temp_denormal COMMAND sh -c "${HX_RUN} --temp 1e-320 2>&1")
set_tests_properties(e2e_cli_temp_denormal PROPERTIES PASS_REGULAR_EXPRESSION "\\[sample: fixed 4" TIMEOUT 60)

# Item 9: -s -1 is a random seed, printed so the run can be repeated; other
# negative seeds are errors (they used to wrap to 2^64 - 1).
add_test(NAME e2e_cli_seed_random COMMAND sh -c "${HX_RUN} --sampler sample -s -1 --trace ${HX_DIR}/seed.jsonl 2>&1 >/dev/null && head -n 1 ${HX_DIR}/seed.jsonl")
set_tests_properties(e2e_cli_seed_random PROPERTIES PASS_REGULAR_EXPRESSION "random seed [0-9]+ .*-s [0-9]+"
  FAIL_REGULAR_EXPRESSION "18446744073709551615" TIMEOUT 60)
add_test(NAME e2e_cli_seed_negative COMMAND sh -c "${HX_RUN} -s -2 2>&1; test $? -eq 1")
set_tests_properties(e2e_cli_seed_negative PROPERTIES PASS_REGULAR_EXPRESSION "error: (-s|--seed): ")

# Item 9: profile integers are range-checked, not truncated (2^32 + 1 is not 1).
add_test(NAME e2e_cli_profile_int_overflow COMMAND sh -c
  "printf '{\"branch\": {\"enabled\": true, \"n_branches\": 4294967297}}' > ${HX_DIR}/wrap.json && ${HX_RUN} --profile ${HX_DIR}/wrap.json 2>&1; test $? -eq 1")
set_tests_properties(e2e_cli_profile_int_overflow PROPERTIES PASS_REGULAR_EXPRESSION "error: profile .*branch.n_branches")

# Item 3: a path component over NAME_MAX is a clean error, not a
# std::filesystem_error that terminates the process.
set(HX_LONG "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
set(HX_LONG "${HX_LONG}${HX_LONG}${HX_LONG}")
add_test(NAME e2e_cli_profile_long_name COMMAND sh -c "${HX_RUN} --profile ${HX_LONG} 2>&1; test $? -eq 1")
add_test(NAME e2e_cli_model_long_name COMMAND sh -c "${EX} run -m /tmp/${HX_LONG}/m.gguf -p hi 2>&1; test $? -eq 1")
add_test(NAME e2e_cli_inspect_long_name COMMAND sh -c "${EX} inspect ${HX_LONG} 2>&1; test $? -eq 1")
set_tests_properties(e2e_cli_profile_long_name e2e_cli_model_long_name e2e_cli_inspect_long_name PROPERTIES
  PASS_REGULAR_EXPRESSION "entropix: error: " FAIL_REGULAR_EXPRESSION "terminate|internal|Aborted")

# Item 7: failed writes are errors naming the target, not a silent exit 0.
add_test(NAME e2e_cli_trace_dev_full COMMAND sh -c "${HX_RUN} --trace /dev/full 2>&1 >/dev/null; test $? -eq 1")
set_tests_properties(e2e_cli_trace_dev_full PROPERTIES PASS_REGULAR_EXPRESSION "error: .*trace file '/dev/full'" TIMEOUT 60)
add_test(NAME e2e_cli_stdout_dev_full COMMAND sh -c "${HX_RUN} 2>&1 >/dev/full; test $? -eq 1")
set_tests_properties(e2e_cli_stdout_dev_full PROPERTIES PASS_REGULAR_EXPRESSION "error: .*standard output" TIMEOUT 60)
# Ctrl-C stops generation cleanly: the trace ends with the `end` record, the
# summary prints, exit 130 (see the script).
add_test(NAME e2e_cli_sigint_cancels COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sigint_run.sh ${EX} ${STORIES} ${HX_DIR})
set_tests_properties(e2e_cli_sigint_cancels PROPERTIES TIMEOUT 60 PASS_REGULAR_EXPRESSION
  "exit code: 130\nlast record: {.*\"event\":\"end\".*\"stop\":\"cancelled\".*}\n.*stop: cancelled.*\\[greedy: fixed")

# Item 9: the context hint does not suggest -c when the model's own context
# length is the limit (stories260K: 2048 tokens; the default -c is 4096).
add_test(NAME e2e_cli_context_hint_model_limit COMMAND sh -c
  "${EX} run -m ${STORIES} -p \"$(printf 'a %.0s' $(seq 2100))\" 2>&1; test $? -eq 1")
set_tests_properties(e2e_cli_context_hint_model_limit PROPERTIES
  PASS_REGULAR_EXPRESSION "the model's context length is 2048" FAIL_REGULAR_EXPRESSION "\\(-c\\)")

# Item 9: in a terminal, control characters and escape sequences in the
# streamed text (here: the echoed prompt) are removed; piped output is kept
# byte for byte. `script` gives the command a pseudo-terminal.
set(HX_ESC_PROMPT "x\\033]0;pwned\\007y\\033[2Jz\\033(0w")
add_test(NAME e2e_cli_terminal_filters_escapes COMMAND sh -c
  "script -qec \"${EX} run -m ${STORIES} --color never --sampler greedy -n 2 -p \\\"$(printf '${HX_ESC_PROMPT}')\\\"\" /dev/null | od -An -c | tr -s ' \\n' ' '")
set_tests_properties(e2e_cli_terminal_filters_escapes PROPERTIES
  PASS_REGULAR_EXPRESSION "x y z w" FAIL_REGULAR_EXPRESSION "033|007" TIMEOUT 60)
add_test(NAME e2e_cli_pipe_keeps_bytes COMMAND sh -c
  "${EX} run -m ${STORIES} --color never --sampler greedy -n 2 -p \"$(printf '${HX_ESC_PROMPT}')\" 2>/dev/null | od -An -c | tr -s ' \\n' ' '")
set_tests_properties(e2e_cli_pipe_keeps_bytes PROPERTIES PASS_REGULAR_EXPRESSION "x 033 ] 0 ; p w n e d \\\\a y 033" TIMEOUT 60)

# Item 7, calibrate: the profile it writes is checked too.
add_test(NAME e2e_cli_calibrate_dev_full COMMAND sh -c
  "printf 'Once upon a time\\nThe cat\\nLily and Ben\\nOne day\\n' > ${HX_DIR}/corpus.txt && ${EX} calibrate -m ${STORIES} --corpus ${HX_DIR}/corpus.txt -o /dev/full -n 24 2>&1 >/dev/null; test $? -eq 1")
set_tests_properties(e2e_cli_calibrate_dev_full PROPERTIES PASS_REGULAR_EXPRESSION "error: cannot write the profile '/dev/full'" TIMEOUT 60)
