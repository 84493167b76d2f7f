#include "bgpd/speaker/peer.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/asio/ip_conversion.hpp"
#include "base/log/log.hpp"
#include "bgpd/session/collision.hpp"
#include "bgpd/speaker/transport.hpp"

namespace sluice::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Below this much queued, the peer takes more UPDATEs from the RIB.
constexpr std::size_t kSendHighWater = 256 * 1024;

std::size_t type_index(MessageType type) { return static_cast<std::size_t>(type); }

// Whether a session's end lets the peer's routes stay as stale (RFC 4724 §4.2, RFC 8538):
// a lost connection or hold timer, or a NOTIFICATION other than Hard Reset when both
// sides set the N bit.
bool graceful_loss(const DownReason& reason, const std::optional<NegotiatedSession>& session) {
  switch (reason.kind) {
    case DownReason::Kind::hold_timer_expired:
    case DownReason::Kind::connection_failed:
      return true;
    case DownReason::Kind::error_sent:
    case DownReason::Kind::notification_received: {
      if (!session || !session->peer_graceful_restart || !session->peer_graceful_restart->notification) return false;
      const auto& n = reason.notification;
      return n && !(n->code == static_cast<std::uint8_t>(ErrorCode::cease) &&
                    n->subcode == static_cast<std::uint8_t>(CeaseSubcode::hard_reset));
    }
    default:
      return false;
  }
}

}  // namespace

std::string_view to_string(MaxPrefix::Action action) {
  switch (action) {
    case MaxPrefix::Action::warn: return "warn";
    case MaxPrefix::Action::restart: return "restart";
    case MaxPrefix::Action::stop: return "stop";
  }
  return "?";
}

// One FSM timer on the loop. The hold timer restarts with every message received, so a
// restart only moves the deadline: the wait under way (if it ends no later) is kept and,
// when it ends early, waits again for the rest. A full table is hundreds of thousands of
// UPDATEs; cancelling and arming a steady_timer for each was a good part of reading them.
struct FsmTimer {
  std::unique_ptr<asio::steady_timer> timer;
  std::chrono::steady_clock::time_point deadline;
  std::uint64_t generation = 0;  // the FSM's, of the latest start
  std::uint64_t wait = 0;        // the wait that counts; others were cancelled
  bool running = false;
  bool waiting = false;
};

struct Peer::Attempt {
  explicit Attempt(SessionFsm f) : fsm(std::move(f)) {}
  SessionFsm fsm;
  std::shared_ptr<BgpConnection> connection;
  std::shared_ptr<tcp::socket> connecting;  // an outgoing connection being made
  std::array<FsmTimer, kTimerKinds> timers;
};

Peer::Peer(PeerHost host, NeighborSettings settings, rib::PeerId id, bool dynamic)
    : host_(std::move(host)), settings_(std::move(settings)), id_(id), dynamic_(dynamic),
      state_since_(std::chrono::steady_clock::now()) {
  std::random_device seed;
  auto fsm = SessionFsm::create(settings_.session, seeded_random_source((std::uint64_t{seed()} << 32) | seed()));
  // The settings were validated when they were made; an invalid one here is a bug.
  if (!fsm) throw std::invalid_argument("invalid session settings for " + settings_.address.to_string() + ": " +
                                        fsm.error().message);
  primary_ = std::make_shared<Attempt>(std::move(*fsm));
}

Peer::~Peer() {
  for (auto* a : {&primary_, &secondary_}) {
    if (!*a) continue;
    if ((*a)->connection) (*a)->connection->close(true);
    if ((*a)->connecting) {
      boost::system::error_code ignored;
      (*a)->connecting->close(ignored);
    }
  }
}

void Peer::start() {
  stopped_ = false;
  handle(primary_, events::ManualStart{});
}

void Peer::stop(std::optional<std::string> communication) {
  stopped_ = true;
  if (prefix_restart_timer_) prefix_restart_timer_->cancel();
  for (AttemptPtr a : {primary_, secondary_})
    if (a) handle(a, events::ManualStop{communication});
}

