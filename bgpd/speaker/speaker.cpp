#include "bgpd/speaker/speaker.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/asio/ip_conversion.hpp"
#include "base/log/log.hpp"
#include "bgpd/session/peer_admission.hpp"
#include "bgpd/speaker/transport.hpp"

namespace sluice::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// What a session depends on: a change in any of these resets it.
bool same_session(const NeighborSettings& a, const NeighborSettings& b) {
  // The restart flags differ between the settings made at a graceful restart and those
  // of a later reload; they are not a change of the session.
  SessionConfig sa = a.session, sb = b.session;
  clear_restart_flags(sa);
  clear_restart_flags(sb);
  return sa == sb && a.port == b.port && a.source_address == b.source_address &&
         a.md5_password == b.md5_password && a.gtsm_hops == b.gtsm_hops && a.ttl == b.ttl &&
         a.peer.remote_as == b.peer.remote_as && a.peer.local_as == b.peer.local_as &&
         a.peer.add_path == b.peer.add_path && a.peer.graceful_restart == b.peer.graceful_restart &&
         a.next_hop_self_ipv4 == b.next_hop_self_ipv4 && a.next_hop_self_ipv6 == b.next_hop_self_ipv6;
}

bool covered_by(const std::vector<ip::Prefix>& prefixes, const ip::Address& address) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const ip::Prefix& p) { return p.contains(address); });
}

// The listen range a dynamic neighbour belongs to: the longest holding its address.
const ListenRangeSettings* range_for(const std::vector<ListenRangeSettings>& ranges, const ip::Address& address) {
  const ListenRangeSettings* best = nullptr;
  for (const auto& r : ranges)
    if (r.range.contains(address) && (!best || r.range.length() > best->range.length())) best = &r;
  return best;
}

NeighborSettings dynamic_settings(const ListenRangeSettings& range, const ip::Address& address) {
  NeighborSettings neighbor = range.neighbor;
  neighbor.address = address;
  neighbor.peer.address = address;
  neighbor.session.passive = true;  // a dynamic neighbour only ever answers
  return neighbor;
}

}  // namespace

Speaker::Speaker(asio::io_context& io, SpeakerSettings settings)
    : io_(io), settings_(std::move(settings)), rib_(std::make_unique<rib::Rib>(settings_.rib)) {
  rib_->set_best_path_listener([this](const rib::LocRib& table, std::span<const rib::EntryIndex> changed) {
    for (auto& listener : listeners_) listener(table, changed);
  });
}

Speaker::~Speaker() {
  close_listeners();
  peers_.clear();
}

void Speaker::close_listeners() {
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  // The accept loops still hold references: they end on operation_aborted, so the
  // acceptors must outlive this turn of the loop.
  auto retired = std::make_shared<std::vector<std::unique_ptr<tcp::acceptor>>>(std::move(acceptors_));
  acceptors_.clear();
  asio::post(io_, [retired] {});
}

PeerHost Speaker::host() {
  return PeerHost{io_.get_executor(), rib_.get(), [this] { schedule_pump(); },
                  [this](const ip::Address& address) {
                    // Removed from the loop, not from inside the peer's own handler.
                    asio::post(io_, [this, address, alive = std::weak_ptr<bool>(alive_)] {
                      if (alive.expired()) return;
                      auto it = peers_.find(address);
                      if (it != peers_.end() && it->second->dynamic() && !it->second->established()) {
                        log::info("dynamic neighbour removed", {log::kv("peer", address)});
                        remove_peer(address);
                      }
                    });
                  },
                  [this](const ip::Address& address, std::uint32_t remote_as) -> std::optional<rib::PeerInfo> {
                    const ListenRangeSettings* range = range_for(settings_.listen_ranges, address);
                    if (!range || !range->peer_info_for) return std::nullopt;
                    auto info = range->peer_info_for(address, remote_as);
                    if (!info) {
                      log::warn("dynamic neighbour: no settings for its AS; the template's stand",
                                {log::kv("peer", address), log::kv("as", remote_as),
                                 log::kv("error", info.error().message)});
                      return std::nullopt;
                    }
                    return std::move(*info);
                  }};
}

