// Sluice's own sluice-bgpd in a test namespace, run as an operator would: a JSON config
// file, the control socket in a directory the test owns, read back through bgpctl -o json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/bgp/bgpctl_routes.hpp"
#include "tests/support/bgp/seen_route.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/subprocess.hpp"

namespace sluice::testing::bgp {

class SluiceBgpd {
 public:
  // Writes `config` to <dir>/bgpd.json and starts the daemon in `ns` with `flags` added;
  // returns once bgpctl gets an answer.
  SluiceBgpd(const TestNetns& ns, std::filesystem::path dir, const std::string& config,
             std::vector<std::string> flags = {});
  ~SluiceBgpd();
  SluiceBgpd(const SluiceBgpd&) = delete;
  SluiceBgpd& operator=(const SluiceBgpd&) = delete;

  // `bgpctl -o json <args>`.
  CommandResult bgpctl(const std::vector<std::string>& args) const;
  // "Established", "Active", ... ; empty when bgpd does not know the neighbour.
  std::string bgp_state(std::string_view neighbor) const;
  bool established(std::string_view neighbor) const { return bgp_state(neighbor) == "Established"; }
  // The neighbour's entry of `bgpctl neighbor` as JSON text (empty when unknown).
  std::string neighbor_json(std::string_view neighbor) const;
  // Every path of the family's Loc-RIB, best marked.
  std::vector<SeenRoute> routes(std::string_view family = "ipv4") const;
  // Replaces the config file and sends SIGHUP.
  void reload(const std::string& config);
  void stop();   // SIGTERM: the daemon's stop mode applies
  void kill();   // SIGKILL, as a crash would
  void start();  // again, on the current config
  bool running();
  const std::filesystem::path& log_file() const { return log_; }
  const std::filesystem::path& socket() const { return socket_; }

 private:
  const TestNetns& ns_;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::filesystem::path socket_;
  std::filesystem::path log_;
  std::vector<std::string> flags_;
  std::optional<Subprocess> process_;
};

}  // namespace sluice::testing::bgp
