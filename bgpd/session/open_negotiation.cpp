#include "bgpd/session/open_negotiation.hpp"

#include <algorithm>
#include <string>

#include "bgpd/codec/buffer.hpp"

namespace sluice::bgp {
namespace {

MessageError open_error(OpenErrorSubcode subcode, std::string reason, std::vector<std::uint8_t> data = {}) {
  return {Notification::open(subcode, std::move(data)), std::move(reason)};
}

bool contains(const std::vector<AfiSafi>& families, AfiSafi f) {
  return std::find(families.begin(), families.end(), f) != families.end();
}

// The capability as we advertise it, alone: the data of Unsupported Capability.
Capabilities only(const Capabilities& ours, CapabilityCode code) {
  Capabilities one;
  switch (code) {
    case CapabilityCode::multiprotocol: one.multiprotocol = ours.multiprotocol; break;
    case CapabilityCode::route_refresh: one.route_refresh = true; break;
    case CapabilityCode::extended_message: one.extended_message = true; break;
    case CapabilityCode::graceful_restart: one.graceful_restart = ours.graceful_restart; break;
    case CapabilityCode::four_octet_as: one.four_octet_as = ours.four_octet_as; break;
    case CapabilityCode::add_path: one.add_path = ours.add_path; break;
    case CapabilityCode::enhanced_route_refresh: one.enhanced_route_refresh = true; break;
  }
  return one;
}

bool peer_advertises(const Capabilities& peer, CapabilityCode code) {
  switch (code) {
    case CapabilityCode::multiprotocol: return !peer.multiprotocol.empty();
    case CapabilityCode::route_refresh: return peer.route_refresh;
    case CapabilityCode::extended_message: return peer.extended_message;
    case CapabilityCode::graceful_restart: return peer.graceful_restart.has_value();
    case CapabilityCode::four_octet_as: return peer.four_octet_as.has_value();
    case CapabilityCode::add_path: return !peer.add_path.empty();
    case CapabilityCode::enhanced_route_refresh: return peer.enhanced_route_refresh;
  }
  return false;
}

std::vector<std::uint8_t> capability_tlvs(const Capabilities& caps) {
  std::vector<std::uint8_t> out;
  Writer w(out);
  // Our own capabilities were encodable when the OPEN went out; a failure leaves the
  // data empty, which the peer still reads as Unsupported Capability.
  if (!encode_capabilities(caps, w).ok()) out.clear();
  return out;
}

bool allows_receive(AddPathMode m) {
  return m == AddPathMode::receive || m == AddPathMode::both;
}
bool allows_send(AddPathMode m) {
  return m == AddPathMode::send || m == AddPathMode::both;
}

std::vector<AddPathFamily> negotiate_add_path(const std::vector<AddPathFamily>& ours,
                                              const std::vector<AddPathFamily>& theirs,
                                              const std::vector<AfiSafi>& families) {
  std::vector<AddPathFamily> out;
  for (const auto& mine : ours) {
    if (!contains(families, mine.afi_safi)) continue;
    auto peer =
        std::find_if(theirs.begin(), theirs.end(), [&](const AddPathFamily& p) { return p.afi_safi == mine.afi_safi; });
    if (peer == theirs.end()) continue;
    const bool receive = allows_receive(mine.mode) && allows_send(peer->mode);
    const bool send = allows_send(mine.mode) && allows_receive(peer->mode);
    if (receive && send) {
      out.push_back({mine.afi_safi, AddPathMode::both});
    } else if (receive) {
      out.push_back({mine.afi_safi, AddPathMode::receive});
    } else if (send) {
      out.push_back({mine.afi_safi, AddPathMode::send});
    }
  }
  return out;
}

std::uint16_t keepalive_for(std::uint16_t hold_time, std::optional<std::uint16_t> configured) {
  if (hold_time == 0) return 0;
  // RFC 4271 §4.4: at most a third of the hold time, and at least one second.
  auto limit = static_cast<std::uint16_t>(std::max(1, hold_time / 3));
  return configured ? std::min(*configured, limit) : limit;
}

// The codec context for one direction: add-path only for the families where that
// direction was negotiated.
Context context_for(const NegotiatedSession& s, bool (*allows)(AddPathMode)) {
  Context c;
  c.extended_message = s.extended_message;
  c.four_octet_as = s.four_octet_as;
  c.external_peer = s.external;
  for (const auto& f : s.add_path) {
    if (allows(f.mode)) c.add_path.push_back(f.afi_safi);
  }
  return c;
}

}  // namespace

Context NegotiatedSession::receive_context() const {
  return context_for(*this, allows_receive);
}

Context NegotiatedSession::send_context() const {
  return context_for(*this, allows_send);
}

bool NegotiatedSession::has_family(AfiSafi afi_safi) const {
  return contains(families, afi_safi);
}

Open make_open(const SessionConfig& config) {
  return Open::make(config.local_as, config.hold_time, config.local_identifier, config.capabilities);
}

Decoded<NegotiatedSession> negotiate(const Open& peer, const SessionConfig& config) {
  // The codec already refuses most of these while decoding; an Open built another way
  // gets the same answers here.
  if (peer.hold_time == 1 || peer.hold_time == 2) {
    return open_error(OpenErrorSubcode::unacceptable_hold_time,
                      "hold time " + std::to_string(peer.hold_time) + " is neither 0 nor at least 3 seconds");
  }
  if (!peer.bgp_identifier.is_v4() || peer.bgp_identifier == ip::Address::v4(0u)) {
    return open_error(OpenErrorSubcode::bad_bgp_identifier, "BGP Identifier is 0");
  }
  const std::uint32_t peer_as = peer.asn();
  if (peer_as == 0 || peer_as == kAsTrans) {
    return open_error(OpenErrorSubcode::bad_peer_as, "peer AS " + std::to_string(peer_as) + " is not usable");
  }
  OpenExpectations expected{config.peer_as, config.local_as, config.local_identifier};
  if (auto e = check_open(peer, expected)) return *e;

  const Capabilities& ours = config.capabilities;
  const Capabilities& theirs = peer.capabilities;
  for (auto code : config.required_capabilities) {
    if (!peer_advertises(theirs, code)) {
      return open_error(OpenErrorSubcode::unsupported_capability,
                        "peer lacks required capability " + std::to_string(static_cast<int>(code)),
                        capability_tlvs(only(make_open(config).capabilities, code)));
    }
  }

  NegotiatedSession s;
  const std::vector<AfiSafi> peer_families =
      theirs.multiprotocol.empty() ? std::vector<AfiSafi>{kIpv4Unicast} : theirs.multiprotocol;
  for (AfiSafi f : ours.multiprotocol) {
    if (contains(peer_families, f)) s.families.push_back(f);
  }
  if (s.families.empty()) {
    return open_error(OpenErrorSubcode::unsupported_capability, "no address family in common with the peer",
                      capability_tlvs(only(ours, CapabilityCode::multiprotocol)));
  }
  s.peer_as = peer_as;
  s.peer_identifier = peer.bgp_identifier;
  s.hold_time = std::min(config.hold_time, peer.hold_time);
  s.keepalive_time = keepalive_for(s.hold_time, config.keepalive_time);
  s.four_octet_as = theirs.four_octet_as.has_value();  // we always advertise it
  s.route_refresh = ours.route_refresh && theirs.route_refresh;
  s.enhanced_route_refresh = ours.enhanced_route_refresh && theirs.enhanced_route_refresh;
  s.extended_message = ours.extended_message && theirs.extended_message;
  s.add_path = negotiate_add_path(ours.add_path, theirs.add_path, s.families);
  if (ours.graceful_restart && theirs.graceful_restart) s.peer_graceful_restart = theirs.graceful_restart;
  s.external = peer_as != config.local_as;
  s.peer_capabilities = theirs;
  return s;
}

}  // namespace sluice::bgp