Result<std::unique_ptr<Speaker>> Speaker::start(asio::io_context& io, SpeakerSettings settings) {
  std::unique_ptr<Speaker> speaker(new Speaker(io, std::move(settings)));
  speaker->restart_pending_ = speaker->settings_.rib.restarting;
  for (const auto& n : speaker->settings_.neighbors) {
    auto added = speaker->add_peer(n, false);
    if (!added) return added.error();
  }
  for (const auto& route : speaker->settings_.originate) speaker->rib_->originate(route.prefix, route.attributes);
  if (auto bound = speaker->bind_listeners(); !bound) return bound.error();
  speaker->install_md5_keys(SpeakerSettings{});
  if (speaker->settings_.rib.restarting) {
    // RFC 4724 §4.1: selection waits for the peers' End-of-RIB, but not forever.
    speaker->deferral_timer_ = std::make_unique<asio::steady_timer>(io, speaker->settings_.selection_deferral);
    speaker->deferral_timer_->async_wait([raw = speaker.get()](boost::system::error_code ec) {
      if (ec || !raw->rib_->deferring()) return;
      log::warn("graceful restart: selection deferral ran out before every peer's End-of-RIB");
      raw->rib_->selection_deferral_expired();
      raw->schedule_pump();
    });
  }
  for (auto& [address, peer] : speaker->peers_) peer->start();
  speaker->schedule_pump();
  return speaker;
}

Status Speaker::bind_listeners() {
  for (const auto& endpoint : settings_.listen) {
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint where = to_asio(endpoint);
    boost::system::error_code ec;
    acceptor->open(where.protocol(), ec);
    if (!ec && where.protocol() == tcp::v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(where, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{"cannot listen on " + endpoint.to_string() + ": " + ec.message()};
    // The handshake's SYN-ACK leaves with the listener's TTL: 255, so that a peer using
    // GTSM (which drops anything below 255 - hops + 1) completes the connection. Each
    // accepted connection then gets its neighbour's own TTL settings.
    if (auto ttl = set_ttl(acceptor->native_handle(), endpoint.address.family(), 255); !ttl) return ttl.error();
    asio::co_spawn(io_, accept_loop(*acceptor, alive_), asio::detached);
    acceptors_.push_back(std::move(acceptor));
  }
  return {};
}

void Speaker::install_md5_keys(const SpeakerSettings& previous) {
  // Keys live on the listening sockets, per peer address (or listen range); keys of
  // neighbours gone or changed are removed first.
  auto keys = [](const SpeakerSettings& s) {
    std::map<ip::Prefix, std::string> out;
    for (const auto& n : s.neighbors)
      if (!n.md5_password.empty()) out[ip::Prefix::host(n.address)] = n.md5_password;
    for (const auto& r : s.listen_ranges)
      if (!r.neighbor.md5_password.empty()) out[r.range] = r.neighbor.md5_password;
    return out;
  };
  const auto before = keys(previous), after = keys(settings_);
  for (auto& acceptor : acceptors_) {
    const bool v4 = acceptor->local_endpoint().protocol() == tcp::v4();
    for (const auto& [range, key] : before)
      if (!after.count(range) && range.family() == (v4 ? ip::Family::v4 : ip::Family::v6))
        (void)set_md5_key(acceptor->native_handle(), range, "");
    for (const auto& [range, key] : after) {
      if (range.family() != (v4 ? ip::Family::v4 : ip::Family::v6)) continue;
      if (auto set = set_md5_key(acceptor->native_handle(), range, key); !set)
        log::error("cannot install a TCP MD5 key", {log::kv("error", set.error().message)});
    }
  }
}

asio::awaitable<void> Speaker::accept_loop(tcp::acceptor& acceptor, std::weak_ptr<bool> alive) {
  while (!stopped_ && acceptor.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (alive.expired()) co_return;  // the speaker is gone (and the acceptor retired)
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      log::warn("accept failed", {log::kv("error", ec.message())});
      continue;
    }
    on_inbound(std::move(socket));
  }
}

void Speaker::on_inbound(tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  ip::Address address = from_asio(remote.address());
  if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
    address = from_asio(asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6())));
  if (auto it = peers_.find(address); it != peers_.end()) {
    if (!it->second->accept(std::move(socket))) log::debug("inbound connection refused (Idle)", {log::kv("peer", address)});
    return;
  }
  std::vector<ip::Prefix> ranges;
  for (const auto& r : settings_.listen_ranges) ranges.push_back(r.range);
  auto match = match_inbound_peer(address, {}, ranges);
  if (!match) {
    log::info("connection from an unknown address refused", {log::kv("from", address)});
    return;  // the socket closes as it goes out of scope
  }
  auto added = add_peer(dynamic_settings(settings_.listen_ranges[match->index], address), true);
  if (!added) {
    log::warn("cannot add a dynamic neighbour", {log::kv("peer", address), log::kv("error", added.error().message)});
    return;
  }
  log::info("dynamic neighbour", {log::kv("peer", address), log::kv("range", settings_.listen_ranges[match->index].range)});
  (*added)->start();
  (*added)->accept(std::move(socket));
}

