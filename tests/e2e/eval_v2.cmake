# Evaluation v2 (issue #8, runner side): declared splits, matched controls,
# draws, the summary printed by `eval`, and the refusal of changed sampler
# parameters under an existing label. Included by tests/e2e/CMakeLists.txt.
set(EV2 ${CMAKE_CURRENT_BINARY_DIR}/eval_v2)
file(MAKE_DIRECTORY ${EV2})
set(EV2_ENV "ENTROPIX_DATA_DIR=${ENTROPIX_SHARED_DIR}/data")

# The first 2 dev items of GSM8K, with matched controls and 2 draws: the
# printed summary has the draws columns and the Holm column.
add_test(NAME e2e_eval_split_draws COMMAND sh -c
  "rm -rf ${EV2}/split && ${EX} eval -m ${STORIES} --task gsm8k --split dev --limit 2 -n 4 -q --draws 2 --samplers greedy,sample@entropix-g2,lowT -o ${EV2}/split && grep -c '\"draw\":1' ${EV2}/split/results.jsonl")
set_tests_properties(e2e_eval_split_draws PROPERTIES ENVIRONMENT ${EV2_ENV} TIMEOUT 120
  PASS_REGULAR_EXPRESSION "n = 2 items.*Holm-adjusted p over 3 comparisons.*pass@M \\| maj@M.*\n4\n")

add_test(NAME e2e_eval_split_not_declared COMMAND sh -c
  "${EX} eval -m ${STORIES} --task loops --split dev -o ${EV2}/nosplit -q 2>&1; test $? -eq 1")
set_tests_properties(e2e_eval_split_not_declared PROPERTIES TIMEOUT 60
  PASS_REGULAR_EXPRESSION "error: --split: the task 'loops' has no declared splits")

# A label rerun with other parameters is refused, naming what changed.
add_test(NAME e2e_eval_identity_refused COMMAND sh -c
  "rm -rf ${EV2}/ident && ${EX} eval -m ${STORIES} --task arith --limit 1 -n 2 -q --samplers x=entropix@entropix-g2 -o ${EV2}/ident >/dev/null && ${EX} eval -m ${STORIES} --task arith --limit 1 -n 2 -q --samplers x=entropix@entropix-branch -o ${EV2}/ident 2>&1; test $? -eq 1")
set_tests_properties(e2e_eval_identity_refused PROPERTIES TIMEOUT 60
  PASS_REGULAR_EXPRESSION "error: .*sampler 'x' made with other parameters.*branch.enabled: false -> true.*new label")

# `run` parses --sampler with the same parser.
add_test(NAME e2e_run_sampler_lowT COMMAND ${EX} run -m ${STORIES} -p "Once upon a time" -n 6 --sampler lowT@entropix-g2)
set_tests_properties(e2e_run_sampler_lowT PROPERTIES PASS_REGULAR_EXPRESSION "\\[sample: fixed 6" TIMEOUT 60)
add_test(NAME e2e_run_sampler_unknown COMMAND sh -c "${EX} run -m ${STORIES} -p hi --sampler bogus@x 2>&1; test $? -eq 1")
set_tests_properties(e2e_run_sampler_unknown PROPERTIES TIMEOUT 60
  PASS_REGULAR_EXPRESSION "error: unknown sampler 'bogus@x'|no profile file or built-in profile named 'bogus@x'")

# `entropix replay` on a tiny pool: --items from `eval --list-items`,
# --versus, --choose and its profile's sha256, and the errors.
add_test(NAME e2e_replay_cli COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/replay_cli.sh ${EX} ${STORIES} ${EV2}/replay)
set_tests_properties(e2e_replay_cli PROPERTIES TIMEOUT 120 PASS_REGULAR_EXPRESSION "replay cli ok")
# tools/pool_parts.py: a pool saved as committed parts and restored on another machine.
add_test(NAME e2e_pool_parts COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/pool_parts.sh ${EX} ${STORIES} ${EV2}/pool_parts
  ${CMAKE_SOURCE_DIR}/tools/pool_parts.py)
set_tests_properties(e2e_pool_parts PROPERTIES TIMEOUT 120 PASS_REGULAR_EXPRESSION "pool parts ok")
