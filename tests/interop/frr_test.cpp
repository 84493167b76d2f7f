// sluice-bgpd against FRR (Debian's 8.4): ECMP over two ToRs into one kernel route (same
// AS, and different ASes with multipath.relax); ADD-PATH both ways; bgpd as a client of an
// FRR route reflector; IPv6 unicast over an IPv6 eBGP session; TCP MD5 refused when wrong;
// graceful restart of bgpd with FRR as the helper. Every case checks the routes on both sides.
//
// FRR runs its bgpd alone (-Z, no zebra), as the drivers start it: it then treats every
// next hop as reachable and writes nothing into the kernel. So what FRR forwards cannot be
// checked here (the BIRD tests do that, BIRD having its own kernel protocol); for graceful
// restart FRR's table stands in for its forwarding: bgpd's routes stay there, marked stale,
// while bgpd is away.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "tests/interop/lab.hpp"
#include "tests/support/bgp/frr_router.hpp"
#include "tests/support/bgp/sluice_bgpd.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using sluice::testing::TempDir;
using sluice::testing::TestNetns;
using sluice::testing::bgp::best_for;
using sluice::testing::bgp::FrrRouter;
using sluice::testing::bgp::paths_for;
using sluice::testing::bgp::SeenRoute;
using sluice::testing::bgp::SluiceBgpd;
using sluice::testing::interop::kBgpdProtocol;
using sluice::testing::interop::kernel_routes;
using sluice::testing::interop::kSessionTimeout;
using sluice::testing::interop::Link;
using sluice::testing::interop::log_text;
using sluice::testing::interop::substitute;

namespace {

// vtysh and bgpctl are processes: poll them at a gentler pace than the default.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  return sluice::testing::wait_until(ready, timeout, 200ms);
}

// A `router bgp` block: FRR's RFC 8212 default and network import check off (no zebra to
// check against), short timers toward every neighbour, `body` inside the block.
std::string frr_config(std::uint32_t as, const std::string& router_id,
                       const std::vector<std::pair<std::string, std::uint32_t>>& neighbors, const std::string& body) {
  std::string text = "log stdout informational\nrouter bgp " + std::to_string(as) + "\n bgp router-id " + router_id +
                     "\n bgp log-neighbor-changes\n no bgp ebgp-requires-policy\n no bgp network import-check\n";
  for (const auto& [address, remote_as] : neighbors) {
    text += " neighbor " + address + " remote-as " + std::to_string(remote_as) + "\n";
    text += " neighbor " + address + " timers 3 9\n";
    text += " neighbor " + address + " timers connect 1\n";
  }
  return text + body;
}

std::string logs(const SluiceBgpd& bgpd, std::initializer_list<const FrrRouter*> frrs) {
  std::string out = "--- bgpd log:\n" + log_text(bgpd.log_file());
  for (const auto* frr : frrs) out += "\n--- FRR log (" + frr->log_file().string() + "):\n" + log_text(frr->log_file());
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> next_hops_of(const std::vector<SeenRoute>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) out.insert(out.end(), path.next_hops.begin(), path.next_hops.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<std::uint32_t>> as_paths_of(const std::vector<SeenRoute>& paths) {
  std::vector<std::vector<std::uint32_t>> out;
  for (const auto& path : paths) out.push_back(path.as_path);
  std::sort(out.begin(), out.end());
  return out;
}

// bgpd between two ToRs: it announces only its own routes, takes everything.
const char* kNodeBetweenTors = R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1,
               "multipath": { "relax": $RELAX } },
  "neighbors": [ { "address": "$TOR1", "asNumber": $AS1, "importPolicy": "all", "exportPolicy": "own" },
                 { "address": "$TOR2", "asNumber": $AS2, "importPolicy": "all", "exportPolicy": "own" } ],
  "policies": {
    "all": { "terms": [ { "action": "accept" } ] },
    "own": { "terms": [ { "match": { "routeSource": "local" }, "action": "accept" } ] }
  },
  "originate": [ { "prefix": "10.244.1.0/26", "blackhole": true, "install": true } ]
})";

}  // namespace

