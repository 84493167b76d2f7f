// The BGP session finite state machine of RFC 4271 §8, for one connection to one peer,
// as a value: events in (operator commands, TCP outcomes, decoded messages, timer
// expiries), actions out (connect, send, close, start or stop a timer, report the
// session up or down, deliver an UPDATE). No sockets, clocks or RIB: the shell performs
// the actions and feeds back the events.
//
// Where this departs from the letter of §8.2.2:
// - Every failure goes to Idle, and the session starts again by itself after an idle
//   hold time that grows with each failure (§8.1.1 DampPeerOscillations; see
//   connect_retry_backoff.hpp). §8.2.2 would go from OpenSent to Active on a TCP failure.
// - A passive session waits in Active for as long as it takes: it never connects, so
//   no ConnectRetryTimer runs there.
// - No DelayOpen (§8.1.1 optional attribute): our OPEN goes out as soon as TCP is up.
// - The hold timer restarts on every KEEPALIVE, UPDATE and ROUTE-REFRESH received.
// - A second connection to the same peer runs in a second SessionFsm; collision.hpp
//   decides which one survives (§6.8).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgpd/codec/message.hpp"
#include "bgpd/session/connect_retry_backoff.hpp"
#include "bgpd/session/open_negotiation.hpp"
#include "bgpd/session/session_config.hpp"

namespace sluice::bgp {

enum class SessionState : std::uint8_t { idle, connect, active, open_sent, open_confirm, established };
// "Idle", "Connect", ... as RFC 4271 writes them.
std::string_view to_string(SessionState state);

enum class TimerKind : std::uint8_t {
  connect_retry,  // a connection attempt takes too long
  hold,           // nothing heard from the peer
  keepalive,      // time to send a KEEPALIVE
  idle_hold,      // the wait in Idle before starting again after a failure
  stable,         // Established long enough to forget past failures
};
inline constexpr std::size_t kTimerKinds = 5;
std::string_view to_string(TimerKind kind);

// Which side opened the TCP connection; collision resolution needs it (RFC 4271 §6.8).
enum class ConnectionOrigin : std::uint8_t { local, remote };

// Why a session (or an attempt at one) ended: for the log, bgpctl and SessionDown.
struct DownReason {
  enum class Kind : std::uint8_t {
    manual_stop,
    automatic_stop,
    hold_timer_expired,
    error_sent,             // we found an error and sent `notification`
    notification_received,  // the peer sent `notification`
    connection_failed,
    collision,         // lost a connection collision (Cease / Connection Collision Resolution)
    unexpected_event,  // an event the state cannot take, before any BGP message was exchanged
  };
  Kind kind = Kind::manual_stop;
  std::optional<Notification> notification;
  std::string detail;

  friend bool operator==(const DownReason&, const DownReason&) = default;
};
std::string_view to_string(DownReason::Kind kind);

namespace events {
struct ManualStart {};
// Cease / Administrative Shutdown, with an RFC 9003 Shutdown Communication when given.
struct ManualStop {
  std::optional<std::string> shutdown_communication;
};
// A stop the speaker decides (a prefix limit, a configuration change): Cease with this
// subcode, then a start again after the idle hold time.
struct AutomaticStop {
  CeaseSubcode subcode = CeaseSubcode::administrative_reset;
};
// A timer ran out. `generation` is the one its StartTimer carried: an expiry of a timer
// restarted or stopped since is stale and ignored.
struct TimerExpired {
  TimerKind kind = TimerKind::connect_retry;
  std::uint64_t generation = 0;
};
struct TcpConnectionAcked {};      // our connection attempt succeeded (RFC 4271 event 16)
struct TcpConnectionConfirmed {};  // we accepted the peer's connection (event 17)
struct TcpConnectionFails {};      // the connection or the attempt failed or closed (event 18)
// A decoded message; an UPDATE carries its RFC 7606 verdict.
struct MessageReceived {
  Received received;
};
// A message the codec refused (header, OPEN, ROUTE-REFRESH errors): its NOTIFICATION.
struct MessageRejected {
  MessageError error;
};
// Collision resolution chose the other connection (collision.hpp).
struct OpenCollisionDump {};
// We sent an UPDATE: it counts as a KEEPALIVE (RFC 4271 §4.4).
struct UpdateSent {};
}  // namespace events

using SessionEvent =
    std::variant<events::ManualStart, events::ManualStop, events::AutomaticStop, events::TimerExpired,
                 events::TcpConnectionAcked, events::TcpConnectionConfirmed, events::TcpConnectionFails,
                 events::MessageReceived, events::MessageRejected, events::OpenCollisionDump, events::UpdateSent>;

namespace actions {
struct Connect {};          // open a TCP connection to the peer
struct CloseConnection {};  // close the connection, or abandon the attempt
struct SendOpen {
  Open open;
};
struct SendKeepalive {};
struct SendNotification {  // then close: CloseConnection follows
  Notification notification;
};
// Start the timer, replacing a running one of the same kind; its expiry is reported
// as TimerExpired{kind, generation}.
struct StartTimer {
  TimerKind kind = TimerKind::connect_retry;
  std::chrono::milliseconds duration{0};
  std::uint64_t generation = 0;
};
struct StopTimer {
  TimerKind kind = TimerKind::connect_retry;
};
struct SessionEstablished {
  NegotiatedSession session;
};
// The session left Established: the peer's routes go. `flap_count` counts every such
// end so far.
struct SessionDown {
  DownReason reason;
  std::uint64_t flap_count = 0;
};
// An UPDATE for the RIB. `action` is what RFC 7606 asks of it: none, attribute_discard
// (the bad attributes are already left out) or treat_as_withdraw (withdraw every NLRI
// it carries). Content of families the session does not carry is already removed.
struct DeliverUpdate {
  Update update;
  UpdateAction action = UpdateAction::none;
  UpdateVerdict verdict;  // every problem found, for the log
};
struct DeliverRouteRefresh {
  RouteRefresh refresh;
};
// RFC 7606 AFI/SAFI-disable (RFC 4760 §7): drop the peer's routes of this family;
// further ones are ignored for the rest of the session.
struct DisableFamily {
  AfiSafi afi_safi;
  std::string reason;
};
}  // namespace actions

using SessionAction =
    std::variant<actions::Connect, actions::CloseConnection, actions::SendOpen, actions::SendKeepalive,
                 actions::SendNotification, actions::StartTimer, actions::StopTimer, actions::SessionEstablished,
                 actions::SessionDown, actions::DeliverUpdate, actions::DeliverRouteRefresh, actions::DisableFamily>;

class SessionFsm {
 public:
  // Fails when the configuration is invalid (session_config.hpp). `random` feeds the
  // backoff's jitter. The FSM starts in Idle and waits for ManualStart.
  static Result<SessionFsm> create(SessionConfig config, ConnectRetryBackoff::RandomSource random);