bool Peer::established() const { return primary_ && primary_->fsm.state() == SessionState::established; }

Peer::AttemptPtr Peer::other_than(const Attempt& attempt) const {
  if (primary_.get() == &attempt) return secondary_;
  if (secondary_.get() == &attempt) return primary_;
  return nullptr;
}

Status Peer::prepare_socket(tcp::socket& socket) {
  const int fd = socket.native_handle();
  const ip::Family family = settings_.address.family();
  if (!settings_.md5_password.empty())
    if (auto s = set_md5_key(fd, ip::Prefix::host(settings_.address), settings_.md5_password); !s) return s;
  if (settings_.gtsm_hops) return set_gtsm(fd, family, *settings_.gtsm_hops);
  const bool external = settings_.peer.remote_as != settings_.peer.local_as.value_or(settings_.session.local_as);
  return set_ttl(fd, family, settings_.ttl.value_or(external ? 1 : 255));
}

bool Peer::accept(tcp::socket socket) {
  AttemptPtr target;
  switch (inbound_disposition(primary_->fsm)) {
    case InboundDisposition::refuse:
      return false;
    case InboundDisposition::deliver:
      target = primary_;
      break;
    case InboundDisposition::fork:
      if (secondary_) return false;  // two connections are the most RFC 4271 §6.8 has in mind
      secondary_ = std::make_shared<Attempt>(primary_->fsm.fork_for_inbound_connection());
      target = secondary_;
      break;
  }
  if (auto prepared = prepare_socket(socket); !prepared)
    log::warn("inbound connection: socket options failed",
              {log::kv("peer", settings_.address), log::kv("error", prepared.error().message)});
  attach(target, std::move(socket));
  handle(target, events::TcpConnectionConfirmed{});
  return true;
}

void Peer::attach(const AttemptPtr& attempt, tcp::socket socket) {
  std::weak_ptr<Attempt> weak = attempt;
  BgpConnection::Handlers handlers;
  handlers.context = [this, weak, identifier = settings_.session.local_identifier] {
    auto a = weak.lock();
    if (!a || !a->fsm.negotiated()) return Context{};
    Context context = a->fsm.negotiated()->receive_context();
    if (a->connection) {
      context.local_address = a->connection->local().address;
      context.local_address_other_family =
          context.local_address->is_v4() ? settings_.next_hop_self_ipv6 : settings_.next_hop_self_ipv4;
    }
    context.local_identifier = identifier;
    return context;
  };
  handlers.message = [this, weak](Decoded<Received> message) {
    if (auto a = weak.lock()) on_message(a, std::move(message));
  };
  handlers.closed = [this, weak](const std::string& why) {
    if (auto a = weak.lock()) {
      log::info("connection closed", {log::kv("peer", settings_.address), log::kv("why", why)});
      handle(a, events::TcpConnectionFails{});
    }
  };
  handlers.drained = [this, weak] {
    if (auto a = weak.lock(); a && a == primary_) fill();
  };
  attempt->connection = BgpConnection::make(std::move(socket), std::move(handlers));
  attempt->connection->start();
}

void Peer::connect(const AttemptPtr& attempt) {
  auto socket = std::make_shared<tcp::socket>(host_.executor);
  attempt->connecting = socket;
  std::weak_ptr<Attempt> weak = attempt;
  asio::co_spawn(
      host_.executor,
      [this, weak, socket]() -> asio::awaitable<void> {
        const tcp::endpoint remote(to_asio(settings_.address), settings_.port);
        boost::system::error_code ec;
        socket->open(remote.protocol(), ec);
        Status prepared;
        if (!ec) prepared = prepare_socket(*socket);
        if (!ec && prepared && settings_.source_address) {
          socket->set_option(tcp::socket::reuse_address(true), ec);
          if (!ec) socket->bind(tcp::endpoint(to_asio(*settings_.source_address), 0), ec);
        }
        if (!ec && prepared) co_await socket->async_connect(remote, asio::redirect_error(asio::use_awaitable, ec));
        auto attempt = weak.lock();
        if (!attempt || attempt->connecting != socket) co_return;  // abandoned meanwhile
        attempt->connecting.reset();
        if (!prepared || ec) {
          log::debug("connect failed", {log::kv("peer", settings_.address),
                                        log::kv("error", prepared ? ec.message() : prepared.error().message)});
          boost::system::error_code ignored;
          socket->close(ignored);
          handle(attempt, events::TcpConnectionFails{});
          co_return;
        }
        attach(attempt, std::move(*socket));
        handle(attempt, events::TcpConnectionAcked{});
      },
      asio::detached);
}

