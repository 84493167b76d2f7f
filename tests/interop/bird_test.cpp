// sluice-bgpd against BIRD 2 (Debian's 2.0.12): eBGP to a ToR with policies both ways and
// the routes in the kernel; iBGP over IPv6; route reflection to BIRD clients; TCP MD5 and
// GTSM, each with the wrong setting refused first; graceful restart of either side.
// Every case checks the routes on both sides.
#include <doctest/doctest.h>

#include <chrono>

#include "tests/interop/lab.hpp"
#include "tests/support/bgp/bird_router.hpp"
#include "tests/support/bgp/sluice_bgpd.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using sluice::testing::TempDir;
using sluice::testing::TestNetns;
using sluice::testing::wait_until;
using sluice::testing::bgp::best_for;
using sluice::testing::bgp::BirdRouter;
using sluice::testing::bgp::SeenRoute;
using sluice::testing::bgp::SluiceBgpd;
using sluice::testing::interop::kBgpdProtocol;
using sluice::testing::interop::kernel_routes;
using sluice::testing::interop::kSessionTimeout;
using sluice::testing::interop::Link;
using sluice::testing::interop::log_text;
using sluice::testing::interop::substitute;

namespace {

// Short timers on BIRD's side, so that sessions come up and recover in seconds.
const char* kBirdCommon = R"(
log stderr all;
protocol device { scan time 2; }
template bgp fast {
  hold time 9; keepalive time 3; startup hold time 10;
  connect delay time 1; connect retry time 2; error wait time 1, 4; error forget time 10;
}
)";

std::string bird_config(const std::string& router_id, const std::string& body) {
  return "router id " + router_id + ";\n" + kBirdCommon + body;
}

std::string both_logs(const SluiceBgpd& bgpd, const BirdRouter& bird) {
  return "--- bgpd log:\n" + log_text(bgpd.log_file()) + "\n--- BIRD log:\n" + log_text(bird.log_file());
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("eBGP to a BIRD ToR: policies both ways, routes in the kernel, withdrawals") {
  TempDir dir("interop-bird");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 21);
  const std::vector<std::pair<std::string, std::string>> vars{{"$NODE", link.a_v4()}, {"$TOR", link.b_v4()}};

  const std::string bird_body = R"(
protocol static {
  ipv4 { import filter { bgp_community.add((65010, 1)); accept; }; };
  $ROUTE2
}
protocol static poisoned {
  ipv4 { import filter { bgp_community.add((65010, 666)); accept; }; };
  route 10.3.0.0/24 blackhole;
}
protocol static too_long { ipv4; route 10.4.0.0/25 blackhole; }
protocol bgp dut from fast {
  local $TOR as 65010; neighbor $NODE as 64512;
  ipv4 { import all; export all; };
}
)";
  auto bird_text = [&](const std::string& route2) {
    auto all = vars;
    all.emplace_back("$ROUTE2", route2);
    return bird_config("10.255.0.2", substitute(bird_body, all));
  };
  BirdRouter bird(tor, dir.path(), bird_text("route 10.2.0.0/24 blackhole;"));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, "description": "ToR",
                   "importPolicy": "from-tor", "exportPolicy": "to-tor" } ],
  "prefixLists": { "pods": [ { "prefix": "10.244.0.0/16", "ge": 26, "le": 32 } ] },
  "policies": {
    "to-tor": { "terms": [ { "match": { "routeSource": "local", "prefixList": "pods" },
                             "set": { "community": { "add": ["64512:100"] } }, "action": "accept" } ] },
    "from-tor": { "terms": [
      { "match": { "community": { "anyOf": ["65010:666"] } }, "action": "reject" },
      { "match": { "prefixes": [ { "prefix": "0.0.0.0/0", "le": 24 } ] }, "set": { "localPref": 200 },
        "action": "accept" } ] }
  },
  "originate": [ { "prefix": "10.244.1.0/26", "blackhole": true, "install": true },
                 { "prefix": "10.99.0.0/24" } ]
})",
                                                 vars));

  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()) && bird.established("dut"); }, kSessionTimeout),
                  both_logs(bgpd, bird));

  // BIRD gets the pod block with our AS and community, and not the route the policy keeps home.
  REQUIRE_MESSAGE(wait_until([&] { return best_for(bird.routes(), "10.244.1.0/26").has_value(); }, 10s),
                  both_logs(bgpd, bird));
  auto at_tor = bird.routes();
  auto block = *best_for(at_tor, "10.244.1.0/26");
  CHECK(block.as_path == std::vector<std::uint32_t>{64512});
  CHECK(block.next_hops == std::vector<std::string>{link.a_v4()});
  CHECK(block.communities == std::vector<std::string>{"64512:100"});
  CHECK(block.origin == "igp");
  CHECK_FALSE(best_for(at_tor, "10.99.0.0/24"));

  // bgpd takes the /24 with LOCAL_PREF 200, refuses the poisoned and the too-long one.
  REQUIRE_MESSAGE(wait_until([&] { return best_for(bgpd.routes(), "10.2.0.0/24").has_value(); }, 10s),
                  both_logs(bgpd, bird));
  auto at_node = bgpd.routes();
  auto learned = *best_for(at_node, "10.2.0.0/24");
  CHECK(learned.next_hops == std::vector<std::string>{link.b_v4()});
  CHECK(learned.as_path == std::vector<std::uint32_t>{65010});
  CHECK(learned.local_pref == 200u);
  CHECK(learned.communities == std::vector<std::string>{"65010:1"});
  CHECK_FALSE(best_for(at_node, "10.3.0.0/24"));
  CHECK_FALSE(best_for(at_node, "10.4.0.0/25"));
  const std::string neighbor = bgpd.neighbor_json(link.b_v4());
  CHECK_MESSAGE(neighbor.find("\"prefixesReceived\":3") != std::string::npos, neighbor);
  CHECK_MESSAGE(neighbor.find("\"prefixesRejected\":2") != std::string::npos, neighbor);

  // The kernel: the learned route through the ToR, and our block as a blackhole.
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        auto routes = kernel_routes(node, kBgpdProtocol);
                        return has(routes, "10.2.0.0/24 via " + link.b_v4()) && has(routes, "10.244.1.0/26 blackhole");
                      },
                      10s),
                  both_logs(bgpd, bird));
  CHECK(kernel_routes(node, kBgpdProtocol).size() == 2);

  // BIRD stops announcing the /24: it leaves bgpd's table and the kernel.
  bird.reconfigure(bird_text(""));
  CHECK_MESSAGE(wait_until([&] { return !best_for(bgpd.routes(), "10.2.0.0/24"); }, 15s), both_logs(bgpd, bird));
  CHECK(wait_until([&] { return !has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()); }, 10s));
  CHECK(bgpd.established(link.b_v4()));
}