TEST_CASE("ECMP over two FRR ToRs in one AS: one kernel route with both next hops, one left after a withdrawal") {
  TempDir dir("interop-frr-ecmp"), d1("interop-frr-ecmp-tor1"), d2("interop-frr-ecmp-tor2");
  TestNetns node("node"), tor1("tor1"), tor2("tor2");
  Link l1(node, "eth-tor1", tor1, "eth-node", 41);
  Link l2(node, "eth-tor2", tor2, "eth-node", 42);
  const std::string network = " address-family ipv4 unicast\n  network 10.9.0.0/24\n exit-address-family\n";
  FrrRouter frr1(tor1, d1.path(), frr_config(65010, "10.255.0.11", {{l1.a_v4(), 64512}}, network));
  FrrRouter frr2(tor2, d2.path(), frr_config(65010, "10.255.0.12", {{l2.a_v4(), 64512}}, network));
  SluiceBgpd bgpd(node, dir.path(),
                  substitute(kNodeBetweenTors, {{"$TOR1", l1.b_v4()}, {"$TOR2", l2.b_v4()}, {"$AS1", "65010"},
                                                {"$AS2", "65010"}, {"$RELAX", "false"}}));
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        return bgpd.established(l1.b_v4()) && bgpd.established(l2.b_v4()) &&
                               frr1.established(l1.a_v4()) && frr2.established(l2.a_v4());
                      },
                      kSessionTimeout),
                  logs(bgpd, {&frr1, &frr2}));

  // bgpd: two paths, one best, both in the multipath set; the kernel: one route, two next hops.
  REQUIRE_MESSAGE(eventually([&] { return paths_for(bgpd.routes(), "10.9.0.0/24").size() == 2; }, 10s),
                  logs(bgpd, {&frr1, &frr2}));
  auto paths = paths_for(bgpd.routes(), "10.9.0.0/24");
  CHECK(std::count_if(paths.begin(), paths.end(), [](const SeenRoute& p) { return p.best; }) == 1);
  CHECK(std::all_of(paths.begin(), paths.end(), [](const SeenRoute& p) { return p.multipath; }));
  CHECK(next_hops_of(paths) == std::vector<std::string>{l1.b_v4(), l2.b_v4()});
  CHECK(as_paths_of(paths) == std::vector<std::vector<std::uint32_t>>{{65010}, {65010}});
  const std::string both = "10.9.0.0/24 via " + l1.b_v4() + "," + l2.b_v4();
  CHECK_MESSAGE(eventually([&] { return has(kernel_routes(node, kBgpdProtocol), both); }, 10s),
                kernel_routes(node, kBgpdProtocol).size(), log_text(bgpd.log_file()));
  CHECK(has(kernel_routes(node, kBgpdProtocol), "10.244.1.0/26 blackhole"));

  // Each ToR: the node's block, through the node's address on its own link, and nothing else of ours.
  for (const auto& [frr, link] : {std::pair{&frr1, &l1}, std::pair{&frr2, &l2}}) {
    REQUIRE_MESSAGE(eventually([&, f = frr] { return best_for(f->routes(), "10.244.1.0/26").has_value(); }, 10s),
                    logs(bgpd, {frr}));
    auto block = *best_for(frr->routes(), "10.244.1.0/26");
    CHECK(block.as_path == std::vector<std::uint32_t>{64512});
    CHECK(block.next_hops == std::vector<std::string>{link->a_v4()});
    CHECK(block.origin == "igp");
    CHECK(paths_for(frr->routes(), "10.9.0.0/24").size() == 1);  // its own; bgpd does not send it back
  }

  // ToR 1 stops announcing: the route keeps ToR 2's next hop only.
  frr1.configure({"router bgp 65010", "address-family ipv4 unicast", "no network 10.9.0.0/24"});
  CHECK_MESSAGE(eventually(
                    [&] {
                      auto routes = kernel_routes(node, kBgpdProtocol);
                      return has(routes, "10.9.0.0/24 via " + l2.b_v4()) && !has(routes, both);
                    },
                    15s),
                logs(bgpd, {&frr1}));
  paths = paths_for(bgpd.routes(), "10.9.0.0/24");
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].best);
  CHECK(paths[0].next_hops == std::vector<std::string>{l2.b_v4()});
  CHECK(bgpd.established(l1.b_v4()));
  CHECK(bgpd.established(l2.b_v4()));
}

