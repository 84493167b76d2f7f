// Errors from the Kubernetes API typed by the server's Status (reason and code), so
// callers branch on what happened — a lost compare-and-swap, an expired resourceVersion,
// throttling — rather than on message text.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "base/result.hpp"

namespace sluice::k8s {

enum class ApiErrorKind : std::uint8_t {
  transport,        // no HTTP answer: connect, TLS, timeout, connection lost
  bad_response,     // an answer that is not the Kubernetes API's (unparseable body, ...)
  bad_request,      // 400
  unauthorized,     // 401
  forbidden,        // 403
  not_found,        // 404
  method_not_allowed,
  conflict,         // 409 Conflict: resourceVersion or UID precondition failed
  already_exists,   // 409 AlreadyExists
  expired,          // 410 Expired/Gone: resourceVersion compacted or continue token too old
  unsupported_media_type,
  invalid,          // 422
  too_many_requests,  // 429
  internal_error,   // 500
  service_unavailable,  // 503
  timeout,          // 504, or reason Timeout / ServerTimeout
  other,
};

std::string_view to_string(ApiErrorKind kind);

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::other;
  int http_status = 0;        // 0 for transport errors
  std::string reason;         // the Status reason, e.g. "AlreadyExists"
  std::string message;        // the Status message, or the transport error
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or details.retryAfterSeconds

  // "409 Conflict: Operation cannot be fulfilled on ..." — for logs and error chains.
  std::string describe() const;
  Error to_error() const { return Error{describe(), http_status}; }
  friend bool operator==(const ApiError&, const ApiError&) = default;
};

template <class T>
using ApiResult = Result<T, ApiError>;
using ApiStatus = Result<void, ApiError>;

// The error for a non-2xx answer: the Status body when there is one, else the HTTP status.
ApiError error_from_response(int http_status, std::string_view body, std::optional<int> retry_after_seconds);
// The error for a Status object met elsewhere (a watch ERROR event's object).
ApiError error_from_status_object(const rapidjson::Value& status);
ApiError error_from_status_object(std::string_view status_json);
ApiError transport_error(const Error& error);

}  // namespace sluice::k8s
