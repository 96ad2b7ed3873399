# Hardening (issue #12), eval: task data and checkpoints of the wrong shape,
# and `-o` naming a file, exit 1 with "error: FILE line N: ..." (never an
# abort from an uncaught exception). Included by tests/e2e/CMakeLists.txt.
set(HE ${CMAKE_CURRENT_BINARY_DIR}/hardening_eval)
file(MAKE_DIRECTORY ${HE})

# A task data file with one bad line after a good one: the message names the
# file and line 2.
function(eval_bad_data name task line expect)
  file(WRITE ${HE}/${name}.jsonl "${ARGN}\n${line}\n")
  add_test(NAME e2e_eval_bad_data_${name} COMMAND sh -c
    "${EX} eval -m ${STORIES} --task ${task} --data ${HE}/${name}.jsonl -o ${HE}/out_${name} -q 2>&1; test $? -eq 1")
  set_tests_properties(e2e_eval_bad_data_${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "error: [^\n]*${name}.jsonl line 2: ${expect}" TIMEOUT 60)
endfunction()
eval_bad_data(gsm8k_question_number gsm8k [[{"question": 5, "answer": "#### 3"}]]
  "field 'question' must be a string" [[{"question": "1 + 1?", "answer": "#### 2"}]])
eval_bad_data(ifeval_prompt_list ifeval [[{"key": 2, "prompt": ["p"], "instruction_id_list": []}]]
  "field 'prompt' must be a string"
  [[{"key": 1, "prompt": "Hi.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}]])
# Used to be scored as followed ("at least 0 words").
eval_bad_data(ifeval_kwarg_type ifeval
  [[{"key": 2, "prompt": "p", "instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"relation": "at least", "num_words": "ten"}]}]]
  "instruction 1 \\(length_constraints:number_words\\): field 'num_words' must be a non-negative integer"
  [[{"key": 1, "prompt": "Hi.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}]])
eval_bad_data(loops_prompt_number loops [[{"prompt": 5}]] "field 'prompt' must be a string"
  [[{"prompt": "Tell a story."}]])

# `-o` naming an existing file.
file(WRITE ${HE}/a_file "not a folder\n")
add_test(NAME e2e_eval_output_is_a_file COMMAND sh -c
  "${EX} eval -m ${STORIES} --task arith --limit 1 -n 2 --samplers greedy -o ${HE}/a_file -q 2>&1; test $? -eq 1")
set_tests_properties(e2e_eval_output_is_a_file PROPERTIES
  PASS_REGULAR_EXPRESSION "error: [^\n]*a_file[^\n]*not a folder" TIMEOUT 60)

# Corrupted checkpoints: a finished one-item run, then one bad record appended
# (newline-terminated, so it is not a torn tail) and a rerun over two items.
add_test(NAME e2e_eval_checkpoint_setup COMMAND sh -c
  "rm -rf ${HE}/base && ${EX} eval -m ${STORIES} --task arith --limit 1 -n 2 --samplers greedy -o ${HE}/base -q")
set_tests_properties(e2e_eval_checkpoint_setup PROPERTIES FIXTURES_SETUP eval_checkpoint TIMEOUT 60)
function(eval_bad_record name line expect)
  file(WRITE ${HE}/record_${name}.txt "${line}\n")
  add_test(NAME e2e_eval_bad_record_${name} COMMAND sh -c
    "rm -rf ${HE}/rec_${name} && cp -r ${HE}/base ${HE}/rec_${name} && cat ${HE}/record_${name}.txt >> ${HE}/rec_${name}/results.jsonl && ${EX} eval -m ${STORIES} --task arith --limit 2 -n 2 --samplers greedy -o ${HE}/rec_${name} -q 2>&1; test $? -eq 1")
  set_tests_properties(e2e_eval_bad_record_${name} PROPERTIES FIXTURES_REQUIRED eval_checkpoint
    PASS_REGULAR_EXPRESSION "error: [^\n]*results.jsonl line 2: ${expect}" TIMEOUT 60)
endfunction()
set(GOOD_FIELDS [["branches":0,"correct":0.0,"decode_seconds":0.1,"details":{},"extracted":"","index":1,"item":"1","pauses":0,"policy":"greedy","prompt":"q","prompt_tokens":3,"reference":"1","sampler":"greedy","scored":true,"seconds":0.1,"seed":7,"states":{"fixed":2},"stop":"token limit","token_ids":[5,6],"tokens":2,"tokens_per_s":20.0]])
eval_bad_record(number_for_string "{${GOOD_FIELDS},\"response\":5}" "field 'response' must be a string")
eval_bad_record(only_sampler_and_item [[{"sampler":"greedy","item":"1"}]] "field '[a-z_]+' is missing")
eval_bad_record(truncated_json [[{"sampler":"greedy","item":"1","respo]] "not a JSON object")
eval_bad_record(not_an_object [=[["greedy", "1"]]=] "not a JSON object")
eval_bad_record(missing_field "{${GOOD_FIELDS}}" "field 'response' is missing")
eval_bad_record(wrong_type_scored "{${GOOD_FIELDS},\"response\":\"r\",\"scored\":\"yes\"}" "field 'scored'")
eval_bad_record(huge_index "{${GOOD_FIELDS},\"response\":\"r\",\"index\":1e300}" "field 'index'")
eval_bad_record(unknown_state "{${GOOD_FIELDS},\"response\":\"r\",\"states\":{\"dreaming\":1}}" "field 'states.dreaming' is not a sampler state")
