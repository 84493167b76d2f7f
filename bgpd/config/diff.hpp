// What a reload (SIGHUP) must do: the difference between two valid configurations, per
// neighbour, per listen range, for originated routes, the FIB and the daemon. A session
// whose configuration did not change is not touched; one whose change only concerns the
// RIB (policies, next-hop mode, route reflection) or the daemon (description, prefix
// limit) keeps running.
#pragma once

#include <string>
#include <vector>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"
#include "bgpd/config/config.hpp"

namespace sluice::bgp::config {

enum class ChangeKind : std::uint8_t {
  added,
  removed,
  reset,    // something the session negotiated or its transport uses changed: tear it down
            // and start it again from the new configuration (which may say shutdown)
  updated,  // only the RIB's view or the daemon's bookkeeping changed: apply in place
};
std::string_view to_string(ChangeKind kind);

struct NeighborChange {
  ip::Address address;
  ChangeKind kind = ChangeKind::updated;
  // The file's names of what changed ("holdTime", "importPolicy", ...), for the log. An
  // inherited value that changed is named after the speaker's key ("speaker.holdTime").
  std::vector<std::string> fields;
  // With updated: whether the policies' effect changed (exports are run again); a
  // description or a prefix limit alone does not.
  bool policy_changed = false;
  // Of that, whether the import side changed: only then is the peer asked for its routes
  // again (RFC 2918), since the Adj-RIB-In keeps routes after import policy.
  bool import_policy_changed = false;
  friend bool operator==(const NeighborChange&, const NeighborChange&) = default;
};

struct RangeChange {
  ip::Prefix prefix;
  ChangeKind kind = ChangeKind::updated;  // reset or updated apply to its dynamic neighbours
  std::vector<std::string> fields;
  bool policy_changed = false;
  bool import_policy_changed = false;
  friend bool operator==(const RangeChange&, const RangeChange&) = default;
};

struct ConfigDiff {
  // Speaker fields whose change needs a new RIB and so every session reset (asNumber,
  // routerId, clusterId, defaultLocalPref).
  std::vector<std::string> speaker_reset;
  // Decision options (multipath, MED comparison) changed: LocRib::set_options applies
  // them to every table without touching a session.
  bool decision_changed = false;
  bool listen_changed = false;  // listenAddresses or listenPort: rebind the listeners
  // Speaker fields that only matter at the next start (gracefulRestart.deferralTime).
  std::vector<std::string> speaker_other;
  std::vector<NeighborChange> neighbors;  // in address order
  std::vector<RangeChange> listen_ranges;  // in prefix order
  std::vector<ip::Prefix> originate_added;
  std::vector<ip::Prefix> originate_removed;
  std::vector<ip::Prefix> originate_changed;
  std::vector<std::string> fib;  // changed fib fields
  std::vector<std::string> daemon;  // changed control, log or http fields

  bool empty() const;
  friend bool operator==(const ConfigDiff&, const ConfigDiff&) = default;
};

// Both configurations must be valid (validate()).
ConfigDiff diff(const Config& before, const Config& after);

}  // namespace sluice::bgp::config
