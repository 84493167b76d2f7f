// sluice-bgpd against GoBGP (Debian's 3.10): an iBGP full mesh with two gobgpd, routes
// injected with their attributes and passed on only as iBGP allows (then reflected, once a
// reload made one gobgpd a route-reflector client); the maximum-prefix
// limit (restart and warn); a route refresh after a reload changed the import policy; and
// GoBGP as a monitor of bgpd's whole table over eBGP. Every case checks the routes on both
// sides.
//
// gobgpd is started with only its gRPC API on the namespace's loopback; routes enter its
// RIB through `gobgp global rib add`. It writes nothing into the kernel.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "base/json/json.hpp"
#include "tests/interop/lab.hpp"
#include "tests/support/bgp/gobgp_router.hpp"
#include "tests/support/bgp/sluice_bgpd.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using sluice::testing::TempDir;
using sluice::testing::TestNetns;
using sluice::testing::bgp::best_for;
using sluice::testing::bgp::GobgpRouter;
using sluice::testing::bgp::paths_for;
using sluice::testing::bgp::SeenRoute;
using sluice::testing::bgp::SluiceBgpd;
using sluice::testing::interop::kBgpdProtocol;
using sluice::testing::interop::kernel_routes;
using sluice::testing::interop::kSessionTimeout;
using sluice::testing::interop::Link;
using sluice::testing::interop::log_text;
using sluice::testing::interop::substitute;

namespace json = sluice::json;

namespace {

// gobgp and bgpctl are processes: poll them at a gentler pace than the default.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  return sluice::testing::wait_until(ready, timeout, 200ms);
}

struct GobgpNeighbor {
  std::string address;
  std::uint32_t as;
};

// gobgpd's TOML: short timers toward every neighbour, IPv4 unicast.
std::string gobgp_config(std::uint32_t as, const std::string& router_id, const std::vector<GobgpNeighbor>& neighbors) {
  std::string text = "[global.config]\n  as = " + std::to_string(as) + "\n  router-id = \"" + router_id + "\"\n";
  for (const auto& n : neighbors) {
    text += "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" + n.address +
            "\"\n    peer-as = " + std::to_string(n.as) +
            "\n  [neighbors.timers.config]\n    hold-time = 9\n    keepalive-interval = 3\n    connect-retry = 1\n"
            "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"ipv4-unicast\"\n";
  }
  return text;
}

