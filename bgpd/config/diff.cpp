#include "bgpd/config/diff.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "bgpd/config/mapping.hpp"
#include "bgpd/policy/compile.hpp"

namespace sluice::bgp::config {
namespace {

// One side of a neighbour comparison: the neighbour (or template) in its configuration.
struct Side {
  const Config& config;
  const NeighborConfig& n;
  ip::Family family;
  const SpeakerConfig& speaker() const { return config.speaker; }
};

// Prefix lists a match refers to, through its negations too.
void referenced_lists(const policy::Match& m, std::set<std::string>& out) {
  out.insert(m.prefix_lists.begin(), m.prefix_lists.end());
  for (const auto& n : m.negated) referenced_lists(n, out);
}

// Whether the named policies read the same in both configurations (the policies and
// every prefix list they use).
bool same_policies(const std::vector<std::string>& names, const policy::Definitions& a, const policy::Definitions& b) {
  for (const auto& name : names) {
    auto pa = a.policies.find(name);
    auto pb = b.policies.find(name);
    if (pa == a.policies.end() || pb == b.policies.end()) return false;
    if (!(pa->second == pb->second)) return false;
    std::set<std::string> lists;
    for (const auto& term : pa->second.terms) referenced_lists(term.match, lists);
    for (const auto& list : lists) {
      auto la = a.prefix_lists.find(list);
      auto lb = b.prefix_lists.find(list);
      if ((la == a.prefix_lists.end()) != (lb == b.prefix_lists.end())) return false;
      if (la != a.prefix_lists.end() && !(la->second == lb->second)) return false;
    }
  }
  return true;
}

bool external(const Side& s) {
  return !s.n.as_number || *s.n.as_number != s.n.local_as_number.value_or(s.speaker().as_number);
}

rib::PolicyVerdict fallback(const Side& s, const std::optional<rib::PolicyVerdict>& configured) {
  return policy::default_verdict(external(s), configured, s.speaker().ebgp_requires_policy);
}

struct Fields {
  std::vector<std::string> session;  // need a reset
  std::vector<std::string> rib;      // the RIB's view
  std::vector<std::string> other;    // the daemon's bookkeeping
  bool policy_changed = false;
  bool import_policy_changed = false;
};

template <class T>
void own(std::vector<std::string>& out, const char* name, const T& a, const T& b) {
  if (!(a == b)) out.emplace_back(name);
}

// A value the neighbour may set or inherit from the speaker: named after whichever one
// changed it.
template <class T>
void inherited(std::vector<std::string>& out, const char* name, const std::string& speaker_name,
               const std::optional<T>& a, const std::optional<T>& b, const T& a_default, const T& b_default) {
  if (a.value_or(a_default) == b.value_or(b_default)) return;
  out.push_back(a || b ? std::string(name) : speaker_name);
}

Fields compare(const Side& a, const Side& b) {
  Fields f;
  const NeighborConfig& x = a.n;
  const NeighborConfig& y = b.n;
  auto& s = f.session;
  own(s, "shutdown", x.shutdown, y.shutdown);
  own(s, "asNumber", x.as_number, y.as_number);
  inherited(s, "localAsNumber", "speaker.asNumber", x.local_as_number, y.local_as_number, a.speaker().as_number,
            b.speaker().as_number);
  inherited(s, "holdTime", "speaker.holdTime", x.hold_time, y.hold_time, a.speaker().hold_time, b.speaker().hold_time);
  const SessionConfig sa = session_config(a.config, x, a.family);
  const SessionConfig sb = session_config(b.config, y, b.family);
  if (sa.keepalive_time != sb.keepalive_time) s.emplace_back(x.keepalive_time || y.keepalive_time ? "keepaliveTime" : "speaker.keepaliveTime");
  own(s, "passive", x.passive, y.passive);
  inherited(s, "connectRetryTime", "speaker.connectRetryTime", x.connect_retry_time, y.connect_retry_time,
            a.speaker().connect_retry_time, b.speaker().connect_retry_time);
  own(s, "password", x.password, y.password);
  own(s, "ttlSecurity", x.ttl_security, y.ttl_security);
  own(s, "multihop", x.multihop, y.multihop);
  own(s, "sourceAddress", x.source_address, y.source_address);
  own(s, "port", x.port, y.port);
  own(s, "nextHopSelfIpv4", x.next_hop_self_ipv4, y.next_hop_self_ipv4);
  own(s, "nextHopSelfIpv6", x.next_hop_self_ipv6, y.next_hop_self_ipv6);
  own(s, "families", effective_families(x, a.family), effective_families(y, b.family));
  own(s, "addPath.send", x.add_path.send, y.add_path.send);
  own(s, "addPath.receive", x.add_path.receive, y.add_path.receive);
  inherited(s, "gracefulRestart", "speaker.gracefulRestart.enabled", x.graceful_restart, y.graceful_restart,
            a.speaker().graceful_restart.enabled, b.speaker().graceful_restart.enabled);
  if (sa.capabilities.graceful_restart && sb.capabilities.graceful_restart) {
    inherited(s, "restartTime", "speaker.gracefulRestart.restartTime", x.restart_time, y.restart_time,
              a.speaker().graceful_restart.restart_time, b.speaker().graceful_restart.restart_time);
  }
  own(s, "routeRefresh", x.route_refresh, y.route_refresh);
  own(s, "enhancedRouteRefresh", x.enhanced_route_refresh, y.enhanced_route_refresh);
  own(s, "extendedMessages", x.extended_messages, y.extended_messages);
  if (!(sa == sb) && s.empty()) s.emplace_back("session");  // a safety net: never miss a reset

  auto& r = f.rib;
  own(r, "routeReflectorClient", x.route_reflector_client, y.route_reflector_client);
  own(r, "clusterId", x.cluster_id, y.cluster_id);
  own(r, "nextHopMode", x.next_hop_mode, y.next_hop_mode);
  own(r, "addPath.select", x.add_path.select, y.add_path.select);
  own(r, "addPath.limit", x.add_path.limit, y.add_path.limit);
  own(r, "allowOwnAs", x.allow_own_as, y.allow_own_as);
  auto add = [&r](const char* name) {
    if (std::find(r.begin(), r.end(), name) == r.end()) r.emplace_back(name);
  };
  if (x.import_policies != y.import_policies || !same_policies(x.import_policies, a.config.policy, b.config.policy)) {
    add("importPolicy");
    f.import_policy_changed = true;
  }
  if (fallback(a, x.default_import) != fallback(b, y.default_import)) {
    add(x.default_import || y.default_import ? "defaultImportPolicy" : "speaker.ebgpRequiresPolicy");
    f.import_policy_changed = true;
  }
  bool export_changed = false;
  if (x.export_policies != y.export_policies || !same_policies(x.export_policies, a.config.policy, b.config.policy)) {
    add("exportPolicy");
    export_changed = true;
  }
  if (fallback(a, x.default_export) != fallback(b, y.default_export)) {
    add(x.default_export || y.default_export ? "defaultExportPolicy" : "speaker.ebgpRequiresPolicy");
    export_changed = true;
  }
  f.policy_changed = f.import_policy_changed || export_changed;

  own(f.other, "description", x.description, y.description);
  own(f.other, "maxPrefix", x.max_prefix, y.max_prefix);
  return f;
}

template <class Change>
void classify(Change& change, Fields fields) {
  if (!fields.session.empty()) {
    change.kind = ChangeKind::reset;
  } else {
    change.kind = ChangeKind::updated;
    change.policy_changed = fields.policy_changed;
    change.import_policy_changed = fields.import_policy_changed;
  }
  for (auto* list : {&fields.session, &fields.rib, &fields.other}) {
    change.fields.insert(change.fields.end(), list->begin(), list->end());
  }
}

}  // namespace

std::string_view to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::added: return "added";
    case ChangeKind::removed: return "removed";
    case ChangeKind::reset: return "reset";
    case ChangeKind::updated: return "updated";
  }
  return "?";
}

