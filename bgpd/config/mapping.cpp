#include "bgpd/config/mapping.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sluice::bgp::config {
namespace {

bool graceful_restart_enabled(const Config& config, const NeighborConfig& n) {
  return n.graceful_restart.value_or(config.speaker.graceful_restart.enabled);
}

std::vector<AddPathFamily> add_path_families(const NeighborConfig& n, const std::vector<AfiSafi>& families) {
  std::vector<AddPathFamily> out;
  auto listed = [](const std::vector<AfiSafi>& list, AfiSafi f) {
    return std::find(list.begin(), list.end(), f) != list.end();
  };
  for (AfiSafi f : families) {
    const bool send = listed(n.add_path.send, f);
    const bool receive = listed(n.add_path.receive, f);
    if (!send && !receive) continue;
    out.push_back(AddPathFamily{f, send && receive ? AddPathMode::both : send ? AddPathMode::send : AddPathMode::receive});
  }
  return out;
}

MaxPrefix max_prefix(const NeighborConfig& n) {
  MaxPrefix m;
  if (!n.max_prefix) return m;  // limit 0: none
  m.limit = n.max_prefix->limit;
  switch (n.max_prefix->action) {
    case MaxPrefixAction::warn: m.action = MaxPrefix::Action::warn; break;
    case MaxPrefixAction::restart: m.action = MaxPrefix::Action::restart; break;
    case MaxPrefixAction::stop: m.action = MaxPrefix::Action::stop; break;
  }
  m.restart_after = std::chrono::seconds(n.max_prefix->restart_after);
  return m;
}

Result<NeighborSettings> settings_for(const Config& config, const NeighborConfig& n, const ip::Address& address,
                                      ip::Family family, const policy::PolicyLibrary& library,
                                      const MappingOptions& options, std::optional<std::uint32_t> remote_as) {
  NeighborSettings s;
  s.address = address;
  s.description = n.description;
  s.session = session_config(config, n, family, options);
  if (remote_as) s.session.peer_as = remote_as;
  NeighborConfig with_address = n;
  with_address.address = address;
  auto peer = peer_info(config, with_address, library, options, remote_as);
  if (!peer) return peer.error();
  s.peer = std::move(*peer);
  s.port = n.port;
  s.source_address = n.source_address;
  s.md5_password = n.password.value_or("");
  if (n.ttl_security) s.gtsm_hops = *n.ttl_security;
  if (n.multihop) s.ttl = *n.multihop;
  s.max_prefix = max_prefix(n);
  s.next_hop_self_ipv4 = n.next_hop_self_ipv4;
  s.next_hop_self_ipv6 = n.next_hop_self_ipv6;
  return s;
}

}  // namespace

rib::RibConfig rib_config(const Config& config, bool restarting) {
  const SpeakerConfig& s = config.speaker;
  rib::RibConfig r;
  r.speaker.local_as = s.as_number;
  r.speaker.router_id = s.router_id.value_or(ip::Address());
  r.speaker.cluster_id = s.cluster_id;
  r.decision.default_local_pref = s.default_local_pref;
  r.decision.always_compare_med = s.always_compare_med;
  r.decision.missing_med_worst = s.missing_med_worst;
  r.decision.max_paths = s.multipath.enabled ? s.multipath.max_paths : 1;
  r.decision.multipath_relax = s.multipath.relax;
  r.families = {kIpv4Unicast, kIpv6Unicast};
  r.restarting = restarting && s.graceful_restart.enabled;
  return r;
}

std::vector<ip::Endpoint> listen_endpoints(const SpeakerConfig& speaker) {
  std::vector<ip::Endpoint> out;
  if (speaker.listen_addresses.empty()) {
    out.push_back(ip::Endpoint{ip::Address::v4(0u), speaker.listen_port});
    out.push_back(ip::Endpoint{ip::Address::v6({}), speaker.listen_port});
    return out;
  }
  for (const auto& a : speaker.listen_addresses) out.push_back(ip::Endpoint{a, speaker.listen_port});
  return out;
}

