#include "server/api_error.h"

namespace entropix::server {

nlohmann::json ApiError::Body() const {
  nlohmann::json e = {{"message", what()}, {"type", type_}, {"param", nullptr}, {"code", nullptr}};
  if (!param_.empty()) e["param"] = param_;
  if (!code_.empty()) e["code"] = code_;
  return {{"error", e}};
}

void BadRequest(const std::string& param, const std::string& message, const std::string& code) {
  throw ApiError(400, "invalid_request_error", message, param, code);
}

}  // namespace entropix::server
