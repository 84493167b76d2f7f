// The control socket bgpctl talks to: a Unix stream socket where each line in is one
// request and each line out its answer. A stale socket file from an earlier run is
// replaced; one a running speaker still answers on is left alone (start fails).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "base/result.hpp"
#include "bgpd/control/default_socket.hpp"

namespace sluice::bgp {

class ControlServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;
  static Result<std::unique_ptr<ControlServer>> start(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  void stop();
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  explicit ControlServer(std::shared_ptr<Impl> impl, std::string path) : impl_(std::move(impl)), path_(std::move(path)) {}
  std::shared_ptr<Impl> impl_;
  std::string path_;
};

// One request and its answer, for bgpctl (blocking; bounded by `timeout`).
Result<std::string> control_request(const std::string& path, std::string_view request,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sluice::bgp
