// Connection collisions (RFC 4271 §6.8, RFC 6286 §2.3) between two SessionFsms for one
// peer, and which inbound connections may reach a session at all.
#include <doctest/doctest.h>

#include "bgpd/session/collision.hpp"
#include "bgpd/session/peer_admission.hpp"
#include "codec_test_support.hpp"
#include "session_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;
using Strings = std::vector<std::string>;
using S = SessionState;

namespace {

CollisionInput input(S other_state, ConnectionOrigin other_origin, const char* local_id, const char* remote_id) {
  CollisionInput in;
  in.other_state = other_state;
  in.other_origin = other_origin;
  in.receiving_origin = other_origin == ConnectionOrigin::local ? ConnectionOrigin::remote : ConnectionOrigin::local;
  in.local_identifier = address(local_id);
  in.remote_identifier = address(remote_id);
  in.local_as = 65000;
  in.remote_as = 65001;
  return in;
}

Open open_from(const char* identifier) {
  return Open::make(65001, 90, address(identifier), peer_open().capabilities);
}

SessionConfig config_with_identifier(const char* identifier) {
  SessionConfig config = session_config();
  config.local_identifier = address(identifier);
  return config;
}

// The peer's FSM that connected out, and the fork that took the peer's connection; both
// in OpenSent.
struct CollidingPair {
  Harness outbound;
  Harness inbound;

  explicit CollidingPair(const SessionConfig& config) : outbound(config), inbound(make_fsm(config)) {
    outbound.to_open_sent();
    REQUIRE(inbound_disposition(outbound.fsm) == InboundDisposition::fork);
    inbound = Harness(outbound.fsm.fork_for_inbound_connection());
    inbound.handle(events::TcpConnectionConfirmed{});
    REQUIRE(inbound.fsm.state() == S::open_sent);
  }
};

}  // namespace

TEST_CASE("collision: the higher BGP Identifier's connection survives") {
  using O = ConnectionOrigin;
  using C = CollisionOutcome;
  struct Case {
    S other_state;
    O other_origin;
    const char* local_id;
    const char* remote_id;
    C expected;
  };
  for (auto c : {
           // We are lower: keep the connection the peer opened.
           Case{S::open_confirm, O::local, "10.0.0.1", "10.0.0.2", C::keep_receiving},
           Case{S::open_confirm, O::remote, "10.0.0.1", "10.0.0.2", C::keep_other},
           // We are higher: keep ours.
           Case{S::open_confirm, O::local, "10.0.0.2", "10.0.0.1", C::keep_other},
           Case{S::open_confirm, O::remote, "10.0.0.2", "10.0.0.1", C::keep_receiving},
           // OpenSent is examined too.
           Case{S::open_sent, O::local, "10.0.0.1", "10.0.0.2", C::keep_receiving},
           Case{S::open_sent, O::remote, "10.0.0.2", "10.0.0.1", C::keep_receiving},
           // Compared as unsigned integers, not as signed or as text.
           Case{S::open_confirm, O::local, "200.0.0.1", "9.0.0.1", C::keep_other},
           Case{S::open_confirm, O::local, "9.0.0.1", "200.0.0.1", C::keep_receiving},
           // Established always wins.
           Case{S::established, O::local, "10.0.0.1", "10.0.0.2", C::keep_other},
           Case{S::established, O::remote, "10.0.0.2", "10.0.0.1", C::keep_other},
           // Nothing to collide with before the other connection has sent its OPEN.
           Case{S::idle, O::local, "10.0.0.1", "10.0.0.2", C::no_collision},
           Case{S::connect, O::local, "10.0.0.1", "10.0.0.2", C::no_collision},
           Case{S::active, O::remote, "10.0.0.2", "10.0.0.1", C::no_collision},
       }) {
    CAPTURE(to_string(c.other_state));
    CAPTURE(c.local_id);
    CAPTURE(static_cast<int>(c.other_origin));
    CHECK(resolve_collision(input(c.other_state, c.other_origin, c.local_id, c.remote_id)) == c.expected);
  }
}

TEST_CASE("collision: equal identifiers fall back to the AS numbers (RFC 6286 §2.3)") {
  auto in = input(S::open_confirm, ConnectionOrigin::local, "10.0.0.1", "10.0.0.1");
  in.local_as = 65000;
  in.remote_as = 65001;  // the peer's AS is larger: keep the connection it opened
  CHECK(resolve_collision(in) == CollisionOutcome::keep_receiving);
  in.local_as = 65002;
  CHECK(resolve_collision(in) == CollisionOutcome::keep_other);
}

TEST_CASE("collision: two connections opened by the same side keep the older") {
  auto in = input(S::open_confirm, ConnectionOrigin::remote, "10.0.0.1", "10.0.0.2");
  in.receiving_origin = ConnectionOrigin::remote;
  CHECK(resolve_collision(in) == CollisionOutcome::keep_other);
}

