// The bgpd daemon in-process, in a namespace of its own, peering over a veth with a
// plain speaker in another: what each kind of reload does to the sessions and to the
// kernel (FIB metric changed, router ID changed, a route originated, a change that
// cannot be applied), and what a graceful stop leaves behind.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <doctest/doctest.h>

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

#include "base/health/health.hpp"
#include "base/metrics/registry.hpp"
#include "base/netlink/netns.hpp"
#include "bgpd/config/config_file.hpp"
#include "bgpd/daemon/bgp_daemon.hpp"
#include "bgpd/speaker/speaker.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace std::chrono_literals;
using sluice::testing::run_until;

namespace {

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }

// bgpd's side: node (192.0.50.1); the peer's side: tor (192.0.50.2), a passive speaker
// whose sockets were all made inside its namespace.
struct Lab {
  testing::TestNetns node{"daemon"};
  testing::TestNetns tor{"tor"};
  testing::VethPair link{&node, "eth-tor", &tor, "eth-node"};
  testing::TempDir dir{"bgp-daemon"};
  boost::asio::io_context io;
  std::unique_ptr<Speaker> peer;
  metrics::Registry registry;
  health::Health health;

  Lab() {
    node.exec_checked({"ip", "addr", "add", "192.0.50.1/24", "dev", "eth-tor"});
    tor.exec_checked({"ip", "addr", "add", "192.0.50.2/24", "dev", "eth-node"});
    auto handle = netlink::Netns::open(tor.name()).value();
    auto inside = netlink::NetnsEntry::enter(handle).value();
    SpeakerSettings s;
    s.rib.speaker.local_as = 65002;
    s.rib.speaker.router_id = A("2.2.2.2");
    s.listen.push_back(*ip::Endpoint::parse("192.0.50.2:179"));
    NeighborSettings n;
    n.address = A("192.0.50.1");
    n.session.local_as = 65002;
    n.session.local_identifier = s.rib.speaker.router_id;
    n.session.peer_as = 65001;
    n.session.hold_time = 9;
    n.session.passive = true;
    n.session.capabilities.multiprotocol = {kIpv4Unicast};
    // A graceful-restart helper for bgpd (RFC 4724 needs the capability on both sides).
    n.session.capabilities.graceful_restart = GracefulRestart{false, false, 120, {{kIpv4Unicast, false}}};
    n.peer.address = n.address;
    n.peer.remote_as = 65001;
    s.neighbors.push_back(n);
    OriginatedRoute r;
    r.prefix = *ip::Prefix::parse("10.2.0.0/24");
    r.attributes.path.origin = Origin::igp;
    s.originate.push_back(r);
    peer = std::move(Speaker::start(io, s).value());
  }
  ~Lab() { peer.reset(); }

  const PeerStatus status() { return peer->peer(A("192.0.50.1"))->status(); }
  bool peer_has(std::string_view prefix) {
    auto* table = peer->rib().loc_rib(kIpv4Unicast);
    auto index = table->find(*ip::Prefix::parse(prefix));
    return index && table->best(*index);
  }
  std::string kernel() { return node.exec_checked({"ip", "route", "show", "proto", "201"}); }
};

const char* kConfig = R"({
  "speaker": { "asNumber": 65001, "routerId": "$ROUTER_ID", "holdTime": 9, "connectRetryTime": 1,
               "listenAddresses": [$LISTEN] },
  "neighbors": [ { "address": "192.0.50.2", "asNumber": 65002, "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26", "blackhole": true, "install": true } $MORE ],
  "fib": { "metric": $METRIC }
})";

config::Config make_config(std::string router_id = "1.1.1.1", std::string metric = "1024", std::string more = "",
                           std::string listen = "\"192.0.50.1\"") {
  std::string text = kConfig;
  auto put = [&](const std::string& name, const std::string& value) { text.replace(text.find(name), name.size(), value); };
  put("$ROUTER_ID", router_id);
  put("$LISTEN", listen);
  put("$MORE", more);
  put("$METRIC", metric);
  auto parsed = config::parse_config(text);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
  return *parsed;
}

}  // namespace

