// OPEN negotiation: the peer's OPEN checked against the session configuration
// (RFC 4271 §6.2, RFC 6286, RFC 6793, RFC 5492) and the session both sides agreed on.
#include <doctest/doctest.h>

#include "codec_test_support.hpp"
#include "session_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

NegotiatedSession agreed(const Open& open, const SessionConfig& config = session_config()) {
  auto r = negotiate(open, config);
  REQUIRE_MESSAGE(r.ok(), r.error().reason);
  return *r;
}

Notification refused(const Open& open, const SessionConfig& config = session_config()) {
  auto r = negotiate(open, config);
  REQUIRE_MESSAGE(!r.ok(), "expected the OPEN to be refused");
  return r.error().notification;
}

Open with_hold_time(std::uint16_t hold_time) {
  Open open = peer_open();
  open.hold_time = hold_time;
  return open;
}

SessionConfig with_local_hold_time(std::uint16_t hold_time) {
  SessionConfig config = session_config();
  config.hold_time = hold_time;
  return config;
}

}  // namespace

TEST_CASE("OPEN negotiation: our OPEN") {
  Open open = make_open(session_config());
  CHECK(open.my_as == 65000);
  CHECK(open.hold_time == 90);
  CHECK(open.bgp_identifier == address("10.0.0.1"));
  CHECK(open.capabilities.four_octet_as == 65000u);
  CHECK(open.capabilities.multiprotocol == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(open.capabilities.route_refresh);
  CHECK(encode_open(open).ok());

  SessionConfig config = session_config();
  config.local_as = 4200000000;
  open = make_open(config);
  CHECK(open.my_as == kAsTrans);
  CHECK(open.capabilities.four_octet_as == 4200000000u);
}

TEST_CASE("OPEN negotiation: hold time is the smaller of the two, 0 meaning none") {
  struct Case {
    std::uint16_t ours, theirs, hold, keepalive;
  };
  for (auto c : {Case{90, 0, 0, 0}, Case{0, 90, 0, 0}, Case{0, 0, 0, 0}, Case{90, 3, 3, 1}, Case{90, 180, 90, 30},
                 Case{180, 90, 90, 30}, Case{3, 90, 3, 1}, Case{90, 4, 4, 1}, Case{65535, 65535, 65535, 21845}}) {
    CAPTURE(c.ours);
    CAPTURE(c.theirs);
    auto s = agreed(with_hold_time(c.theirs), with_local_hold_time(c.ours));
    CHECK(s.hold_time == c.hold);
    CHECK(s.keepalive_time == c.keepalive);
  }
}

TEST_CASE("OPEN negotiation: hold times of 1 and 2 are Unacceptable Hold Time") {
  for (std::uint16_t hold : {1, 2}) {
    CAPTURE(hold);
    CHECK(refused(with_hold_time(hold)) == Notification::open(OpenErrorSubcode::unacceptable_hold_time));
    // Also when we propose 0: the peer's value is wrong in itself.
    CHECK(refused(with_hold_time(hold), with_local_hold_time(0)) ==
          Notification::open(OpenErrorSubcode::unacceptable_hold_time));
  }
}

TEST_CASE("OPEN negotiation: a configured KEEPALIVE time, capped at a third of the hold time") {
  SessionConfig config = session_config();
  config.keepalive_time = 10;
  CHECK(agreed(peer_open(), config).keepalive_time == 10);
  config.keepalive_time = 60;
  CHECK(agreed(peer_open(), config).keepalive_time == 30);
  CHECK(agreed(with_hold_time(0), config).keepalive_time == 0);
}

TEST_CASE("OPEN negotiation: the peer's AS") {
  SUBCASE("the configured AS") {
    CHECK(agreed(peer_open()).peer_as == 65001);
  }
  SUBCASE("another AS is Bad Peer AS") {
    Open open = Open::make(65002, 90, address("10.0.0.2"), peer_open().capabilities);
    CHECK(refused(open) == Notification::open(OpenErrorSubcode::bad_peer_as));
  }
  SUBCASE("a 4-octet AS through the capability, AS_TRANS in My AS") {
    SessionConfig config = session_config();
    config.peer_as = 4200000001;
    Open open = Open::make(4200000001, 90, address("10.0.0.2"), peer_open().capabilities);
    REQUIRE(open.my_as == kAsTrans);
    auto s = agreed(open, config);
    CHECK(s.peer_as == 4200000001u);
    CHECK(s.four_octet_as);
    CHECK(s.receive_context().four_octet_as);
  }
  SUBCASE("a 2-octet speaker without the capability") {
    Open open = peer_open();
    open.capabilities.four_octet_as.reset();
    auto s = agreed(open);
    CHECK(s.peer_as == 65001);
    CHECK_FALSE(s.four_octet_as);
    CHECK_FALSE(s.send_context().four_octet_as);
  }
  SUBCASE("a 4-octet AS configured, but the peer sends AS_TRANS without the capability") {
    SessionConfig config = session_config();
    config.peer_as = 4200000001;
    Open open = peer_open();
    open.my_as = static_cast<std::uint16_t>(kAsTrans);
    open.capabilities.four_octet_as.reset();
    CHECK(refused(open, config) == Notification::open(OpenErrorSubcode::bad_peer_as));
  }
  SUBCASE("AS 0 is Bad Peer AS (RFC 7607)") {
    SessionConfig config = session_config();
    config.peer_as.reset();
    Open open = peer_open();
    open.my_as = 0;
    open.capabilities.four_octet_as.reset();
    CHECK(refused(open, config) == Notification::open(OpenErrorSubcode::bad_peer_as));
  }
  SUBCASE("any AS when none is configured") {
    SessionConfig config = session_config();
    config.peer_as.reset();
    Open open = Open::make(64999, 90, address("10.0.0.2"), peer_open().capabilities);
    CHECK(agreed(open, config).peer_as == 64999);
  }
  SUBCASE("eBGP or iBGP") {
    CHECK(agreed(peer_open()).external);
    CHECK(agreed(peer_open()).receive_context().external_peer);
    SessionConfig config = session_config();
    config.peer_as = 65000;
    Open open = Open::make(65000, 90, address("10.0.0.2"), peer_open().capabilities);
    CHECK_FALSE(agreed(open, config).external);
  }
}

TEST_CASE("OPEN negotiation: the BGP Identifier") {
  SUBCASE("0 is Bad BGP Identifier") {
    Open open = peer_open();
    open.bgp_identifier = address("0.0.0.0");
    CHECK(refused(open) == Notification::open(OpenErrorSubcode::bad_bgp_identifier));
  }
  SUBCASE("an internal peer must not use ours (RFC 6286 §2.2)") {
    SessionConfig config = session_config();
    config.peer_as = 65000;
    Open open = Open::make(65000, 90, address("10.0.0.1"), peer_open().capabilities);
    CHECK(refused(open, config) == Notification::open(OpenErrorSubcode::bad_bgp_identifier));
  }
  SUBCASE("an external peer may (RFC 6286 §2.2)") {
    Open open = Open::make(65001, 90, address("10.0.0.1"), peer_open().capabilities);
    CHECK(agreed(open).peer_identifier == address("10.0.0.1"));
  }
}

TEST_CASE("OPEN negotiation: capabilities are what both sides advertised") {
  SessionConfig config = session_config();
  config.capabilities.multiprotocol = {kIpv6Unicast, kIpv4Unicast};
  config.capabilities.enhanced_route_refresh = true;
  config.capabilities.extended_message = true;
  config.capabilities.graceful_restart = GracefulRestart{false, true, 120, {{kIpv4Unicast, false}}};
  config.capabilities.add_path = {{kIpv4Unicast, AddPathMode::both}, {kIpv6Unicast, AddPathMode::receive}};

  SUBCASE("a peer that advertises little") {
    Open open = peer_open();
    open.capabilities.route_refresh = false;
    auto s = agreed(open, config);
    CHECK(s.families == std::vector<AfiSafi>{kIpv4Unicast});
    CHECK_FALSE(s.route_refresh);
    CHECK_FALSE(s.enhanced_route_refresh);
    CHECK_FALSE(s.extended_message);
    CHECK(s.add_path.empty());
    CHECK_FALSE(s.peer_graceful_restart);
    CHECK(s.receive_context().max_message_length() == 4096);
  }
  SUBCASE("a peer that advertises everything") {
    Open open = peer_open();
    auto& caps = open.capabilities;
    caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
    caps.enhanced_route_refresh = true;
    caps.extended_message = true;
    caps.graceful_restart = GracefulRestart{true, false, 90, {{kIpv4Unicast, true}}};
    caps.add_path = {{kIpv4Unicast, AddPathMode::send}, {kIpv6Unicast, AddPathMode::both}};
    caps.unknown = {RawCapability{73, {0x01}}};  // an FQDN-like capability we do not know: ignored
    auto s = agreed(open, config);
    CHECK(s.families == std::vector<AfiSafi>{kIpv6Unicast, kIpv4Unicast});  // our order
    CHECK(s.route_refresh);
    CHECK(s.enhanced_route_refresh);
    CHECK(s.extended_message);
    CHECK(s.receive_context().max_message_length() == 65535);
    REQUIRE(s.peer_graceful_restart);
    CHECK(s.peer_graceful_restart->restart_time == 90);
    CHECK(s.peer_graceful_restart->restart_state);
    // IPv4: we do both, the peer only sends: we receive path identifiers, never send them.
    // IPv6: we only receive, the peer does both: the same.
    CHECK(s.add_path ==
          std::vector<AddPathFamily>{{kIpv4Unicast, AddPathMode::receive}, {kIpv6Unicast, AddPathMode::receive}});
    CHECK(s.receive_context().add_path == std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast});
    CHECK(s.send_context().add_path.empty());
    CHECK(s.peer_capabilities == open.capabilities);
  }
  SUBCASE("add-path both ways") {
    Open open = peer_open();
    open.capabilities.add_path = {{kIpv4Unicast, AddPathMode::both}};
    auto s = agreed(open, config);
    CHECK(s.add_path == std::vector<AddPathFamily>{{kIpv4Unicast, AddPathMode::both}});
    CHECK(s.send_context().add_path == std::vector<AfiSafi>{kIpv4Unicast});
    CHECK(s.receive_context().add_path == std::vector<AfiSafi>{kIpv4Unicast});
  }
  SUBCASE("add-path for a family not negotiated is left out") {
    Open open = peer_open();
    open.capabilities.add_path = {{kIpv6Unicast, AddPathMode::both}};
    CHECK(agreed(open, config).add_path.empty());
  }
  SUBCASE("a peer without the Multiprotocol capability speaks IPv4 unicast") {
    Open open = peer_open();
    open.capabilities.multiprotocol.clear();
    CHECK(agreed(open, config).families == std::vector<AfiSafi>{kIpv4Unicast});
  }
}