std::string logs(const SluiceBgpd& bgpd, std::initializer_list<const GobgpRouter*> gobgps) {
  std::string out = "--- bgpd log:\n" + log_text(bgpd.log_file());
  for (const auto* g : gobgps) out += "\n--- gobgpd log (" + g->log_file().string() + "):\n" + log_text(g->log_file());
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> prefixes_of(const std::vector<SeenRoute>& routes) {
  std::vector<std::string> out;
  for (const auto& route : routes) out.push_back(route.prefix);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A number in `gobgp neighbor ADDRESS -j` by its path of members (e.g. state, messages,
// received, refresh); GoBGP leaves out counters that are zero, so absent reads as 0.
std::uint64_t gobgp_number(const GobgpRouter& gobgp, const std::string& neighbor,
                           std::initializer_list<std::string_view> path) {
  auto answer = gobgp.gobgp({"neighbor", neighbor, "-j"});
  if (!answer.ok()) return 0;
  auto document = json::parse(answer.output);
  if (!document) return 0;
  const rapidjson::Value* at = &*document;
  for (auto member : path) {
    at = json::find(*at, member);
    if (!at) return 0;
  }
  return at->IsUint64() ? at->GetUint64() : 0;
}

// bgpd's view of a neighbour: a number at the top of `bgpctl neighbor`, or in one of its objects.
std::optional<std::uint64_t> bgpd_number(const SluiceBgpd& bgpd, const std::string& neighbor,
                                         std::initializer_list<std::string_view> path) {
  auto document = json::parse(bgpd.neighbor_json(neighbor));
  if (!document) return std::nullopt;
  const rapidjson::Value* at = json::find(*document, "neighbor");
  for (auto member : path) {
    if (!at) return std::nullopt;
    at = json::find(*at, member);
  }
  if (!at || !at->IsUint64()) return std::nullopt;
  return at->GetUint64();
}

}  // namespace

TEST_CASE("iBGP full mesh with two gobgpd: injected attributes arrive intact, no iBGP route goes on to iBGP until one is a route-reflector client") {
  TempDir dir("interop-gobgp-mesh"), d1("interop-gobgp-mesh-g1"), d2("interop-gobgp-mesh-g2");
  TestNetns node("node"), g1("g1"), g2("g2");
  Link to_g1(node, "eth-g1", g1, "eth-node", 71);
  Link to_g2(node, "eth-g2", g2, "eth-node", 72);
  Link g1_g2(g1, "eth-g2", g2, "eth-g1", 73);
  GobgpRouter gobgp1(g1, d1.path(),
                     gobgp_config(64512, "10.255.0.71", {{to_g1.a_v4(), 64512}, {g1_g2.b_v4(), 64512}}));
  GobgpRouter gobgp2(g2, d2.path(),
                     gobgp_config(64512, "10.255.0.72", {{to_g2.a_v4(), 64512}, {g1_g2.a_v4(), 64512}}));
  const std::string config = R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$G1", "asNumber": 64512 $CLIENT }, { "address": "$G2", "asNumber": 64512 } ],
  "originate": [ { "prefix": "10.244.5.0/26", "blackhole": true, "install": true,
                   "largeCommunities": ["64512:5:5"] } ]
})";
  auto config_with = [&](const std::string& client) {
    return substitute(config, {{"$G1", to_g1.b_v4()}, {"$G2", to_g2.b_v4()}, {"$CLIENT", client}});
  };
  SluiceBgpd bgpd(node, dir.path(), config_with(""));
  const auto all_logs = [&] { return logs(bgpd, {&gobgp1, &gobgp2}); };
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        return bgpd.established(to_g1.b_v4()) && bgpd.established(to_g2.b_v4()) &&
                               gobgp1.established(g1_g2.b_v4()) && gobgp2.established(g1_g2.a_v4());
                      },
                      kSessionTimeout),
                  all_logs());

  gobgp1.gobgp_checked({"global", "rib", "add", "-a", "ipv4", "10.71.0.0/24", "nexthop", to_g1.b_v4(), "origin",
                        "igp", "community", "65000:71", "large-community", "64512:1:71", "med", "50", "local-pref",
                        "300"});
  gobgp2.gobgp_checked({"global", "rib", "add", "-a", "ipv4", "10.72.0.0/24", "nexthop", to_g2.b_v4(), "origin",
                        "incomplete", "aspath", "65100 65101", "community", "65000:72,65000:720", "med", "20",
                        "local-pref", "250"});

  // bgpd gets each with every attribute as injected, and into the kernel.
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        auto routes = bgpd.routes();
                        return best_for(routes, "10.71.0.0/24") && best_for(routes, "10.72.0.0/24");
                      },
                      10s),
                  all_logs());
  auto routes = bgpd.routes();
  auto r71 = *best_for(routes, "10.71.0.0/24");
  CHECK(r71.next_hops == std::vector<std::string>{to_g1.b_v4()});
  CHECK(r71.as_path.empty());
  CHECK(r71.origin == "igp");
  CHECK(r71.communities == std::vector<std::string>{"65000:71"});
  CHECK(r71.large_communities == std::vector<std::string>{"64512:1:71"});
  CHECK(r71.med == 50u);
  CHECK(r71.local_pref == 300u);
  CHECK(paths_for(routes, "10.71.0.0/24").size() == 1);
  auto r72 = *best_for(routes, "10.72.0.0/24");
  CHECK(r72.next_hops == std::vector<std::string>{to_g2.b_v4()});
  CHECK(r72.as_path == std::vector<std::uint32_t>{65100, 65101});
  CHECK(r72.origin == "incomplete");
  CHECK(r72.communities == std::vector<std::string>{"65000:72", "65000:720"});
  CHECK(r72.large_communities.empty());
  CHECK(r72.med == 20u);
  CHECK(r72.local_pref == 250u);
  CHECK(eventually(
      [&] {
        auto kernel = kernel_routes(node, kBgpdProtocol);
        return has(kernel, "10.71.0.0/24 via " + to_g1.b_v4()) && has(kernel, "10.72.0.0/24 via " + to_g2.b_v4());
      },
      10s));

  // Each gobgpd: bgpd's own route with iBGP's attributes, and nothing bgpd learned over iBGP.
  for (const auto& [gobgp, link] : {std::pair{&gobgp1, &to_g1}, std::pair{&gobgp2, &to_g2}}) {
    REQUIRE_MESSAGE(eventually([&, g = gobgp] { return best_for(g->routes(), "10.244.5.0/26").has_value(); }, 10s),
                    all_logs());
    auto ours = *best_for(gobgp->routes(), "10.244.5.0/26");
    CHECK(ours.as_path.empty());
    CHECK(ours.next_hops == std::vector<std::string>{link->a_v4()});
    CHECK(ours.local_pref == 100u);
    CHECK(ours.origin == "igp");
    CHECK(ours.large_communities == std::vector<std::string>{"64512:5:5"});
    CHECK(prefixes_of(gobgp->received_from(link->a_v4())) == std::vector<std::string>{"10.244.5.0/26"});
    CHECK(bgpd_number(bgpd, link->b_v4(), {"prefixesAdvertised"}) == 1u);
  }
  // The mesh's other sessions carry them: each gobgpd has the other's route, from the other only.
  CHECK(eventually([&] { return best_for(gobgp2.routes(), "10.71.0.0/24").has_value(); }, 10s));
  CHECK(paths_for(gobgp2.routes(), "10.71.0.0/24").size() == 1);
  CHECK(best_for(gobgp2.routes(), "10.71.0.0/24")->local_pref == 300u);
  CHECK(eventually([&] { return best_for(gobgp1.routes(), "10.72.0.0/24").has_value(); }, 10s));
  CHECK(paths_for(gobgp1.routes(), "10.72.0.0/24").size() == 1);

  // gobgpd 1 made a route-reflector client by a reload (in place): bgpd now reflects its
  // route to gobgpd 2, and gobgpd 2's to it, each with ORIGINATOR_ID and CLUSTER_LIST.
  bgpd.reload(config_with(R"(, "routeReflectorClient": true)"));
  auto reflected_to = [&](const GobgpRouter& gobgp, const std::string& from, const std::string& prefix) {
    auto routes = gobgp.received_from(from);
    auto it = std::find_if(routes.begin(), routes.end(), [&](const SeenRoute& r) { return r.prefix == prefix; });
    return it == routes.end() ? std::optional<SeenRoute>() : std::optional<SeenRoute>(*it);
  };
  REQUIRE_MESSAGE(eventually([&] { return reflected_to(gobgp2, to_g2.a_v4(), "10.71.0.0/24").has_value(); }, 15s),
                  gobgp2.gobgp({"neighbor", to_g2.a_v4(), "adj-in", "-j"}).output, all_logs());
  auto via_rr = *reflected_to(gobgp2, to_g2.a_v4(), "10.71.0.0/24");
  CHECK(via_rr.originator_id == "10.255.0.71");
  CHECK(via_rr.cluster_list == std::vector<std::string>{"10.255.0.1"});
  CHECK(via_rr.next_hops == std::vector<std::string>{to_g1.b_v4()});
  CHECK(via_rr.local_pref == 300u);
  CHECK(via_rr.communities == std::vector<std::string>{"65000:71"});
  REQUIRE(eventually([&] { return reflected_to(gobgp1, to_g1.a_v4(), "10.72.0.0/24").has_value(); }, 15s));
  auto to_client = *reflected_to(gobgp1, to_g1.a_v4(), "10.72.0.0/24");
  CHECK(to_client.originator_id == "10.255.0.72");
  CHECK(to_client.cluster_list == std::vector<std::string>{"10.255.0.1"});
  CHECK(to_client.as_path == std::vector<std::uint32_t>{65100, 65101});
  CHECK(bgpd_number(bgpd, to_g1.b_v4(), {"flaps"}) == 0u);
  CHECK(bgpd_number(bgpd, to_g2.b_v4(), {"flaps"}) == 0u);

  // A withdrawal at gobgpd 1 leaves bgpd, its kernel and what it reflected.
  gobgp1.gobgp_checked({"global", "rib", "del", "-a", "ipv4", "10.71.0.0/24"});
  CHECK(eventually([&] { return !best_for(bgpd.routes(), "10.71.0.0/24"); }, 10s));
  CHECK(eventually([&] { return !has(kernel_routes(node, kBgpdProtocol), "10.71.0.0/24 via " + to_g1.b_v4()); }, 10s));
  CHECK(eventually([&] { return !reflected_to(gobgp2, to_g2.a_v4(), "10.71.0.0/24"); }, 10s));
}

