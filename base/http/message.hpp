// Plain HTTP request/response values, so handlers are testable without sockets.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::http {

struct Request {
  std::string method;  // "GET", "HEAD", ...
  std::string target;  // path and query, e.g. "/metrics?x=1"
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace sluice::http
