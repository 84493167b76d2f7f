// validate(Config): the rules every front end's result keeps, errors named by the file's
// paths. Per field first (speaker, neighbours, ranges, originate, fib, daemon), then
// across fields (duplicates, references to policies, reflection needs iBGP, ...).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "bgpd/config/config.hpp"
#include "bgpd/config/json_reader.hpp"
#include "bgpd/policy/compile.hpp"

namespace sluice::bgp::config {
namespace {

using json::index;
using json::join;

Status fail(std::string_view path, std::string_view problem) { return Error{fmt::format("{}: {}", path, problem)}; }

// RFC 7607 (0), RFC 6793 (23456 AS_TRANS), RFC 7300 (65535, 4294967295).
Status check_asn(std::uint32_t asn, std::string_view path) {
  if (asn == 0 || asn == kAsTrans || asn == 65535 || asn == 4294967295u) {
    return fail(path, fmt::format("{} is not allowed (1..4294967294, not AS_TRANS 23456 or the reserved 65535)", asn));
  }
  return {};
}

Status check_ipv4(const std::optional<ip::Address>& a, std::string_view path) {
  if (a && !a->is_v4()) return fail(path, fmt::format("{} is not an IPv4 address", a->to_string()));
  return {};
}

Status check_hold(std::optional<std::uint16_t> hold, std::string_view path) {
  if (hold && (*hold == 1 || *hold == 2)) return fail(path, fmt::format("{} is not allowed (0 or 3..65535)", *hold));
  return {};
}

// RFC 4271 §10: KEEPALIVEs a third of the hold time apart; none without a hold time.
Status check_keepalive(std::optional<std::uint16_t> keepalive, std::uint16_t hold, std::string_view path,
                       std::string_view hold_name) {
  if (!keepalive) return {};
  if (*keepalive == 0) return fail(path, "0 is not allowed (1..65535)");
  if (hold == 0) return fail(path, fmt::format("not allowed with {} 0 (no KEEPALIVEs are sent)", hold_name));
  if (*keepalive > hold / 3) {
    return fail(path, fmt::format("{} is more than a third of {} {}", *keepalive, hold_name, hold));
  }
  return {};
}

bool has_family(const std::vector<AfiSafi>& families, AfiSafi f) {
  return std::find(families.begin(), families.end(), f) != families.end();
}

Status check_families(const std::vector<AfiSafi>& families, std::string_view path) {
  for (std::size_t i = 0; i < families.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (families[j] == families[i]) return fail(index(path, i), fmt::format("{} is listed twice", to_string(families[i])));
    }
  }
  return {};
}

Status check_policies(const std::vector<std::string>& names, policy::Direction direction,
                      const policy::PolicyLibrary& library, std::string_view path) {
  auto chain = library.chain(names, direction, rib::PolicyVerdict::reject);
  if (!chain) return Error{fmt::format("{}{}", path, chain.error().message)};  // "[i]: ..."
  return {};
}

// One neighbour or a listen range's template. `address_family` is the neighbour's (the
// range's for a template), `remote_as` its AS when fixed.
Status check_neighbor(const NeighborConfig& n, std::string_view path, const SpeakerConfig& speaker,
                      ip::Family address_family, std::optional<std::uint32_t> remote_as,
                      const policy::PolicyLibrary& library) {
  if (n.local_as_number) {
    if (auto s = check_asn(*n.local_as_number, join(path, "localAsNumber")); !s) return s;
  }
  if (auto s = check_hold(n.hold_time, join(path, "holdTime")); !s) return s;
  const std::uint16_t hold = n.hold_time.value_or(speaker.hold_time);
  if (auto s = check_keepalive(n.keepalive_time, hold, join(path, "keepaliveTime"),
                               n.hold_time ? "holdTime" : "speaker.holdTime");
      !s) {
    return s;
  }
  if (n.connect_retry_time && *n.connect_retry_time == 0) return fail(join(path, "connectRetryTime"), "0 is not allowed (1..65535)");
  if (n.passive && n.connect_retry_time) {
    return fail(join(path, "connectRetryTime"), "a passive neighbour is never connected to");
  }
  if (n.password) {
    if (n.password->empty()) return fail(join(path, n.password_file ? "passwordFile" : "password"), "must not be empty");
    if (n.password->size() > kMaxPasswordLength) {
      return fail(join(path, n.password_file ? "passwordFile" : "password"),
                  fmt::format("the key is longer than {} bytes (the kernel's TCP MD5 limit)", kMaxPasswordLength));
    }
  }
  if (n.ttl_security && (*n.ttl_security == 0 || *n.ttl_security == 255)) {
    return fail(join(path, "ttlSecurity"), fmt::format("{} is not allowed (1..254)", *n.ttl_security));
  }
  if (n.multihop && *n.multihop == 0) return fail(join(path, "multihop"), "0 is not allowed (1..255)");
  if (n.ttl_security && n.multihop) {
    return fail(path, "ttlSecurity and multihop are exclusive (GTSM sends TTL 255 and accepts neighbours up to "
                      "ttlSecurity hops away)");
  }
  if (n.source_address && n.source_address->family() != address_family) {
    return fail(join(path, "sourceAddress"), fmt::format("{} is not an {} address like the neighbour's",
                                                         n.source_address->to_string(), ip::to_string(address_family)));
  }
  if (n.port == 0) return fail(join(path, "port"), "0 is not allowed (1..65535)");
  const std::uint32_t local_as = n.local_as_number.value_or(speaker.as_number);
  if (n.route_reflector_client) {
    if (!remote_as) {
      return fail(join(path, "routeReflectorClient"),
                  "route reflection needs iBGP, so a fixed asNumber equal to the local AS");
    }
    if (*remote_as != local_as) {
      return fail(join(path, "routeReflectorClient"),
                  fmt::format("route reflection needs iBGP (asNumber {} is not the local AS {})", *remote_as, local_as));
    }
  }
  if (n.cluster_id) {
    if (!n.route_reflector_client) return fail(join(path, "clusterId"), "only for a routeReflectorClient");
    if (auto s = check_ipv4(n.cluster_id, join(path, "clusterId")); !s) return s;
  }
  if (n.next_hop_self_ipv4 && !n.next_hop_self_ipv4->is_v4()) {
    return fail(join(path, "nextHopSelfIpv4"), fmt::format("{} is not an IPv4 address", n.next_hop_self_ipv4->to_string()));
  }
  if (n.next_hop_self_ipv6 && !n.next_hop_self_ipv6->is_v6()) {
    return fail(join(path, "nextHopSelfIpv6"), fmt::format("{} is not an IPv6 address", n.next_hop_self_ipv6->to_string()));
  }
  if (auto s = check_families(n.families, join(path, "families")); !s) return s;
  const auto families = effective_families(n, address_family);
  for (std::size_t i = 0; i < n.families.size(); ++i) {
    // Our next hop for a family comes from the session's address of that family, or
    // from the configuration when the session has none.
    const AfiSafi f = n.families[i];
    if (f == kIpv6Unicast && address_family == ip::Family::v4 && !n.next_hop_self_ipv6) {
      return fail(index(join(path, "families"), i), "ipv6-unicast over an IPv4 session needs nextHopSelfIpv6");
    }
    if (f == kIpv4Unicast && address_family == ip::Family::v6 && !n.next_hop_self_ipv4) {
      return fail(index(join(path, "families"), i), "ipv4-unicast over an IPv6 session needs nextHopSelfIpv4");
    }
  }
  for (const auto& [list, key] : {std::pair{&n.add_path.send, "send"}, std::pair{&n.add_path.receive, "receive"}}) {
    const std::string where = join(join(path, "addPath"), key);
    if (auto s = check_families(*list, where); !s) return s;
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!has_family(families, (*list)[i])) {
        return fail(index(where, i), fmt::format("{} is not one of the neighbour's families", to_string((*list)[i])));
      }
    }
  }
  if (n.add_path.select == rib::AddPathSelect::best_n && (n.add_path.limit == 0 || n.add_path.limit > 255)) {
    return fail(join(join(path, "addPath"), "limit"), fmt::format("{} is not allowed (1..255)", n.add_path.limit));
  }
  if (n.allow_own_as > kMaxAllowOwnAs) {
    return fail(join(path, "allowOwnAs"), fmt::format("{} is not allowed (0..{})", n.allow_own_as, kMaxAllowOwnAs));
  }
  if (n.restart_time) {
    if (*n.restart_time > kMaxRestartTime) {
      return fail(join(path, "restartTime"), fmt::format("{} is not allowed (0..{})", *n.restart_time, kMaxRestartTime));
    }
    if (!n.graceful_restart.value_or(speaker.graceful_restart.enabled)) {
      return fail(join(path, "restartTime"), "graceful restart is off for this neighbour");
    }
  }
  if (n.max_prefix) {
    if (n.max_prefix->limit == 0) return fail(join(join(path, "maxPrefix"), "limit"), "0 is not allowed (1..4294967295)");
    if (n.max_prefix->action == MaxPrefixAction::restart && n.max_prefix->restart_after == 0) {
      return fail(join(join(path, "maxPrefix"), "restartAfter"), "0 is not allowed (1..65535)");
    }
  }
  if (auto s = check_policies(n.import_policies, policy::Direction::inbound, library, join(path, "importPolicy")); !s) {
    return s;
  }
  if (auto s = check_policies(n.export_policies, policy::Direction::outbound, library, join(path, "exportPolicy")); !s) {
    return s;
  }
  return {};
}