TEST_CASE("OPEN negotiation: Unsupported Capability carries our capability as data") {
  SUBCASE("no family in common") {
    SessionConfig config = session_config();
    config.capabilities.multiprotocol = {kIpv6Unicast};
    auto n = refused(peer_open(), config);
    CHECK(n.code == 2);
    CHECK(n.subcode == 7);
    CHECK(to_hex(n.data) == to_hex(hex("01 04 0002 00 01")));
  }
  SUBCASE("a required capability the peer lacks") {
    SessionConfig config = session_config();
    config.capabilities.graceful_restart = GracefulRestart{false, false, 120, {}};
    config.required_capabilities = {CapabilityCode::graceful_restart};
    auto n = refused(peer_open(), config);
    CHECK(n.subcode == 7);
    CHECK(to_hex(n.data) == to_hex(hex("40 02 0078")));
    Open open = peer_open();
    open.capabilities.graceful_restart = GracefulRestart{};
    CHECK(agreed(open, config).peer_graceful_restart);
  }
  SUBCASE("the 4-octet AS capability, when required") {
    SessionConfig config = session_config();
    config.required_capabilities = {CapabilityCode::four_octet_as};
    Open open = peer_open();
    open.capabilities.four_octet_as.reset();
    CHECK(to_hex(refused(open, config).data) == to_hex(hex("41 04 0000fde8")));
  }
}