TEST_CASE("ECMP over FRR ToRs in two ASes: one next hop without multipath.relax, both once a reload sets it") {
  TempDir dir("interop-frr-relax"), d1("interop-frr-relax-tor1"), d2("interop-frr-relax-tor2");
  TestNetns node("node"), tor1("tor1"), tor2("tor2");
  Link l1(node, "eth-tor1", tor1, "eth-node", 43);
  Link l2(node, "eth-tor2", tor2, "eth-node", 44);
  const std::string network = " address-family ipv4 unicast\n  network 10.9.0.0/24\n exit-address-family\n";
  FrrRouter frr1(tor1, d1.path(), frr_config(65011, "10.255.0.11", {{l1.a_v4(), 64512}}, network));
  FrrRouter frr2(tor2, d2.path(), frr_config(65012, "10.255.0.12", {{l2.a_v4(), 64512}}, network));
  std::vector<std::pair<std::string, std::string>> vars{
      {"$TOR1", l1.b_v4()}, {"$TOR2", l2.b_v4()}, {"$AS1", "65011"}, {"$AS2", "65012"}, {"$RELAX", "false"}};
  SluiceBgpd bgpd(node, dir.path(), substitute(kNodeBetweenTors, vars));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(l1.b_v4()) && bgpd.established(l2.b_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr1, &frr2}));
  REQUIRE_MESSAGE(eventually([&] { return paths_for(bgpd.routes(), "10.9.0.0/24").size() == 2; }, 10s),
                  logs(bgpd, {&frr1, &frr2}));

  // Different neighbour ASes: the best path alone, one next hop in the kernel.
  auto paths = paths_for(bgpd.routes(), "10.9.0.0/24");
  CHECK(std::count_if(paths.begin(), paths.end(), [](const SeenRoute& p) { return p.multipath; }) == 1);
  auto best = best_for(paths, "10.9.0.0/24");
  REQUIRE(best);
  REQUIRE(best->next_hops.size() == 1);
  CHECK(eventually([&] { return has(kernel_routes(node, kBgpdProtocol), "10.9.0.0/24 via " + best->next_hops[0]); },
                   10s));

  vars.back().second = "true";
  bgpd.reload(substitute(kNodeBetweenTors, vars));
  const std::string both = "10.9.0.0/24 via " + l1.b_v4() + "," + l2.b_v4();
  CHECK_MESSAGE(eventually([&] { return has(kernel_routes(node, kBgpdProtocol), both); }, 15s),
                log_text(bgpd.log_file()));
  paths = paths_for(bgpd.routes(), "10.9.0.0/24");
  CHECK(std::all_of(paths.begin(), paths.end(), [](const SeenRoute& p) { return p.multipath; }));
  CHECK(as_paths_of(paths) == std::vector<std::vector<std::uint32_t>>{{65011}, {65012}});
  // Applied to the tables in place: the sessions stayed up.
  CHECK(bgpd.neighbor_json(l1.b_v4()).find("\"flaps\":0") != std::string::npos);
  CHECK(bgpd.neighbor_json(l2.b_v4()).find("\"flaps\":0") != std::string::npos);
  for (auto* frr : {&frr1, &frr2}) CHECK(best_for(frr->routes(), "10.244.1.0/26").has_value());
}