TEST_CASE("iBGP with BIRD over IPv6: IPv6 routes both ways and into the kernel") {
  TempDir dir("interop-bird6");
  TestNetns node("node"), peer("peer");
  Link link(node, "eth-peer", peer, "eth-node", 22);
  const std::vector<std::pair<std::string, std::string>> vars{{"$NODE6", link.a_v6()}, {"$PEER6", link.b_v6()}};
  BirdRouter bird(peer, dir.path(), bird_config("10.255.0.2", substitute(R"(
protocol static { ipv6; route fd00:2::/48 blackhole; }
protocol bgp dut from fast {
  local $PEER6 as 64512; neighbor $NODE6 as 64512; direct;
  ipv6 { import all; export all; };
}
)",
                                                                         vars)));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$PEER6", "asNumber": 64512 } ],
  "originate": [ { "prefix": "fd00:244:1::/64", "blackhole": true, "install": true } ]
})",
                                                 vars));
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v6()) && bird.established("dut"); }, kSessionTimeout),
                  both_logs(bgpd, bird));

  REQUIRE_MESSAGE(wait_until([&] { return best_for(bird.routes(), "fd00:244:1::/64").has_value(); }, 10s),
                  both_logs(bgpd, bird));
  auto ours = *best_for(bird.routes(), "fd00:244:1::/64");
  CHECK(ours.as_path.empty());  // iBGP: no AS prepended
  CHECK(ours.next_hops == std::vector<std::string>{link.a_v6()});
  CHECK(ours.local_pref == 100u);

  REQUIRE_MESSAGE(wait_until([&] { return best_for(bgpd.routes("ipv6"), "fd00:2::/48").has_value(); }, 10s),
                  both_logs(bgpd, bird));
  auto theirs = *best_for(bgpd.routes("ipv6"), "fd00:2::/48");
  CHECK(theirs.next_hops == std::vector<std::string>{link.b_v6()});
  CHECK(theirs.as_path.empty());
  CHECK(wait_until(
      [&] {
        auto routes = kernel_routes(node, kBgpdProtocol, true);
        return has(routes, "fd00:2::/48 via " + link.b_v6()) && has(routes, "fd00:244:1::/64 blackhole");
      },
      10s));
}

