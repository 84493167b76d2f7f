#include "bgpd/daemon/bgp_metrics.hpp"

#include <array>
#include <map>

namespace sluice::bgp {
namespace {

constexpr std::array<const char*, kMessageTypes> kTypeNames{"", "open", "update", "notification", "keepalive",
                                                            "route_refresh"};

const char* family_name(AfiSafi family) { return family == kIpv6Unicast ? "ipv6" : "ipv4"; }

}  // namespace

BgpMetrics::BgpMetrics(metrics::Registry& registry)
    : state_(registry.gauge("sluice_bgp_peer_state",
                            "The session's FSM state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, "
                            "6 Established (RFC 4271 §8.2.2).",
                            {"peer"})),
      up_(registry.gauge("sluice_bgp_peer_up", "1 while the session is Established.", {"peer"})),
      uptime_(registry.gauge("sluice_bgp_peer_state_seconds", "Seconds the session has been in its current state.",
                             {"peer"})),
      messages_received_(registry.counter("sluice_bgp_peer_messages_received_total",
                                          "BGP messages received, by type.", {"peer", "type"})),
      messages_sent_(
          registry.counter("sluice_bgp_peer_messages_sent_total", "BGP messages sent, by type.", {"peer", "type"})),
      prefixes_received_(registry.counter("sluice_bgp_peer_prefixes_received_total",
                                          "Prefixes the neighbour announced.", {"peer"})),
      prefixes_rejected_(registry.counter("sluice_bgp_peer_prefixes_rejected_total",
                                          "Announced prefixes refused by import policy.", {"peer"})),
      prefixes_accepted_(registry.gauge("sluice_bgp_peer_prefixes_accepted",
                                        "The neighbour's paths in the Loc-RIB now.", {"peer"})),
      prefixes_advertised_(registry.gauge("sluice_bgp_peer_prefixes_advertised",
                                          "Prefixes advertised to the neighbour and standing now.", {"peer"})),
      flaps_(registry.counter("sluice_bgp_peer_flaps_total", "Times the session left Established.", {"peer"})),
      treated_as_withdraw_(registry.counter("sluice_bgp_peer_updates_treated_as_withdraw_total",
                                            "Malformed UPDATEs handled as withdrawals (RFC 7606).", {"peer"})),
      prefix_limit_hits_(registry.counter("sluice_bgp_peer_prefix_limit_exceeded_total",
                                          "Times the neighbour went past its maxPrefix limit.", {"peer"})),
      rib_prefixes_(registry.gauge("sluice_bgp_rib_prefixes", "Prefixes in the Loc-RIB.", {"family"})),
      rib_paths_(registry.gauge("sluice_bgp_rib_paths", "Paths in the Loc-RIB.", {"family"})),
      rib_memory_(registry.gauge("sluice_bgp_rib_memory_bytes", "Memory the Loc-RIB's tables hold.", {"family"})),
      peers_(registry.gauge("sluice_bgp_peers", "Neighbours by state.", {"state"})),
      last_error_(registry.gauge("sluice_bgp_peer_last_error_info",
                                 "1 for the reason the session last went down: kind, and the NOTIFICATION's code and "
                                 "subcode when there was one (0 otherwise).",
                                 {"peer", "kind", "code", "subcode"})) {}

void BgpMetrics::set_total(metrics::Family<metrics::Counter>& family, const std::vector<std::string>& labels,
                           double total) {
  auto* counter = &family.with(labels);
  // A neighbour reset by a reload starts counting again: a new series.
  if (total < counter->value()) {
    family.remove(labels);
    counter = &family.with(labels);
  }
  counter->inc(total - counter->value());
}

void BgpMetrics::drop(const std::string& peer) {
  for (auto* family : {&state_, &up_, &uptime_, &prefixes_accepted_, &prefixes_advertised_}) family->remove({peer});
  for (auto* family : {&prefixes_received_, &prefixes_rejected_, &flaps_, &treated_as_withdraw_, &prefix_limit_hits_})
    family->remove({peer});
  for (std::size_t type = 1; type < kMessageTypes; ++type) {
    messages_received_.remove({peer, kTypeNames[type]});
    messages_sent_.remove({peer, kTypeNames[type]});
  }
  if (auto it = last_error_labels_.find(peer); it != last_error_labels_.end()) {
    last_error_.remove(it->second);
    last_error_labels_.erase(it);
  }
}

void BgpMetrics::update(const Speaker& speaker) {
  const auto now = std::chrono::steady_clock::now();
  std::set<std::string> seen;
  std::map<std::string, int> by_state;
  for (const auto& status : speaker.peers()) {
    const std::string peer = status.address.to_string();
    seen.insert(peer);
    ++by_state[std::string(to_string(status.state))];
    state_.with({peer}).set(static_cast<double>(static_cast<int>(status.state) + 1));
    up_.with({peer}).set(status.state == SessionState::established ? 1 : 0);
    uptime_.with({peer}).set(std::chrono::duration<double>(now - status.state_since).count());
    for (std::size_t type = 1; type < kMessageTypes; ++type) {
      set_total(messages_received_, {peer, kTypeNames[type]}, static_cast<double>(status.counters.messages_in[type]));
      set_total(messages_sent_, {peer, kTypeNames[type]}, static_cast<double>(status.counters.messages_out[type]));
    }
    set_total(prefixes_received_, {peer}, static_cast<double>(status.prefixes_received));
    set_total(prefixes_rejected_, {peer}, static_cast<double>(status.prefixes_rejected));
    prefixes_accepted_.with({peer}).set(static_cast<double>(status.prefixes_accepted));
    prefixes_advertised_.with({peer}).set(static_cast<double>(status.prefixes_advertised));
    set_total(flaps_, {peer}, static_cast<double>(status.flaps));
    set_total(treated_as_withdraw_, {peer}, static_cast<double>(status.counters.updates_treated_as_withdraw));
    set_total(prefix_limit_hits_, {peer}, static_cast<double>(status.counters.prefix_limit_hits));
    if (status.last_down) {
      const auto& n = status.last_down->notification;
      std::vector<std::string> labels{peer, std::string(to_string(status.last_down->kind)),
                                      std::to_string(n ? n->code : 0), std::to_string(n ? n->subcode : 0)};
      auto& previous = last_error_labels_[peer];
      if (previous != labels) {
        if (!previous.empty()) last_error_.remove(previous);
        last_error_.with(labels).set(1);
        previous = std::move(labels);
      }
    }
  }
  for (const auto& peer : known_)
    if (!seen.count(peer)) drop(peer);
  known_ = std::move(seen);
  for (auto state : {SessionState::idle, SessionState::connect, SessionState::active, SessionState::open_sent,
                     SessionState::open_confirm, SessionState::established}) {
    const std::string name(to_string(state));
    peers_.with({name}).set(by_state.count(name) ? by_state[name] : 0);
  }
  for (const auto family : {kIpv4Unicast, kIpv6Unicast}) {
    const auto* table = speaker.rib().loc_rib(family);
    const char* name = family_name(family);
    rib_prefixes_.with({name}).set(table ? static_cast<double>(table->prefix_count()) : 0);
    rib_paths_.with({name}).set(table ? static_cast<double>(table->path_count()) : 0);
    rib_memory_.with({name}).set(table ? static_cast<double>(table->memory_bytes()) : 0);
  }
}

}  // namespace sluice::bgp
