# Writes OUT, a C++ file holding each of FILES (profiles/*.json) as a string.
set(body "")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WLE)  # "qwen2.5-x.json" -> "qwen2.5-x"
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"entropix_profile(${text})entropix_profile\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from profiles/*.json by embed_profiles.cmake. Do not edit.
#include \"sampling/builtin_profiles.h\"

namespace entropix {

std::span<const BuiltinProfileText> BuiltinProfileTexts() {
  static const BuiltinProfileText kProfiles[] = {
${body}    {\"\", \"\"}};
  return {kProfiles, sizeof(kProfiles) / sizeof(kProfiles[0]) - 1};
}

}  // namespace entropix
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