SessionConfig session_config(const Config& config, const NeighborConfig& n, ip::Family address_family,
                             const MappingOptions& options) {
  const SpeakerConfig& speaker = config.speaker;
  SessionConfig s;
  s.local_as = n.local_as_number.value_or(speaker.as_number);
  s.local_identifier = speaker.router_id.value_or(ip::Address());
  s.peer_as = n.as_number;
  s.hold_time = n.hold_time.value_or(speaker.hold_time);
  s.keepalive_time = n.keepalive_time ? n.keepalive_time : speaker.keepalive_time;
  // A speaker-wide KEEPALIVE time longer than this neighbour's third of the hold time
  // gives way to the default (a third of what is negotiated).
  if (!n.keepalive_time && s.keepalive_time && (s.hold_time == 0 || *s.keepalive_time > s.hold_time / 3)) {
    s.keepalive_time.reset();
  }
  const auto families = effective_families(n, address_family);
  Capabilities& caps = s.capabilities;
  caps = Capabilities{};
  caps.multiprotocol = families;
  caps.route_refresh = n.route_refresh;
  // RFC 7313 builds on route refresh: without it, no enhanced route refresh either.
  caps.enhanced_route_refresh = n.route_refresh && n.enhanced_route_refresh;
  caps.extended_message = n.extended_messages;
  if (graceful_restart_enabled(config, n)) {
    GracefulRestart gr;
    gr.restart_state = options.restarting;
    gr.restart_time = n.restart_time.value_or(speaker.graceful_restart.restart_time);
    // The F bit says our forwarding state survived this restart: only when restarting
    // with routes kept in the kernel.
    const bool forwarding = options.restarting && config.fib.enabled && config.fib.keep_on_exit;
    for (AfiSafi f : families) gr.families.push_back(GracefulRestart::Family{f, forwarding});
    caps.graceful_restart = gr;
  }
  caps.add_path = add_path_families(n, families);
  s.passive = n.passive;
  s.connect_retry_time = std::chrono::seconds(n.connect_retry_time.value_or(speaker.connect_retry_time));
  return s;
}

Result<rib::PeerInfo> peer_info(const Config& config, const NeighborConfig& n, const policy::PolicyLibrary& library,
                                const MappingOptions& options, std::optional<std::uint32_t> remote_as) {
  const SpeakerConfig& speaker = config.speaker;
  rib::PeerInfo p;
  p.address = n.address;
  const std::optional<std::uint32_t> as = remote_as ? remote_as : n.as_number;
  p.remote_as = as.value_or(0);
  p.local_as = n.local_as_number;
  p.route_reflector_client = n.route_reflector_client;
  p.cluster_id = n.cluster_id;
  p.next_hop = n.next_hop_mode;
  const auto families = effective_families(n, n.address.family());
  p.add_path = add_path_families(n, families);
  p.add_path_select = n.add_path.select;
  p.add_path_limit = n.add_path.limit;
  p.allow_own_as = n.allow_own_as;
  p.graceful_restart = graceful_restart_enabled(config, n);

  // RFC 8212 needs to know eBGP from iBGP; an AS not known yet counts as eBGP, the safe side.
  const bool external = !as || *as != n.local_as_number.value_or(speaker.as_number);
  auto import_chain = library.chain(
      n.import_policies, policy::Direction::inbound,
      policy::default_verdict(external, n.default_import, speaker.ebgp_requires_policy));
  if (!import_chain) return Error{"importPolicy" + import_chain.error().message};
  auto export_chain = library.chain(
      n.export_policies, policy::Direction::outbound,
      policy::default_verdict(external, n.default_export, speaker.ebgp_requires_policy));
  if (!export_chain) return Error{"exportPolicy" + export_chain.error().message};
  p.import_policy = policy::import_hook(std::move(*import_chain), speaker.as_number);
  p.export_policy = policy::export_hook(std::move(*export_chain), speaker.as_number, options.self_address);
  return p;
}

