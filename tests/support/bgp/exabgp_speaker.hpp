// ExaBGP in a test namespace, for what the other daemons cannot do: announce exactly the
// bytes a test asks for (raw attributes, malformed ones included) and report every UPDATE
// and NOTIFICATION it receives. Commands go through a file its API process follows;
// received messages come back as ExaBGP's JSON, one per line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/bgp/seen_route.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/subprocess.hpp"

namespace sluice::testing::bgp {

struct SeenNotification {
  unsigned code = 0;
  unsigned subcode = 0;
};

class ExabgpSpeaker {
 public:
  // Put this inside each neighbor block whose traffic the test wants to see and drive.
  static constexpr const char* kApiBlock =
      "  api {\n    processes [ sluice-test ];\n    receive { parsed; update; notification; }\n    neighbor-changes;\n  }\n";

  // `neighbors` is the configuration's neighbor blocks; the API process is added here.
  // ExaBGP never listens (it only connects).
  ExabgpSpeaker(const TestNetns& ns, std::filesystem::path dir, const std::string& neighbors);
  ~ExabgpSpeaker();
  ExabgpSpeaker(const ExabgpSpeaker&) = delete;
  ExabgpSpeaker& operator=(const ExabgpSpeaker&) = delete;

  // An API command: "announce route 10.1.0.0/26 next-hop self attribute [0x0f 0x80 0x]".
  void command(const std::string& line);
  // The routes received and not withdrawn since the last (re)connection, in arrival order.
  std::vector<SeenRoute> routes() const;
  std::vector<SeenNotification> notifications_received() const;
  // How many UPDATEs (End-of-RIB included) arrived.
  std::size_t updates_received() const;
  void stop();
  const std::filesystem::path& log_file() const { return log_; }

 private:
  const TestNetns& ns_;
  std::filesystem::path dir_;
  std::filesystem::path commands_;
  std::filesystem::path received_;
  std::filesystem::path log_;
  std::optional<Subprocess> process_;
};

// ExaBGP's JSON messages (one per line) folded into the routes they leave standing.
std::vector<SeenRoute> fold_exabgp_updates(const std::string& lines);

}  // namespace sluice::testing::bgp