TEST_CASE("bgpd reflects routes between two BIRD route-reflector clients") {
  TempDir dir("interop-bird-rr");
  TestNetns rr("rr"), c1("c1"), c2("c2");
  Link l1(rr, "eth-c1", c1, "eth-rr", 31);
  Link l2(rr, "eth-c2", c2, "eth-rr", 32);
  const std::vector<std::pair<std::string, std::string>> vars{
      {"$RR1", l1.a_v4()}, {"$C1", l1.b_v4()}, {"$RR2", l2.a_v4()}, {"$C2", l2.b_v4()}};
  // Each client reaches the other's subnet through the reflector (for next-hop resolution).
  TempDir d1("interop-bird-rr-c1"), d2("interop-bird-rr-c2");
  BirdRouter bird1(c1, d1.path(), bird_config("10.255.0.11", substitute(R"(
protocol static { ipv4; route 10.11.0.0/24 blackhole; route 192.0.32.0/24 via $RR1; }
protocol bgp reflector from fast { local $C1 as 64512; neighbor $RR1 as 64512; ipv4 { import all; export where source = RTS_STATIC && net != 192.0.32.0/24; }; }
)",
                                                                        vars)));
  BirdRouter bird2(c2, d2.path(), bird_config("10.255.0.12", substitute(R"(
protocol static { ipv4; route 10.12.0.0/24 blackhole; route 192.0.31.0/24 via $RR2; }
protocol bgp reflector from fast { local $C2 as 64512; neighbor $RR2 as 64512; ipv4 { import all; export where source = RTS_STATIC && net != 192.0.31.0/24; }; }
)",
                                                                        vars)));
  SluiceBgpd bgpd(rr, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "clusterId": "10.255.255.1", "holdTime": 9,
               "connectRetryTime": 1 },
  "neighbors": [ { "address": "$C1", "asNumber": 64512, "routeReflectorClient": true },
                 { "address": "$C2", "asNumber": 64512, "routeReflectorClient": true } ],
  "fib": { "enabled": false }
})",
                                               vars));
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(l1.b_v4()) && bgpd.established(l2.b_v4()); },
                             kSessionTimeout),
                  both_logs(bgpd, bird1));

  auto reflected = [&](const BirdRouter& bird, const std::string& prefix, const std::string& originator,
                       const std::string& next_hop) {
    auto text = bird.birdc("show route all " + prefix).output;
    return text.find("BGP.originator_id: " + originator) != std::string::npos &&
           text.find("BGP.cluster_list: 10.255.255.1") != std::string::npos &&
           text.find("BGP.next_hop: " + next_hop) != std::string::npos;
  };
  CHECK_MESSAGE(wait_until([&] { return reflected(bird2, "10.11.0.0/24", "10.255.0.11", l1.b_v4()); }, 15s),
                bird2.birdc("show route all").output, both_logs(bgpd, bird2));
  CHECK_MESSAGE(wait_until([&] { return reflected(bird1, "10.12.0.0/24", "10.255.0.12", l2.b_v4()); }, 15s),
                bird1.birdc("show route all").output);
  // Both clients' routes in the reflector's own table, next hops unchanged.
  auto at_rr = bgpd.routes();
  REQUIRE(best_for(at_rr, "10.11.0.0/24"));
  CHECK(best_for(at_rr, "10.11.0.0/24")->next_hops == std::vector<std::string>{l1.b_v4()});
  REQUIRE(best_for(at_rr, "10.12.0.0/24"));
  CHECK(best_for(at_rr, "10.12.0.0/24")->next_hops == std::vector<std::string>{l2.b_v4()});
}

TEST_CASE("TCP MD5 with BIRD: a wrong password never gets a session; the right one does") {
  TempDir dir("interop-bird-md5");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 23);
  std::vector<std::pair<std::string, std::string>> vars{{"$NODE", link.a_v4()}, {"$TOR", link.b_v4()}};
  const std::string body = R"(
