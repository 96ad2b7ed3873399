# `entropix bench` (issue #9 item 5): every test of the plan comes out, in
# order, with every figure present and positive. Included by
# tests/e2e/CMakeLists.txt (EX, STORIES).
add_test(NAME e2e_bench_json COMMAND ${CMAKE_COMMAND} -DEX=${EX} -DSTORIES=${STORIES}
  -P ${CMAKE_CURRENT_SOURCE_DIR}/bench_json_check.cmake)
set_tests_properties(e2e_bench_json PROPERTIES TIMEOUT 120)

add_test(NAME e2e_bench_table COMMAND ${EX} bench -m ${STORIES} -t 1 -p 8 -n 4 --depth 0,8 --batch 2 -r 1)
set_tests_properties(e2e_bench_table PROPERTIES TIMEOUT 60 PASS_REGULAR_EXPRESSION
  "\\| test \\| t/s \\| GB/s \\| % bw \\|.*\\| pp8 \\| [0-9.]+ ± [0-9.]+ \\| - \\| - \\|.*\\| tg4 @ d8 \\| [0-9.]+ ± [0-9.]+ \\| [0-9.]+ \\| [0-9]+% \\|.*\\| tg4 B=2 \\|")

# Bad values: "error: ..." naming the flag, exit 1.
add_test(NAME e2e_bench_bad_batch COMMAND sh -c "${EX} bench -m ${STORIES} --batch 0 2>&1; test $? -eq 1")
set_tests_properties(e2e_bench_bad_batch PROPERTIES PASS_REGULAR_EXPRESSION "error: --batch: ")
add_test(NAME e2e_bench_bad_depth COMMAND sh -c "${EX} bench -m ${STORIES} --depth 4,-1 2>&1; test $? -eq 1")
set_tests_properties(e2e_bench_bad_depth PROPERTIES PASS_REGULAR_EXPRESSION "error: --depth: ")
add_test(NAME e2e_bench_nothing COMMAND sh -c "${EX} bench -m ${STORIES} -p 0 -n 0 2>&1; test $? -eq 1")
set_tests_properties(e2e_bench_nothing PROPERTIES PASS_REGULAR_EXPRESSION "error: nothing to measure")
add_test(NAME e2e_bench_batch_needs_decode COMMAND sh -c "${EX} bench -m ${STORIES} -n 0 --batch 2 2>&1; test $? -eq 1")
set_tests_properties(e2e_bench_batch_needs_decode PROPERTIES PASS_REGULAR_EXPRESSION "error: --batch and --depth .*-n > 0")