bool ConfigDiff::empty() const {
  return speaker_reset.empty() && !decision_changed && !listen_changed && speaker_other.empty() && neighbors.empty() &&
         listen_ranges.empty() && originate_added.empty() && originate_removed.empty() && originate_changed.empty() &&
         fib.empty() && daemon.empty();
}

ConfigDiff diff(const Config& before, const Config& after) {
  ConfigDiff d;
  const SpeakerConfig& a = before.speaker;
  const SpeakerConfig& b = after.speaker;
  own(d.speaker_reset, "speaker.asNumber", a.as_number, b.as_number);
  own(d.speaker_reset, "speaker.routerId", a.router_id, b.router_id);
  own(d.speaker_reset, "speaker.clusterId", a.cluster_id, b.cluster_id);
  own(d.speaker_reset, "speaker.defaultLocalPref", a.default_local_pref, b.default_local_pref);
  d.decision_changed = rib_config(before, false).decision.max_paths != rib_config(after, false).decision.max_paths ||
                       a.multipath.relax != b.multipath.relax || a.always_compare_med != b.always_compare_med ||
                       a.missing_med_worst != b.missing_med_worst;
  d.listen_changed = listen_endpoints(a) != listen_endpoints(b);
  own(d.speaker_other, "speaker.gracefulRestart.deferralTime", a.graceful_restart.deferral_time,
      b.graceful_restart.deferral_time);

  std::map<ip::Address, const NeighborConfig*> old_neighbors, new_neighbors;
  for (const auto& n : before.neighbors) old_neighbors[n.address] = &n;
  for (const auto& n : after.neighbors) new_neighbors[n.address] = &n;
  std::set<ip::Address> addresses;
  for (const auto& [k, v] : old_neighbors) addresses.insert(k);
  for (const auto& [k, v] : new_neighbors) addresses.insert(k);
  for (const auto& address : addresses) {
    auto o = old_neighbors.find(address);
    auto n = new_neighbors.find(address);
    NeighborChange change;
    change.address = address;
    if (o == old_neighbors.end()) {
      change.kind = ChangeKind::added;
    } else if (n == new_neighbors.end()) {
      change.kind = ChangeKind::removed;
    } else {
      Fields f = compare(Side{before, *o->second, address.family()}, Side{after, *n->second, address.family()});
      if (f.session.empty() && f.rib.empty() && f.other.empty()) continue;
      classify(change, std::move(f));
    }
    d.neighbors.push_back(std::move(change));
  }

  std::map<ip::Prefix, const ListenRangeConfig*> old_ranges, new_ranges;
  for (const auto& r : before.listen_ranges) old_ranges[r.prefix] = &r;
  for (const auto& r : after.listen_ranges) new_ranges[r.prefix] = &r;
  std::set<ip::Prefix> prefixes;
  for (const auto& [k, v] : old_ranges) prefixes.insert(k);
  for (const auto& [k, v] : new_ranges) prefixes.insert(k);
  for (const auto& prefix : prefixes) {
    auto o = old_ranges.find(prefix);
    auto n = new_ranges.find(prefix);
    RangeChange change;
    change.prefix = prefix;
    if (o == old_ranges.end()) {
      change.kind = ChangeKind::added;
    } else if (n == new_ranges.end()) {
      change.kind = ChangeKind::removed;
    } else {
      Fields f = compare(Side{before, o->second->neighbor, prefix.family()}, Side{after, n->second->neighbor, prefix.family()});
      own(f.other, "maxPeers", o->second->max_peers, n->second->max_peers);
      if (f.session.empty() && f.rib.empty() && f.other.empty()) continue;
      classify(change, std::move(f));
    }
    d.listen_ranges.push_back(std::move(change));
  }

  std::map<ip::Prefix, const OriginateConfig*> old_routes, new_routes;
  for (const auto& r : before.originate) old_routes[r.prefix] = &r;
  for (const auto& r : after.originate) new_routes[r.prefix] = &r;
  for (const auto& [prefix, route] : old_routes) {
    auto it = new_routes.find(prefix);
    if (it == new_routes.end()) {
      d.originate_removed.push_back(prefix);
    } else if (!(*it->second == *route)) {
      d.originate_changed.push_back(prefix);
    }
  }
  for (const auto& [prefix, route] : new_routes) {
    if (!old_routes.count(prefix)) d.originate_added.push_back(prefix);
  }

  const FibConfig& fa = before.fib;
  const FibConfig& fb = after.fib;
  own(d.fib, "fib.enabled", fa.enabled, fb.enabled);
  own(d.fib, "fib.table", fa.table, fb.table);
  own(d.fib, "fib.protocol", fa.protocol, fb.protocol);
  own(d.fib, "fib.metric", fa.metric, fb.metric);
  own(d.fib, "fib.keepOnExit", fa.keep_on_exit, fb.keep_on_exit);
  own(d.fib, "fib.ecmp", fa.ecmp, fb.ecmp);

  const DaemonConfig& da = before.daemon;
  const DaemonConfig& db = after.daemon;
  own(d.daemon, "control.socket", da.control_socket, db.control_socket);
  own(d.daemon, "log.level", da.log_level, db.log_level);
  own(d.daemon, "log.format", da.log_format, db.log_format);
  own(d.daemon, "http.listen", da.http_listen, db.http_listen);
  return d;
}

}  // namespace sluice::bgp::config
