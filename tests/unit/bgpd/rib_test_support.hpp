// Helpers for the RIB tests: attributes and peers from short literals, and a Receiver
// that plays the peer: it takes the UPDATEs the RIB hands out through the codec (encode,
// size check, decode) and keeps the routes it was told about.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string_view>
#include <vector>

#include "bgpd/codec/update.hpp"
#include "bgpd/rib/rib.hpp"
#include "codec_test_support.hpp"

namespace sluice::bgp::rib::testing {

using bgp::testing::address;
using bgp::testing::prefix;

inline constexpr std::uint32_t kLocalAs = 65000;

// This speaker: AS 65000, router id 10.0.0.1, IPv4 and IPv6 unicast.
RibConfig config();
PathAttributes path(std::initializer_list<std::uint32_t> as_path = {}, Origin origin = Origin::igp);
RouteAttributes route(std::string_view next_hop, std::initializer_list<std::uint32_t> as_path = {});
PeerInfo peer(std::string_view address, std::uint32_t remote_as);
// An IPv4 (and IPv6) unicast session with 4-octet AS numbers; `next_hop_self` is this
// speaker's address on it.
PeerSession session(std::string_view router_id, std::string_view next_hop_self,
                    std::vector<AfiSafi> families = {kIpv4Unicast});

// An UPDATE announcing `prefixes` (IPv4 in the body, IPv6 in MP_REACH_NLRI) with
// `attributes` and `next_hop`.
Update announce(PathAttributes attributes, std::string_view next_hop, std::initializer_list<std::string_view> prefixes,
                std::uint32_t path_id = 0);
Update withdraw(std::initializer_list<std::string_view> prefixes, std::uint32_t path_id = 0);

struct ReceivedRoute {
  PathAttributes attributes;  // NEXT_HOP included for IPv4
  std::vector<ip::Address> next_hops;  // IPv6: from MP_REACH_NLRI
};

class Receiver {
 public:
  explicit Receiver(Context context) : context_(std::move(context)) {}

  // Encodes `update` as the RIB's peer would receive it, checks it fits the maximum
  // length and decodes cleanly back to the same value, then applies it.
  void receive(const Update& update);
  // Pulls every UPDATE the RIB has for `peer`; returns how many.
  std::size_t drain(Rib& rib, PeerId peer);

  const ReceivedRoute* find(std::string_view prefix, std::uint32_t path_id = 0) const;
  std::size_t size() const { return routes_.size(); }
  const std::vector<Update>& updates() const { return updates_; }
  std::vector<AfiSafi> end_of_rib() const { return end_of_rib_; }
  void clear_log() {
    updates_.clear();
    end_of_rib_.clear();
  }

 private:
  Context context_;
  std::map<Nlri, ReceivedRoute> routes_;
  std::vector<Update> updates_;
  std::vector<AfiSafi> end_of_rib_;
};

// A Rib with a Receiver per established peer.
class Lab {
 public:
  explicit Lab(RibConfig c = config()) : rib(std::move(c)) {}

  PeerId add(PeerInfo info) { return *rib.add_peer(std::move(info)); }
  // Brings the session up (a fresh Receiver plays the peer) and delivers what it gets.
  void up(PeerId id, PeerSession s);
  PeerId join(PeerInfo info, std::string_view router_id, std::string_view next_hop_self) {
    PeerId id = add(std::move(info));
    up(id, session(router_id, next_hop_self, {kIpv4Unicast, kIpv6Unicast}));
    return id;
  }
  // Runs the decision process and delivers every pending UPDATE to every peer.
  void sync();
  Receiver& at(PeerId id) { return receivers_.at(id); }

  Rib rib;

 private:
  std::map<PeerId, Receiver> receivers_;
};

}  // namespace sluice::bgp::rib::testing
