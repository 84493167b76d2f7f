#include "bgpd/session/fsm.hpp"

#include <algorithm>
#include <utility>

namespace sluice::bgp {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

constexpr std::array kAllTimers{TimerKind::connect_retry, TimerKind::hold, TimerKind::keepalive, TimerKind::idle_hold,
                                TimerKind::stable};

Notification fsm_error(FsmErrorSubcode subcode, MessageType type) {
  // RFC 6608 §4: the data is the type of the unexpected message.
  return {static_cast<std::uint8_t>(ErrorCode::finite_state_machine_error),
          static_cast<std::uint8_t>(subcode),
          {static_cast<std::uint8_t>(type)}};
}

Notification hold_timer_expired() {
  return {static_cast<std::uint8_t>(ErrorCode::hold_timer_expired), 0, {}};
}

bool has_connection(SessionState s) {
  return s == SessionState::connect || s == SessionState::open_sent || s == SessionState::open_confirm ||
         s == SessionState::established;
}

bool exchanging_messages(SessionState s) {
  return s == SessionState::open_sent || s == SessionState::open_confirm || s == SessionState::established;
}

bool carries_routes(const Update& u) {
  return !u.withdrawn_routes.empty() || !u.nlri.empty() || u.mp_reach || u.mp_unreach;
}

}  // namespace

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::idle: return "Idle";
    case SessionState::connect: return "Connect";
    case SessionState::active: return "Active";
    case SessionState::open_sent: return "OpenSent";
    case SessionState::open_confirm: return "OpenConfirm";
    case SessionState::established: return "Established";
  }
  return "unknown";
}

std::string_view to_string(TimerKind kind) {
  switch (kind) {
    case TimerKind::connect_retry: return "ConnectRetryTimer";
    case TimerKind::hold: return "HoldTimer";
    case TimerKind::keepalive: return "KeepaliveTimer";
    case TimerKind::idle_hold: return "IdleHoldTimer";
    case TimerKind::stable: return "StableTimer";
  }
  return "unknown";
}

std::string_view to_string(DownReason::Kind kind) {
  using K = DownReason::Kind;
  switch (kind) {
    case K::manual_stop: return "manual stop";
    case K::automatic_stop: return "automatic stop";
    case K::hold_timer_expired: return "hold timer expired";
    case K::error_sent: return "error sent";
    case K::notification_received: return "notification received";
    case K::connection_failed: return "connection failed";
    case K::collision: return "connection collision";
    case K::unexpected_event: return "unexpected event";
  }
  return "unknown";
}

SessionFsm::SessionFsm(SessionConfig config, ConnectRetryBackoff backoff)
    : config_(std::move(config)), backoff_(std::move(backoff)) {}

Result<SessionFsm> SessionFsm::create(SessionConfig config, ConnectRetryBackoff::RandomSource random) {
  if (auto s = validate(config); !s.ok()) return s.error().context("BGP session configuration");
  if (!random) return Error{"BGP session needs a random source"};
  ConnectRetryBackoff backoff(config.idle_hold, std::move(random));
  return SessionFsm(std::move(config), std::move(backoff));
}

SessionFsm SessionFsm::fork_for_inbound_connection() const {
  SessionFsm fork = *this;
  fork.state_ = SessionState::active;
  fork.timers_ = {};
  // A separate range of generations, so an expiry meant for this FSM never matches one
  // of the fork's timers, whichever instance the shell keeps.
  fork.last_generation_ += std::uint64_t{1} << 32;
  fork.origin_.reset();
  fork.negotiated_.reset();
  fork.disabled_families_.clear();
  return fork;
}

std::vector<SessionAction> SessionFsm::handle(const SessionEvent& event) {
  Actions out;
  std::visit(Overloaded{
                 [&](const events::ManualStart&) { on_manual_start(out); },
                 [&](const events::ManualStop& e) { on_manual_stop(out, e); },
                 [&](const events::AutomaticStop& e) { on_automatic_stop(out, e); },
                 [&](const events::TimerExpired& e) { on_timer(out, e); },
                 [&](const events::TcpConnectionAcked&) { on_tcp_up(out, ConnectionOrigin::local); },
                 [&](const events::TcpConnectionConfirmed&) { on_tcp_up(out, ConnectionOrigin::remote); },
                 [&](const events::TcpConnectionFails&) { on_tcp_fails(out); },
                 [&](const events::MessageReceived& e) { on_message(out, e.received); },
                 [&](const events::MessageRejected& e) { on_rejected(out, e.error); },
                 [&](const events::OpenCollisionDump&) { on_collision_dump(out); },
                 [&](const events::UpdateSent&) { on_update_sent(out); },
             },
             event);
  return out;
}