void Peer::on_message(const AttemptPtr& attempt, Decoded<Received> message) {
  if (!message) {
    log::warn("refused a message",
              {log::kv("peer", settings_.address), log::kv("error", message.error().reason)});
    handle(attempt, events::MessageRejected{message.error()});
    return;
  }
  ++counters_.messages_in[type_index(message_type(message->message))];
  if (const auto* open = std::get_if<Open>(&message->message)) {
    if (auto other = other_than(*attempt); other && other->fsm.state() != SessionState::idle) {
      auto result = deliver_open(attempt->fsm, other->fsm, *open);
      execute(attempt, std::move(result.receiving_actions));
      execute(other, std::move(result.other_actions));
      forget_idle_attempts();
      return;
    }
  }
  handle(attempt, events::MessageReceived{std::move(*message)});
}

void Peer::handle(const AttemptPtr& attempt, const SessionEvent& event) {
  const SessionState before = attempt->fsm.state();
  execute(attempt, attempt->fsm.handle(event));
  note_failed_attempt(*attempt, before);
  forget_idle_attempts();
}

void Peer::note_failed_attempt(const Attempt& attempt, SessionState before) {
  // An established session's end is reported by SessionDown (on_down); why an attempt
  // failed before that (an OPEN refused either way, no answer within the hold time, a
  // connection refused) is the only answer an operator gets to "why is it not up", so it
  // is kept too. A lost collision or our own stop is no error.
  if (before == SessionState::idle || before == SessionState::established) return;
  if (attempt.fsm.state() != SessionState::idle) return;
  const auto& reason = attempt.fsm.last_down_reason();
  if (!reason || reason->kind == DownReason::Kind::collision || reason->kind == DownReason::Kind::manual_stop) return;
  last_down_ = reason;
}

void Peer::forget_idle_attempts() {
  // A second connection that lost (or ended) goes; if the first lost to it, the second
  // becomes the peer's connection.
  if (secondary_) {
    const bool primary_idle = primary_->fsm.state() == SessionState::idle;
    const bool secondary_idle = secondary_->fsm.state() == SessionState::idle;
    if (secondary_idle) {
      secondary_.reset();
    } else if (primary_idle) {
      primary_ = std::move(secondary_);
    }
  }
  // With one connection as much as with two: the state status() reports, and since when.
  if (primary_->fsm.state() != last_state_) {
    last_state_ = primary_->fsm.state();
    state_since_ = std::chrono::steady_clock::now();
  }
}

void Peer::send(const AttemptPtr& attempt, const Message& message, const Context& context) {
  if (!attempt->connection) return;
  auto bytes = encode_message(message, context);
  if (!bytes) {
    log::error("cannot encode a message", {log::kv("peer", settings_.address), log::kv("error", bytes.error().message)});
    return;
  }
  ++counters_.messages_out[type_index(message_type(message))];
  attempt->connection->send(std::move(*bytes));
}