TEST_CASE("ADD-PATH with FRR: two paths received from FRR's addpath-tx-all-paths, both sent on to another FRR") {
  // Two origins of 10.20.0.0/24 (s1, s2) behind an FRR hub that sends bgpd every path;
  // bgpd sends every path of its own on to a monitor FRR.
  TempDir dir("interop-frr-addpath"), dh("interop-frr-ap-hub"), d1("interop-frr-ap-s1"), d2("interop-frr-ap-s2"),
      dm("interop-frr-ap-mon");
  TestNetns node("node"), hub("hub"), s1("s1"), s2("s2"), mon("mon");
  Link to_hub(node, "eth-hub", hub, "eth-node", 51);
  Link hub_s1(hub, "eth-s1", s1, "eth-hub", 52);
  Link hub_s2(hub, "eth-s2", s2, "eth-hub", 53);
  Link to_mon(node, "eth-mon", mon, "eth-node", 54);
  const std::string origin = " address-family ipv4 unicast\n  network 10.20.0.0/24\n exit-address-family\n";
  FrrRouter frr_s1(s1, d1.path(), frr_config(65021, "10.255.0.21", {{hub_s1.a_v4(), 65010}}, origin));
  FrrRouter frr_s2(s2, d2.path(), frr_config(65022, "10.255.0.22", {{hub_s2.a_v4(), 65010}}, origin));
  FrrRouter frr_hub(hub, dh.path(),
                    frr_config(65010, "10.255.0.10",
                               {{to_hub.a_v4(), 64512}, {hub_s1.b_v4(), 65021}, {hub_s2.b_v4(), 65022}},
                               " address-family ipv4 unicast\n  neighbor " + to_hub.a_v4() +
                                   " addpath-tx-all-paths\n exit-address-family\n"));
  // FRR advertises the ADD-PATH receive capability without being told to.
  FrrRouter frr_mon(mon, dm.path(), frr_config(65030, "10.255.0.30", {{to_mon.a_v4(), 64512}}, ""));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [
    { "address": "$HUB", "asNumber": 65010, "addPath": { "receive": ["ipv4-unicast"] },
      "importPolicy": "all", "exportPolicy": "own" },
    { "address": "$MON", "asNumber": 65030, "addPath": { "send": ["ipv4-unicast"], "select": "all" },
      "importPolicy": "none", "exportPolicy": "all" } ],
  "policies": {
    "all": { "terms": [ { "action": "accept" } ] },
    "none": { "terms": [ { "action": "reject" } ] },
    "own": { "terms": [ { "match": { "routeSource": "local" }, "action": "accept" } ] }
  },
  "originate": [ { "prefix": "10.244.2.0/26" } ],
  "fib": { "enabled": false }
})",
                                               {{"$HUB", to_hub.b_v4()}, {"$MON", to_mon.b_v4()}}));
  const auto all_logs = [&] { return logs(bgpd, {&frr_hub, &frr_mon}); };
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(to_hub.b_v4()) && bgpd.established(to_mon.b_v4()); },
                             kSessionTimeout),
                  all_logs());
  const std::string hub_neighbor = bgpd.neighbor_json(to_hub.b_v4());
  CHECK_MESSAGE(hub_neighbor.find(R"("addPath":[{"family":"ipv4-unicast","mode":"receive"}])") != std::string::npos,
                hub_neighbor);

  // bgpd holds both of the hub's paths, each with its own identifier.
  REQUIRE_MESSAGE(eventually([&] { return paths_for(bgpd.routes(), "10.20.0.0/24").size() == 2; }, 20s),
                  frr_hub.vtysh({"show bgp ipv4 unicast 10.20.0.0/24"}).output, all_logs());
  auto at_node = paths_for(bgpd.routes(), "10.20.0.0/24");
  CHECK(as_paths_of(at_node) == std::vector<std::vector<std::uint32_t>>{{65010, 65021}, {65010, 65022}});
  CHECK(next_hops_of(at_node) == std::vector<std::string>{to_hub.b_v4(), to_hub.b_v4()});
  REQUIRE(at_node[0].path_id);
  REQUIRE(at_node[1].path_id);
  CHECK(*at_node[0].path_id != *at_node[1].path_id);

  // The monitor gets both from bgpd, each with our AS first and our address as next hop.
  CHECK_MESSAGE(eventually([&] { return paths_for(frr_mon.routes(), "10.20.0.0/24").size() == 2; }, 15s),
                frr_mon.vtysh({"show bgp ipv4 unicast 10.20.0.0/24"}).output, all_logs());
  auto at_mon = paths_for(frr_mon.routes(), "10.20.0.0/24");
  CHECK(as_paths_of(at_mon) ==
        std::vector<std::vector<std::uint32_t>>{{64512, 65010, 65021}, {64512, 65010, 65022}});
  CHECK(next_hops_of(at_mon) == std::vector<std::string>{to_mon.a_v4(), to_mon.a_v4()});
  CHECK(std::all_of(at_mon.begin(), at_mon.end(), [](const SeenRoute& p) { return p.path_id.has_value(); }));
  CHECK(paths_for(frr_mon.routes(), "10.244.2.0/26").size() == 1);
  // The hub gets our own block only.
  CHECK(eventually([&] { return best_for(frr_hub.routes(), "10.244.2.0/26").has_value(); }, 10s));

  // One origin withdraws: one path left on both sides of bgpd.
  frr_s1.configure({"router bgp 65021", "address-family ipv4 unicast", "no network 10.20.0.0/24"});
  CHECK_MESSAGE(eventually(
                    [&] {
                      return paths_for(bgpd.routes(), "10.20.0.0/24").size() == 1 &&
                             paths_for(frr_mon.routes(), "10.20.0.0/24").size() == 1;
                    },
                    15s),
                all_logs());
  auto left = paths_for(frr_mon.routes(), "10.20.0.0/24");
  REQUIRE(left.size() == 1);
  CHECK(left[0].as_path == std::vector<std::uint32_t>{64512, 65010, 65022});
}

