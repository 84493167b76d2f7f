#include "tests/support/etcd.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

namespace sluice::testing {
namespace {
std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

EtcdServer::EtcdServer() : client_port_(free_tcp_port()), peer_port_(free_tcp_port()) { launch(); }

EtcdServer::~EtcdServer() { stop(); }

std::string EtcdServer::client_url() const { return fmt::format("http://127.0.0.1:{}", client_port_); }

void EtcdServer::launch() {
  std::string peer_url = fmt::format("http://127.0.0.1:{}", peer_port_);
  std::vector<std::string> argv{
      "etcd",
      "--name", "sluice-test",
      "--data-dir", (dir_.path() / "data").string(),
      "--listen-client-urls", client_url(),
      "--advertise-client-urls", client_url(),
      "--listen-peer-urls", peer_url,
      "--initial-advertise-peer-urls", peer_url,
      "--initial-cluster", "sluice-test=" + peer_url,
      "--log-level", "warn",
  };
  auto log = dir_.path() / "etcd.log";
  process_ = std::make_unique<Subprocess>(Subprocess::start(argv, log));
  bool healthy = wait_until(
      [&] { return process_->running() && ctl({"endpoint", "health"}).ok(); }, std::chrono::seconds(30),
      std::chrono::milliseconds(100));
  if (!healthy) {
    std::string output = read_file(log);
    process_->stop();
    throw std::runtime_error(fmt::format("etcd did not become healthy on {} within 30 s; its log:\n{}", client_url(), output));
  }
  std::fprintf(stderr, "[etcd] started pid %d on %s (data %s)\n", process_->pid(), client_url().c_str(),
               dir_.path().c_str());
}

void EtcdServer::stop() {
  if (process_) {
    process_->stop();
    process_.reset();
  }
}

void EtcdServer::restart(bool kill) {
  if (process_) {
    if (kill) {
      process_->kill();
    } else {
      process_->stop();
    }
    process_.reset();
  }
  launch();
}

CommandResult EtcdServer::ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"env", "ETCDCTL_API=3", "etcdctl", "--endpoints", client_url(),
                                "--dial-timeout", "2s", "--command-timeout", "5s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, std::chrono::seconds(15));
}

}  // namespace sluice::testing