Status check_speaker(const SpeakerConfig& s) {
  if (auto st = check_asn(s.as_number, "speaker.asNumber"); !st) return st;
  if (!s.router_id) return fail("speaker.routerId", "missing (the BGP Identifier is never guessed)");
  if (!s.router_id->is_v4() || *s.router_id == ip::Address()) {
    return fail("speaker.routerId", fmt::format("{} is not a BGP Identifier (a non-zero IPv4 address)", s.router_id->to_string()));
  }
  for (std::size_t i = 0; i < s.listen_addresses.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (s.listen_addresses[j] == s.listen_addresses[i]) {
        return fail(index("speaker.listenAddresses", i), fmt::format("{} is listed twice", s.listen_addresses[i].to_string()));
      }
    }
  }
  if (auto st = check_ipv4(s.cluster_id, "speaker.clusterId"); !st) return st;
  if (auto st = check_hold(s.hold_time, "speaker.holdTime"); !st) return st;
  if (auto st = check_keepalive(s.keepalive_time, s.hold_time, "speaker.keepaliveTime", "holdTime"); !st) return st;
  if (s.connect_retry_time == 0) return fail("speaker.connectRetryTime", "0 is not allowed (1..65535)");
  const auto& gr = s.graceful_restart;
  if (gr.restart_time > kMaxRestartTime) {
    return fail("speaker.gracefulRestart.restartTime", fmt::format("{} is not allowed (0..{})", gr.restart_time, kMaxRestartTime));
  }
  if (gr.deferral_time == 0) return fail("speaker.gracefulRestart.deferralTime", "0 is not allowed (1..65535)");
  if (s.multipath.max_paths == 0 || s.multipath.max_paths > 256) {
    return fail("speaker.multipath.maxPaths", fmt::format("{} is not allowed (1..256)", s.multipath.max_paths));
  }
  return {};
}

}  // namespace