  std::vector<SessionAction> handle(const SessionEvent& event);

  // For a connection the peer opens while this FSM is busy with another (collision.hpp):
  // a copy with the same configuration and history (backoff, flap count), in Active with
  // no connection and no timer, ready for TcpConnectionConfirmed.
  SessionFsm fork_for_inbound_connection() const;

  SessionState state() const { return state_; }
  const SessionConfig& config() const { return config_; }
  // For the OPENs from now on (clear_restart_flags).
  void clear_restart_flags() { bgp::clear_restart_flags(config_); }
  // Who opened the connection; set from TCP up until the FSM returns to Idle.
  std::optional<ConnectionOrigin> connection_origin() const { return origin_; }
  // Set in OpenConfirm and Established.
  const std::optional<NegotiatedSession>& negotiated() const { return negotiated_; }
  // Families disabled by RFC 7606 AFI/SAFI-disable during this session.
  const std::vector<AfiSafi>& disabled_families() const { return disabled_families_; }
  std::uint64_t flap_count() const { return flap_count_; }
  const std::optional<DownReason>& last_down_reason() const { return last_down_reason_; }
  const ConnectRetryBackoff& backoff() const { return backoff_; }
  bool timer_running(TimerKind kind) const { return timers_[static_cast<std::size_t>(kind)].running; }

 private:
  struct Timer {
    bool running = false;
    std::uint64_t generation = 0;
  };
  using Actions = std::vector<SessionAction>;

  SessionFsm(SessionConfig config, ConnectRetryBackoff backoff);

  void on_manual_start(Actions& out);
  void on_manual_stop(Actions& out, const events::ManualStop& e);
  void on_automatic_stop(Actions& out, const events::AutomaticStop& e);
  void on_timer(Actions& out, const events::TimerExpired& e);
  void on_tcp_up(Actions& out, ConnectionOrigin origin);
  void on_tcp_fails(Actions& out);
  void on_message(Actions& out, const Received& received);
  void on_rejected(Actions& out, const MessageError& error);
  void on_collision_dump(Actions& out);
  void on_update_sent(Actions& out);

  void on_open(Actions& out, const Open& open);
  void on_keepalive(Actions& out);
  void on_update(Actions& out, const Update& update, const UpdateVerdict& verdict);
  void on_route_refresh(Actions& out, const RouteRefresh& refresh);

  void start(Actions& out);
  void start_timer(Actions& out, TimerKind kind, std::chrono::milliseconds duration);
  void stop_timer(Actions& out, TimerKind kind);
  void restart_hold_timer(Actions& out);
  // Sends the NOTIFICATION (when given), closes, reports SessionDown when leaving
  // Established, and goes to Idle; with `restart`, starts the idle hold timer.
  void go_idle(Actions& out, DownReason reason, bool restart);
  void fail_with(Actions& out, Notification notification, std::string detail);
  void unexpected_message(Actions& out, MessageType type);
  bool family_enabled(AfiSafi afi_safi) const;

  SessionConfig config_;
  ConnectRetryBackoff backoff_;
  SessionState state_ = SessionState::idle;
  std::array<Timer, kTimerKinds> timers_{};
  std::uint64_t last_generation_ = 0;
  bool automatic_restart_ = false;  // ManualStart sets it, ManualStop clears it
  std::optional<ConnectionOrigin> origin_;
  std::optional<NegotiatedSession> negotiated_;
  std::vector<AfiSafi> disabled_families_;
  std::uint64_t flap_count_ = 0;
  std::optional<DownReason> last_down_reason_;
};

}  // namespace sluice::bgp
