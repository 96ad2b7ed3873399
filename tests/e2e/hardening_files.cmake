# Hostile model paths and files (issue #12 items 3, 4, 5, 6): each gives
# "error: ..." naming the problem and exit status 1 -- never a hang, an abort
# or an uncaught exception. Included by CMakeLists.txt (EX, STORIES, TRACE_DIR).

# A FIFO as the model blocked forever in open(); TIMEOUT turns a regression
# into a failure instead of a hung suite.
set(HF_FIFO ${TRACE_DIR}/hardening_model.fifo)
foreach(cmd run inspect)
  if(cmd STREQUAL "run")
    set(args "run -m ${HF_FIFO} -p hi")
  else()
    set(args "inspect ${HF_FIFO}")
  endif()
  add_test(NAME e2e_hardening_fifo_${cmd} COMMAND sh -c
    "rm -f ${HF_FIFO} && mkfifo ${HF_FIFO} && ${EX} ${args} 2>&1; status=$?; rm -f ${HF_FIFO}; test $status -eq 1")
  set_tests_properties(e2e_hardening_fifo_${cmd} PROPERTIES
    PASS_REGULAR_EXPRESSION "error: .*hardening_model.fifo: is not a regular file" TIMEOUT 10
    RESOURCE_LOCK hardening_fifo)
endforeach()

# A path component longer than NAME_MAX (255 bytes) threw an uncaught
# std::filesystem_error, which terminated the process.
set(HF_LONG "${TRACE_DIR}/$(printf '%0300d' 0)/model.gguf")
add_test(NAME e2e_hardening_long_component_run COMMAND sh -c
  "${EX} run -m ${HF_LONG} -p hi 2>&1; test $? -eq 1")
add_test(NAME e2e_hardening_long_component_inspect COMMAND sh -c
  "${EX} inspect ${HF_LONG} 2>&1; test $? -eq 1")
set_tests_properties(e2e_hardening_long_component_run e2e_hardening_long_component_inspect PROPERTIES
  PASS_REGULAR_EXPRESSION "error: .*0000/model.gguf.*File name too long" TIMEOUT 10)