TEST_CASE("bgpd as a client of an FRR route reflector: reflected routes carry ORIGINATOR_ID and CLUSTER_LIST both ways") {
  TempDir dir("interop-frr-rr"), dr("interop-frr-rr-rr"), dc("interop-frr-rr-c2");
  TestNetns rr("rr"), node("node"), c2("c2");
  Link to_node(rr, "eth-node", node, "eth-rr", 61);
  Link to_c2(rr, "eth-c2", c2, "eth-rr", 62);
  FrrRouter frr_rr(rr, dr.path(),
                   frr_config(64512, "10.255.0.9", {{to_node.b_v4(), 64512}, {to_c2.b_v4(), 64512}},
                              " bgp cluster-id 10.255.255.9\n address-family ipv4 unicast\n  neighbor " +
                                  to_node.b_v4() + " route-reflector-client\n  neighbor " + to_c2.b_v4() +
                                  " route-reflector-client\n exit-address-family\n"));
  FrrRouter frr_c2(c2, dc.path(),
                   frr_config(64512, "10.255.0.62", {{to_c2.a_v4(), 64512}},
                              " address-family ipv4 unicast\n  network 10.62.0.0/24\n exit-address-family\n"));
  // The reflected next hop (c2's address) is not on the node's link: no kernel routes here.
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$RR", "asNumber": 64512, "description": "route reflector" } ],
  "originate": [ { "prefix": "10.244.3.0/26", "communities": ["64512:3"] } ],
  "fib": { "enabled": false }
})",
                                               {{"$RR", to_node.a_v4()}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(to_node.a_v4()) && frr_c2.established(to_c2.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr_rr, &frr_c2}));

  // c2's route at bgpd: reflected, next hop and attributes unchanged.
  REQUIRE_MESSAGE(eventually([&] { return best_for(bgpd.routes(), "10.62.0.0/24").has_value(); }, 15s),
                  logs(bgpd, {&frr_rr}));
  auto reflected = *best_for(bgpd.routes(), "10.62.0.0/24");
  CHECK(reflected.originator_id == "10.255.0.62");
  CHECK(reflected.cluster_list == std::vector<std::string>{"10.255.255.9"});
  CHECK(reflected.next_hops == std::vector<std::string>{to_c2.b_v4()});
  CHECK(reflected.as_path.empty());
  CHECK(reflected.local_pref == 100u);

  // bgpd's route at c2, the same way; and at the reflector, learned directly.
  REQUIRE_MESSAGE(eventually([&] { return best_for(frr_c2.routes(), "10.244.3.0/26").has_value(); }, 15s),
                  frr_rr.vtysh({"show bgp ipv4 unicast"}).output, logs(bgpd, {&frr_rr, &frr_c2}));
  auto ours = *best_for(frr_c2.routes(), "10.244.3.0/26");
  CHECK(ours.originator_id == "10.255.0.1");
  CHECK(ours.cluster_list == std::vector<std::string>{"10.255.255.9"});
  CHECK(ours.next_hops == std::vector<std::string>{to_node.b_v4()});
  CHECK(ours.as_path.empty());
  CHECK(ours.communities == std::vector<std::string>{"64512:3"});
  auto at_rr = best_for(frr_rr.routes(), "10.244.3.0/26");
  REQUIRE(at_rr);
  CHECK(at_rr->originator_id.empty());
  CHECK(at_rr->next_hops == std::vector<std::string>{to_node.b_v4()});
  // FRR reflects our route back to us too (its update group holds both clients): bgpd
  // drops it as a loop (ORIGINATOR_ID is ours, RFC 4456 §8), not as an RFC 7606 error.
  CHECK(eventually(
      [&] {
        auto sent = frr_rr.vtysh({"show bgp ipv4 unicast neighbors " + to_node.b_v4() + " advertised-routes"});
        return sent.output.find("10.244.3.0/26") != std::string::npos;
      },
      10s));
  CHECK_FALSE_MESSAGE(
      eventually([&] { return bgpd.neighbor_json(to_node.a_v4()).find(R"("updatesTreatedAsWithdraw":0)") == std::string::npos; },
                 3s),
      bgpd.neighbor_json(to_node.a_v4()), log_text(bgpd.log_file()));
  CHECK(paths_for(bgpd.routes(), "10.244.3.0/26").size() == 1);
}