TEST_CASE("collision: where an inbound connection goes") {
  Harness h;
  CHECK(inbound_disposition(h.fsm) == InboundDisposition::refuse);
  h.to_connect();
  CHECK(inbound_disposition(h.fsm) == InboundDisposition::fork);
  h.handle(events::TcpConnectionAcked{});
  CHECK(inbound_disposition(h.fsm) == InboundDisposition::fork);
  h.handle(received(peer_open()));
  CHECK(inbound_disposition(h.fsm) == InboundDisposition::fork);
  h.handle(received(Keepalive{}));
  CHECK(inbound_disposition(h.fsm) == InboundDisposition::fork);

  SessionConfig passive = session_config();
  passive.passive = true;
  Harness p(passive);
  p.handle(events::ManualStart{});
  CHECK(inbound_disposition(p.fsm) == InboundDisposition::deliver);
}

TEST_CASE("collision: we have the lower identifier, so the peer's connection survives") {
  CollidingPair pair(config_with_identifier("10.0.0.1"));
  SUBCASE("the OPEN arrives on our connection first") {
    auto r = deliver_open(pair.outbound.fsm, pair.inbound.fsm, open_from("10.0.0.2"));
    CHECK(r.outcome == CollisionOutcome::keep_other);
    CHECK(describe(r.receiving_actions) == Strings{"SendNotification 6/7", "CloseConnection", "StopTimer HoldTimer"});
    CHECK(r.other_actions.empty());
    CHECK(pair.outbound.fsm.state() == S::idle);
    CHECK(pair.outbound.fsm.last_down_reason()->kind == DownReason::Kind::collision);
    // The loser does not start again: the other connection carries the session.
    CHECK_FALSE(pair.outbound.fsm.timer_running(TimerKind::idle_hold));
    // The survivor takes its OPEN in turn; the loser, now Idle, no longer collides.
    r = deliver_open(pair.inbound.fsm, pair.outbound.fsm, open_from("10.0.0.2"));
    CHECK(r.outcome == CollisionOutcome::no_collision);
    CHECK(pair.inbound.fsm.state() == S::open_confirm);
  }
  SUBCASE("the OPEN arrives on the peer's connection first") {
    auto r = deliver_open(pair.inbound.fsm, pair.outbound.fsm, open_from("10.0.0.2"));
    CHECK(r.outcome == CollisionOutcome::keep_receiving);
    CHECK(describe(r.other_actions) == Strings{"SendNotification 6/7", "CloseConnection", "StopTimer HoldTimer"});
    CHECK(describe(r.receiving_actions) ==
          Strings{"SendKeepalive", "StartTimer HoldTimer 90000ms", "StartTimer KeepaliveTimer 30000ms"});
    CHECK(pair.inbound.fsm.state() == S::open_confirm);
    CHECK(pair.outbound.fsm.state() == S::idle);
  }
}

TEST_CASE("collision: we have the higher identifier, so our connection survives") {
  CollidingPair pair(config_with_identifier("10.0.0.3"));
  // Our connection reaches OpenConfirm; then the peer's OPEN on its own connection loses.
  auto r = deliver_open(pair.outbound.fsm, pair.inbound.fsm, open_from("10.0.0.2"));
  CHECK(r.outcome == CollisionOutcome::keep_receiving);
  CHECK(pair.inbound.fsm.state() == S::idle);
  CHECK(pair.outbound.fsm.state() == S::open_confirm);

  // The Cease on the wire.
  auto sent = actions_of<actions::SendNotification>(r.other_actions);
  REQUIRE(sent.size() == 1);
  CHECK(notification_bytes(sent[0].notification) == to_hex(hex("ffffffffffffffffffffffffffffffff 0015 03 06 07")));
}

TEST_CASE("collision: an Established session keeps its connection") {
  CollidingPair pair(config_with_identifier("10.0.0.1"));
  // Our connection got established before the peer's OPEN arrived on its own.
  pair.outbound.handle(received(peer_open()));
  pair.outbound.handle(received(Keepalive{}));
  REQUIRE(pair.outbound.fsm.state() == S::established);
  auto r = deliver_open(pair.inbound.fsm, pair.outbound.fsm, open_from("10.0.0.2"));
  CHECK(r.outcome == CollisionOutcome::keep_other);
  CHECK(pair.inbound.fsm.state() == S::idle);
  CHECK(pair.outbound.fsm.state() == S::established);
  CHECK(actions_of<actions::SessionDown>(r.receiving_actions).empty());
}

TEST_CASE("collision: an OPEN that fails negotiation decides nothing") {
  CollidingPair pair(config_with_identifier("10.0.0.1"));
  pair.outbound.handle(received(peer_open()));
  REQUIRE(pair.outbound.fsm.state() == S::open_confirm);
  // From a higher identifier, but from the wrong AS.
  Open wrong = Open::make(65002, 90, address("10.0.0.9"), peer_open().capabilities);
  auto r = deliver_open(pair.inbound.fsm, pair.outbound.fsm, wrong);
  CHECK(r.outcome == CollisionOutcome::no_collision);
  CHECK(r.other_actions.empty());
  CHECK(describe(actions_of<actions::SendNotification>(r.receiving_actions)[0]) == "SendNotification 2/2");
  CHECK(pair.outbound.fsm.state() == S::open_confirm);
}

