// ApiError: a request the server refuses, in OpenAI's error shape
//   {"error": {"message", "type", "param", "code"}}
// with the HTTP status it is sent with. The request parser throws it (and
// nothing else) for bad input; the HTTP layer turns it into a response.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace entropix::server {

class ApiError : public std::runtime_error {
 public:
  // `param`: the offending request field ("" = none); `code`: a short
  // machine-readable reason ("" = none).
  ApiError(int status, std::string type, std::string message, std::string param = "", std::string code = "")
      : std::runtime_error(message), status_(status), type_(std::move(type)), param_(std::move(param)),
        code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

  // The response body (null param / code when empty).
  nlohmann::json Body() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 invalid_request_error naming the field.
[[noreturn]] void BadRequest(const std::string& param, const std::string& message, const std::string& code = "");

}  // namespace entropix::server