Result<NeighborSettings> neighbor_settings(const Config& config, const NeighborConfig& neighbor,
                                           const policy::PolicyLibrary& library, const MappingOptions& options) {
  return settings_for(config, neighbor, neighbor.address, neighbor.address.family(), library, options, std::nullopt);
}

Result<NeighborSettings> dynamic_neighbor_settings(const Config& config, std::size_t range, const ip::Address& address,
                                                   const policy::PolicyLibrary& library, const MappingOptions& options,
                                                   std::optional<std::uint32_t> remote_as) {
  if (range >= config.listen_ranges.size()) return Error{fmt::format("no listen range {}", range)};
  const ListenRangeConfig& r = config.listen_ranges[range];
  if (r.prefix.family() != address.family() || !r.prefix.contains(address)) {
    return Error{fmt::format("{} is not inside listen range {}", address.to_string(), r.prefix.to_string())};
  }
  if (remote_as && r.as_number && *remote_as != *r.as_number) {
    return Error{fmt::format("AS {} is not listen range {}'s AS {}", *remote_as, r.prefix.to_string(), *r.as_number)};
  }
  return settings_for(config, r.neighbor, address, r.prefix.family(), library, options, remote_as);
}

rib::RouteAttributes originate_attributes(const OriginateConfig& route) {
  rib::RouteAttributes a;
  a.path.origin = Origin::igp;
  a.path.as_path = AsPath{};
  a.path.communities = route.communities;
  std::sort(a.path.communities.begin(), a.path.communities.end());
  a.path.communities.erase(std::unique(a.path.communities.begin(), a.path.communities.end()), a.path.communities.end());
  a.path.large_communities = route.large_communities;
  std::sort(a.path.large_communities.begin(), a.path.large_communities.end());
  a.path.large_communities.erase(std::unique(a.path.large_communities.begin(), a.path.large_communities.end()),
                                 a.path.large_communities.end());
  a.path.local_pref = route.local_pref;
  a.path.multi_exit_disc = route.med;
  a.next_hop = route.next_hop;
  return a;
}

Result<SpeakerSettings> speaker_settings(const Config& config, const MappingOptions& options) {
  auto compiled = policy::PolicyLibrary::compile(config.policy);
  if (!compiled) return compiled.error();
  // Shared with the listen ranges' peer_info_for, which runs long after this returns.
  auto library = std::make_shared<const policy::PolicyLibrary>(std::move(*compiled));
  SpeakerSettings out;
  out.rib = rib_config(config, options.restarting);
  out.listen = listen_endpoints(config.speaker);
  for (std::size_t i = 0; i < config.neighbors.size(); ++i) {
    const NeighborConfig& n = config.neighbors[i];
    if (n.shutdown) continue;
    auto settings = neighbor_settings(config, n, *library, options);
    if (!settings) return settings.error().context(fmt::format("neighbors[{}]", i));
    out.neighbors.push_back(std::move(*settings));
  }
  for (std::size_t i = 0; i < config.listen_ranges.size(); ++i) {
    const ListenRangeConfig& r = config.listen_ranges[i];
    auto settings = settings_for(config, r.neighbor, r.prefix.network(), r.prefix.family(), *library, options, std::nullopt);
    if (!settings) return settings.error().context(fmt::format("listenRanges[{}]", i));
    ListenRangeSettings range{r.prefix, std::move(*settings), {}};
    if (!r.as_number) {
      range.peer_info_for = [config = std::make_shared<const Config>(config), library, options, i](
                                const ip::Address& address, std::uint32_t remote_as) -> Result<rib::PeerInfo> {
        auto settings = dynamic_neighbor_settings(*config, i, address, *library, options, remote_as);
        if (!settings) return settings.error();
        return std::move(settings->peer);
      };
    }
    out.listen_ranges.push_back(std::move(range));
  }
  for (const auto& o : config.originate) out.originate.push_back(OriginatedRoute{o.prefix, originate_attributes(o)});
  out.selection_deferral = std::chrono::seconds(config.speaker.graceful_restart.deferral_time);
  return out;
}

}  // namespace sluice::bgp::config
