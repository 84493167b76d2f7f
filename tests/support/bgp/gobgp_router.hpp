// GoBGP's gobgpd in a test namespace with its gRPC API on the namespace's loopback,
// driven through the gobgp command and read through its JSON output.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/bgp/seen_route.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/subprocess.hpp"

namespace sluice::testing::bgp {

class GobgpRouter {
 public:
  // Writes `config` (TOML) into `dir` and starts gobgpd in `ns`; returns once the API answers.
  GobgpRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config);
  ~GobgpRouter();
  GobgpRouter(const GobgpRouter&) = delete;
  GobgpRouter& operator=(const GobgpRouter&) = delete;

  // `gobgp <args>` against this instance.
  CommandResult gobgp(const std::vector<std::string>& args) const;
  std::string gobgp_checked(const std::vector<std::string>& args) const;
  // "Established", "Active", "Idle", ... ; empty when GoBGP does not know the neighbour.
  std::string bgp_state(std::string_view neighbor) const;
  bool established(std::string_view neighbor) const { return bgp_state(neighbor) == "Established"; }
  // The global RIB of the family ("ipv4" or "ipv6"): every path, best marked.
  std::vector<SeenRoute> routes(std::string_view family = "ipv4") const;
  // What the neighbour sent (adj-in), before policy.
  std::vector<SeenRoute> received_from(std::string_view neighbor, std::string_view family = "ipv4") const;
  void stop();
  void kill();
  void start();
  const std::filesystem::path& log_file() const { return log_; }

 private:
  const TestNetns& ns_;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::filesystem::path log_;
  std::uint16_t api_port_;
  std::optional<Subprocess> process_;
};

// `gobgp ... rib -j` output into routes (exposed for its unit test).
std::vector<SeenRoute> parse_gobgp_routes(std::string_view json);

}  // namespace sluice::testing::bgp