// ---- operator and speaker commands

void SessionFsm::on_manual_start(Actions& out) {
  if (state_ != SessionState::idle) return;
  automatic_restart_ = true;
  backoff_.reset();
  stop_timer(out, TimerKind::idle_hold);
  start(out);
}

void SessionFsm::on_manual_stop(Actions& out, const events::ManualStop& e) {
  automatic_restart_ = false;
  if (state_ == SessionState::idle) {
    stop_timer(out, TimerKind::idle_hold);  // no start after the idle hold time
    return;
  }
  DownReason reason{DownReason::Kind::manual_stop, std::nullopt, {}};
  if (exchanging_messages(state_)) {
    reason.notification = Notification::cease(CeaseSubcode::administrative_shutdown);
    if (e.shutdown_communication) {
      auto with =
          Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, *e.shutdown_communication);
      if (with.ok()) {
        reason.notification = std::move(with).value();
      } else {
        reason.detail = "Shutdown Communication left out: " + with.error().message;
      }
    }
  }
  go_idle(out, std::move(reason), false);
}

void SessionFsm::on_automatic_stop(Actions& out, const events::AutomaticStop& e) {
  if (state_ == SessionState::idle) return;
  DownReason reason{DownReason::Kind::automatic_stop, std::nullopt, {}};
  if (exchanging_messages(state_)) reason.notification = Notification::cease(e.subcode);
  go_idle(out, std::move(reason), true);
}

void SessionFsm::on_collision_dump(Actions& out) {
  if (state_ == SessionState::idle) return;
  DownReason reason{DownReason::Kind::collision, std::nullopt, {}};
  if (exchanging_messages(state_)) {
    reason.notification = Notification::cease(CeaseSubcode::connection_collision_resolution);
  }
  // The other connection carries the session on: this one does not start again.
  go_idle(out, std::move(reason), false);
}

// ---- timers

void SessionFsm::on_timer(Actions& out, const events::TimerExpired& e) {
  auto& timer = timers_[static_cast<std::size_t>(e.kind)];
  if (!timer.running || timer.generation != e.generation) return;  // stale: restarted or stopped since
  timer.running = false;
  switch (e.kind) {
    case TimerKind::connect_retry:
      // Running only in Connect: abandon the attempt and try again.
      out.push_back(actions::CloseConnection{});
      out.push_back(actions::Connect{});
      start_timer(out, TimerKind::connect_retry, config_.connect_retry_time);
      break;
    case TimerKind::hold: go_idle(out, {DownReason::Kind::hold_timer_expired, hold_timer_expired(), {}}, true); break;
    case TimerKind::keepalive:
      out.push_back(actions::SendKeepalive{});
      start_timer(out, TimerKind::keepalive, std::chrono::seconds(negotiated_->keepalive_time));
      break;
    case TimerKind::idle_hold: start(out); break;
    case TimerKind::stable: backoff_.reset(); break;
  }
}

// ---- TCP

void SessionFsm::on_tcp_up(Actions& out, ConnectionOrigin origin) {
  if (state_ == SessionState::idle) {
    // RFC 4271 §8.2.2: Idle refuses every connection.
    out.push_back(actions::CloseConnection{});
    return;
  }
  // In OpenSent and later this FSM already has its connection; a second one belongs to
  // a fork (collision.hpp) and never reaches it.
  if (state_ != SessionState::connect && state_ != SessionState::active) return;
  origin_ = origin;
  stop_timer(out, TimerKind::connect_retry);
  out.push_back(actions::SendOpen{make_open(config_)});
  start_timer(out, TimerKind::hold, config_.open_hold_time);
  state_ = SessionState::open_sent;
}

void SessionFsm::on_tcp_fails(Actions& out) {
  if (state_ == SessionState::idle) return;
  go_idle(out, {DownReason::Kind::connection_failed, std::nullopt, {}}, true);
}

void SessionFsm::on_update_sent(Actions& out) {
  if (state_ == SessionState::established && timer_running(TimerKind::keepalive)) {
    start_timer(out, TimerKind::keepalive, std::chrono::seconds(negotiated_->keepalive_time));
  }
}

// ---- messages

void SessionFsm::on_rejected(Actions& out, const MessageError& error) {
  if (state_ == SessionState::idle) return;
  if (!exchanging_messages(state_)) {
    go_idle(out, {DownReason::Kind::unexpected_event, std::nullopt, "message before the connection was up"}, true);
    return;
  }
  fail_with(out, error.notification, error.reason);
}

