// Typed, located access to a JSON object read from a file: the one way eval
// reads task data lines and checkpoint records. Every getter checks the type
// (and range) it promises; a failure raises Error(kCorruptFile)
// "FILE line N: field 'a.b[2]' must be a string", never another exception.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

// Parses one line (or a whole small file) as JSON, refusing invalid JSON,
// anything but an object, and nesting deeper than kMaxJsonDepth (which
// recursive printing or comparison could not survive). `where` names the
// source in messages ("FILE line N").
nlohmann::json ParseJsonObject(std::string_view text, const std::string& where);
constexpr int kMaxJsonDepth = 32;

class JsonFields {
 public:
  // `object` must outlive this view; `prefix` is prepended to field names
  // ("details." for a nested object).
  JsonFields(const nlohmann::json& object, std::string where, std::string prefix = "");

  const std::string& where() const { return where_; }
  const nlohmann::json& value() const { return object_; }
  [[noreturn]] void Fail(const std::string& what) const;  // Error "WHERE: what"

  // Present with a non-null value.
  bool Has(const char* key) const;
  // Every key is in `allowed`, else "field 'x' is not one of ..." (so that
  // a typo or a newer format is not silently dropped on a rewrite).
  void OnlyKeys(std::initializer_list<std::string_view> allowed, std::string_view what) const;

  std::string String(const char* key) const;
  bool Bool(const char* key) const;
  double Number(const char* key) const;  // any finite JSON number
  int64_t Integer(const char* key, int64_t min = 0, int64_t max = std::numeric_limits<int32_t>::max()) const;
  uint64_t Unsigned(const char* key) const;
  std::vector<std::string> Strings(const char* key) const;
  std::vector<int32_t> Int32s(const char* key, int32_t min = 0) const;
  const nlohmann::json& Array(const char* key) const;
  // A nested object, with "key." added to the field names in messages.
  JsonFields Object(const char* key) const;
  // The elements of an array of objects ("key[i]." in messages).
  std::vector<JsonFields> Objects(const char* key) const;

  // The full field name for messages: prefix + key.
  std::string Name(std::string_view key) const;

 private:
  const nlohmann::json& Get(const char* key) const;  // present and non-null, else Fail
  [[noreturn]] void WrongType(std::string_view field, const char* want) const;

  const nlohmann::json& object_;
  std::string where_;
  std::string prefix_;
};

// "FILE line N" for messages.
std::string LineWhere(const std::string& file, int line_no);

}  // namespace entropix