namespace {

const char* kMaxPrefixConfig = R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$PEER", "asNumber": 65020, "defaultPolicy": "accept", "maxPrefix": $LIMIT } ],
  "originate": [ { "prefix": "10.244.1.0/26" } ],
  "fib": { "enabled": false }
})";

void announce(const GobgpRouter& gobgp, const std::string& next_hop, int from, int to) {
  for (int i = from; i <= to; ++i) {
    gobgp.gobgp_checked({"global", "rib", "add", "-a", "ipv4", "10.30." + std::to_string(i) + ".0/24", "nexthop",
                         next_hop});
  }
}

std::size_t learned(const SluiceBgpd& bgpd) {
  auto routes = bgpd.routes();
  return static_cast<std::size_t>(
      std::count_if(routes.begin(), routes.end(), [](const SeenRoute& r) { return r.prefix.starts_with("10.30."); }));
}

}  // namespace

TEST_CASE("maximum prefixes from gobgpd, action restart: Cease / Maximum Number of Prefixes Reached, back after restartAfter") {
  TempDir dir("interop-gobgp-maxpfx"), dg("interop-gobgp-maxpfx-g");
  TestNetns node("node"), peer("peer");
  Link link(node, "eth-peer", peer, "eth-node", 74);
  GobgpRouter gobgp(peer, dg.path(), gobgp_config(65020, "10.255.0.20", {{link.a_v4(), 64512}}));
  SluiceBgpd bgpd(node, dir.path(),
                  substitute(kMaxPrefixConfig, {{"$PEER", link.b_v4()},
                                                {"$LIMIT", R"({ "limit": 3, "action": "restart", "restartAfter": 6 })"}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && gobgp.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&gobgp}));
  announce(gobgp, link.b_v4(), 1, 3);
  REQUIRE_MESSAGE(eventually([&] { return learned(bgpd) == 3; }, 10s), logs(bgpd, {&gobgp}));
  REQUIRE(eventually([&] { return best_for(gobgp.routes(), "10.244.1.0/26").has_value(); }, 10s));
  CHECK(bgpd_number(bgpd, link.b_v4(), {"flaps"}) == 0u);

  // Two more: over the limit.
  announce(gobgp, link.b_v4(), 4, 5);
  REQUIRE_MESSAGE(eventually([&] { return bgpd_number(bgpd, link.b_v4(), {"lastError", "code"}) == 6u; }, 10s),
                  logs(bgpd, {&gobgp}));
  CHECK(bgpd_number(bgpd, link.b_v4(), {"lastError", "subcode"}) == 1u);
  CHECK(bgpd_number(bgpd, link.b_v4(), {"messagesOut", "notification"}) == 1u);
  // GoBGP got the NOTIFICATION and says what it was.
  CHECK_MESSAGE(eventually(
                    [&] {
                      return gobgp_number(gobgp, link.a_v4(), {"state", "messages", "received", "notification"}) >= 1 &&
                             log_text(gobgp.log_file()).find("code 6(cease) subcode 1(maximum number of prefixes reached)") !=
                                 std::string::npos;
                    },
                    10s),
                logs(bgpd, {&gobgp}));
  // Down on both sides, with the routes gone from both tables; not back before restartAfter.
  CHECK(eventually([&] { return learned(bgpd) == 0 && !best_for(gobgp.routes(), "10.244.1.0/26"); }, 10s));
  gobgp.gobgp_checked({"global", "rib", "del", "-a", "ipv4", "10.30.4.0/24"});
  gobgp.gobgp_checked({"global", "rib", "del", "-a", "ipv4", "10.30.5.0/24"});
  CHECK_FALSE(eventually([&] { return bgpd.established(link.b_v4()); }, 2s));

  // Back, within the limit now, and staying up.
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && gobgp.established(link.a_v4()); }, 30s),
                  logs(bgpd, {&gobgp}));
  CHECK(eventually([&] { return learned(bgpd) == 3; }, 10s));
  CHECK(eventually([&] { return best_for(gobgp.routes(), "10.244.1.0/26").has_value(); }, 10s));
  const auto flaps = bgpd_number(bgpd, link.b_v4(), {"flaps"});
  CHECK_FALSE(eventually([&] { return !bgpd.established(link.b_v4()); }, 3s));
  CHECK(bgpd_number(bgpd, link.b_v4(), {"flaps"}) == flaps);
}

