// FRR's bgpd in a test namespace, without zebra (-Z): its own config, vty socket and log
// in a directory the test owns, driven through vtysh and read through its JSON output.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/bgp/seen_route.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/subprocess.hpp"

namespace sluice::testing::bgp {

class FrrRouter {
 public:
  // Writes `config` (bgpd.conf syntax) into `dir` and starts bgpd in `ns`; returns once
  // vtysh answers.
  FrrRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config);
  ~FrrRouter();
  FrrRouter(const FrrRouter&) = delete;
  FrrRouter& operator=(const FrrRouter&) = delete;

  // One or more commands in one vtysh call (each becomes a -c).
  CommandResult vtysh(const std::vector<std::string>& commands) const;
  // Configuration commands, entered after "configure terminal".
  void configure(const std::vector<std::string>& commands) const;
  // "Established", "Active", "Idle", ... ; empty when FRR does not know the neighbour.
  std::string bgp_state(std::string_view neighbor) const;
  bool established(std::string_view neighbor) const { return bgp_state(neighbor) == "Established"; }
  // Why the session last went down, as FRR words it ("Notification received (...)").
  std::string last_reset(std::string_view neighbor) const;
  // Every path of the family ("ipv4" or "ipv6"), best marked.
  std::vector<SeenRoute> routes(std::string_view family = "ipv4") const;
  void stop();
  void kill();
  void start();
  const std::filesystem::path& log_file() const { return log_; }

 private:
  const TestNetns& ns_;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::filesystem::path log_;
  std::optional<Subprocess> process_;
};

// `show bgp <family> unicast json detail` into routes (exposed for its unit test).
std::vector<SeenRoute> parse_frr_routes(std::string_view json);

}  // namespace sluice::testing::bgp
