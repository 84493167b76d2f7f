// Which peer an inbound TCP connection belongs to: only configured peers, or addresses
// inside a configured listen range (dynamic neighbors), may establish a session. Anyone
// else is refused before a single BGP message.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"

namespace sluice::bgp {

struct InboundPeer {
  enum class Kind : std::uint8_t { configured_peer, listen_range };
  Kind kind = Kind::configured_peer;
  std::size_t index = 0;  // into the list that matched

  friend bool operator==(const InboundPeer&, const InboundPeer&) = default;
};

// A configured peer's exact address first, else the longest listen range holding the
// address (the first listed among equals), else nullopt: refuse. An IPv4-mapped IPv6
// address (a dual-stack socket's view of an IPv4 peer) is matched as IPv4.
std::optional<InboundPeer> match_inbound_peer(const ip::Address& remote, std::span<const ip::Address> configured_peers,
                                              std::span<const ip::Prefix> listen_ranges);

}  // namespace sluice::bgp