TEST_CASE("bgpd daemon: reloads of each kind, and a graceful stop") {
  Lab lab;
  auto handle = netlink::Netns::open(lab.node.name()).value();
  auto inside = netlink::NetnsEntry::enter(handle).value();
  DaemonSettings settings;
  settings.config_path = (lab.dir.path() / "unused.json").string();
  settings.control_socket = (lab.dir.path() / "bgpd.sock").string();
  auto daemon = BgpDaemon::start(lab.io, settings, make_config(), lab.registry, lab.health);
  REQUIRE_MESSAGE(daemon.ok(), daemon.error().message);
  BgpDaemon& d = **daemon;

  auto installed = [&](const std::string& line) { return lab.kernel().find(line) != std::string::npos; };
  REQUIRE(run_until(lab.io, [&] { return installed("10.2.0.0/24 via 192.0.50.2 dev eth-tor metric 1024"); }, 20s));
  CHECK(installed("blackhole 10.244.1.0/26 metric 1024"));
  REQUIRE(run_until(lab.io, [&] { return lab.peer_has("10.244.1.0/26"); }, 5s));
  CHECK_MESSAGE(run_until(lab.io, [&] { return lab.health.readiness().ok; }, 5s), lab.health.readiness().body);
  const auto flaps = lab.status().flaps;

  SUBCASE("fib.metric: the routes are rewritten at the new metric, the session untouched") {
    auto diff = d.apply(make_config("1.1.1.1", "2048"));
    REQUIRE(diff.ok());
    CHECK_MESSAGE(diff->fib.size() == 1, diff->fib.front());
    CHECK(run_until(
        lab.io,
        [&] {
          return installed("10.2.0.0/24 via 192.0.50.2 dev eth-tor metric 2048") &&
                 installed("blackhole 10.244.1.0/26 metric 2048") && !installed("metric 1024");
        },
        10s));
    CHECK(lab.status().flaps == flaps);
  }

  SUBCASE("routerId: a new speaker, the session starts again, the routes come back") {
    auto diff = d.apply(make_config("1.1.1.9"));
    REQUIRE(diff.ok());
    CHECK_FALSE(diff->speaker_reset.empty());
    REQUIRE(run_until(
        lab.io,
        [&] {
          auto s = lab.status();
          return s.state == SessionState::established && s.router_id == A("1.1.1.9");
        },
        20s));
    CHECK(run_until(lab.io, [&] { return installed("10.2.0.0/24 via 192.0.50.2 dev eth-tor metric 1024"); }, 10s));
    CHECK(run_until(lab.io, [&] { return lab.peer_has("10.244.1.0/26"); }, 5s));
  }

  SUBCASE("originate: a new block is announced and installed, the session untouched") {
    auto diff =
        d.apply(make_config("1.1.1.1", "1024", R"(, { "prefix": "10.244.2.0/26", "blackhole": true, "install": true })"));
    REQUIRE(diff.ok());
    CHECK(run_until(lab.io, [&] { return lab.peer_has("10.244.2.0/26") && installed("blackhole 10.244.2.0/26"); },
                    10s));
    CHECK(lab.status().flaps == flaps);
  }

  SUBCASE("a listen address that cannot be bound: refused, and everything stays as it was") {
    const config::Config before = d.config();
    auto diff = d.apply(make_config("1.1.1.1", "1024", "", "\"192.0.50.1\", \"203.0.113.9\""));
    REQUIRE_FALSE(diff.ok());
    CHECK(diff.error().message.find("203.0.113.9") != std::string::npos);
    CHECK(d.config() == before);
    CHECK(d.speaker().listening().size() == 1);
    run_until(lab.io, [] { return false; }, 1s);
    CHECK(lab.status().state == SessionState::established);
    CHECK(lab.status().flaps == flaps);
  }

  SUBCASE("a graceful stop: no NOTIFICATION, and the kernel keeps the routes") {
    bool stopped = false;
    d.stop([&] { stopped = true; });
    REQUIRE(run_until(lab.io, [&] { return stopped; }, 15s));
    REQUIRE(run_until(lab.io, [&] { return lab.status().state != SessionState::established; }, 10s));
    REQUIRE(lab.status().last_down);
    CHECK(lab.status().last_down->kind != DownReason::Kind::notification_received);
    CHECK(installed("10.2.0.0/24 via 192.0.50.2"));
    CHECK(installed("blackhole 10.244.1.0/26"));
    // The peer keeps our route as stale (we advertised graceful restart).
    CHECK(lab.peer_has("10.244.1.0/26"));
  }
}
