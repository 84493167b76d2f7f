// The import and export policy hooks: a callback that sees one route and may reject it or
// change its attributes. The policy language that fills these hooks is built elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/ip/prefix.hpp"
#include "bgpd/codec/types.hpp"
#include "bgpd/rib/attribute_set.hpp"

namespace sluice::bgp::rib {

struct PeerInfo;
using PeerId = std::uint16_t;

enum class PolicyVerdict : std::uint8_t { accept, reject };

// The attributes a hook works on. Reading costs nothing; the first edit() copies them,
// so a hook that only filters never copies or re-interns.
class RouteEditor {
 public:
  explicit RouteEditor(const RouteAttributes& original) : original_(original) {}
  const RouteAttributes& get() const { return edited_ ? *edited_ : original_; }
  RouteAttributes& edit() {
    if (!edited_) edited_ = original_;
    return *edited_;
  }
  bool edited() const { return edited_.has_value(); }
  RouteAttributes take() && { return edited_ ? std::move(*edited_) : original_; }

 private:
  const RouteAttributes& original_;
  std::optional<RouteAttributes> edited_;
};

// A route arriving from `peer`, after loop detection and before it enters the Loc-RIB.
struct ImportRoute {
  AfiSafi family;
  const ip::Prefix& prefix;
  PeerId peer_id;
  const PeerInfo& peer;
};

// A route leaving toward `to`, after the RFC 4271 / RFC 4456 rewrites (so the hook sees
// and may override the AS_PATH, NEXT_HOP and MED the peer would receive).
struct ExportRoute {
  AfiSafi family;
  const ip::Prefix& prefix;
  PeerId from_id;            // kLocalPeer for routes this speaker originates
  const PeerInfo* from;      // nullptr for routes this speaker originates
  PeerId to_id;
  const PeerInfo& to;
};

using ImportPolicy = std::function<PolicyVerdict(const ImportRoute&, RouteEditor&)>;
using ExportPolicy = std::function<PolicyVerdict(const ExportRoute&, RouteEditor&)>;

}  // namespace sluice::bgp::rib