std::optional<AfiSafi> parse_family(std::string_view text) {
  if (text == "ipv4-unicast") return kIpv4Unicast;
  if (text == "ipv6-unicast") return kIpv6Unicast;
  return std::nullopt;
}

std::vector<AfiSafi> effective_families(const NeighborConfig& neighbor, ip::Family address_family) {
  if (!neighbor.families.empty()) return neighbor.families;
  return {address_family == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast};
}

Status validate(const Config& config) {
  const SpeakerConfig& speaker = config.speaker;
  if (auto s = check_speaker(speaker); !s) return s;

  auto library = policy::PolicyLibrary::compile(config.policy);
  if (!library) return library.error();

  std::map<ip::Address, std::size_t> neighbors;
  for (std::size_t i = 0; i < config.neighbors.size(); ++i) {
    const NeighborConfig& n = config.neighbors[i];
    const std::string path = index("neighbors", i);
    if (n.address == ip::Address() || n.address == ip::Address::v6({})) {
      return fail(join(path, "address"), fmt::format("{} is not a neighbour address", n.address.to_string()));
    }
    if (auto [it, added] = neighbors.emplace(n.address, i); !added) {
      return fail(join(path, "address"), fmt::format("{} is also neighbors[{}]'s", n.address.to_string(), it->second));
    }
    if (std::find(speaker.listen_addresses.begin(), speaker.listen_addresses.end(), n.address) !=
        speaker.listen_addresses.end()) {
      return fail(join(path, "address"),
                  fmt::format("{} is one of speaker.listenAddresses (a speaker does not peer with itself)",
                              n.address.to_string()));
    }
    if (!n.as_number) return fail(join(path, "asNumber"), "missing");
    if (auto s = check_asn(*n.as_number, join(path, "asNumber")); !s) return s;
    if (auto s = check_neighbor(n, path, speaker, n.address.family(), n.as_number, *library); !s) return s;
  }

  for (std::size_t i = 0; i < config.listen_ranges.size(); ++i) {
    const ListenRangeConfig& r = config.listen_ranges[i];
    const std::string path = index("listenRanges", i);
    for (std::size_t j = 0; j < i; ++j) {
      if (config.listen_ranges[j].prefix == r.prefix) {
        return fail(join(path, "prefix"), fmt::format("{} is also listenRanges[{}]'s", r.prefix.to_string(), j));
      }
    }
    if (r.as_number) {
      if (auto s = check_asn(*r.as_number, join(path, "asNumber")); !s) return s;
    }
    if (r.max_peers == 0 || r.max_peers > rib::kMaxPeerId) {
      return fail(join(path, "maxPeers"), fmt::format("{} is not allowed (1..{})", r.max_peers, rib::kMaxPeerId));
    }
    if (r.neighbor.as_number != r.as_number) return fail(join(path, "template"), "its asNumber is the range's");
    if (auto s = check_neighbor(r.neighbor, join(path, "template"), speaker, r.prefix.family(), r.as_number, *library);
        !s) {
      return s;
    }
  }

  std::map<ip::Prefix, std::size_t> originated;
  for (std::size_t i = 0; i < config.originate.size(); ++i) {
    const OriginateConfig& o = config.originate[i];
    const std::string path = index("originate", i);
    if (auto [it, added] = originated.emplace(o.prefix, i); !added) {
      return fail(join(path, "prefix"), fmt::format("{} is also originate[{}]'s", o.prefix.to_string(), it->second));
    }
    if (o.blackhole && o.next_hop) return fail(path, "blackhole and nextHop are exclusive");
    if (o.next_hop && o.next_hop->family() != o.prefix.family()) {
      return fail(join(path, "nextHop"), fmt::format("{} is not an {} address like the prefix",
                                                     o.next_hop->to_string(), ip::to_string(o.prefix.family())));
    }
    if (o.install && !o.blackhole && !o.next_hop) {
      return fail(join(path, "install"), "needs blackhole or a nextHop (the kernel route must point somewhere)");
    }
  }

  const FibConfig& fib = config.fib;
  if (fib.table == 0 || fib.table == 255) {
    return fail("fib.table", fmt::format("{} is not allowed (1..4294967295, not 255: the kernel's local table)", fib.table));
  }
  if (fib.protocol <= 4) {
    return fail("fib.protocol",
                fmt::format("{} is not allowed (5..255: 0..4 are the kernel's own and static routes, which bgpd "
                            "would then sweep away)",
                            fib.protocol));
  }
  if (config.daemon.control_socket) {
    const std::string& socket = *config.daemon.control_socket;
    if (socket.empty() || socket.front() != '/') return fail("control.socket", "must be an absolute path");
    if (socket.size() > 107) return fail("control.socket", "longer than 107 bytes (a Unix socket path's limit)");
  }
  return {};
}

}  // namespace sluice::bgp::config