TEST_CASE("OPEN negotiation: a decoded OPEN goes through unchanged") {
  // The OPEN as the peer would send it, through the codec.
  auto bytes = encode_message(peer_open(), Context{});
  REQUIRE(bytes.ok());
  auto decoded = decode_message(*bytes, Context{});
  REQUIRE(decoded.ok());
  CHECK(agreed(std::get<Open>(decoded->message)) == agreed(peer_open()));
}

TEST_CASE("session configuration: what validate refuses") {
  auto refused_config = [](auto change) {
    SessionConfig config = session_config();
    change(config);
    return !validate(config).ok();
  };
  CHECK(validate(session_config()).ok());
  CHECK(refused_config([](SessionConfig& c) { c.local_as = 0; }));
  CHECK(refused_config([](SessionConfig& c) { c.local_as = kAsTrans; }));
  CHECK(refused_config([](SessionConfig& c) { c.local_identifier = address("0.0.0.0"); }));
  CHECK(refused_config([](SessionConfig& c) { c.local_identifier = address("fd00::1"); }));
  CHECK(refused_config([](SessionConfig& c) { c.peer_as = 0; }));
  CHECK(refused_config([](SessionConfig& c) { c.hold_time = 1; }));
  CHECK(refused_config([](SessionConfig& c) { c.hold_time = 2; }));
  CHECK_FALSE(refused_config([](SessionConfig& c) { c.hold_time = 0; }));
  CHECK_FALSE(refused_config([](SessionConfig& c) { c.hold_time = 3; }));
  CHECK(refused_config([](SessionConfig& c) { c.keepalive_time = 0; }));
  CHECK(refused_config([](SessionConfig& c) { c.capabilities.multiprotocol.clear(); }));
  CHECK(refused_config([](SessionConfig& c) { c.capabilities.add_path = {{kIpv6Unicast, AddPathMode::both}}; }));
  CHECK(refused_config([](SessionConfig& c) { c.required_capabilities = {CapabilityCode::extended_message}; }));
  CHECK(refused_config([](SessionConfig& c) { c.connect_retry_time = std::chrono::seconds(0); }));
  CHECK(refused_config([](SessionConfig& c) { c.idle_hold.jitter = 1.0; }));
}