Result<Peer*> Speaker::add_peer(NeighborSettings settings, bool dynamic) {
  settings.peer.address = settings.address;
  if (!restart_pending_) clear_restart_flags(settings.session);
  auto id = rib_->add_peer(settings.peer);
  if (!id) return id.error().context("neighbour " + settings.address.to_string());
  const ip::Address address = settings.address;
  auto peer = std::make_unique<Peer>(host(), std::move(settings), *id, dynamic);
  Peer* raw = peer.get();
  peers_[address] = std::move(peer);
  return raw;
}

void Speaker::remove_peer(const ip::Address& address) {
  auto it = peers_.find(address);
  if (it == peers_.end()) return;
  it->second->stop();
  const rib::PeerId id = it->second->id();
  peers_.erase(it);
  rib_->remove_peer(id);
  schedule_pump();
}

void Speaker::stop(std::optional<std::string> communication) {
  stopped_ = true;
  close_listeners();
  for (auto& [address, peer] : peers_) peer->stop(communication);
  if (deferral_timer_) deferral_timer_->cancel();
}

Result<ReloadReport> Speaker::reload(SpeakerSettings next, std::optional<ReloadScope> scope) {
  ReloadReport report;
  const SpeakerSettings previous = settings_;
  // Listeners first, so that a failure to bind leaves everything as it was.
  if (next.listen != previous.listen) {
    close_listeners();
    settings_.listen = next.listen;
    if (auto bound = bind_listeners(); !bound) {
      close_listeners();
      settings_.listen = previous.listen;
      if (auto again = bind_listeners(); !again)
        log::error("cannot listen again where the speaker listened", {log::kv("error", again.error().message)});
      install_md5_keys(SpeakerSettings{});
      return bound.error();
    }
    report.listeners_rebound = true;
  }
  const auto updated_here = [&](const ip::Address& a) { return !scope || covered_by(scope->updated, a); };
  const auto refresh_here = [&](const ip::Address& a) { return !scope || covered_by(scope->refresh, a); };

  std::map<ip::Address, const NeighborSettings*> wanted;
  for (const auto& n : next.neighbors) wanted[n.address] = &n;
  // Gone: configured neighbours no longer listed, and dynamic ones no range holds.
  std::vector<ip::Address> gone;
  for (const auto& [address, peer] : peers_) {
    if (wanted.count(address)) continue;
    if (peer->dynamic() && range_for(next.listen_ranges, address)) continue;
    gone.push_back(address);
  }
  for (const auto& address : gone) {
    remove_peer(address);
    report.removed.push_back(address);
  }
  settings_ = std::move(next);
  for (const auto& n : settings_.neighbors) {
    auto it = peers_.find(n.address);
    if (it == peers_.end() || it->second->dynamic()) {
      if (it != peers_.end()) remove_peer(n.address);  // a dynamic neighbour is now configured
      auto added = add_peer(n, false);
      if (!added) return added.error();
      (*added)->start();
      report.added.push_back(n.address);
      continue;
    }
    Peer& peer = *it->second;
    if (!same_session(peer.settings(), n)) {
      remove_peer(n.address);
      auto added = add_peer(n, false);
      if (!added) return added.error();
      (*added)->start();
      report.restarted.push_back(n.address);
      continue;
    }
    if (!updated_here(n.address)) continue;
    // Policies are functions and cannot be compared: within the scope the RIB always
    // gets the new ones (re-running exports), and the peer is asked for its routes
    // again when its import policy may have changed.
    peer.update_rib_settings(n);
    if (refresh_here(n.address)) peer.request_route_refresh();
    report.updated.push_back(n.address);
  }
  // Dynamic neighbours follow their range's template.
  std::vector<ip::Address> dynamic;
  for (const auto& [address, peer] : peers_)
    if (peer->dynamic()) dynamic.push_back(address);
  for (const auto& address : dynamic) {
    Peer& peer = *peers_.at(address);
    const NeighborSettings wanted_settings = dynamic_settings(*range_for(settings_.listen_ranges, address), address);
    if (!same_session(peer.settings(), wanted_settings)) {
      remove_peer(address);  // it connects again and gets the new template
      report.restarted.push_back(address);
    } else if (updated_here(address)) {
      peer.update_rib_settings(wanted_settings);
      if (refresh_here(address)) peer.request_route_refresh();
      report.updated.push_back(address);
    }
  }
  // Routes this speaker originates.
  std::map<ip::Prefix, const OriginatedRoute*> before, after;
  for (const auto& r : previous.originate) before[r.prefix] = &r;
  for (const auto& r : settings_.originate) after[r.prefix] = &r;
  for (const auto& [prefix, route] : before)
    if (!after.count(prefix)) {
      rib_->withdraw_originated(prefix);
      report.originate_changed = true;
    }
  for (const auto& [prefix, route] : after) {
    auto it = before.find(prefix);
    if (it != before.end() && *it->second == *route) continue;
    rib_->originate(prefix, route->attributes);
    report.originate_changed = true;
  }
  install_md5_keys(report.listeners_rebound ? SpeakerSettings{} : previous);
  schedule_pump();
  return report;
}

