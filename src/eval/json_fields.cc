#include "eval/json_fields.h"

#include <cmath>

#include "core/error.h"

namespace entropix {

using json = nlohmann::json;

std::string LineWhere(const std::string& file, int line_no) { return file + " line " + std::to_string(line_no); }

json ParseJsonObject(std::string_view text, const std::string& where) {
  // The callback sees every value's depth as it is parsed: a deeply nested
  // line is refused before it is built.
  bool too_deep = false;
  const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    too_deep |= depth > kMaxJsonDepth;
    return !too_deep;
  };
  json j = json::parse(text.begin(), text.end(), limit_depth, /*allow_exceptions=*/false);
  if (too_deep) {
    throw Error(ErrorCode::kCorruptFile,
                where + ": nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!j.is_object()) {
    throw Error(ErrorCode::kCorruptFile,
                where + ": not a JSON object" + (j.is_discarded() ? " (invalid or truncated JSON)" : ""));
  }
  return j;
}

JsonFields::JsonFields(const json& object, std::string where, std::string prefix)
    : object_(object), where_(std::move(where)), prefix_(std::move(prefix)) {}

void JsonFields::Fail(const std::string& what) const { throw Error(ErrorCode::kCorruptFile, where_ + ": " + what); }

std::string JsonFields::Name(std::string_view key) const { return prefix_ + std::string(key); }

void JsonFields::WrongType(std::string_view field, const char* want) const {
  Fail("field '" + std::string(field) + "' must be " + want);
}

bool JsonFields::Has(const char* key) const {
  const auto it = object_.find(key);
  return it != object_.end() && !it->is_null();
}

void JsonFields::OnlyKeys(std::initializer_list<std::string_view> allowed, std::string_view what) const {
  for (const auto& [key, value] : object_.items()) {
    bool known = value.is_null();  // null stands for "absent" (as in IFEval's data)
    for (std::string_view a : allowed) known |= key == a;
    if (!known) Fail("field '" + Name(key) + "' is not " + std::string(what));
  }
}

const json& JsonFields::Get(const char* key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) Fail("field '" + Name(key) + "' is missing");
  return *it;
}

std::string JsonFields::String(const char* key) const {
  const json& v = Get(key);
  if (!v.is_string()) WrongType(Name(key), "a string");
  return v.get<std::string>();
}

bool JsonFields::Bool(const char* key) const {
  const json& v = Get(key);
  if (!v.is_boolean()) WrongType(Name(key), "a boolean (true or false)");
  return v.get<bool>();
}

double JsonFields::Number(const char* key) const {
  const json& v = Get(key);
  if (!v.is_number() || !std::isfinite(v.get<double>())) WrongType(Name(key), "a number");
  return v.get<double>();
}

namespace {

// The value as an integer in [min, max], or false (floats never count,
// so 1e300 and 2.5 are refused rather than converted).
bool IntegerIn(const json& v, int64_t min, int64_t max, int64_t* out) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) return false;
    *out = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    *out = v.get<int64_t>();
  } else {
    return false;
  }
  return *out >= min && *out <= max;
}

std::string IntegerWant(int64_t min, int64_t max) {
  const std::string range = min == 0 ? "a non-negative integer" : "an integer from " + std::to_string(min);
  return range + " (at most " + std::to_string(max) + ")";
}

}  // namespace

int64_t JsonFields::Integer(const char* key, int64_t min, int64_t max) const {
  int64_t out = 0;
  if (!IntegerIn(Get(key), min, max, &out)) WrongType(Name(key), IntegerWant(min, max).c_str());
  return out;
}

uint64_t JsonFields::Unsigned(const char* key) const {
  const json& v = Get(key);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  WrongType(Name(key), "a non-negative 64-bit integer");
}

const json& JsonFields::Array(const char* key) const {
  const json& v = Get(key);
  if (!v.is_array()) WrongType(Name(key), "an array");
  return v;
}

std::vector<std::string> JsonFields::Strings(const char* key) const {
  std::vector<std::string> out;
  const json& a = Array(key);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) WrongType(Name(key) + "[" + std::to_string(i) + "]", "a string");
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

std::vector<int32_t> JsonFields::Int32s(const char* key, int32_t min) const {
  std::vector<int32_t> out;
  const json& a = Array(key);
  out.reserve(a.size());
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t v = 0;
    if (!IntegerIn(a[i], min, kMax, &v)) {
      WrongType(Name(key) + "[" + std::to_string(i) + "]", IntegerWant(min, kMax).c_str());
    }
    out.push_back(static_cast<int32_t>(v));
  }
  return out;
}

JsonFields JsonFields::Object(const char* key) const {
  const json& v = Get(key);
  if (!v.is_object()) WrongType(Name(key), "an object");
  return JsonFields(v, where_, Name(key) + ".");
}

std::vector<JsonFields> JsonFields::Objects(const char* key) const {
  std::vector<JsonFields> out;
  const json& a = Array(key);
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string name = Name(key) + "[" + std::to_string(i) + "]";
    if (!a[i].is_object()) WrongType(name, "an object");
    out.emplace_back(a[i], where_, name + ".");
  }
  return out;
}

}  // namespace entropix
