// The profiles/*.json files compiled into the binary (generated at configure
// time by src/sampling/CMakeLists.txt into builtin_profiles.cc).
#pragma once

#include <span>
#include <string_view>

namespace entropix {

struct BuiltinProfileText {
  std::string_view name;  // the file name without .json
  std::string_view json;
};

std::span<const BuiltinProfileText> BuiltinProfileTexts();

}  // namespace entropix
