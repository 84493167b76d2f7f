#include "tests/integration/support/running_apiserver.hpp"

#include <fstream>

#include <utility>

#include <boost/asio/post.hpp>
#include <doctest/doctest.h>

namespace sluice::testing {

RunningApiServer::RunningApiServer(apiserver::ServerOptions options) : options_(std::move(options)) {
  if (options_.listen.address == ip::Address{}) options_.listen.address = ip::Address::v4(0x7f000001);
  start();
}

RunningApiServer::~RunningApiServer() {
  stop();
}

void RunningApiServer::start() {
  io_ = std::make_unique<boost::asio::io_context>();
  auto s = apiserver::Server::start(*io_, options_);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  server_ = std::move(*s);
  endpoint_ = server_->local_endpoint();
  options_.listen.port = endpoint_.port;  // a restart comes back on the same port
  thread_ = std::thread([this] { io_->run(); });
}

void RunningApiServer::stop() {
  if (!server_) return;
  boost::asio::post(*io_, [this] {
    server_->stop();
    io_->stop();
  });
  thread_.join();
  server_.reset();
}

void RunningApiServer::restart(ip::Endpoint etcd) {
  stop();
  options_.etcd = etcd;
  start();
}

ip::Endpoint etcd_endpoint(const EtcdServer& etcd) {
  return ip::Endpoint{ip::Address::v4(0x7f000001), etcd.client_port()};
}

apiserver::ServerOptions apiserver_options(const EtcdServer& etcd, std::string token) {
  apiserver::ServerOptions options;
  options.listen = ip::Endpoint{ip::Address::v4(0x7f000001), 0};
  options.etcd = etcd_endpoint(etcd);
  options.token = std::move(token);
  options.bookmark_interval = std::chrono::seconds(1);
  return options;
}

std::filesystem::path write_kubeconfig(const std::filesystem::path& file, const ip::Endpoint& server,
                                       const std::string& token) {
  std::ofstream out(file, std::ios::trunc);
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: http://"
      << server.to_string() << "\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n"
      << "users:\n- name: test\n  user:\n" << (token.empty() ? "    {}\n" : "    token: " + token + "\n")
      << "current-context: test\n";
  return file;
}

}  // namespace sluice::testing
