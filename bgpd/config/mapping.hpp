// From a valid Config (validate()) to what the core runs from: the speaker's settings
// (speaker/speaker_settings.hpp), and the parts on their own: per neighbour the session
// (FSM and OPEN: AS numbers, timers, capabilities) and the RIB's view of the peer (with
// the compiled policies), the RIB's configuration, originated routes, listen endpoints.
#pragma once

#include <cstddef>
#include <vector>

#include "base/ip/endpoint.hpp"
#include "base/result.hpp"
#include "bgpd/config/config.hpp"
#include "bgpd/policy/compile.hpp"
#include "bgpd/rib/rib.hpp"
#include "bgpd/session/session_config.hpp"
#include "bgpd/speaker/speaker_settings.hpp"

namespace sluice::bgp::config {

struct MappingOptions {
  // This start is a graceful restart (RFC 4724): the Restart State bit, the Forwarding
  // State bits when the FIB kept its routes, and route selection deferred.
  bool restarting = false;
  // Our address on a session, for next-hop "self" in export policies (the daemon knows
  // it from the connection); without it such routes are not sent.
  policy::SelfAddress self_address;
};

rib::RibConfig rib_config(const Config& config, bool restarting);

// Every address when none are listed: 0.0.0.0 and :: (IPv6-only sockets), on listenPort.
std::vector<ip::Endpoint> listen_endpoints(const SpeakerConfig& speaker);

// The session for a neighbour (or a range's template, `address_family` the range's).
// Capabilities: multiprotocol for its families, route refresh and enhanced route
// refresh, extended messages, graceful restart with its time and families, add-path;
// the 4-octet AS capability is always sent (make_open).
SessionConfig session_config(const Config& config, const NeighborConfig& neighbor, ip::Family address_family,
                             const MappingOptions& options = {});

// The RIB's view of a neighbour, its hooks compiled from `library` with RFC 8212
// defaults. `remote_as` overrides the neighbour's (a dynamic neighbour's, from its OPEN);
// a neighbour with no AS at all is taken as eBGP for the defaults.
Result<rib::PeerInfo> peer_info(const Config& config, const NeighborConfig& neighbor,
                                const policy::PolicyLibrary& library, const MappingOptions& options = {},
                                std::optional<std::uint32_t> remote_as = std::nullopt);

Result<NeighborSettings> neighbor_settings(const Config& config, const NeighborConfig& neighbor,
                                           const policy::PolicyLibrary& library, const MappingOptions& options = {});

// A connection accepted from listen range `range` at `address`: the template's settings
// for that address. With `remote_as` (the AS its OPEN named, for a range that accepts
// any) the RIB view and the RFC 8212 defaults follow that AS.
Result<NeighborSettings> dynamic_neighbor_settings(const Config& config, std::size_t range, const ip::Address& address,
                                                   const policy::PolicyLibrary& library,
                                                   const MappingOptions& options = {},
                                                   std::optional<std::uint32_t> remote_as = std::nullopt);

// What the RIB originates for a route: ORIGIN IGP, an empty AS_PATH, the communities,
// LOCAL_PREF and MED given, and its next hop (none: this speaker's on each session).
rib::RouteAttributes originate_attributes(const OriginateConfig& route);

// Everything at once. Neighbours that are shut down are left out (their sessions do not
// run). Fails only on a Config that validate() refuses.
Result<SpeakerSettings> speaker_settings(const Config& config, const MappingOptions& options = {});

}  // namespace sluice::bgp::config
