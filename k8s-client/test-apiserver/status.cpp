#include "k8s-client/test-apiserver/status.hpp"

#include <fmt/format.h>

#include "base/log/log.hpp"

namespace sluice::apiserver {
namespace {
using log::json_quote;

std::string details(const ResourceType* type, std::string_view name, std::string_view uid = {}) {
  if (!type) return "";
  std::string out = fmt::format(R"(,"details":{{"name":{})", json_quote(name));
  if (!type->group.empty()) out += fmt::format(R"(,"group":{})", json_quote(type->group));
  out += fmt::format(R"(,"kind":{})", json_quote(type->plural));
  if (!uid.empty()) out += fmt::format(R"(,"uid":{})", json_quote(uid));
  return out + "}";
}
}  // namespace

std::string status_json(int code, std::string_view reason, std::string_view message) {
  return fmt::format(
      R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":{},"reason":{},"code":{}}})",
      json_quote(message), json_quote(reason), code);
}

Reply status_failure(int code, std::string_view reason, std::string_view message, const ResourceType* type,
                     std::string_view name) {
  return Reply{
      code,
      fmt::format(
          R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":{},"reason":{}{},"code":{}}})",
          json_quote(message), json_quote(reason), details(type, name), code)};
}

Reply not_found(const ResourceType& type, std::string_view name) {
  return status_failure(404, "NotFound", fmt::format("{} \"{}\" not found", type.qualified(), name), &type, name);
}

Reply already_exists(const ResourceType& type, std::string_view name) {
  return status_failure(409, "AlreadyExists", fmt::format("{} \"{}\" already exists", type.qualified(), name), &type,
                        name);
}

Reply conflict(const ResourceType& type, std::string_view name) {
  return status_failure(409, "Conflict",
                        fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; please "
                                    "apply your changes to the latest version and try again",
                                    type.qualified(), name),
                        &type, name);
}

Reply bad_request(std::string_view message) {
  return status_failure(400, "BadRequest", message);
}

Reply invalid(const ResourceType& type, std::string_view name, std::string_view field, std::string_view detail) {
  std::string message = fmt::format("{}.{} \"{}\" is invalid: {}: {}", type.kind,
                                    type.group.empty() ? "core" : type.group, name, field, detail);
  return Reply{
      422,
      fmt::format(
          R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":{},"reason":"Invalid","details":{{"name":{},"group":{},"kind":{},"causes":[{{"reason":"FieldValueInvalid","message":{},"field":{}}}]}},"code":422}})",
          json_quote(message), json_quote(name), json_quote(type.group), json_quote(type.kind), json_quote(detail),
          json_quote(field))};
}

Reply expired(std::string_view message) {
  return status_failure(410, "Expired", message);
}

Reply unauthorized() {
  return status_failure(401, "Unauthorized", "Unauthorized");
}

Reply delete_success(const ResourceType& type, std::string_view name, std::string_view uid) {
  return Reply{200, fmt::format(R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Success"{}}})",
                                details(&type, name, uid))};
}

}  // namespace sluice::apiserver