TEST_CASE("maximum prefixes from gobgpd, action warn: every route taken, the session stays") {
  TempDir dir("interop-gobgp-warn"), dg("interop-gobgp-warn-g");
  TestNetns node("node"), peer("peer");
  Link link(node, "eth-peer", peer, "eth-node", 75);
  GobgpRouter gobgp(peer, dg.path(), gobgp_config(65020, "10.255.0.20", {{link.a_v4(), 64512}}));
  SluiceBgpd bgpd(node, dir.path(),
                  substitute(kMaxPrefixConfig,
                             {{"$PEER", link.b_v4()}, {"$LIMIT", R"({ "limit": 3, "action": "warn" })"}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && gobgp.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&gobgp}));
  announce(gobgp, link.b_v4(), 1, 5);
  REQUIRE_MESSAGE(eventually([&] { return learned(bgpd) == 5; }, 10s), logs(bgpd, {&gobgp}));
  CHECK(eventually([&] { return log_text(bgpd.log_file()).find("prefix limit exceeded") != std::string::npos; }, 5s));
  CHECK_FALSE(eventually([&] { return !bgpd.established(link.b_v4()) || !gobgp.established(link.a_v4()); }, 3s));
  CHECK(bgpd_number(bgpd, link.b_v4(), {"flaps"}) == 0u);
  CHECK(bgpd_number(bgpd, link.b_v4(), {"messagesOut", "notification"}) == 0u);
  CHECK(gobgp_number(gobgp, link.a_v4(), {"state", "messages", "received", "notification"}) == 0u);
  CHECK(learned(bgpd) == 5);
  CHECK(best_for(gobgp.routes(), "10.244.1.0/26").has_value());
}