std::vector<PeerStatus> Speaker::peers() const {
  std::vector<PeerStatus> out;
  for (const auto& [address, peer] : peers_) out.push_back(peer->status());
  return out;
}

Peer* Speaker::peer(const ip::Address& address) {
  auto it = peers_.find(address);
  return it == peers_.end() ? nullptr : it->second.get();
}

std::optional<ip::Address> Speaker::self_address(rib::PeerId peer, AfiSafi family) const {
  const rib::PeerSession* session = rib_->session(peer);
  if (!session) return std::nullopt;
  return family.afi == Afi::ipv6 ? session->next_hop_self_ipv6 : session->next_hop_self_ipv4;
}

std::vector<ip::Endpoint> Speaker::listening() const {
  std::vector<ip::Endpoint> out;
  for (const auto& acceptor : acceptors_) {
    boost::system::error_code ec;
    auto local = acceptor->local_endpoint(ec);
    if (!ec) out.push_back(from_asio(local));
  }
  return out;
}

void Speaker::add_best_path_listener(rib::Rib::BestPathListener listener) { listeners_.push_back(std::move(listener)); }

void Speaker::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) pump();
  });
}

void Speaker::pump() {
  pump_scheduled_ = false;
  rib_->process();
  if (restart_pending_ && !rib_->deferring()) {
    restart_pending_ = false;
    for (auto& [address, peer] : peers_) peer->restart_finished();
  }
  for (auto& [address, peer] : peers_) peer->fill();
}

}  // namespace sluice::bgp
