#include "session_test_support.hpp"

#include <doctest/doctest.h>

#include "codec_test_support.hpp"

namespace sluice::bgp::testing {

SessionConfig session_config() {
  SessionConfig c;
  c.local_as = 65000;
  c.local_identifier = address("10.0.0.1");
  c.peer_as = 65001;
  return c;
}

Open peer_open() {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  caps.route_refresh = true;
  return Open::make(65001, 90, address("10.0.0.2"), caps);
}

ConnectRetryBackoff::RandomSource fixed_random(double value) {
  return [value] { return value; };
}

SessionFsm make_fsm(const SessionConfig& config) {
  auto fsm = SessionFsm::create(config, fixed_random());
  REQUIRE_MESSAGE(fsm.ok(), fsm.error().message);
  return std::move(fsm).value();
}

std::string describe(const SessionAction& action) {
  struct Visitor {
    std::string operator()(const actions::Connect&) const { return "Connect"; }
    std::string operator()(const actions::CloseConnection&) const { return "CloseConnection"; }
    std::string operator()(const actions::SendOpen&) const { return "SendOpen"; }
    std::string operator()(const actions::SendKeepalive&) const { return "SendKeepalive"; }
    std::string operator()(const actions::SendNotification& a) const {
      std::string s =
          "SendNotification " + std::to_string(a.notification.code) + "/" + std::to_string(a.notification.subcode);
      if (!a.notification.data.empty()) s += " data=" + to_hex(a.notification.data);
      return s;
    }
    std::string operator()(const actions::StartTimer& a) const {
      return "StartTimer " + std::string(to_string(a.kind)) + " " + std::to_string(a.duration.count()) + "ms";
    }
    std::string operator()(const actions::StopTimer& a) const { return "StopTimer " + std::string(to_string(a.kind)); }
    std::string operator()(const actions::SessionEstablished&) const { return "SessionEstablished"; }
    std::string operator()(const actions::SessionDown& a) const {
      return "SessionDown " + std::string(to_string(a.reason.kind)) + " flap=" + std::to_string(a.flap_count);
    }
    std::string operator()(const actions::DeliverUpdate& a) const {
      return "DeliverUpdate " + std::string(to_string(a.action));
    }
    std::string operator()(const actions::DeliverRouteRefresh&) const { return "DeliverRouteRefresh"; }
    std::string operator()(const actions::DisableFamily& a) const { return "DisableFamily " + to_string(a.afi_safi); }
  };
  return std::visit(Visitor{}, action);
}

std::vector<std::string> describe(const std::vector<SessionAction>& actions) {
  std::vector<std::string> out;
  out.reserve(actions.size());
  for (const auto& a : actions) out.push_back(describe(a));
  return out;
}

std::vector<SessionAction> Harness::handle(const SessionEvent& event) {
  auto out = fsm.handle(event);
  for (const auto& a : out) {
    if (const auto* start = std::get_if<actions::StartTimer>(&a)) timers_[start->kind] = *start;
    if (const auto* stop = std::get_if<actions::StopTimer>(&a)) timers_.erase(stop->kind);
  }
  return out;
}

std::vector<SessionAction> Harness::fire(TimerKind kind) {
  auto it = timers_.find(kind);
  REQUIRE_MESSAGE(it != timers_.end(), to_string(kind) << " is not running");
  const auto generation = it->second.generation;
  timers_.erase(it);
  return handle(events::TimerExpired{kind, generation});
}

void Harness::to_connect() {
  handle(events::ManualStart{});
  REQUIRE(fsm.state() == SessionState::connect);
}

void Harness::to_open_sent() {
  to_connect();
  handle(events::TcpConnectionAcked{});
  REQUIRE(fsm.state() == SessionState::open_sent);
}

void Harness::to_open_confirm(const Open& open) {
  to_open_sent();
  handle(received(open));
  REQUIRE(fsm.state() == SessionState::open_confirm);
}

void Harness::to_established(const Open& open) {
  to_open_confirm(open);
  handle(received(Keepalive{}));
  REQUIRE(fsm.state() == SessionState::established);
}

std::string notification_bytes(const Notification& n) {
  auto bytes = encode_message(n, Context{});
  REQUIRE_MESSAGE(bytes.ok(), bytes.error().message);
  return to_hex(*bytes);
}

}  // namespace sluice::bgp::testing
