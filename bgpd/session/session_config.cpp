#include "bgpd/session/session_config.hpp"

#include <algorithm>
#include <string>

#include "bgpd/codec/types.hpp"

namespace sluice::bgp {
namespace {

bool advertises(const Capabilities& caps, CapabilityCode code) {
  switch (code) {
    case CapabilityCode::multiprotocol: return !caps.multiprotocol.empty();
    case CapabilityCode::route_refresh: return caps.route_refresh;
    case CapabilityCode::extended_message: return caps.extended_message;
    case CapabilityCode::graceful_restart: return caps.graceful_restart.has_value();
    case CapabilityCode::four_octet_as: return true;  // always sent
    case CapabilityCode::add_path: return !caps.add_path.empty();
    case CapabilityCode::enhanced_route_refresh: return caps.enhanced_route_refresh;
  }
  return false;
}

}  // namespace

Capabilities default_capabilities() {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  caps.route_refresh = true;
  return caps;
}

Status validate(const SessionConfig& config) {
  if (config.local_as == 0) return Error{"local AS must not be 0"};
  if (config.local_as == kAsTrans) return Error{"local AS must not be AS_TRANS (23456)"};
  if (!config.local_identifier.is_v4() || config.local_identifier == ip::Address::v4(0u)) {
    return Error{"BGP Identifier must be a non-zero IPv4 address"};
  }
  if (config.peer_as && (*config.peer_as == 0 || *config.peer_as == kAsTrans)) {
    return Error{"peer AS must not be 0 or AS_TRANS (23456)"};
  }
  if (config.hold_time == 1 || config.hold_time == 2) {
    return Error{"hold time " + std::to_string(config.hold_time) + " must be 0 or at least 3 seconds"};
  }
  if (config.keepalive_time && *config.keepalive_time == 0) return Error{"keepalive time must be positive"};
  const auto& caps = config.capabilities;
  if (caps.multiprotocol.empty()) return Error{"at least one address family must be advertised"};
  for (const auto& f : caps.add_path) {
    if (std::find(caps.multiprotocol.begin(), caps.multiprotocol.end(), f.afi_safi) == caps.multiprotocol.end()) {
      return Error{"add-path for " + to_string(f.afi_safi) + ", which is not advertised"};
    }
  }
  for (auto code : config.required_capabilities) {
    if (!advertises(caps, code)) {
      return Error{"required capability " + std::to_string(static_cast<int>(code)) + " is not advertised"};
    }
  }
  if (config.connect_retry_time.count() <= 0) return Error{"connect retry time must be positive"};
  if (config.open_hold_time.count() <= 0) return Error{"OPEN hold time must be positive"};
  if (config.stable_time.count() <= 0) return Error{"stable time must be positive"};
  if (auto s = validate(config.idle_hold); !s.ok()) return s.error().context("idle hold");
  return {};
}

void clear_restart_flags(SessionConfig& config) {
  if (!config.capabilities.graceful_restart) return;
  config.capabilities.graceful_restart->restart_state = false;
  for (auto& family : config.capabilities.graceful_restart->families) family.forwarding_state = false;
}

}  // namespace sluice::bgp
