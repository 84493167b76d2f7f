// A real etcd (Debian's etcd-server) on free loopback ports with a temporary data
// directory, for the integration tier. Restartable on the same data, as tests of
// watch resumption and compaction need.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::testing {

class EtcdServer {
 public:
  // Starts etcd and waits (bounded) until it answers a health check; throws with
  // etcd's log when it does not.
  EtcdServer();
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // "http://127.0.0.1:PORT"
  std::string client_url() const;
  std::uint16_t client_port() const { return client_port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  // Stops (SIGTERM) or kills (SIGKILL) the server and starts it again on the same
  // ports and data directory.
  void restart(bool kill = false);
  void stop();

  // Runs etcdctl (API v3) against this server.
  CommandResult ctl(const std::vector<std::string>& args) const;

 private:
  void launch();

  TempDir dir_{"etcd"};
  std::uint16_t client_port_;
  std::uint16_t peer_port_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace sluice::testing