void Peer::execute(const AttemptPtr& attempt, std::vector<SessionAction> actions) {
  for (auto& action : actions) {
    std::visit(
        [&](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, actions::Connect>) {
            connect(attempt);
          } else if constexpr (std::is_same_v<A, actions::CloseConnection>) {
            if (attempt->connection) {
              attempt->connection->close();
              attempt->connection.reset();
            }
            if (attempt->connecting) {
              boost::system::error_code ignored;
              attempt->connecting->close(ignored);
              attempt->connecting.reset();
            }
          } else if constexpr (std::is_same_v<A, actions::SendOpen>) {
            send(attempt, a.open, Context{});
          } else if constexpr (std::is_same_v<A, actions::SendKeepalive>) {
            send(attempt, Keepalive{}, Context{});
          } else if constexpr (std::is_same_v<A, actions::SendNotification>) {
            const Context context = attempt->fsm.negotiated() ? attempt->fsm.negotiated()->send_context() : Context{};
            log::info("sending NOTIFICATION", {log::kv("peer", settings_.address), log::kv("code", a.notification.code),
                                               log::kv("subcode", a.notification.subcode)});
            send(attempt, a.notification, context);
          } else if constexpr (std::is_same_v<A, actions::StartTimer>) {
            auto& timer = attempt->timers[static_cast<std::size_t>(a.kind)];
            timer.deadline = std::chrono::steady_clock::now() + a.duration;
            timer.generation = a.generation;
            timer.running = true;
            if (!timer.waiting || timer.timer->expiry() > timer.deadline) wait_for(attempt, a.kind);
          } else if constexpr (std::is_same_v<A, actions::StopTimer>) {
            auto& timer = attempt->timers[static_cast<std::size_t>(a.kind)];
            timer.running = false;
            if (timer.waiting) {
              ++timer.wait;  // what the cancelled wait completes with is ignored
              timer.waiting = false;
              timer.timer->cancel();
            }
          } else if constexpr (std::is_same_v<A, actions::SessionEstablished>) {
            on_established(attempt, a.session);
          } else if constexpr (std::is_same_v<A, actions::SessionDown>) {
            on_down(attempt, a.reason);
          } else if constexpr (std::is_same_v<A, actions::DeliverUpdate>) {
            if (a.action == UpdateAction::treat_as_withdraw) {
              ++counters_.updates_treated_as_withdraw;
              host_.rib->treat_as_withdraw(id_, a.update);
              log::warn("UPDATE treated as withdraw (RFC 7606)",
                        {log::kv("peer", settings_.address),
                         log::kv("reason", a.verdict.decisive() ? a.verdict.decisive()->reason : std::string())});
            } else {
              host_.rib->apply_update(id_, a.update);
              if (a.action == UpdateAction::attribute_discard && a.verdict.decisive())
                log::warn("attribute discarded (RFC 7606)",
                          {log::kv("peer", settings_.address), log::kv("reason", a.verdict.decisive()->reason)});
            }
            check_prefix_limit(attempt);
            host_.schedule_pump();
          } else if constexpr (std::is_same_v<A, actions::DeliverRouteRefresh>) {
            host_.rib->route_refresh(id_, a.refresh.afi_safi);
            host_.schedule_pump();
          } else if constexpr (std::is_same_v<A, actions::DisableFamily>) {
            log::warn("address family disabled (RFC 7606)",
                      {log::kv("peer", settings_.address), log::kv("reason", a.reason)});
            host_.rib->disable_family(id_, a.afi_safi);
            host_.schedule_pump();
          }
        },
        action);
  }
}

void Peer::wait_for(const AttemptPtr& attempt, TimerKind kind) {
  auto& timer = attempt->timers[static_cast<std::size_t>(kind)];
  if (!timer.timer) timer.timer = std::make_unique<asio::steady_timer>(host_.executor);
  timer.timer->expires_at(timer.deadline);  // cancels a wait under way, which the count then ignores
  timer.waiting = true;
  std::weak_ptr<Attempt> weak = attempt;
  timer.timer->async_wait([this, weak, kind, wait = ++timer.wait](boost::system::error_code) {
    auto live = weak.lock();
    if (!live) return;
    auto& t = live->timers[static_cast<std::size_t>(kind)];
    if (t.wait != wait) return;  // cancelled, or a later deadline took its place
    t.waiting = false;
    if (!t.running) return;
    if (std::chrono::steady_clock::now() < t.deadline) {
      wait_for(live, kind);  // restarted while waiting: wait for the rest
      return;
    }
    t.running = false;
    handle(live, events::TimerExpired{kind, t.generation});
  });
}