TEST_CASE("collision: once one connection is Established the other is retired") {
  CollidingPair pair(config_with_identifier("10.0.0.1"));
  auto r = deliver_open(pair.inbound.fsm, pair.outbound.fsm, open_from("10.0.0.2"));
  REQUIRE(r.outcome == CollisionOutcome::keep_receiving);
  pair.inbound.handle(received(Keepalive{}));
  REQUIRE(pair.inbound.fsm.state() == S::established);
  // The loser is already Idle: nothing more to do.
  CHECK(settle_after_established(pair.inbound.fsm, pair.outbound.fsm).empty());

  // A connection still being attempted is abandoned quietly.
  Harness late;
  late.to_connect();
  CHECK(describe(settle_after_established(pair.inbound.fsm, late.fsm)) ==
        Strings{"CloseConnection", "StopTimer ConnectRetryTimer"});
  // Nothing happens while the first is not Established yet.
  Harness early;
  early.to_open_sent();
  Harness other;
  other.to_connect();
  CHECK(settle_after_established(early.fsm, other.fsm).empty());
  CHECK(other.fsm.state() == S::connect);
}

TEST_CASE("collision: the fork carries the peer's history") {
  Harness h;
  h.to_established();
  h.handle(events::TcpConnectionFails{});
  h.fire(TimerKind::idle_hold);
  h.handle(events::TcpConnectionAcked{});
  h.handle(events::TcpConnectionFails{});
  h.fire(TimerKind::idle_hold);
  REQUIRE(h.fsm.state() == S::connect);

  SessionFsm fork = h.fsm.fork_for_inbound_connection();
  CHECK(fork.state() == S::active);
  CHECK(fork.flap_count() == 1);
  CHECK(fork.backoff().failures() == 2);
  CHECK_FALSE(fork.connection_origin());
  for (auto kind :
       {TimerKind::connect_retry, TimerKind::hold, TimerKind::keepalive, TimerKind::idle_hold, TimerKind::stable}) {
    CHECK_FALSE(fork.timer_running(kind));
  }
  // The original's pending connect retry expiry means nothing to the fork.
  CHECK(fork.handle(events::TimerExpired{TimerKind::connect_retry, h.generation(TimerKind::connect_retry)}).empty());
  // Once it wins and fails, it backs off where the peer was.
  Harness winner(fork);
  winner.handle(events::TcpConnectionConfirmed{});
  winner.handle(events::TcpConnectionFails{});
  CHECK(winner.duration(TimerKind::idle_hold) == std::chrono::seconds(20));
}

TEST_CASE("peer admission: configured peers and listen ranges only") {
  const std::vector<sluice::ip::Address> peers{address("192.0.2.1"), address("2001:db8::1")};
  const std::vector<sluice::ip::Prefix> ranges{prefix("10.0.0.0/8"), prefix("10.1.0.0/16"), prefix("fd00::/8")};
  using K = InboundPeer::Kind;
  CHECK(match_inbound_peer(address("192.0.2.1"), peers, ranges) == InboundPeer{K::configured_peer, 0});
  CHECK(match_inbound_peer(address("2001:db8::1"), peers, ranges) == InboundPeer{K::configured_peer, 1});
  CHECK(match_inbound_peer(address("10.2.0.1"), peers, ranges) == InboundPeer{K::listen_range, 0});
  CHECK(match_inbound_peer(address("10.1.0.1"), peers, ranges) == InboundPeer{K::listen_range, 1});  // longest
  CHECK(match_inbound_peer(address("fd00::5"), peers, ranges) == InboundPeer{K::listen_range, 2});
  CHECK_FALSE(match_inbound_peer(address("192.0.2.2"), peers, ranges));
  CHECK_FALSE(match_inbound_peer(address("2001:db8::2"), peers, ranges));
  CHECK_FALSE(match_inbound_peer(address("11.0.0.1"), peers, ranges));
  // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
  CHECK(match_inbound_peer(address("::ffff:192.0.2.1"), peers, ranges) == InboundPeer{K::configured_peer, 0});
  CHECK(match_inbound_peer(address("::ffff:10.3.0.1"), peers, ranges) == InboundPeer{K::listen_range, 0});
  // A configured peer inside a range is that peer, not the range.
  const std::vector<sluice::ip::Address> inside{address("10.1.2.3")};
  CHECK(match_inbound_peer(address("10.1.2.3"), inside, ranges) == InboundPeer{K::configured_peer, 0});
  CHECK_FALSE(match_inbound_peer(address("10.1.2.3"), {}, {}));
}