protocol static { ipv4; route 10.2.0.0/24 blackhole; }
protocol bgp dut from fast {
  local $TOR as 65010; neighbor $NODE as 64512; password "$PASSWORD";
  ipv4 { import all; export all; };
}
)";
  vars.emplace_back("$PASSWORD", "not-the-key");
  BirdRouter bird(tor, dir.path(), bird_config("10.255.0.2", substitute(body, vars)));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, "password": "s3cret-key", "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26" } ]
})",
                                               vars));
  // Wrong key: the kernel drops every segment, so not even an OPEN gets through.
  CHECK_FALSE(wait_until([&] { return bgpd.established(link.b_v4()) || bird.established("dut"); }, 8s));
  CHECK(bgpd.neighbor_json(link.b_v4()).find("\"open\":0") != std::string::npos);
  CHECK(bird.routes().size() == 1);  // only its own static route

  vars.back().second = "s3cret-key";
  bird.reconfigure(bird_config("10.255.0.2", substitute(body, vars)));
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()) && bird.established("dut"); }, kSessionTimeout),
                  both_logs(bgpd, bird));
  CHECK(wait_until([&] { return best_for(bird.routes(), "10.244.1.0/26").has_value(); }, 10s));
  CHECK(wait_until([&] { return best_for(bgpd.routes(), "10.2.0.0/24").has_value(); }, 10s));
}

TEST_CASE("GTSM with BIRD: TTL 1 is refused by either side expecting 255; GTSM on both brings the session up") {
  TempDir dir("interop-bird-gtsm");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 24);
  std::vector<std::pair<std::string, std::string>> vars{{"$NODE", link.a_v4()}, {"$TOR", link.b_v4()}};
  const std::string bird_body = R"(
protocol static { ipv4; route 10.2.0.0/24 blackhole; }
protocol bgp dut from fast {
  local $TOR as 65010; neighbor $NODE as 64512; $BIRD_GTSM
  ipv4 { import all; export all; };
}
)";
  const std::string config = R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, $GTSM "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26" } ]
})";
  auto with = [&](const std::string& text, const std::string& name, const std::string& setting) {
    auto all = vars;
    all.emplace_back(name, setting);
    return substitute(text, all);
  };
  // BIRD only answers, so the one connection is ours; its socket drops anything below 255.
  BirdRouter bird(tor, dir.path(),
                  bird_config("10.255.0.2", with(bird_body, "$BIRD_GTSM", "ttl security on; passive on;")));
  SluiceBgpd bgpd(node, dir.path(), with(config, "$GTSM", ""));
  // eBGP without GTSM sends with TTL 1. BIRD raises its accepted socket's minimum TTL only
  // after accept(), so bgpd's first segments (its OPEN) can slip in before and bgpd, which
  // takes any TTL, may even see BIRD's OPEN and KEEPALIVE; what BIRD drops is everything
  // after, so BIRD never establishes and no route reaches bgpd.
  CHECK_FALSE_MESSAGE(wait_until([&] { return bird.established("dut"); }, 8s), both_logs(bgpd, bird));
  CHECK_FALSE(best_for(bgpd.routes(), "10.2.0.0/24"));

  bgpd.reload(with(config, "$GTSM", "\"ttlSecurity\": 1,"));
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()) && bird.established("dut"); }, kSessionTimeout),
                  both_logs(bgpd, bird));
  CHECK(wait_until([&] { return best_for(bird.routes(), "10.244.1.0/26").has_value(); }, 10s));
  CHECK(wait_until([&] { return best_for(bgpd.routes(), "10.2.0.0/24").has_value(); }, 10s));

  // The other way round: BIRD connects without GTSM (TTL 1) and bgpd, passive with GTSM,
  // drops its segments. As with BIRD above, the minimum TTL is set on the accepted socket,
  // so BIRD's OPEN may slip in and BIRD may even reach Established on bgpd's answer; bgpd,
  // which sees nothing after, never does.
  bird.reconfigure(bird_config("10.255.0.2", with(bird_body, "$BIRD_GTSM", "")));
  bgpd.reload(with(config, "$GTSM", "\"ttlSecurity\": 1, \"passive\": true,"));
  REQUIRE_MESSAGE(wait_until([&] { return !bgpd.established(link.b_v4()); }, 10s), both_logs(bgpd, bird));
  CHECK_FALSE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()); }, 8s), both_logs(bgpd, bird));
  CHECK_FALSE(best_for(bgpd.routes(), "10.2.0.0/24"));
}

