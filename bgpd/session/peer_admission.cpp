#include "bgpd/session/peer_admission.hpp"

#include <algorithm>
#include <array>

namespace sluice::bgp {
namespace {

ip::Address unmapped(const ip::Address& a) {
  if (!a.is_v6()) return a;
  auto b = a.bytes();
  constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), b.begin())) return a;
  return ip::Address::v4(std::array<std::uint8_t, 4>{b[12], b[13], b[14], b[15]});
}

}  // namespace

std::optional<InboundPeer> match_inbound_peer(const ip::Address& remote, std::span<const ip::Address> configured_peers,
                                              std::span<const ip::Prefix> listen_ranges) {
  const ip::Address address = unmapped(remote);
  for (std::size_t i = 0; i < configured_peers.size(); ++i) {
    if (unmapped(configured_peers[i]) == address) return InboundPeer{InboundPeer::Kind::configured_peer, i};
  }
  std::optional<InboundPeer> best;
  int best_length = -1;
  for (std::size_t i = 0; i < listen_ranges.size(); ++i) {
    const auto& range = listen_ranges[i];
    if (range.family() == address.family() && range.contains(address) && range.length() > best_length) {
      best = InboundPeer{InboundPeer::Kind::listen_range, i};
      best_length = range.length();
    }
  }
  return best;
}

}  // namespace sluice::bgp
