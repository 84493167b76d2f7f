// What the speaker runs from, whatever wrote it (the JSON file today, the Kubernetes
// datastore later): the RIB's configuration, where to listen, and per neighbour the
// session (FSM and OPEN), the RIB's view of the peer (AS, reflection, next hop,
// policies) and the transport (port, source, MD5, GTSM/TTL, prefix limit).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/ip/endpoint.hpp"
#include "base/ip/prefix.hpp"
#include "base/result.hpp"
#include "bgpd/rib/rib.hpp"
#include "bgpd/session/session_config.hpp"

namespace sluice::bgp {

struct MaxPrefix {
  enum class Action : std::uint8_t { warn, restart, stop };
  std::uint32_t limit = 0;  // 0: no limit
  Action action = Action::restart;
  // With `restart`: the session is stopped (Cease / Maximum Number of Prefixes Reached)
  // and started again after this long.
  std::chrono::seconds restart_after{60};
  friend bool operator==(const MaxPrefix&, const MaxPrefix&) = default;
};

struct NeighborSettings {
  ip::Address address;
  std::string description;
  SessionConfig session;
  rib::PeerInfo peer;  // its address is `address`
  std::uint16_t port = 179;
  std::optional<ip::Address> source_address;  // bind outgoing connections to it
  std::string md5_password;                   // empty: no TCP MD5
  std::optional<int> gtsm_hops;               // RFC 5082 TTL security, hops away
  std::optional<int> ttl;                     // outgoing TTL without GTSM (default: 1 for eBGP, else 255)
  MaxPrefix max_prefix;
  // Next hops this speaker writes for itself when its session address cannot serve (an
  // IPv6 next hop on a session over IPv4, say).
  std::optional<ip::Address> next_hop_self_ipv4;
  std::optional<ip::Address> next_hop_self_ipv6;
};

// Dynamic neighbours: a connection from inside `range` is accepted as a neighbour built
// from `neighbor` (its address filled in).
struct ListenRangeSettings {
  ip::Prefix range;
  NeighborSettings neighbor;
  // For a range that accepts any AS: the RIB's view of a neighbour once its OPEN has named
  // its AS, so that eBGP or iBGP rules and the RFC 8212 policy defaults follow that AS.
  // Empty: the template's view stands.
  std::function<Result<rib::PeerInfo>(const ip::Address& address, std::uint32_t remote_as)> peer_info_for;
};

struct OriginatedRoute {
  ip::Prefix prefix;
  rib::RouteAttributes attributes;
  friend bool operator==(const OriginatedRoute&, const OriginatedRoute&) = default;
};

struct SpeakerSettings {
  rib::RibConfig rib;
  std::vector<ip::Endpoint> listen;  // empty: do not accept connections
  std::vector<NeighborSettings> neighbors;
  std::vector<ListenRangeSettings> listen_ranges;
  std::vector<OriginatedRoute> originate;
  // As a restarting speaker (rib.restarting): how long route selection waits for peers'
  // End-of-RIB at most (RFC 4724 §4.1 selection_deferral_timer).
  std::chrono::seconds selection_deferral{360};
};

}  // namespace sluice::bgp
