#include "bgpd/rib/rib.hpp"

#include <algorithm>

namespace sluice::bgp::rib {

struct Rib::PeerState {
  PeerState(PeerId id, const PeerTable& peers, AttributeStore& store) : in(id, peers, store) {}

  bool established = false;
  PeerSession session;  // of the current session, or the last one while down
  AdjRibIn in;
  std::vector<std::unique_ptr<AdjRibOut>> out;  // one per family of the current session
  // Restarting speaker: whether selection waits for this peer, and for which families'
  // End-of-RIB it still waits.
  bool awaited = false;
  std::vector<AfiSafi> end_of_rib_missing;
  // Families whose End-of-RIB the current session has delivered.
  std::vector<AfiSafi> end_of_rib_received;
};

namespace {

bool forwarding_preserved(const std::optional<GracefulRestart>& gr, AfiSafi family) {
  if (!gr) return false;
  return std::any_of(gr->families.begin(), gr->families.end(),
                     [&](const GracefulRestart::Family& f) { return f.afi_safi == family && f.forwarding_state; });
}

bool listed(const std::optional<GracefulRestart>& gr, AfiSafi family) {
  if (!gr) return false;
  return std::any_of(gr->families.begin(), gr->families.end(),
                     [&](const GracefulRestart::Family& f) { return f.afi_safi == family; });
}

}  // namespace

Rib::Rib(RibConfig config) : config_(std::move(config)), peers_(config_.speaker) {
  for (AfiSafi family : config_.families) {
    tables_.push_back(std::make_unique<LocRib>(family, peers_, store_, config_.decision, config_.resolver));
  }
  deferring_ = config_.restarting;
}

Rib::~Rib() = default;

Rib::PeerState* Rib::state(PeerId peer) {
  return peer < states_.size() ? states_[peer].get() : nullptr;
}
const Rib::PeerState* Rib::state(PeerId peer) const {
  return peer < states_.size() ? states_[peer].get() : nullptr;
}

LocRib* Rib::loc_rib(AfiSafi family) {
  for (auto& table : tables_) {
    if (table->family() == family) return table.get();
  }
  return nullptr;
}
const LocRib* Rib::loc_rib(AfiSafi family) const {
  for (const auto& table : tables_) {
    if (table->family() == family) return table.get();
  }
  return nullptr;
}

const AdjRibIn* Rib::adj_rib_in(PeerId peer) const {
  const PeerState* s = state(peer);
  return s ? &s->in : nullptr;
}

const AdjRibOut* Rib::adj_rib_out(PeerId peer, AfiSafi family) const {
  const PeerState* s = state(peer);
  if (!s) return nullptr;
  for (const auto& out : s->out) {
    if (out->family() == family) return out.get();
  }
  return nullptr;
}

bool Rib::established(PeerId peer) const {
  const PeerState* s = state(peer);
  return s && s->established;
}

bool Rib::initial_update_done(PeerId peer) const {
  const PeerState* s = state(peer);
  if (!s || !s->established) return false;
  return std::all_of(s->session.families.begin(), s->session.families.end(), [&](AfiSafi family) {
    return std::find(s->end_of_rib_received.begin(), s->end_of_rib_received.end(), family) !=
           s->end_of_rib_received.end();
  });
}

const PeerSession* Rib::session(PeerId peer) const {
  const PeerState* s = state(peer);
  return s && s->established ? &s->session : nullptr;
}

TableLookup Rib::tables_for(PeerState& peer) {
  return [this, &peer](AfiSafi family) -> LocRib* {
    return peer.session.has_family(family) ? loc_rib(family) : nullptr;
  };
}

Result<PeerId> Rib::add_peer(PeerInfo info) {
  const bool awaited = deferring_ && info.graceful_restart;
  auto id = peers_.add(std::move(info));
  if (!id.ok()) return id;
  if (states_.size() <= *id) states_.resize(*id + 1u);
  states_[*id] = std::make_unique<PeerState>(*id, peers_, store_);
  states_[*id]->awaited = awaited;
  return id;
}

void Rib::update_peer(PeerId peer, PeerInfo info) {
  if (!peers_.contains(peer)) return;
  info.router_id = peers_.info(peer).router_id;
  peers_.info(peer) = std::move(info);
  for (auto& table : tables_) table->reevaluate_peer(peer);
  clear_export_caches_and_refresh();
}

void Rib::remove_peer(PeerId peer) {
  PeerState* s = state(peer);
  if (!s) return;
  s->out.clear();
  for (auto& table : tables_) s->in.remove_all(*table);
  states_[peer].reset();
  peers_.remove(peer);
  // Cached rewrites are keyed by source peer id, which may now be given to another peer.
  for (auto& other : states_) {
    if (!other) continue;
    for (auto& out : other->out) out->clear_export_cache();
  }
  check_deferral();
}

void Rib::clear_export_caches_and_refresh() {
  for (auto& s : states_) {
    if (!s || !s->established) continue;
    for (auto& out : s->out) {
      out->clear_export_cache();
      out->refresh_all();
    }
  }
}

void Rib::session_established(PeerId peer, PeerSession session) {
  PeerState* s = state(peer);
  if (!s) return;
  if (s->established) session_lost(peer, SessionLoss::reset);
  const bool router_id_changed = peers_.info(peer).router_id != session.router_id;
  peers_.info(peer).router_id = session.router_id;
  s->session = std::move(session);
  s->established = true;
  s->end_of_rib_received.clear();
  if (router_id_changed) {
    for (auto& table : tables_) table->reevaluate_peer(peer);
    // Rewrites remembered for its routes carry its old identifier as ORIGINATOR_ID
    // (reflection); rare enough that every peer is simply sent its routes again.
    clear_export_caches_and_refresh();
  }

  // RFC 4724 §4.2: stale routes of a family the peer no longer lists, or lists without
  // the Forwarding State bit, go now; the rest wait for its End-of-RIB.
  const std::vector<AfiSafi> stale = s->in.stale_families();
  for (AfiSafi family : stale) {
    const bool keep = s->session.has_family(family) && forwarding_preserved(s->session.graceful_restart, family);
    if (!keep) s->in.sweep_stale(*loc_rib(family));
  }

  for (auto& table : tables_) {
    if (!s->session.has_family(table->family())) continue;
    s->out.push_back(std::make_unique<AdjRibOut>(table->family(), peer, s->session, peers_, *table, store_));
  }

  if (!deferring_) {
    start_exports(*s);
    return;
  }
  if (s->awaited) {
    const auto& gr = s->session.graceful_restart;
    if (!gr || gr->restart_state) {
      s->awaited = false;  // RFC 4724 §4.1: not waited for
    } else {
      s->end_of_rib_missing.clear();
      for (auto& table : tables_) {
        if (s->session.has_family(table->family())) s->end_of_rib_missing.push_back(table->family());
      }
    }
  }
  check_deferral();
}

void Rib::session_lost(PeerId peer, SessionLoss how) {
  PeerState* s = state(peer);
  if (!s || !s->established) return;
  s->established = false;
  s->out.clear();
  s->end_of_rib_missing.clear();
  const auto& gr = s->session.graceful_restart;
  const bool graceful = how == SessionLoss::graceful && peers_.info(peer).graceful_restart && gr.has_value();
  for (auto& table : tables_) {
    if (graceful && listed(gr, table->family())) {
      s->in.retain_as_stale(*table);
    } else {
      s->in.remove_all(*table);
    }
  }
}

void Rib::start_exports(PeerState& peer) {
  for (auto& out : peer.out) {
    out->refresh_all();
    out->request_end_of_rib();
  }
}

void Rib::apply_update(PeerId peer, const Update& update) {
  PeerState* s = state(peer);
  if (!s || !s->established) return;
  if (auto family = update.end_of_rib_family()) {
    end_of_rib(*s, *family);
    return;
  }
  s->in.apply(update, tables_for(*s));
}

void Rib::treat_as_withdraw(PeerId peer, const Update& update) {
  PeerState* s = state(peer);
  if (!s || !s->established) return;
  s->in.withdraw_all(update, tables_for(*s));
}

void Rib::disable_family(PeerId peer, AfiSafi family) {
  PeerState* s = state(peer);
  if (!s) return;
  if (LocRib* table = loc_rib(family)) s->in.remove_all(*table);
  std::erase(s->session.families, family);
  std::erase_if(s->out, [&](const auto& out) { return out->family() == family; });
  std::erase(s->end_of_rib_missing, family);
  check_deferral();
}

void Rib::route_refresh(PeerId peer, AfiSafi family) {
  PeerState* s = state(peer);
  if (!s || !s->established) return;
  for (auto& out : s->out) {
    if (out->family() == family) out->resend_all();
  }
}

void Rib::end_of_rib(PeerState& peer, AfiSafi family) {
  if (std::find(peer.end_of_rib_received.begin(), peer.end_of_rib_received.end(), family) ==
      peer.end_of_rib_received.end())
    peer.end_of_rib_received.push_back(family);
  if (LocRib* table = loc_rib(family)) peer.in.sweep_stale(*table);
  if (deferring_) {
    std::erase(peer.end_of_rib_missing, family);
    check_deferral();
  }
}

void Rib::restart_timer_expired(PeerId peer) {
  PeerState* s = state(peer);
  if (!s) return;
  const std::vector<AfiSafi> stale = s->in.stale_families();
  for (AfiSafi family : stale) s->in.sweep_stale(*loc_rib(family));
}

void Rib::check_deferral() {
  if (!deferring_) return;
  for (const auto& s : states_) {
    if (!s || !s->awaited) continue;
    if (!s->established || !s->end_of_rib_missing.empty()) return;
  }
  selection_deferral_expired();
}

void Rib::selection_deferral_expired() {
  if (!deferring_) return;
  deferring_ = false;
  process();
  for (auto& s : states_) {
    if (s && s->established) start_exports(*s);
  }
}

void Rib::originate(const ip::Prefix& prefix, RouteAttributes attributes) {
  LocRib* table = loc_rib(prefix.family() == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast);
  if (!table) return;
  if (attributes.path.next_hop) {
    if (!attributes.next_hop) attributes.next_hop = attributes.path.next_hop;
    attributes.path.next_hop.reset();
  }
  if (!attributes.path.origin) attributes.path.origin = Origin::igp;
  if (!attributes.path.as_path) attributes.path.as_path = AsPath{};
  table->announce(prefix, kLocalPeer, 0, store_.intern(std::move(attributes)));
}

void Rib::withdraw_originated(const ip::Prefix& prefix) {
  LocRib* table = loc_rib(prefix.family() == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast);
  if (table) table->withdraw(prefix, kLocalPeer, 0);
}

void Rib::process() {
  if (deferring_) return;
  for (auto& table : tables_) {
    if (!table->has_pending()) continue;
    auto batch = table->process();
    if (listener_) listener_(*table, batch);
    for (auto& s : states_) {
      if (!s || !s->established) continue;
      for (auto& out : s->out) {
        if (out->family() == table->family()) out->on_changes(batch);
      }
    }
  }
}

std::optional<Update> Rib::next_update(PeerId peer) {
  PeerState* s = state(peer);
  if (deferring_ || !s || !s->established) return std::nullopt;
  if (std::any_of(tables_.begin(), tables_.end(), [](const auto& t) { return t->has_pending(); })) process();
  for (auto& out : s->out) {
    if (auto update = out->next_update()) return update;
  }
  return std::nullopt;
}

bool Rib::has_pending(PeerId peer) const {
  const PeerState* s = state(peer);
  if (deferring_ || !s || !s->established) return false;
  if (std::any_of(tables_.begin(), tables_.end(), [](const auto& t) { return t->has_pending(); })) return true;
  return std::any_of(s->out.begin(), s->out.end(), [](const auto& out) { return out->has_pending(); });
}

}  // namespace sluice::bgp::rib
