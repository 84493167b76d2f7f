// The session FSM (RFC 4271 §8): every state's answer to the main events, timers and
// their generations, passive sessions, restart backoff, and what the session does with
// each RFC 7606 verdict.
#include <doctest/doctest.h>

#include <functional>

#include "codec_test_support.hpp"
#include "session_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

namespace {

const std::string kIdleHold = "StartTimer IdleHoldTimer 5000ms";

Harness harness_in(SessionState state) {
  SessionConfig config = session_config();
  config.passive = state == SessionState::active;
  Harness h(config);
  switch (state) {
    case SessionState::idle: break;
    case SessionState::connect: h.to_connect(); break;
    case SessionState::active: h.handle(events::ManualStart{}); break;
    case SessionState::open_sent: h.to_open_sent(); break;
    case SessionState::open_confirm: h.to_open_confirm(); break;
    case SessionState::established: h.to_established(); break;
  }
  REQUIRE(h.fsm.state() == state);
  return h;
}

Update ordinary_update() {
  Update u;
  u.nlri = {Nlri{prefix("10.1.0.0/24"), 0}};
  return u;
}

// A timer's expiry: the real one when it runs, a made-up (stale) one when it does not.
std::vector<SessionAction> expire(Harness& h, TimerKind kind) {
  if (h.running(kind)) return h.fire(kind);
  return h.handle(events::TimerExpired{kind, 0xdead});
}

const std::map<std::string, std::function<std::vector<SessionAction>(Harness&)>> kEvents{
    {"ManualStart", [](Harness& h) { return h.handle(events::ManualStart{}); }},
    {"ManualStop", [](Harness& h) { return h.handle(events::ManualStop{}); }},
    {"AutomaticStop", [](Harness& h) { return h.handle(events::AutomaticStop{}); }},
    {"ConnectRetryTimer", [](Harness& h) { return expire(h, TimerKind::connect_retry); }},
    {"HoldTimer", [](Harness& h) { return expire(h, TimerKind::hold); }},
    {"KeepaliveTimer", [](Harness& h) { return expire(h, TimerKind::keepalive); }},
    {"StableTimer", [](Harness& h) { return expire(h, TimerKind::stable); }},
    {"TcpConnectionAcked", [](Harness& h) { return h.handle(events::TcpConnectionAcked{}); }},
    {"TcpConnectionConfirmed", [](Harness& h) { return h.handle(events::TcpConnectionConfirmed{}); }},
    {"TcpConnectionFails", [](Harness& h) { return h.handle(events::TcpConnectionFails{}); }},
    {"OPEN", [](Harness& h) { return h.handle(received(peer_open())); }},
    {"KEEPALIVE", [](Harness& h) { return h.handle(received(Keepalive{})); }},
    {"UPDATE", [](Harness& h) { return h.handle(received(ordinary_update())); }},
    {"NOTIFICATION",
     [](Harness& h) { return h.handle(received(Notification::cease(CeaseSubcode::administrative_shutdown))); }},
    {"ROUTE-REFRESH",
     [](Harness& h) {
       return h.handle(received(RouteRefresh{kIpv4Unicast, {}}));
     }},
    {"bad message",
     [](Harness& h) {
       return h.handle(events::MessageRejected{
           {Notification::header(HeaderErrorSubcode::bad_message_length, {0x00, 0x10}), "16 octets"}});
     }},
    {"OpenCollisionDump", [](Harness& h) { return h.handle(events::OpenCollisionDump{}); }},
};

struct Row {
  SessionState from;
  std::string event;
  SessionState to;
  Strings actions;
};

using S = SessionState;

// What leaving each state for Idle stops, after CloseConnection.
const Strings kConnectStops{"CloseConnection", "StopTimer ConnectRetryTimer"};
const Strings kOpenSentStops{"CloseConnection", "StopTimer HoldTimer"};
const Strings kOpenConfirmStops{"CloseConnection", "StopTimer HoldTimer", "StopTimer KeepaliveTimer"};
const Strings kEstablishedStops{"CloseConnection", "StopTimer HoldTimer", "StopTimer KeepaliveTimer",
                                "StopTimer StableTimer"};

Strings cat(std::initializer_list<Strings> parts) {
  Strings out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<Row> transition_table() {
  const Strings no_actions;
  std::vector<Row> rows;
  // Idle refuses connections and ignores everything but ManualStart.
  rows.push_back({S::idle, "ManualStart", S::connect, {"Connect", "StartTimer ConnectRetryTimer 5000ms"}});
  for (const char* e :
       {"ManualStop", "AutomaticStop", "ConnectRetryTimer", "HoldTimer", "KeepaliveTimer", "TcpConnectionFails", "OPEN",
        "KEEPALIVE", "UPDATE", "NOTIFICATION", "ROUTE-REFRESH", "bad message", "OpenCollisionDump"}) {
    rows.push_back({S::idle, e, S::idle, no_actions});
  }
  rows.push_back({S::idle, "TcpConnectionAcked", S::idle, {"CloseConnection"}});
  rows.push_back({S::idle, "TcpConnectionConfirmed", S::idle, {"CloseConnection"}});

  // Connect: waiting for our connection attempt.
  const Strings open_sent_entry{"StopTimer ConnectRetryTimer", "SendOpen", "StartTimer HoldTimer 240000ms"};
  rows.push_back({S::connect, "ManualStart", S::connect, no_actions});
  rows.push_back({S::connect, "ManualStop", S::idle, kConnectStops});
  rows.push_back({S::connect, "AutomaticStop", S::idle, cat({kConnectStops, {kIdleHold}})});
  rows.push_back({S::connect,
                  "ConnectRetryTimer",
                  S::connect,
                  {"CloseConnection", "Connect", "StartTimer ConnectRetryTimer 5000ms"}});
  rows.push_back({S::connect, "HoldTimer", S::connect, no_actions});
  rows.push_back({S::connect, "TcpConnectionAcked", S::open_sent, open_sent_entry});
  rows.push_back({S::connect, "TcpConnectionConfirmed", S::open_sent, open_sent_entry});
  rows.push_back({S::connect, "TcpConnectionFails", S::idle, cat({kConnectStops, {kIdleHold}})});
  for (const char* e : {"OPEN", "KEEPALIVE", "UPDATE", "NOTIFICATION", "ROUTE-REFRESH", "bad message"}) {
    rows.push_back({S::connect, e, S::idle, cat({kConnectStops, {kIdleHold}})});
  }
  rows.push_back({S::connect, "OpenCollisionDump", S::idle, kConnectStops});

  // Active (passive session): no connection, no timer, until the peer connects.
  const Strings passive_entry{"SendOpen", "StartTimer HoldTimer 240000ms"};
  rows.push_back({S::active, "ManualStart", S::active, no_actions});
  rows.push_back({S::active, "ManualStop", S::idle, no_actions});
  rows.push_back({S::active, "AutomaticStop", S::idle, {kIdleHold}});
  rows.push_back({S::active, "ConnectRetryTimer", S::active, no_actions});
  rows.push_back({S::active, "TcpConnectionAcked", S::open_sent, passive_entry});
  rows.push_back({S::active, "TcpConnectionConfirmed", S::open_sent, passive_entry});
  rows.push_back({S::active, "TcpConnectionFails", S::idle, {kIdleHold}});
  for (const char* e : {"OPEN", "KEEPALIVE", "UPDATE", "NOTIFICATION", "ROUTE-REFRESH", "bad message"}) {
    rows.push_back({S::active, e, S::idle, {kIdleHold}});
  }
  rows.push_back({S::active, "OpenCollisionDump", S::idle, no_actions});

  // OpenSent: our OPEN is out, the peer's is awaited.
  rows.push_back({S::open_sent, "ManualStart", S::open_sent, no_actions});
  rows.push_back({S::open_sent, "ManualStop", S::idle, cat({{"SendNotification 6/2"}, kOpenSentStops})});
  rows.push_back(
      {S::open_sent, "AutomaticStop", S::idle, cat({{"SendNotification 6/4"}, kOpenSentStops, {kIdleHold}})});
  rows.push_back({S::open_sent, "HoldTimer", S::idle, {"SendNotification 4/0", "CloseConnection", kIdleHold}});
  rows.push_back({S::open_sent, "ConnectRetryTimer", S::open_sent, no_actions});
  rows.push_back({S::open_sent, "KeepaliveTimer", S::open_sent, no_actions});
  rows.push_back({S::open_sent, "TcpConnectionAcked", S::open_sent, no_actions});
  rows.push_back({S::open_sent, "TcpConnectionConfirmed", S::open_sent, no_actions});
  rows.push_back({S::open_sent, "TcpConnectionFails", S::idle, cat({kOpenSentStops, {kIdleHold}})});
  rows.push_back({S::open_sent,
                  "OPEN",
                  S::open_confirm,
                  {"SendKeepalive", "StartTimer HoldTimer 90000ms", "StartTimer KeepaliveTimer 30000ms"}});
  rows.push_back(
      {S::open_sent, "KEEPALIVE", S::idle, cat({{"SendNotification 5/1 data=04"}, kOpenSentStops, {kIdleHold}})});
  rows.push_back(
      {S::open_sent, "UPDATE", S::idle, cat({{"SendNotification 5/1 data=02"}, kOpenSentStops, {kIdleHold}})});
  rows.push_back(
      {S::open_sent, "ROUTE-REFRESH", S::idle, cat({{"SendNotification 5/1 data=05"}, kOpenSentStops, {kIdleHold}})});
  rows.push_back({S::open_sent, "NOTIFICATION", S::idle, cat({kOpenSentStops, {kIdleHold}})});
  rows.push_back(
      {S::open_sent, "bad message", S::idle, cat({{"SendNotification 1/2 data=00 10"}, kOpenSentStops, {kIdleHold}})});
  rows.push_back({S::open_sent, "OpenCollisionDump", S::idle, cat({{"SendNotification 6/7"}, kOpenSentStops})});

  // OpenConfirm: both OPENs exchanged, the peer's KEEPALIVE awaited.
  rows.push_back({S::open_confirm, "ManualStart", S::open_confirm, no_actions});
  rows.push_back({S::open_confirm, "ManualStop", S::idle, cat({{"SendNotification 6/2"}, kOpenConfirmStops})});
  rows.push_back(
      {S::open_confirm, "AutomaticStop", S::idle, cat({{"SendNotification 6/4"}, kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm,
                  "HoldTimer",
                  S::idle,
                  {"SendNotification 4/0", "CloseConnection", "StopTimer KeepaliveTimer", kIdleHold}});
  rows.push_back(
      {S::open_confirm, "KeepaliveTimer", S::open_confirm, {"SendKeepalive", "StartTimer KeepaliveTimer 30000ms"}});
  rows.push_back({S::open_confirm, "ConnectRetryTimer", S::open_confirm, no_actions});
  rows.push_back({S::open_confirm, "TcpConnectionAcked", S::open_confirm, no_actions});
  rows.push_back({S::open_confirm, "TcpConnectionFails", S::idle, cat({kOpenConfirmStops, {kIdleHold}})});
  rows.push_back(
      {S::open_confirm, "OPEN", S::idle, cat({{"SendNotification 5/2 data=01"}, kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm,
                  "KEEPALIVE",
                  S::established,
                  {"StartTimer HoldTimer 90000ms", "StartTimer StableTimer 300000ms", "SessionEstablished"}});
  rows.push_back(
      {S::open_confirm, "UPDATE", S::idle, cat({{"SendNotification 5/2 data=02"}, kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm, "ROUTE-REFRESH", S::idle,
                  cat({{"SendNotification 5/2 data=05"}, kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm, "NOTIFICATION", S::idle, cat({kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm, "bad message", S::idle,
                  cat({{"SendNotification 1/2 data=00 10"}, kOpenConfirmStops, {kIdleHold}})});
  rows.push_back({S::open_confirm, "OpenCollisionDump", S::idle, cat({{"SendNotification 6/7"}, kOpenConfirmStops})});

  // Established.
  rows.push_back({S::established, "ManualStart", S::established, no_actions});
  rows.push_back({S::established, "ManualStop", S::idle,
                  cat({{"SendNotification 6/2"}, kEstablishedStops, {"SessionDown manual stop flap=1"}})});
  rows.push_back(
      {S::established, "AutomaticStop", S::idle,
       cat({{"SendNotification 6/4"}, kEstablishedStops, {"SessionDown automatic stop flap=1", kIdleHold}})});
  rows.push_back({S::established,
                  "HoldTimer",
                  S::idle,
                  {"SendNotification 4/0", "CloseConnection", "StopTimer KeepaliveTimer", "StopTimer StableTimer",
                   "SessionDown hold timer expired flap=1", kIdleHold}});
  rows.push_back(
      {S::established, "KeepaliveTimer", S::established, {"SendKeepalive", "StartTimer KeepaliveTimer 30000ms"}});
  rows.push_back({S::established, "StableTimer", S::established, no_actions});
  rows.push_back({S::established, "ConnectRetryTimer", S::established, no_actions});
  rows.push_back({S::established, "TcpConnectionConfirmed", S::established, no_actions});
  rows.push_back({S::established, "TcpConnectionFails", S::idle,
                  cat({kEstablishedStops, {"SessionDown connection failed flap=1", kIdleHold}})});
  rows.push_back(
      {S::established, "OPEN", S::idle,
       cat({{"SendNotification 5/3 data=01"}, kEstablishedStops, {"SessionDown error sent flap=1", kIdleHold}})});
  rows.push_back({S::established, "KEEPALIVE", S::established, {"StartTimer HoldTimer 90000ms"}});
  rows.push_back({S::established, "UPDATE", S::established, {"StartTimer HoldTimer 90000ms", "DeliverUpdate none"}});
  rows.push_back(
      {S::established, "ROUTE-REFRESH", S::established, {"StartTimer HoldTimer 90000ms", "DeliverRouteRefresh"}});
  rows.push_back({S::established, "NOTIFICATION", S::idle,
                  cat({kEstablishedStops, {"SessionDown notification received flap=1", kIdleHold}})});
  rows.push_back(
      {S::established, "bad message", S::idle,
       cat({{"SendNotification 1/2 data=00 10"}, kEstablishedStops, {"SessionDown error sent flap=1", kIdleHold}})});
  rows.push_back({S::established, "OpenCollisionDump", S::idle,
                  cat({{"SendNotification 6/7"}, kEstablishedStops, {"SessionDown connection collision flap=1"}})});
  return rows;
}

}  // namespace

TEST_CASE("FSM: every state's answer to the main events") {
  for (const auto& row : transition_table()) {
    CAPTURE(to_string(row.from));
    CAPTURE(row.event);
    Harness h = harness_in(row.from);
    auto out = kEvents.at(row.event)(h);
    CHECK(to_string(h.fsm.state()) == to_string(row.to));
    CHECK(describe(out) == row.actions);
  }
}

TEST_CASE("FSM: the table covers every event in every state") {
  std::map<std::pair<S, std::string>, int> seen;
  for (const auto& row : transition_table()) ++seen[{row.from, row.event}];
  for (const auto& entry : seen) {
    CAPTURE(to_string(entry.first.first));
    CAPTURE(entry.first.second);
    CHECK(entry.second == 1);
  }
  // The states where messages flow answer every message and every command.
  for (S s : {S::idle, S::connect, S::active, S::open_sent, S::open_confirm, S::established}) {
    for (const char* e : {"ManualStart", "ManualStop", "AutomaticStop", "TcpConnectionFails", "OPEN", "KEEPALIVE",
                          "UPDATE", "NOTIFICATION", "ROUTE-REFRESH", "bad message", "OpenCollisionDump"}) {
      CAPTURE(to_string(s));
      CAPTURE(e);
      CHECK(seen.count({s, e}) == 1);
    }
  }
}

TEST_CASE("FSM: the OPEN we send and the session we report") {
  Harness h;
  h.to_connect();
  auto out = h.handle(events::TcpConnectionAcked{});
  auto opens = actions_of<actions::SendOpen>(out);
  REQUIRE(opens.size() == 1);
  CHECK(opens[0].open == make_open(session_config()));
  CHECK(h.fsm.connection_origin() == ConnectionOrigin::local);

  h.handle(received(peer_open()));
  REQUIRE(h.fsm.negotiated());
  out = h.handle(received(Keepalive{}));
  auto up = actions_of<actions::SessionEstablished>(out);
  REQUIRE(up.size() == 1);
  CHECK(up[0].session.peer_as == 65001);
  CHECK(up[0].session.hold_time == 90);
  CHECK(up[0].session.keepalive_time == 30);
  CHECK(up[0].session.families == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(up[0].session == *h.fsm.negotiated());

  Harness inbound;
  inbound.to_connect();
  inbound.handle(events::TcpConnectionConfirmed{});
  CHECK(inbound.fsm.connection_origin() == ConnectionOrigin::remote);
}

TEST_CASE("FSM: a stale timer expiry is ignored") {
  Harness h;
  h.to_established();
  SUBCASE("keepalive timer restarted by an UPDATE we sent") {
    const auto first = h.generation(TimerKind::keepalive);
    auto out = h.handle(events::UpdateSent{});
    CHECK(describe(out) == Strings{"StartTimer KeepaliveTimer 30000ms"});
    CHECK(h.generation(TimerKind::keepalive) != first);
    CHECK(h.fsm.handle(events::TimerExpired{TimerKind::keepalive, first}).empty());
    CHECK(describe(h.fire(TimerKind::keepalive)) == Strings{"SendKeepalive", "StartTimer KeepaliveTimer 30000ms"});
  }
  SUBCASE("hold timer restarted by a KEEPALIVE: the old expiry does not end the session") {
    const auto first = h.generation(TimerKind::hold);
    h.handle(received(Keepalive{}));
    CHECK(h.fsm.handle(events::TimerExpired{TimerKind::hold, first}).empty());
    CHECK(h.fsm.state() == S::established);
    h.fire(TimerKind::hold);
    CHECK(h.fsm.state() == S::idle);
  }
  SUBCASE("a timer stopped by a state change") {
    const auto hold = h.generation(TimerKind::hold);
    h.handle(events::ManualStop{});
    CHECK(h.fsm.handle(events::TimerExpired{TimerKind::hold, hold}).empty());
    CHECK(h.fsm.state() == S::idle);
  }
  SUBCASE("an expiry fires once") {
    const auto keepalive = h.generation(TimerKind::keepalive);
    CHECK(h.fsm.handle(events::TimerExpired{TimerKind::keepalive, keepalive}).size() == 2);
    CHECK(h.fsm.handle(events::TimerExpired{TimerKind::keepalive, keepalive}).empty());
  }
}

TEST_CASE("FSM: hold time 0 means no hold timer and no KEEPALIVEs") {
  Open open = peer_open();
  open.hold_time = 0;
  Harness h;
  h.to_open_sent();
  auto out = h.handle(received(open));
  CHECK(describe(out) == Strings{"SendKeepalive", "StopTimer HoldTimer"});
  CHECK(h.fsm.negotiated()->hold_time == 0);
  CHECK(h.fsm.negotiated()->keepalive_time == 0);
  out = h.handle(received(Keepalive{}));
  CHECK(describe(out) == Strings{"StartTimer StableTimer 300000ms", "SessionEstablished"});
  CHECK_FALSE(h.running(TimerKind::hold));
  CHECK_FALSE(h.running(TimerKind::keepalive));
  CHECK(h.handle(events::UpdateSent{}).empty());
  CHECK(h.handle(received(Keepalive{})).empty());
  CHECK(describe(h.handle(received(ordinary_update()))) == Strings{"DeliverUpdate none"});
}

TEST_CASE("FSM: KEEPALIVE timer from the negotiated hold time or the configured time") {
  SUBCASE("a third of the hold time") {
    Open open = peer_open();
    open.hold_time = 9;
    Harness h;
    h.to_open_confirm(open);
    CHECK(h.duration(TimerKind::hold) == 9s);
    CHECK(h.duration(TimerKind::keepalive) == 3s);
  }
  SUBCASE("configured, when shorter") {
    SessionConfig config = session_config();
    config.keepalive_time = 10;
    Harness h(config);
    h.to_established();
    CHECK(h.duration(TimerKind::keepalive) == 10s);
    CHECK(describe(h.fire(TimerKind::keepalive)) == Strings{"SendKeepalive", "StartTimer KeepaliveTimer 10000ms"});
    CHECK(describe(h.handle(events::UpdateSent{})) == Strings{"StartTimer KeepaliveTimer 10000ms"});
  }
  SUBCASE("an UPDATE we send counts only in Established") {
    Harness h;
    h.to_open_confirm();
    CHECK(h.handle(events::UpdateSent{}).empty());
  }
}

TEST_CASE("FSM: a passive session never connects") {
  SessionConfig config = session_config();
  config.passive = true;
  Harness h(config);
  CHECK(h.handle(events::ManualStart{}).empty());
  CHECK(h.fsm.state() == S::active);
  CHECK_FALSE(h.running(TimerKind::connect_retry));
  // After a failure it waits out the idle hold time, then listens again.
  h.handle(events::TcpConnectionConfirmed{});
  h.handle(events::TcpConnectionFails{});
  REQUIRE(h.fsm.state() == S::idle);
  CHECK(h.fire(TimerKind::idle_hold).empty());
  CHECK(h.fsm.state() == S::active);
  // Connected by the peer, it goes on like any session.
  h.handle(events::TcpConnectionConfirmed{});
  CHECK(h.fsm.connection_origin() == ConnectionOrigin::remote);
  h.handle(received(peer_open()));
  h.handle(received(Keepalive{}));
  CHECK(h.fsm.state() == S::established);
}

TEST_CASE("FSM: automatic restart after failures, with a growing idle hold time") {
  Harness h;
  h.to_connect();
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 5; ++i) {
    h.handle(events::TcpConnectionFails{});
    REQUIRE(h.fsm.state() == S::idle);
    waits.push_back(h.duration(TimerKind::idle_hold));
    CHECK(describe(h.fire(TimerKind::idle_hold)) == Strings{"Connect", "StartTimer ConnectRetryTimer 5000ms"});
    REQUIRE(h.fsm.state() == S::connect);
  }
  CHECK(waits == std::vector<std::chrono::milliseconds>{5s, 10s, 20s, 30s, 30s});
  CHECK(h.fsm.backoff().failures() == 5);

  SUBCASE("ManualStart starts over") {
    h.handle(events::ManualStop{});
    h.handle(events::ManualStart{});
    h.handle(events::TcpConnectionFails{});
    CHECK(h.duration(TimerKind::idle_hold) == 5s);
  }
  SUBCASE("a session that stayed up forgets the failures") {
    h.handle(events::TcpConnectionAcked{});
    h.handle(received(peer_open()));
    h.handle(received(Keepalive{}));
    CHECK(h.duration(TimerKind::stable) == 300s);
    CHECK(h.fire(TimerKind::stable).empty());
    CHECK(h.fsm.backoff().failures() == 0);
    h.handle(events::TcpConnectionFails{});
    CHECK(h.duration(TimerKind::idle_hold) == 5s);
  }
  SUBCASE("a session that went down before the stable time does not") {
    h.handle(events::TcpConnectionAcked{});
    h.handle(received(peer_open()));
    h.handle(received(Keepalive{}));
    h.handle(events::TcpConnectionFails{});
    CHECK(h.duration(TimerKind::idle_hold) == 30s);
  }
}

TEST_CASE("FSM: the idle hold wait carries the backoff's jitter") {
  SessionConfig config = session_config();
  auto fsm = SessionFsm::create(config, fixed_random(0.5));
  REQUIRE(fsm.ok());
  Harness h(std::move(fsm).value());
  h.to_connect();
  h.handle(events::TcpConnectionFails{});
  CHECK(h.duration(TimerKind::idle_hold) == 4375ms);  // 5 s less 0.25 * 0.5 of it
}

TEST_CASE("FSM: ManualStop") {
  SUBCASE("in Idle it cancels the automatic restart") {
    Harness h;
    h.to_connect();
    h.handle(events::TcpConnectionFails{});
    REQUIRE(h.running(TimerKind::idle_hold));
    CHECK(describe(h.handle(events::ManualStop{})) == Strings{"StopTimer IdleHoldTimer"});
    CHECK_FALSE(h.running(TimerKind::idle_hold));
  }
  SUBCASE("after it, failures do not restart the session") {
    Harness h;
    h.to_established();
    h.handle(events::ManualStop{});
    CHECK_FALSE(h.running(TimerKind::idle_hold));
    CHECK(h.fsm.last_down_reason()->kind == DownReason::Kind::manual_stop);
  }
  SUBCASE("with an RFC 9003 Shutdown Communication") {
    Harness h;
    h.to_established();
    auto out = h.handle(events::ManualStop{"maintenance"});
    auto sent = actions_of<actions::SendNotification>(out);
    REQUIRE(sent.size() == 1);
    CHECK(notification_bytes(sent[0].notification) ==
          to_hex(hex("ffffffffffffffffffffffffffffffff 0021 03 06 02 0b 6d61696e74656e616e6365")));
    auto down = actions_of<actions::SessionDown>(out);
    REQUIRE(down.size() == 1);
    CHECK(down[0].reason.notification->shutdown_communication() == "maintenance");
  }
  SUBCASE("a Shutdown Communication that is too long is left out, and said so") {
    Harness h;
    h.to_established();
    auto out = h.handle(events::ManualStop{std::string(256, 'x')});
    auto sent = actions_of<actions::SendNotification>(out);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].notification == Notification::cease(CeaseSubcode::administrative_shutdown));
    CHECK(h.fsm.last_down_reason()->detail.find("255") != std::string::npos);
  }
}

TEST_CASE("FSM: AutomaticStop sends its Cease subcode and restarts") {
  Harness h;
  h.to_established();
  auto out = h.handle(events::AutomaticStop{CeaseSubcode::maximum_number_of_prefixes_reached});
  auto sent = actions_of<actions::SendNotification>(out);
  REQUIRE(sent.size() == 1);
  CHECK(notification_bytes(sent[0].notification) == to_hex(hex("ffffffffffffffffffffffffffffffff 0015 03 06 01")));
  CHECK(h.running(TimerKind::idle_hold));
}

TEST_CASE("FSM: hold timer expiry sends Hold Timer Expired") {
  Harness h;
  h.to_established();
  auto out = h.fire(TimerKind::hold);
  auto sent = actions_of<actions::SendNotification>(out);
  REQUIRE(sent.size() == 1);
  CHECK(notification_bytes(sent[0].notification) == to_hex(hex("ffffffffffffffffffffffffffffffff 0015 03 04 00")));
  CHECK(h.fsm.last_down_reason()->kind == DownReason::Kind::hold_timer_expired);
}

TEST_CASE("FSM: an unexpected message is a Finite State Machine Error naming the message type") {
  Harness h;
  h.to_established();
  auto sent = actions_of<actions::SendNotification>(h.handle(received(peer_open())));
  REQUIRE(sent.size() == 1);
  CHECK(notification_bytes(sent[0].notification) == to_hex(hex("ffffffffffffffffffffffffffffffff 0016 03 05 03 01")));
}

TEST_CASE("FSM: flaps are counted across sessions, with the reason") {
  Harness h;
  h.to_established();
  auto out = h.handle(received(Notification::cease(CeaseSubcode::administrative_reset)));
  auto down = actions_of<actions::SessionDown>(out);
  REQUIRE(down.size() == 1);
  CHECK(down[0].flap_count == 1);
  CHECK(down[0].reason.kind == DownReason::Kind::notification_received);
  CHECK(down[0].reason.notification == Notification::cease(CeaseSubcode::administrative_reset));

  h.fire(TimerKind::idle_hold);
  h.handle(events::TcpConnectionAcked{});
  // A failure before Established is no flap.
  h.handle(events::TcpConnectionFails{});
  CHECK(h.fsm.flap_count() == 1);
  h.fire(TimerKind::idle_hold);
  h.handle(events::TcpConnectionAcked{});
  h.handle(received(peer_open()));
  h.handle(received(Keepalive{}));
  down = actions_of<actions::SessionDown>(h.fire(TimerKind::hold));
  REQUIRE(down.size() == 1);
  CHECK(down[0].flap_count == 2);
  CHECK(h.fsm.flap_count() == 2);
}

TEST_CASE("FSM: OPEN errors send the NOTIFICATION RFC 4271 §6.2 prescribes") {
  auto refuse = [](const Open& open, const SessionConfig& config = session_config()) {
    Harness h(config);
    h.to_open_sent();
    auto sent = actions_of<actions::SendNotification>(h.handle(received(open)));
    REQUIRE(sent.size() == 1);
    CHECK(h.fsm.state() == S::idle);
    CHECK(h.fsm.last_down_reason()->kind == DownReason::Kind::error_sent);
    return notification_bytes(sent[0].notification);
  };
  const std::string marker = "ffffffffffffffffffffffffffffffff ";
  SUBCASE("Bad Peer AS") {
    Open open = peer_open();
    open = Open::make(65002, 90, open.bgp_identifier, open.capabilities);
    CHECK(refuse(open) == to_hex(hex(marker + "0015 03 02 02")));
  }
  SUBCASE("Bad BGP Identifier: an internal peer with ours") {
    SessionConfig config = session_config();
    config.peer_as = 65000;
    Open open = Open::make(65000, 90, address("10.0.0.1"), peer_open().capabilities);
    CHECK(refuse(open, config) == to_hex(hex(marker + "0015 03 02 03")));
  }
  SUBCASE("Unacceptable Hold Time") {
    Open open = peer_open();
    open.hold_time = 2;
    CHECK(refuse(open) == to_hex(hex(marker + "0015 03 02 06")));
  }
  SUBCASE("Unsupported Capability: a required capability the peer lacks") {
    SessionConfig config = session_config();
    config.required_capabilities = {CapabilityCode::route_refresh};
    Open open = peer_open();
    open.capabilities.route_refresh = false;
    CHECK(refuse(open, config) == to_hex(hex(marker + "0017 03 02 07 02 00")));
  }
  SUBCASE("Unsupported Version Number, from the codec, with our version as data") {
    Harness h;
    h.to_open_sent();
    auto decoded = decode_message(framed(1, hex("03 fde9 005a 0a000002 00")), Context{});
    REQUIRE_FALSE(decoded.ok());
    auto sent = actions_of<actions::SendNotification>(h.handle(events::MessageRejected{decoded.error()}));
    REQUIRE(sent.size() == 1);
    CHECK(notification_bytes(sent[0].notification) == to_hex(hex(marker + "0017 03 02 01 0004")));
  }
  SUBCASE("hold time 1 from the codec") {
    Harness h;
    h.to_open_sent();
    auto decoded = decode_message(framed(1, hex("04 fde9 0001 0a000002 00")), Context{});
    REQUIRE_FALSE(decoded.ok());
    auto sent = actions_of<actions::SendNotification>(h.handle(events::MessageRejected{decoded.error()}));
    REQUIRE(sent.size() == 1);
    CHECK(notification_bytes(sent[0].notification) == to_hex(hex(marker + "0015 03 02 06")));
  }
}

// ---- RFC 7606 verdicts in Established

namespace {

const std::string kMandatory = "40 01 01 00  40 02 06 02 01 0000fde9  40 03 04 0a000002 ";
const std::string kNlri = "18 0a0100";

events::MessageReceived update_from(const std::string& attributes, const std::string& nlri = kNlri,
                                    const Context& context = four_octet()) {
  auto message = framed(2, update_body({}, hex(attributes), hex(nlri)));
  auto decoded = decode_message(message, context);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error().reason);
  return events::MessageReceived{*decoded};
}

SessionConfig dual_stack_config() {
  SessionConfig config = session_config();
  config.capabilities.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  return config;
}

Open dual_stack_open() {
  Open open = peer_open();
  open.capabilities.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  return open;
}

}  // namespace

TEST_CASE("FSM: RFC 7606 session-reset sends the codec's NOTIFICATION") {
  Harness h;
  h.to_established();
  // MP_UNREACH_NLRI flagged transitive: Attribute Flags Error, the attribute as data.
  auto out = h.handle(update_from(kMandatory + "c0 0f 03 0002 01", ""));
  auto sent = actions_of<actions::SendNotification>(out);
  REQUIRE(sent.size() == 1);
  CHECK(notification_bytes(sent[0].notification) ==
        to_hex(hex("ffffffffffffffffffffffffffffffff 001b 03 03 04 c00f03000201")));
  CHECK(h.fsm.state() == S::idle);
  CHECK(actions_of<actions::DeliverUpdate>(out).empty());
  CHECK(actions_of<actions::SessionDown>(out).size() == 1);
}

TEST_CASE("FSM: RFC 7606 treat-as-withdraw and attribute-discard keep the session up") {
  Harness h;
  h.to_established();
  SUBCASE("treat-as-withdraw: an ORIGIN of 3") {
    auto out = h.handle(update_from("40 01 01 03  40 02 06 02 01 0000fde9  40 03 04 0a000002"));
    CHECK(describe(out) == Strings{"StartTimer HoldTimer 90000ms", "DeliverUpdate treat-as-withdraw"});
    auto delivered = actions_of<actions::DeliverUpdate>(out);
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0].update.nlri.size() == 1);  // the RIB withdraws these
    CHECK(delivered[0].verdict.problems.size() == 1);
  }
  SUBCASE("attribute-discard: a 5-octet AGGREGATOR") {
    auto out = h.handle(update_from(kMandatory + "c0 07 05 fde90a0000"));
    CHECK(describe(out) == Strings{"StartTimer HoldTimer 90000ms", "DeliverUpdate attribute-discard"});
    auto delivered = actions_of<actions::DeliverUpdate>(out);
    REQUIRE(delivered.size() == 1);
    CHECK_FALSE(delivered[0].update.attributes.aggregator);
  }
  CHECK(h.fsm.state() == S::established);
}

TEST_CASE("FSM: RFC 7606 AFI/SAFI-disable") {
  // MP_UNREACH_NLRI for IPv6 whose prefix runs past the attribute.
  const std::string bad_ipv6 = "80 0f 05 0002 01 40 fd";
  SUBCASE("disables the family and keeps the others") {
    Harness h(dual_stack_config());
    h.to_established(dual_stack_open());
    auto out = h.handle(update_from(kMandatory + bad_ipv6));
    CHECK(describe(out) == Strings{"DisableFamily ipv6-unicast", "StartTimer HoldTimer 90000ms", "DeliverUpdate none"});
    CHECK(h.fsm.disabled_families() == std::vector<AfiSafi>{kIpv6Unicast});
    CHECK(h.fsm.state() == S::established);

    // Later IPv6 routes are ignored; IPv4 ones still flow.
    Update ipv6;
    ipv6.mp_reach = MpReachNlri{kIpv6Unicast, {address("fd00::1")}, {Nlri{prefix("fd00:1::/64"), 0}}};
    CHECK(describe(h.handle(received(ipv6))) == Strings{"StartTimer HoldTimer 90000ms"});
    Update both = ordinary_update();
    both.mp_unreach = MpUnreachNlri{kIpv6Unicast, {Nlri{prefix("fd00:1::/64"), 0}}};
    auto delivered = actions_of<actions::DeliverUpdate>(h.handle(received(both)));
    REQUIRE(delivered.size() == 1);
    CHECK_FALSE(delivered[0].update.mp_unreach);
    CHECK(delivered[0].update.nlri == ordinary_update().nlri);
    // So is an End-of-RIB of the disabled family.
    CHECK(actions_of<actions::DeliverUpdate>(h.handle(received(Update::end_of_rib(kIpv6Unicast)))).empty());
    CHECK(actions_of<actions::DeliverUpdate>(h.handle(received(Update::end_of_rib(kIpv4Unicast)))).size() == 1);
  }
  SUBCASE("resets the session when no family would be left") {
    Harness h;
    h.to_established();
    // MP_UNREACH_NLRI for IPv4 unicast with a prefix length of 128.
    auto out = h.handle(update_from("80 0f 04 0001 01 80", ""));
    CAPTURE(describe(out));
    auto sent = actions_of<actions::SendNotification>(out);
    REQUIRE(sent.size() == 1);
    CHECK(notification_bytes(sent[0].notification) ==
          to_hex(hex("ffffffffffffffffffffffffffffffff 001c 03 03 09 800f0400010180")));
    CHECK(h.fsm.state() == S::idle);
  }
  SUBCASE("a family the codec does not know needs no disabling") {
    Harness h;
    h.to_established();
    // MP_UNREACH_NLRI for AFI 1, SAFI 128.
    auto out = h.handle(update_from(kMandatory + "80 0f 03 0001 80"));
    CHECK(describe(out) == Strings{"StartTimer HoldTimer 90000ms", "DeliverUpdate none"});
  }
  SUBCASE("a family the session never carried needs no disabling") {
    Harness h;
    h.to_established();
    auto out = h.handle(update_from(kMandatory + bad_ipv6));
    CHECK(describe(out) == Strings{"StartTimer HoldTimer 90000ms", "DeliverUpdate none"});
    CHECK(h.fsm.disabled_families().empty());
  }
}

TEST_CASE("FSM: routes of families not negotiated are left out") {
  Harness h;
  h.to_established();
  Update ipv6;
  ipv6.mp_reach = MpReachNlri{kIpv6Unicast, {address("fd00::1")}, {Nlri{prefix("fd00:1::/64"), 0}}};
  CHECK(actions_of<actions::DeliverUpdate>(h.handle(received(ipv6))).empty());
  CHECK(h.fsm.state() == S::established);
}

TEST_CASE("FSM: ROUTE-REFRESH only as negotiated") {
  SUBCASE("not negotiated: ignored") {
    Open open = peer_open();
    open.capabilities.route_refresh = false;
    Harness h;
    h.to_established(open);
    CHECK(actions_of<actions::DeliverRouteRefresh>(h.handle(received(RouteRefresh{kIpv4Unicast, {}}))).empty());
  }
  SUBCASE("a family not negotiated: ignored") {
    Harness h;
    h.to_established();
    CHECK(actions_of<actions::DeliverRouteRefresh>(h.handle(received(RouteRefresh{kIpv6Unicast, {}}))).empty());
  }
  SUBCASE("BoRR needs Enhanced Route Refresh") {
    const RouteRefresh borr{kIpv4Unicast, RouteRefreshSubtype::begin_of_route_refresh};
    Harness plain;
    plain.to_established();
    CHECK(actions_of<actions::DeliverRouteRefresh>(plain.handle(received(borr))).empty());

    SessionConfig config = session_config();
    config.capabilities.enhanced_route_refresh = true;
    Open open = peer_open();
    open.capabilities.enhanced_route_refresh = true;
    Harness enhanced(config);
    enhanced.to_established(open);
    CHECK(actions_of<actions::DeliverRouteRefresh>(enhanced.handle(received(borr))).size() == 1);
    // RFC 7313 §5: an unknown subtype is ignored.
    CHECK(actions_of<actions::DeliverRouteRefresh>(
              enhanced.handle(received(RouteRefresh{kIpv4Unicast, static_cast<RouteRefreshSubtype>(7)})))
              .empty());
  }
}

TEST_CASE("FSM: create refuses an invalid configuration") {
  SessionConfig config = session_config();
  config.hold_time = 2;
  auto fsm = SessionFsm::create(config, fixed_random());
  REQUIRE_FALSE(fsm.ok());
  CHECK(fsm.error().message.find("hold time 2") != std::string::npos);
  CHECK_FALSE(SessionFsm::create(session_config(), nullptr).ok());
}
