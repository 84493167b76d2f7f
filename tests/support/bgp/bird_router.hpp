// A BIRD 2 instance in a test namespace: its own config file, control socket and log in
// a directory the test owns, driven through birdc.
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

class BirdRouter {
 public:
  // Writes `config` to <dir>/bird.conf and starts BIRD in `ns`; returns once birdc answers.
  BirdRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config);
  ~BirdRouter();
  BirdRouter(const BirdRouter&) = delete;
  BirdRouter& operator=(const BirdRouter&) = delete;

  CommandResult birdc(std::string_view command) const;
  // The BGP state of `protocol` as birdc shows it ("Established", "Active", "Idle"...),
  // empty when BIRD does not know it.
  std::string bgp_state(std::string_view protocol) const;
  bool established(std::string_view protocol) const { return bgp_state(protocol) == "Established"; }
  // The "Last error" line of `protocol`, empty when there is none.
  std::string last_error(std::string_view protocol) const;
  // `show route all <filter>` parsed; every path, best marked.
  std::vector<SeenRoute> routes(std::string_view filter = "") const;
  // Replaces the config file and asks BIRD to apply it (birdc configure).
  void reconfigure(const std::string& config);
  // Replaces the config file only (for the next start).
  void write_config(const std::string& config);
  void stop();
  void kill();  // SIGKILL, as a crash would
  void start();  // again, on the current config
  const std::filesystem::path& log_file() const { return log_; }

 private:
  const TestNetns& ns_;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::filesystem::path socket_;
  std::filesystem::path log_;
  std::optional<Subprocess> process_;
};

// BIRD's `show route all` text into routes (exposed for its unit test).
std::vector<SeenRoute> parse_bird_routes(std::string_view text);

}  // namespace sluice::testing::bgp