void SessionFsm::on_message(Actions& out, const Received& received) {
  if (state_ == SessionState::idle) return;
  if (!exchanging_messages(state_)) {
    go_idle(out, {DownReason::Kind::unexpected_event, std::nullopt, "message before the connection was up"}, true);
    return;
  }
  const auto& m = received.message;
  if (const auto* n = std::get_if<Notification>(&m)) {
    go_idle(out, {DownReason::Kind::notification_received, *n, n->name()}, true);
  } else if (const auto* open = std::get_if<Open>(&m)) {
    if (state_ == SessionState::open_sent) {
      on_open(out, *open);
    } else {
      unexpected_message(out, MessageType::open);
    }
  } else if (std::holds_alternative<Keepalive>(m)) {
    if (state_ == SessionState::open_sent) {
      unexpected_message(out, MessageType::keepalive);
    } else {
      on_keepalive(out);
    }
  } else if (const auto* update = std::get_if<Update>(&m)) {
    if (state_ == SessionState::established) {
      on_update(out, *update, received.verdict);
    } else {
      unexpected_message(out, MessageType::update);
    }
  } else if (const auto* refresh = std::get_if<RouteRefresh>(&m)) {
    if (state_ == SessionState::established) {
      on_route_refresh(out, *refresh);
    } else {
      unexpected_message(out, MessageType::route_refresh);
    }
  }
}

void SessionFsm::on_open(Actions& out, const Open& open) {
  auto negotiated = negotiate(open, config_);
  if (!negotiated.ok()) {
    fail_with(out, negotiated.error().notification, negotiated.error().reason);
    return;
  }
  negotiated_ = std::move(negotiated).value();
  out.push_back(actions::SendKeepalive{});
  if (negotiated_->hold_time == 0) {
    // RFC 4271 §4.2: a hold time of 0 means no hold timer and no KEEPALIVEs.
    stop_timer(out, TimerKind::hold);
  } else {
    start_timer(out, TimerKind::hold, std::chrono::seconds(negotiated_->hold_time));
    start_timer(out, TimerKind::keepalive, std::chrono::seconds(negotiated_->keepalive_time));
  }
  state_ = SessionState::open_confirm;
}

void SessionFsm::on_keepalive(Actions& out) {
  restart_hold_timer(out);
  if (state_ != SessionState::open_confirm) return;
  start_timer(out, TimerKind::stable, config_.stable_time);
  state_ = SessionState::established;
  out.push_back(actions::SessionEstablished{*negotiated_});
}

void SessionFsm::on_update(Actions& out, const Update& update, const UpdateVerdict& verdict) {
  if (verdict.action == UpdateAction::session_reset) {
    const auto* decisive = verdict.decisive();
    fail_with(out, *verdict.notification(), decisive ? decisive->reason : std::string());
    return;
  }
  // What the families still carried must do about this UPDATE: the strongest action
  // short of AFI/SAFI-disable.
  UpdateAction remaining = UpdateAction::none;
  for (const auto& p : verdict.problems) {
    if (p.action != UpdateAction::afi_safi_disable) remaining = std::max(remaining, p.action);
  }
  if (verdict.action == UpdateAction::afi_safi_disable) {
    std::vector<const UpdateProblem*> to_disable;
    for (const auto& p : verdict.problems) {
      if (p.action != UpdateAction::afi_safi_disable || !p.afi_safi || !family_enabled(*p.afi_safi)) continue;
      const bool listed = std::any_of(to_disable.begin(), to_disable.end(),
                                      [&](const UpdateProblem* q) { return q->afi_safi == p.afi_safi; });
      if (!listed) to_disable.push_back(&p);
    }
    const auto still_enabled =
        std::count_if(negotiated_->families.begin(), negotiated_->families.end(), [&](AfiSafi f) {
          return family_enabled(f) && std::none_of(to_disable.begin(), to_disable.end(),
                                                   [&](const UpdateProblem* q) { return *q->afi_safi == f; });
        });
    if (!to_disable.empty() && still_enabled == 0) {
      // A session left with no family carries nothing: RFC 7606 §2 lets session reset
      // stand in for AFI/SAFI-disable.
      fail_with(out, *verdict.notification(),
                to_disable.front()->reason + "; disabling " + to_string(*to_disable.front()->afi_safi) +
                    " would leave the session without a family");
      return;
    }
    for (const auto* p : to_disable) {
      disabled_families_.push_back(*p->afi_safi);
      out.push_back(actions::DisableFamily{*p->afi_safi, p->reason});
    }
  }
  restart_hold_timer(out);

  // A well-formed End-of-RIB of a family we carry goes to the RIB as it is.
  const auto end_of_rib = update.end_of_rib_family();
  if (verdict.problems.empty() && end_of_rib) {
    if (family_enabled(*end_of_rib)) out.push_back(actions::DeliverUpdate{update, remaining, verdict});
    return;
  }
  // Routes of families the session does not carry (never negotiated, or disabled) are
  // ignored (RFC 4760 §7).
  Update kept = update;
  if (!family_enabled(kIpv4Unicast)) {
    kept.withdrawn_routes.clear();
    kept.nlri.clear();
  }
  if (kept.mp_reach && !family_enabled(kept.mp_reach->afi_safi)) kept.mp_reach.reset();
  if (kept.mp_unreach && !family_enabled(kept.mp_unreach->afi_safi)) kept.mp_unreach.reset();
  if (!carries_routes(kept)) return;
  out.push_back(actions::DeliverUpdate{std::move(kept), remaining, verdict});
}