TEST_CASE("route refresh with gobgpd: a reload that widens the import policy gets the rejected route, same session") {
  TempDir dir("interop-gobgp-refresh"), dg("interop-gobgp-refresh-g");
  TestNetns node("node"), peer("peer");
  Link link(node, "eth-peer", peer, "eth-node", 76);
  GobgpRouter gobgp(peer, dg.path(), gobgp_config(65030, "10.255.0.30", {{link.a_v4(), 64512}}));
  const std::string config = R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$PEER", "asNumber": 65030, "importPolicy": "from-peer", "exportPolicy": "own" } ],
  "policies": {
    "from-peer": { "terms": [ $REJECT { "action": "accept" } ] },
    "own": { "terms": [ { "match": { "routeSource": "local" }, "action": "accept" } ] }
  },
  "originate": [ { "prefix": "10.244.1.0/26" } ],
  "fib": { "enabled": false }
})";
  auto with = [&](const std::string& reject) {
    return substitute(config, {{"$PEER", link.b_v4()}, {"$REJECT", reject}});
  };
  SluiceBgpd bgpd(node, dir.path(),
                  with(R"({ "match": { "community": { "anyOf": ["65030:666"] } }, "action": "reject" },)"));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && gobgp.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&gobgp}));
  gobgp.gobgp_checked({"global", "rib", "add", "-a", "ipv4", "10.31.0.0/24", "nexthop", link.b_v4(), "community",
                       "65030:1"});
  gobgp.gobgp_checked({"global", "rib", "add", "-a", "ipv4", "10.32.0.0/24", "nexthop", link.b_v4(), "community",
                       "65030:666"});
  REQUIRE_MESSAGE(eventually([&] { return bgpd_number(bgpd, link.b_v4(), {"prefixesReceived"}) == 2u; }, 10s),
                  logs(bgpd, {&gobgp}));
  CHECK(best_for(bgpd.routes(), "10.31.0.0/24").has_value());
  CHECK_FALSE(best_for(bgpd.routes(), "10.32.0.0/24"));
  CHECK(bgpd_number(bgpd, link.b_v4(), {"prefixesRejected"}) == 1u);
  REQUIRE(eventually([&] { return best_for(gobgp.routes(), "10.244.1.0/26").has_value(); }, 10s));
  const auto uptime = gobgp_number(gobgp, link.a_v4(), {"timers", "state", "uptime", "seconds"});
  REQUIRE(uptime > 0);
  CHECK(gobgp_number(gobgp, link.a_v4(), {"state", "messages", "received", "refresh"}) == 0u);

  // The reject term goes: bgpd asks GoBGP for its routes again instead of resetting.
  bgpd.reload(with(""));
  CHECK_MESSAGE(eventually([&] { return best_for(bgpd.routes(), "10.32.0.0/24").has_value(); }, 15s),
                logs(bgpd, {&gobgp}));
  auto taken = best_for(bgpd.routes(), "10.32.0.0/24");
  REQUIRE(taken);
  CHECK(taken->communities == std::vector<std::string>{"65030:666"});
  CHECK(taken->as_path == std::vector<std::uint32_t>{65030});
  CHECK(bgpd_number(bgpd, link.b_v4(), {"messagesOut", "routeRefresh"}) >= 1u);
  CHECK(gobgp_number(gobgp, link.a_v4(), {"state", "messages", "received", "refresh"}) >= 1u);
  CHECK(bgpd_number(bgpd, link.b_v4(), {"flaps"}) == 0u);
  CHECK(bgpd_number(bgpd, link.b_v4(), {"messagesIn", "open"}) == 1u);
  CHECK(gobgp_number(gobgp, link.a_v4(), {"timers", "state", "uptime", "seconds"}) == uptime);
  CHECK(gobgp.established(link.a_v4()));
  CHECK(best_for(gobgp.routes(), "10.244.1.0/26").has_value());
}