TEST_CASE("graceful restart with BIRD: the peer restarts, then bgpd restarts; forwarding holds both times") {
  TempDir dir("interop-bird-gr");
  TempDir bird_dir("interop-bird-gr-bird");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 25);
  // A pod address on the node, reachable from the ToR only through the BGP route.
  node.exec_checked({"ip", "addr", "add", "10.244.1.1/32", "dev", "lo"});
  std::vector<std::pair<std::string, std::string>> vars{{"$NODE", link.a_v4()}, {"$TOR", link.b_v4()}};
  const std::string body = R"(
protocol static { ipv4; route 10.2.0.0/24 blackhole; $EXTRA }
protocol kernel { ipv4 { export where proto = "dut"; }; graceful restart on; }
protocol bgp dut from fast {
  local $TOR as 65010; neighbor $NODE as 64512; graceful restart on; graceful restart time 60;
  ipv4 { import all; export all; };
}
)";
  auto bird_text = [&](const std::string& extra) {
    auto all = vars;
    all.emplace_back("$EXTRA", extra);
    return bird_config("10.255.0.2", substitute(body, all));
  };
  BirdRouter bird(tor, bird_dir.path(), bird_text("route 10.5.0.0/24 blackhole;"));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1,
               "gracefulRestart": { "restartTime": 60, "deferralTime": 30 } },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26" } ]
})",
                                               vars));
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()) && bird.established("dut"); }, kSessionTimeout),
                  both_logs(bgpd, bird));
  REQUIRE(wait_until([&] { return best_for(bgpd.routes(), "10.5.0.0/24").has_value(); }, 10s));
  REQUIRE(wait_until([&] { return has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()); }, 10s));

  SUBCASE("the peer restarts: its routes stay (stale) and are refreshed; what it no longer has goes") {
    bird.kill();
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                          auto text = bgpd.bgpctl({"routes", "--prefix", "10.2.0.0/24"}).output;
                          return text.find("\"stale\":true") != std::string::npos;
                        },
                        15s),
                    log_text(bgpd.log_file()));
    CHECK(has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()));
    CHECK(best_for(bgpd.routes(), "10.5.0.0/24").has_value());
    // Back, without 10.5.0.0/24: that one goes by its End-of-RIB, the other is fresh again.
    bird.write_config(bird_text(""));
    bird.start();
    REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()); }, kSessionTimeout), both_logs(bgpd, bird));
    CHECK_MESSAGE(wait_until(
                      [&] {
                        auto routes = bgpd.routes();
                        auto kept = best_for(routes, "10.2.0.0/24");
                        return kept && !best_for(routes, "10.5.0.0/24") &&
                               bgpd.bgpctl({"routes"}).output.find("\"stale\":true") == std::string::npos;
                      },
                      15s),
                  both_logs(bgpd, bird));
    CHECK(has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()));
    CHECK(wait_until([&] { return !has(kernel_routes(node, kBgpdProtocol), "10.5.0.0/24 via " + link.b_v4()); }, 10s));
  }

  SUBCASE("bgpd restarts: BIRD keeps forwarding to the node, and bgpd's kernel routes stay") {
    auto tor_has_route = [&] {
      auto text = tor.exec({"ip", "route", "show", "10.244.1.0/26"}).output;
      return text.find("via " + link.a_v4()) != std::string::npos;
    };
    auto ping = [&] { return tor.exec({"ping", "-c", "1", "-W", "1", "10.244.1.1"}).ok(); };
    REQUIRE_MESSAGE(wait_until(tor_has_route, 10s), bird.birdc("show route all").output);
    REQUIRE(ping());

    bgpd.stop();  // SIGTERM: the sessions close without a NOTIFICATION
    CHECK(has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()));
    // BIRD holds our route as stale for the restart time, in its table and its kernel.
    CHECK_FALSE(wait_until([&] { return !tor_has_route(); }, 3s));
    CHECK(ping());
    CHECK(best_for(bird.routes(), "10.244.1.0/26").has_value());

    bgpd.start();
    REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(link.b_v4()) && bird.established("dut"); },
                               kSessionTimeout),
                    both_logs(bgpd, bird));
    CHECK(log_text(bgpd.log_file()).find("graceful restart: restarting speaker") != std::string::npos);
    CHECK(wait_until([&] { return best_for(bgpd.routes(), "10.2.0.0/24").has_value(); }, 15s));
    CHECK(tor_has_route());
    CHECK(ping());
    CHECK(has(kernel_routes(node, kBgpdProtocol), "10.2.0.0/24 via " + link.b_v4()));
  }
}