TEST_CASE("IPv6 with FRR over an IPv6 eBGP session: routes both ways and into the kernel") {
  TempDir dir("interop-frr6"), dt("interop-frr6-tor");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 45);
  FrrRouter frr(tor, dt.path(),
                frr_config(65010, "10.255.0.2", {{link.a_v6(), 64512}},
                           " no bgp default ipv4-unicast\n address-family ipv6 unicast\n  network fd00:9::/48\n"
                           "  neighbor " +
                               link.a_v6() + " activate\n exit-address-family\n"));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$TOR6", "asNumber": 65010, "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "fd00:244:1::/64", "blackhole": true, "install": true } ]
})",
                                               {{"$TOR6", link.b_v6()}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v6()) && frr.established(link.a_v6()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr}));
  CHECK(bgpd.neighbor_json(link.b_v6()).find(R"("families":["ipv6-unicast"])") != std::string::npos);

  REQUIRE_MESSAGE(eventually([&] { return best_for(bgpd.routes("ipv6"), "fd00:9::/48").has_value(); }, 10s),
                  logs(bgpd, {&frr}));
  auto theirs = *best_for(bgpd.routes("ipv6"), "fd00:9::/48");
  CHECK(theirs.next_hops == std::vector<std::string>{link.b_v6()});
  CHECK(theirs.as_path == std::vector<std::uint32_t>{65010});
  CHECK(eventually(
      [&] {
        auto routes = kernel_routes(node, kBgpdProtocol, true);
        return has(routes, "fd00:9::/48 via " + link.b_v6()) && has(routes, "fd00:244:1::/64 blackhole");
      },
      10s));

  REQUIRE_MESSAGE(eventually([&] { return best_for(frr.routes("ipv6"), "fd00:244:1::/64").has_value(); }, 10s),
                  logs(bgpd, {&frr}));
  auto ours = *best_for(frr.routes("ipv6"), "fd00:244:1::/64");
  CHECK(ours.next_hops == std::vector<std::string>{link.a_v6()});
  CHECK(ours.as_path == std::vector<std::uint32_t>{64512});
  CHECK(ours.origin == "igp");
  CHECK(frr.routes("ipv4").empty());
}

TEST_CASE("TCP MD5 with FRR: a wrong password never gets a session; the right one does") {
  TempDir dir("interop-frr-md5"), dt("interop-frr-md5-tor");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 46);
  FrrRouter frr(tor, dt.path(),
                frr_config(65010, "10.255.0.2", {{link.a_v4(), 64512}},
                           " neighbor " + link.a_v4() +
                               " password not-the-key\n address-family ipv4 unicast\n  network 10.2.0.0/24\n"
                               " exit-address-family\n"));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, "password": "s3cret-key", "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26" } ]
})",
                                               {{"$TOR", link.b_v4()}}));
  // Wrong key either way round: the kernel drops every segment, not even an OPEN gets through.
  CHECK_FALSE_MESSAGE(
      eventually([&] { return bgpd.established(link.b_v4()) || frr.established(link.a_v4()); }, 8s),
      logs(bgpd, {&frr}));
  CHECK(bgpd.neighbor_json(link.b_v4()).find(R"("messagesIn":{"open":0)") != std::string::npos);
  CHECK(bgpd.routes().size() == 1);  // only its own
  CHECK(paths_for(frr.routes(), "10.244.1.0/26").empty());

  frr.configure({"router bgp 65010", "neighbor " + link.a_v4() + " password s3cret-key"});
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && frr.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr}));
  CHECK(eventually([&] { return best_for(frr.routes(), "10.244.1.0/26").has_value(); }, 10s));
  CHECK(eventually([&] { return best_for(bgpd.routes(), "10.2.0.0/24").has_value(); }, 10s));
}

