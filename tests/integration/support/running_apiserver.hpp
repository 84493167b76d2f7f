// The API test server on its own thread and io_context, restartable on the same port,
// for integration tests that talk to it over real sockets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "base/ip/endpoint.hpp"
#include "k8s-client/test-apiserver/server.hpp"
#include "tests/support/etcd.hpp"

namespace sluice::testing {

class RunningApiServer {
 public:
  // options.listen's port 0 picks a free port; the address defaults to 127.0.0.1.
  explicit RunningApiServer(apiserver::ServerOptions options);
  ~RunningApiServer();
  RunningApiServer(const RunningApiServer&) = delete;
  RunningApiServer& operator=(const RunningApiServer&) = delete;

  void stop();
  // Stops and starts again on the same port (with `etcd` as its store).
  void restart(ip::Endpoint etcd);
  const ip::Endpoint& endpoint() const { return endpoint_; }

 private:
  void start();

  apiserver::ServerOptions options_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<apiserver::Server> server_;
  std::thread thread_;
  ip::Endpoint endpoint_;
};

ip::Endpoint etcd_endpoint(const EtcdServer& etcd);
// Options for a plain-HTTP server on loopback over `etcd`, with 1 s bookmarks.
apiserver::ServerOptions apiserver_options(const EtcdServer& etcd, std::string token = {});
// Writes a kubeconfig file for a plain-HTTP server (with the bearer token, if any), for
// tests that run Sluice's programs against the server; returns `file`.
std::filesystem::path write_kubeconfig(const std::filesystem::path& file, const ip::Endpoint& server,
                                       const std::string& token = {});

}  // namespace sluice::testing