void SessionFsm::on_route_refresh(Actions& out, const RouteRefresh& refresh) {
  restart_hold_timer(out);
  // RFC 7313 §5: unknown subtypes are ignored; BoRR and EoRR need Enhanced Route Refresh.
  // RFC 2918 §4: a family not negotiated is ignored.
  if (!refresh.is_known()) return;
  const bool allowed = refresh.subtype == RouteRefreshSubtype::normal
                           ? negotiated_->route_refresh || negotiated_->enhanced_route_refresh
                           : negotiated_->enhanced_route_refresh;
  if (!allowed || !family_enabled(refresh.afi_safi)) return;
  out.push_back(actions::DeliverRouteRefresh{refresh});
}

void SessionFsm::unexpected_message(Actions& out, MessageType type) {
  FsmErrorSubcode subcode = FsmErrorSubcode::unexpected_message_in_established;
  if (state_ == SessionState::open_sent) subcode = FsmErrorSubcode::unexpected_message_in_opensent;
  if (state_ == SessionState::open_confirm) subcode = FsmErrorSubcode::unexpected_message_in_openconfirm;
  fail_with(
      out, fsm_error(subcode, type),
      "unexpected message type " + std::to_string(static_cast<int>(type)) + " in " + std::string(to_string(state_)));
}

// ---- helpers

void SessionFsm::start(Actions& out) {
  if (config_.passive) {
    state_ = SessionState::active;
    return;
  }
  out.push_back(actions::Connect{});
  start_timer(out, TimerKind::connect_retry, config_.connect_retry_time);
  state_ = SessionState::connect;
}

void SessionFsm::start_timer(Actions& out, TimerKind kind, std::chrono::milliseconds duration) {
  auto& timer = timers_[static_cast<std::size_t>(kind)];
  timer.running = true;
  timer.generation = ++last_generation_;
  out.push_back(actions::StartTimer{kind, duration, timer.generation});
}

void SessionFsm::stop_timer(Actions& out, TimerKind kind) {
  auto& timer = timers_[static_cast<std::size_t>(kind)];
  if (!timer.running) return;
  timer.running = false;
  out.push_back(actions::StopTimer{kind});
}

void SessionFsm::restart_hold_timer(Actions& out) {
  if (negotiated_ && negotiated_->hold_time > 0) {
    start_timer(out, TimerKind::hold, std::chrono::seconds(negotiated_->hold_time));
  }
}

void SessionFsm::fail_with(Actions& out, Notification notification, std::string detail) {
  go_idle(out, {DownReason::Kind::error_sent, std::move(notification), std::move(detail)}, true);
}

void SessionFsm::go_idle(Actions& out, DownReason reason, bool restart) {
  if (reason.notification && reason.kind != DownReason::Kind::notification_received) {
    out.push_back(actions::SendNotification{*reason.notification});
  }
  if (has_connection(state_)) out.push_back(actions::CloseConnection{});
  for (auto kind : kAllTimers) stop_timer(out, kind);
  const bool was_established = state_ == SessionState::established;
  state_ = SessionState::idle;
  origin_.reset();
  negotiated_.reset();
  disabled_families_.clear();
  if (was_established) {
    ++flap_count_;
    out.push_back(actions::SessionDown{reason, flap_count_});
  }
  last_down_reason_ = std::move(reason);
  if (restart && automatic_restart_) start_timer(out, TimerKind::idle_hold, backoff_.next_delay());
}

bool SessionFsm::family_enabled(AfiSafi afi_safi) const {
  return negotiated_ && negotiated_->has_family(afi_safi) &&
         std::find(disabled_families_.begin(), disabled_families_.end(), afi_safi) == disabled_families_.end();
}

}  // namespace sluice::bgp