void Peer::on_established(const AttemptPtr& attempt, const NegotiatedSession& session) {
  // The other connection, if any, is now redundant (RFC 4271 §6.8).
  if (auto other = other_than(*attempt)) execute(other, settle_after_established(attempt->fsm, other->fsm));
  if (attempt != primary_) std::swap(primary_, secondary_);
  if (restart_timer_) restart_timer_->cancel();
  if (dynamic_ && !settings_.session.peer_as && host_.dynamic_peer_info &&
      settings_.peer.remote_as != session.peer_as) {
    // A range that accepts any AS: now that the AS is known, the RIB sees the neighbour
    // as what it is (eBGP or iBGP, with the policy defaults that go with that).
    if (auto info = host_.dynamic_peer_info(settings_.address, session.peer_as)) {
      settings_.peer = std::move(*info);
      settings_.peer.address = settings_.address;
      host_.rib->update_peer(id_, settings_.peer);
    }
  }
  rib::PeerSession peer_session;
  peer_session.router_id = session.peer_identifier;
  peer_session.families = session.families;
  peer_session.send_context = session.send_context();
  peer_session.graceful_restart = session.peer_graceful_restart;
  const ip::Address local = attempt->connection ? attempt->connection->local().address : ip::Address{};
  peer_session.next_hop_self_ipv4 = settings_.next_hop_self_ipv4;
  peer_session.next_hop_self_ipv6 = settings_.next_hop_self_ipv6;
  if (local.is_v4() && !peer_session.next_hop_self_ipv4) peer_session.next_hop_self_ipv4 = local;
  if (local.is_v6() && !peer_session.next_hop_self_ipv6) peer_session.next_hop_self_ipv6 = local;
  host_.rib->session_established(id_, std::move(peer_session));
  prefix_limit_warned_ = false;
  log::info("session established", {log::kv("peer", settings_.address), log::kv("as", session.peer_as),
                                    log::kv("hold", session.hold_time)});
  host_.schedule_pump();
}

void Peer::on_down(const AttemptPtr& attempt, const DownReason& reason) {
  ++flaps_;
  last_down_ = reason;
  const bool graceful = graceful_loss(reason, attempt->fsm.negotiated());
  host_.rib->session_lost(id_, graceful ? rib::SessionLoss::graceful : rib::SessionLoss::reset);
  log::info("session down", {log::kv("peer", settings_.address), log::kv("reason", to_string(reason.kind)),
                             log::kv("detail", reason.detail), log::kv("graceful", graceful)});
  const auto& gr = attempt->fsm.negotiated() ? attempt->fsm.negotiated()->peer_graceful_restart : std::nullopt;
  if (graceful && gr && settings_.peer.graceful_restart) {
    // As a helper: the stale routes last until End-of-RIB or the peer's restart time.
    if (!restart_timer_) restart_timer_ = std::make_unique<asio::steady_timer>(host_.executor);
    restart_timer_->expires_after(std::chrono::seconds(gr->restart_time));
    restart_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      log::info("graceful restart: the peer did not come back in time", {log::kv("peer", settings_.address)});
      host_.rib->restart_timer_expired(id_);
      host_.schedule_pump();
      if (dynamic_ && !established() && host_.dynamic_peer_idle) host_.dynamic_peer_idle(settings_.address);
    });
  } else if (dynamic_ && host_.dynamic_peer_idle) {
    // A dynamic neighbour is only as lasting as its session.
    asio::post(host_.executor, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;  // removed meanwhile
      if (!established() && host_.dynamic_peer_idle) host_.dynamic_peer_idle(settings_.address);
    });
  }
  host_.schedule_pump();
}

