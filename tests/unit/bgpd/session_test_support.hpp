// Helpers for the BGP session tests: a standard configuration and peer OPEN, a fake
// shell that keeps the timers an FSM started (so tests fire them by kind), and short
// descriptions of actions so a test can compare a whole action list at once.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bgpd/session/fsm.hpp"

namespace sluice::bgp::testing {

// Local AS 65000, BGP Identifier 10.0.0.1, peer AS 65001 (eBGP), hold time 90, IPv4
// unicast and route refresh; idle hold backoff 5 s to 30 s.
SessionConfig session_config();
// The peer's OPEN for session_config(): AS 65001, hold time 90, identifier 10.0.0.2,
// IPv4 unicast, route refresh, 4-octet AS.
Open peer_open();

// Always `value`: with 0 the backoff has no jitter, so durations are exact.
ConnectRetryBackoff::RandomSource fixed_random(double value = 0.0);

SessionFsm make_fsm(const SessionConfig& config = session_config());

// "Connect", "SendNotification 6/2 data=..", "StartTimer HoldTimer 90000ms", ...
std::string describe(const SessionAction& action);
std::vector<std::string> describe(const std::vector<SessionAction>& actions);

template <class T>
std::vector<T> actions_of(const std::vector<SessionAction>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

// One SessionFsm and the timers it has running, as a shell would track them.
class Harness {
 public:
  explicit Harness(const SessionConfig& config = session_config()) : fsm(make_fsm(config)) {}
  explicit Harness(SessionFsm f) : fsm(std::move(f)) {}

  std::vector<SessionAction> handle(const SessionEvent& event);
  // Fires the running timer of `kind` with the generation it was started with.
  std::vector<SessionAction> fire(TimerKind kind);
  bool running(TimerKind kind) const { return timers_.count(kind) != 0; }
  std::chrono::milliseconds duration(TimerKind kind) const { return timers_.at(kind).duration; }
  std::uint64_t generation(TimerKind kind) const { return timers_.at(kind).generation; }

  // The usual way there: ManualStart, TCP up, the peer's OPEN, its KEEPALIVE.
  void to_connect();
  void to_open_sent();
  void to_open_confirm(const Open& open = peer_open());
  void to_established(const Open& open = peer_open());

  SessionFsm fsm;

 private:
  std::map<TimerKind, actions::StartTimer> timers_;
};

// The message built in place in the event: moving a whole Message variant trips g++ 12's
// -Wmaybe-uninitialized under the sanitizers.
template <class M>
events::MessageReceived received(M message, UpdateVerdict verdict = {}) {
  return events::MessageReceived{Received{Message(std::in_place_type<M>, std::move(message)), std::move(verdict)}};
}
// The encoded NOTIFICATION, header included, as hex.
std::string notification_bytes(const Notification& n);

}  // namespace sluice::bgp::testing
