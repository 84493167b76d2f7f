// An HTTP/1.1 client on the caller's executor, written as coroutines: keep-alive
// connections reused from a small pool, a deadline on every request, streamed responses
// delivered as bytes arrive (for watches), plain TCP or TLS (server verified against a CA
// bundle, optional client certificate).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "base/http/tls.hpp"
#include "base/ip/endpoint.hpp"
#include "base/result.hpp"

namespace sluice::http {

struct ClientRequest {
  std::string method = "GET";
  std::string target;  // path and query
  std::string body;
  std::string content_type;  // set when there is a body
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::optional<int> retry_after_seconds;  // from a Retry-After header in seconds
};

// Error::code values for transport failures (HTTP statuses are not errors here).
inline constexpr int kErrorTimeout = 1;
inline constexpr int kErrorConnect = 2;
inline constexpr int kErrorTransport = 3;

struct ClientOptions {
  std::string host;  // a DNS name (resolved on each new connection) or an IP literal
  std::uint16_t port = 0;
  std::optional<ClientTls> tls;  // absent: plain HTTP
};

class Client {
 public:
  // Fails only on bad TLS material (a certificate or key OpenSSL refuses).
  static Result<std::unique_ptr<Client>> create(boost::asio::any_io_executor executor, ClientOptions options);
  // Plain HTTP to an address.
  Client(boost::asio::any_io_executor executor, ip::Endpoint server);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // "host:port" as used in messages and the Host header.
  const std::string& server() const;

  // Sends one request and reads the whole response within `timeout`.
  boost::asio::awaitable<Result<ClientResponse>> request(ClientRequest request, std::chrono::milliseconds timeout);

  // Sends one request and hands the body to `on_data` as it arrives. A 2xx response is
  // streamed and its returned body is empty; any other status is read whole and
  // returned. The stream ends when the server ends it, when no byte arrives for
  // `idle_timeout`, or when on_data returns an error (which is returned).
  boost::asio::awaitable<Result<ClientResponse>> stream(
      ClientRequest request, std::function<boost::asio::awaitable<Status>(std::string_view)> on_data,
      std::chrono::milliseconds idle_timeout);

  // Closes idle pooled connections (open streams end on their own).
  void close_idle();

 private:
  Client() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