void Peer::check_prefix_limit(const AttemptPtr& attempt) {
  const auto& limit = settings_.max_prefix;
  if (limit.limit == 0) return;
  std::uint64_t accepted = 0;
  for (const auto family : {kIpv4Unicast, kIpv6Unicast})
    if (const auto* table = host_.rib->loc_rib(family)) accepted += table->peer_path_count(id_);
  if (accepted <= limit.limit) return;
  ++counters_.prefix_limit_hits;
  if (limit.action == MaxPrefix::Action::warn) {
    if (!prefix_limit_warned_)
      log::warn("prefix limit exceeded", {log::kv("peer", settings_.address), log::kv("limit", limit.limit),
                                          log::kv("accepted", accepted)});
    prefix_limit_warned_ = true;
    return;
  }
  log::warn("prefix limit exceeded: stopping the session",
            {log::kv("peer", settings_.address), log::kv("limit", limit.limit), log::kv("accepted", accepted),
             log::kv("action", to_string(limit.action))});
  // RFC 4486: Cease / Maximum Number of Prefixes Reached; then no start by the FSM's own
  // idle hold: with `restart` the session starts again after restart_after, with `stop`
  // only when an operator restarts it.
  handle(attempt, events::AutomaticStop{CeaseSubcode::maximum_number_of_prefixes_reached});
  handle(attempt, events::ManualStop{});
  if (limit.action == MaxPrefix::Action::restart) {
    if (!prefix_restart_timer_) prefix_restart_timer_ = std::make_unique<asio::steady_timer>(host_.executor);
    prefix_restart_timer_->expires_after(limit.restart_after);
    prefix_restart_timer_->async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopped_) handle(primary_, events::ManualStart{});
    });
  }
}

void Peer::fill() {
  if (!established() || !primary_->connection) return;
  auto& connection = *primary_->connection;
  const Context context = primary_->fsm.negotiated()->send_context();
  bool sent = false;
  while (connection.open() && connection.queued_bytes() < kSendHighWater) {
    auto update = host_.rib->next_update(id_);
    if (!update) break;
    send(primary_, *update, context);
    sent = true;
  }
  if (sent) handle(primary_, events::UpdateSent{});
}

void Peer::update_rib_settings(const NeighborSettings& settings) {
  settings_.peer = settings.peer;
  settings_.peer.address = settings_.address;
  settings_.description = settings.description;
  settings_.max_prefix = settings.max_prefix;
  host_.rib->update_peer(id_, settings_.peer);
  host_.schedule_pump();
}

void Peer::restart_finished() {
  clear_restart_flags(settings_.session);
  for (const AttemptPtr& a : {primary_, secondary_})
    if (a) a->fsm.clear_restart_flags();
}

void Peer::request_route_refresh() {
  if (!established() || !primary_->fsm.negotiated()->route_refresh) return;
  for (const auto family : primary_->fsm.negotiated()->families)
    send(primary_, RouteRefresh{family, RouteRefreshSubtype::normal}, primary_->fsm.negotiated()->send_context());
}

PeerStatus Peer::status() const {
  PeerStatus s;
  s.address = settings_.address;
  s.description = settings_.description;
  s.dynamic = dynamic_;
  s.id = id_;
  s.state = primary_->fsm.state();
  s.state_since = state_since_;
  s.remote_as = settings_.peer.remote_as;
  s.local_as = settings_.peer.local_as.value_or(settings_.session.local_as);
  s.negotiated = primary_->fsm.negotiated();
  if (s.negotiated) s.router_id = s.negotiated->peer_identifier;
  if (primary_->connection) {
    s.local_endpoint = primary_->connection->local();
    s.remote_endpoint = primary_->connection->remote();
  }
  s.flaps = flaps_;
  s.last_down = last_down_;
  s.counters = counters_;
  if (const auto* in = host_.rib->adj_rib_in(id_)) {
    s.prefixes_received = in->counters().announced;
    s.prefixes_rejected = in->counters().rejected;
  }
  for (const auto family : {kIpv4Unicast, kIpv6Unicast}) {
    if (const auto* table = host_.rib->loc_rib(family)) s.prefixes_accepted += table->peer_path_count(id_);
    if (const auto* out = host_.rib->adj_rib_out(id_, family)) s.prefixes_advertised += out->advertised_count();
  }
  s.graceful_restart_pending = restart_timer_ && restart_timer_->expiry() > std::chrono::steady_clock::now();
  return s;
}

}  // namespace sluice::bgp
