// Strict readers of JSON settings files, shared by the entropix profiles
// (profile.cc) and the vote profiles (decoding/vote_profile.cc): a wrong
// type, a non-finite number or an integer that does not fit is an
// Error(kCorruptFile) "<what>: <key> must be ...", never a silent cast.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace entropix::json_read {

// `what` names the file for the message, e.g. "profile my.json".
[[noreturn]] inline void Fail(const std::string& what, const std::string& message) {
  throw Error(ErrorCode::kCorruptFile, what + ": " + message);
}

inline nlohmann::json ParseObject(std::string_view text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    Fail(what, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) Fail(what, "the top level must be a JSON object");
  return j;
}

inline void Read(const nlohmann::json& v, bool& out, const std::string& what, const std::string& key) {
  if (!v.is_boolean()) Fail(what, key + " must be true or false");
  out = v.get<bool>();
}

inline void Read(const nlohmann::json& v, int& out, const std::string& what, const std::string& key) {
  if (!v.is_number_integer()) Fail(what, key + " must be an integer");
  // Checked before narrowing: 4294967297 must not pass as 1.
  const bool fits = v.is_number_unsigned()
                        ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int>::max())
                        : v.get<int64_t>() >= std::numeric_limits<int>::min() &&
                              v.get<int64_t>() <= std::numeric_limits<int>::max();
  if (!fits) Fail(what, key + " is out of range (" + v.dump() + ")");
  out = static_cast<int>(v.get<int64_t>());
}

inline void Read(const nlohmann::json& v, double& out, const std::string& what, const std::string& key) {
  if (!v.is_number()) Fail(what, key + " must be a number");
  out = v.get<double>();
  if (!std::isfinite(out)) Fail(what, key + " must be finite");
}

}  // namespace entropix::json_read
