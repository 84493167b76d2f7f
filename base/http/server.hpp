// A small HTTP/1.1 server on the daemon's io_context (Boost.Beast), for the
// operational endpoints. Bounded request sizes and read timeouts; keep-alive.
#pragma once

#include <functional>
#include <memory>

#include "base/http/message.hpp"
#include "base/ip/endpoint.hpp"
#include "base/result.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::http {

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  // Binds and starts accepting; the handler runs on the io_context's thread.
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, const ip::Endpoint& listen, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound address (useful when the port was 0).
  ip::Endpoint local_endpoint() const;
  // Stops accepting and closes open connections, so the io_context can run dry.
  void stop();

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::http
