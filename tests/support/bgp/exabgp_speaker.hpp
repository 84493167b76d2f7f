// ExaBGP in a test namespace, for what the other daemons cannot do: announce exactly the
// bytes a test asks for (raw attributes, malformed ones included) and report every UPDATE
// and NOTIFICATION it receives. Commands go through a file its API process follows;
// received messages come back as ExaBGP's JSON, one per line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/bgp/seen_route.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/subprocess.hpp"

namespace sluice::testing::bgp {

struct SeenNotification {
  unsigned code = 0;
  unsigned subcode = 0;
  std::string data;  // the Data field in lower-case hex ("406302abcd"), "" when empty
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
  // With several neighbour blocks, "neighbor <peer> local-ip <local> announce ..." picks one.
  void command(const std::string& line);
  // What was received. With several neighbour blocks, `session` (a block's local-address)
  // keeps what arrived on that one; empty: all of them.
  // The routes received and not withdrawn since the last (re)connection, in arrival order.
  std::vector<SeenRoute> routes(std::string_view session = {}) const;
  std::vector<SeenNotification> notifications_received(std::string_view session = {}) const;
  // How many UPDATEs (End-of-RIB included) arrived.
  std::size_t updates_received(std::string_view session = {}) const;
  // The path attributes of the standing announcement of `prefix`, by ExaBGP's names
  // ("atomic-aggregate", "aggregator", "attribute-0x63-0xE0" for a type it does not know,
  // flags included): strings without their quotes, other values as JSON. Empty when
  // `prefix` is not announced.
  std::map<std::string, std::string> attributes_of(std::string_view prefix, std::string_view session = {}) const;
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

// ExaBGP's JSON messages (one per line) folded into the routes they leave standing;
// `session` as for ExabgpSpeaker::routes().
std::vector<SeenRoute> fold_exabgp_updates(const std::string& lines, std::string_view session = {});
// The NOTIFICATIONs among ExaBGP's JSON messages.
std::vector<SeenNotification> exabgp_notifications(const std::string& lines, std::string_view session = {});
// As ExabgpSpeaker::attributes_of().
std::map<std::string, std::string> exabgp_attributes_of(const std::string& lines, std::string_view prefix,
                                                        std::string_view session = {});

}  // namespace sluice::testing::bgp