TEST_CASE("graceful restart with FRR as the helper: bgpd's routes stay at FRR, stale, until bgpd is back") {
  TempDir dir("interop-frr-gr"), dt("interop-frr-gr-tor");
  TestNetns node("node"), tor("tor");
  Link link(node, "eth-tor", tor, "eth-node", 47);
  FrrRouter frr(tor, dt.path(),
                frr_config(65010, "10.255.0.2", {{link.a_v4(), 64512}},
                           // FRR's default graceful-restart mode: helper.
                           " address-family ipv4 unicast\n  network 10.9.0.0/24\n exit-address-family\n"));
  SluiceBgpd bgpd(node, dir.path(), substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1,
               "gracefulRestart": { "restartTime": 60, "deferralTime": 30 } },
  "neighbors": [ { "address": "$TOR", "asNumber": 65010, "defaultPolicy": "accept" } ],
  "originate": [ { "prefix": "10.244.1.0/26", "blackhole": true, "install": true } ]
})",
                                               {{"$TOR", link.b_v4()}}));
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && frr.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr}));
  REQUIRE(eventually([&] { return has(kernel_routes(node, kBgpdProtocol), "10.9.0.0/24 via " + link.b_v4()); }, 10s));
  REQUIRE(eventually([&] { return best_for(frr.routes(), "10.244.1.0/26").has_value(); }, 10s));
  CHECK_FALSE(best_for(frr.routes(), "10.244.1.0/26")->stale);
  const std::string capability = frr.vtysh({"show bgp neighbors " + link.a_v4()}).output;
  CHECK_MESSAGE(capability.find("Graceful Restart Capability: advertised and received") != std::string::npos,
                capability);
  CHECK_MESSAGE(capability.find("Local GR Mode: Helper") != std::string::npos, capability);

  bgpd.stop();  // SIGTERM: a graceful stop, the sessions closed without a NOTIFICATION
  CHECK(log_text(bgpd.log_file()).find("sessions closed for a graceful restart") != std::string::npos);
  CHECK_MESSAGE(eventually(
                    [&] {
                      auto route = best_for(frr.routes(), "10.244.1.0/26");
                      return route && route->stale;
                    },
                    15s),
                logs(bgpd, {&frr}));
  // It stays while bgpd is away; so do bgpd's own kernel routes.
  CHECK_FALSE(eventually([&] { return !best_for(frr.routes(), "10.244.1.0/26"); }, 3s));
  CHECK(has(kernel_routes(node, kBgpdProtocol), "10.9.0.0/24 via " + link.b_v4()));

  bgpd.start();
  REQUIRE_MESSAGE(eventually([&] { return bgpd.established(link.b_v4()) && frr.established(link.a_v4()); },
                             kSessionTimeout),
                  logs(bgpd, {&frr}));
  CHECK(log_text(bgpd.log_file()).find("graceful restart: restarting speaker") != std::string::npos);
  // The Restart State bit of bgpd's new OPEN, as FRR read it.
  const std::string restart = frr.vtysh({"show bgp neighbors " + link.a_v4()}).output;
  CHECK_MESSAGE(restart.find("R bit: True") != std::string::npos, restart);
  // FRR takes the route again, fresh; bgpd learns FRR's again; the kernel route never left.
  CHECK_MESSAGE(eventually(
                    [&] {
                      auto route = best_for(frr.routes(), "10.244.1.0/26");
                      return route && !route->stale;
                    },
                    15s),
                logs(bgpd, {&frr}));
  CHECK(paths_for(frr.routes(), "10.244.1.0/26").size() == 1);
  CHECK(eventually([&] { return best_for(bgpd.routes(), "10.9.0.0/24").has_value(); }, 15s));
  CHECK(has(kernel_routes(node, kBgpdProtocol), "10.9.0.0/24 via " + link.b_v4()));
}