TEST_CASE("gobgpd as a monitor: bgpd's whole table over eBGP, AS path and next hop as eBGP makes them") {
  TempDir dir("interop-gobgp-mon"), df("interop-gobgp-mon-feed"), dm("interop-gobgp-mon-mon");
  TestNetns node("node"), feed("feed"), mon("mon");
  Link to_feed(node, "eth-feed", feed, "eth-node", 77);
  Link to_mon(node, "eth-mon", mon, "eth-node", 78);
  GobgpRouter feeder(feed, df.path(), gobgp_config(65040, "10.255.0.40", {{to_feed.a_v4(), 64512}}));
  GobgpRouter monitor(mon, dm.path(), gobgp_config(65050, "10.255.0.50", {{to_mon.a_v4(), 64512}}));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$FEED", "asNumber": 65040, "importPolicy": "all", "exportPolicy": "none" },
                 { "address": "$MON", "asNumber": 65050, "importPolicy": "none", "exportPolicy": "all" } ],
  "policies": { "all": { "terms": [ { "action": "accept" } ] }, "none": { "terms": [ { "action": "reject" } ] } },
  "originate": [ { "prefix": "10.244.1.0/26", "blackhole": true, "install": true },
                 { "prefix": "10.244.2.0/26", "med": 10 } ]
})",
                                               {{"$FEED", to_feed.b_v4()}, {"$MON", to_mon.b_v4()}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(to_feed.b_v4()) && bgpd.established(to_mon.b_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&feeder, &monitor}));

  // 30 routes from the feeder: some with a longer path behind it, some with communities.
  constexpr int kFed = 30;
  for (int i = 0; i < kFed; ++i) {
    std::vector<std::string> args{"global", "rib", "add", "-a", "ipv4", "10.40." + std::to_string(i) + ".0/24",
                                  "nexthop", to_feed.b_v4()};
    if (i % 3 == 1) args.insert(args.end(), {"aspath", "65041 65042"});
    if (i % 5 == 0) args.insert(args.end(), {"community", "65040:" + std::to_string(i)});
    feeder.gobgp_checked(args);
  }
  const std::size_t total = kFed + 2;
  REQUIRE_MESSAGE(eventually([&] { return monitor.routes().size() == total; }, 20s),
                  monitor.routes().size(), logs(bgpd, {&feeder, &monitor}));
  CHECK(bgpd.routes().size() == total);

  for (const auto& route : monitor.routes()) {
    INFO(route.prefix);
    CHECK(route.next_hops == std::vector<std::string>{to_mon.a_v4()});
    CHECK_FALSE(route.local_pref);  // not sent over eBGP
    if (route.prefix.starts_with("10.244.")) {
      CHECK(route.as_path == std::vector<std::uint32_t>{64512});
      continue;
    }
    const int i = std::stoi(route.prefix.substr(6));
    CHECK(route.as_path == (i % 3 == 1 ? std::vector<std::uint32_t>{64512, 65040, 65041, 65042}
                                       : std::vector<std::uint32_t>{64512, 65040}));
    CHECK(route.communities ==
          (i % 5 == 0 ? std::vector<std::string>{"65040:" + std::to_string(i)} : std::vector<std::string>{}));
  }
  auto with_med = best_for(monitor.routes(), "10.244.2.0/26");
  REQUIRE(with_med);
  CHECK(with_med->med == 10u);
  // The feeder gets nothing back; bgpd's kernel has every fed route through the feeder.
  CHECK(feeder.received_from(to_feed.a_v4()).empty());
  CHECK(eventually([&] { return kernel_routes(node, kBgpdProtocol).size() == kFed + 1; }, 10s));

  // Withdrawals reach the monitor.
  for (int i = 0; i < 10; ++i)
    feeder.gobgp_checked({"global", "rib", "del", "-a", "ipv4", "10.40." + std::to_string(i) + ".0/24"});
  CHECK_MESSAGE(eventually([&] { return monitor.routes().size() == total - 10; }, 15s), monitor.routes().size());
  CHECK_FALSE(best_for(monitor.routes(), "10.40.0.0/24"));
  CHECK(best_for(monitor.routes(), "10.40.10.0/24").has_value());
}
