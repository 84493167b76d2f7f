// The Kubernetes-API-compatible test server: HTTP/1.1 on Asio coroutines in front of
// Objects (get/list/create/update/patch/delete) and Watch, with bearer-token auth,
// /readyz, /version and the discovery documents clients read.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/http/tls.hpp"
#include "base/ip/endpoint.hpp"
#include "base/result.hpp"

namespace sluice::apiserver {

struct ServerOptions {
  ip::Endpoint listen;
  ip::Endpoint etcd;
  std::string token;  // empty: no authentication (plain loopback tests)
  // Serving certificate and key; with client_ca_pem, a verified client certificate also
  // authenticates. Absent: plain HTTP (for loopback tests).
  std::optional<http::ServerTls> tls;
  std::chrono::milliseconds bookmark_interval = std::chrono::seconds(60);
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, const ServerOptions& options);
  ~Server();
  ip::Endpoint local_endpoint() const;
  void stop();

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::apiserver
