#include "k8s-client/client/api_error.hpp"

#include <fmt/format.h>

#include "base/json/json.hpp"

namespace sluice::k8s {
namespace {

ApiErrorKind kind_for(int http_status, std::string_view reason) {
  if (reason == "AlreadyExists") return ApiErrorKind::already_exists;
  if (reason == "Conflict") return ApiErrorKind::conflict;
  if (reason == "Expired" || reason == "Gone") return ApiErrorKind::expired;
  if (reason == "Invalid") return ApiErrorKind::invalid;
  if (reason == "Timeout" || reason == "ServerTimeout") return ApiErrorKind::timeout;
  if (reason == "TooManyRequests") return ApiErrorKind::too_many_requests;
  switch (http_status) {
    case 400: return ApiErrorKind::bad_request;
    case 401: return ApiErrorKind::unauthorized;
    case 403: return ApiErrorKind::forbidden;
    case 404: return ApiErrorKind::not_found;
    case 405: return ApiErrorKind::method_not_allowed;
    case 409: return ApiErrorKind::conflict;
    case 410: return ApiErrorKind::expired;
    case 415: return ApiErrorKind::unsupported_media_type;
    case 422: return ApiErrorKind::invalid;
    case 429: return ApiErrorKind::too_many_requests;
    case 500: return ApiErrorKind::internal_error;
    case 503: return ApiErrorKind::service_unavailable;
    case 504: return ApiErrorKind::timeout;
    default: return ApiErrorKind::other;
  }
}

std::string_view standard_reason(int http_status) {
  switch (http_status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "";
  }
}

// Fills reason/message/retry_after from a Status object; false when `doc` is not one.
bool read_status(const rapidjson::Value& doc, ApiError& out) {
  if (!doc.IsObject()) return false;
  auto kind = json::get_string(doc, "kind", "");
  if (!kind || *kind != "Status") return false;
  if (auto reason = json::get_string(doc, "reason", ""); reason) out.reason = std::string(*reason);
  if (auto message = json::get_string(doc, "message", ""); message) out.message = std::string(*message);
  if (auto code = json::get_int64(doc, "code", ""); code && out.http_status == 0 && *code > 0 && *code < 1000)
    out.http_status = static_cast<int>(*code);
  if (auto details = json::get_object(doc, "details", ""); details) {
    if (auto seconds = json::get_int64(**details, "retryAfterSeconds", "details");
        seconds && *seconds >= 0 && *seconds <= 86400 && !out.retry_after)
      out.retry_after = std::chrono::seconds(*seconds);
  }
  return true;
}

}  // namespace

std::string_view to_string(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::transport: return "transport";
    case ApiErrorKind::bad_response: return "bad response";
    case ApiErrorKind::bad_request: return "bad request";
    case ApiErrorKind::unauthorized: return "unauthorized";
    case ApiErrorKind::forbidden: return "forbidden";
    case ApiErrorKind::not_found: return "not found";
    case ApiErrorKind::method_not_allowed: return "method not allowed";
    case ApiErrorKind::conflict: return "conflict";
    case ApiErrorKind::already_exists: return "already exists";
    case ApiErrorKind::expired: return "expired";
    case ApiErrorKind::unsupported_media_type: return "unsupported media type";
    case ApiErrorKind::invalid: return "invalid";
    case ApiErrorKind::too_many_requests: return "too many requests";
    case ApiErrorKind::internal_error: return "internal error";
    case ApiErrorKind::service_unavailable: return "service unavailable";
    case ApiErrorKind::timeout: return "timeout";
    case ApiErrorKind::other: return "other";
  }
  return "other";
}

std::string ApiError::describe() const {
  if (kind == ApiErrorKind::transport) return message;
  std::string text = reason.empty() ? fmt::format("{}", http_status) : fmt::format("{} {}", http_status, reason);
  if (!message.empty()) text += ": " + message;
  if (retry_after) text += fmt::format(" (retry after {}s)", retry_after->count());
  return text;
}

ApiError error_from_response(int http_status, std::string_view body, std::optional<int> retry_after_seconds) {
  ApiError out;
  out.http_status = http_status;
  if (retry_after_seconds) out.retry_after = std::chrono::seconds(*retry_after_seconds);
  bool is_status = false;
  if (auto doc = json::parse(body); doc) is_status = read_status(*doc, out);
  if (out.reason.empty()) out.reason = std::string(standard_reason(http_status));
  if (!is_status && out.message.empty()) {
    // Not the API server's Status (a proxy's page, say): keep a bounded excerpt.
    std::string_view excerpt = body.substr(0, 200);
    out.message = excerpt.empty() ? "the server sent no Status" : fmt::format("the server said: {}", excerpt);
  }
  out.kind = kind_for(http_status, out.reason);
  return out;
}

ApiError error_from_status_object(const rapidjson::Value& status) {
  ApiError out;
  if (!read_status(status, out)) {
    out.kind = ApiErrorKind::bad_response;
    out.message = "an ERROR event without a Status object";
    return out;
  }
  out.kind = kind_for(out.http_status, out.reason);
  return out;
}

ApiError error_from_status_object(std::string_view status_json) {
  auto doc = json::parse(status_json);
  if (!doc) return error_from_status_object(rapidjson::Value());  // null: not a Status
  return error_from_status_object(*doc);
}

ApiError transport_error(const Error& error) {
  ApiError out;
  out.kind = ApiErrorKind::transport;
  out.message = error.message;
  return out;
}

}  // namespace sluice::k8s
