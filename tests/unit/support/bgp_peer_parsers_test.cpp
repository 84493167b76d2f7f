// The peer-daemon drivers read routes from each daemon's own output; these samples were
// captured from the Debian packages (BIRD 2.0.12, FRR 8.4, GoBGP 3.10, ExaBGP 4.2).
#include <doctest/doctest.h>

#include "tests/support/bgp/bgpctl_routes.hpp"
#include "tests/support/bgp/bird_router.hpp"
#include "tests/support/bgp/exabgp_speaker.hpp"
#include "tests/support/bgp/frr_router.hpp"
#include "tests/support/bgp/gobgp_router.hpp"

namespace sb = sluice::testing::bgp;

TEST_CASE("BIRD's show route all: BGP and static routes, alternatives, attributes") {
  const char* text =
      "BIRD 2.0.12 ready.\n"
      "Table master4:\n"
      "10.3.0.0/26          blackhole [s2 05:56:08.697] * (200)\n"
      "\tType: static univ\n"
      "\tBGP.med: 5\n"
      "\tBGP.community: (65000,7) (65000,8)\n"
      "\tBGP.large_community: (1, 2, 3)\n"
      "10.1.0.0/26          unicast [dut 05:56:10.749] * (100) [AS65001i]\n"
      "\tvia 10.77.0.1 on ibxb\n"
      "\tType: BGP univ\n"
      "\tBGP.origin: IGP\n"
      "\tBGP.as_path: 65001 65010\n"
      "\tBGP.next_hop: 10.77.0.1\n"
      "\tBGP.med: 0\n"
      "\tBGP.local_pref: 100\n"
      "                     unicast [other 05:56:11.000] (100) [AS65002i]\n"
      "\tvia 10.77.0.2 on ibxb\n"
      "\tType: BGP univ\n"
      "\tBGP.next_hop: 10.77.0.2\n"
      "10.9.0.0/24          unicast [kernel1 05:56:11.000] * (10)\n"
      "\tvia 10.77.0.5 on ibxb weight 1\n"
      "\tvia 10.77.0.6 on ibxb weight 1\n";
  auto routes = sb::parse_bird_routes(text);
  REQUIRE(routes.size() == 4);
  CHECK(routes[0].prefix == "10.3.0.0/26");
  CHECK(routes[0].communities == std::vector<std::string>{"65000:7", "65000:8"});
  CHECK(routes[0].large_communities == std::vector<std::string>{"1:2:3"});
  CHECK(routes[0].med == 5u);
  CHECK(routes[0].next_hops.empty());
  CHECK(routes[1].prefix == "10.1.0.0/26");
  CHECK(routes[1].best);
  CHECK(routes[1].as_path == std::vector<std::uint32_t>{65001, 65010});
  CHECK(routes[1].next_hops == std::vector<std::string>{"10.77.0.1"});
  CHECK(routes[1].local_pref == 100u);
  CHECK(routes[1].origin == "igp");
  CHECK(routes[2].prefix == "10.1.0.0/26");
  CHECK_FALSE(routes[2].best);
  CHECK(routes[2].next_hops == std::vector<std::string>{"10.77.0.2"});
  CHECK(routes[3].next_hops == std::vector<std::string>{"10.77.0.5", "10.77.0.6"});
  CHECK(sb::best_for(routes, "10.1.0.0/26")->next_hops.front() == "10.77.0.1");
  CHECK(sb::paths_for(routes, "10.1.0.0/26").size() == 2);
}

TEST_CASE("FRR's JSON detail: the prefix entry is skipped, each path read") {
  const char* json =
      R"({"vrfId": 0, "routes": { "10.3.0.0/26": [{"prefix":"10.3.0.0/26","version":2,"advertisedTo":{}},)"
      R"({"aspath":{"string":"65002","segments":[{"type":"as-sequence","list":[65002]}],"length":1},"origin":"IGP",)"
      R"("valid":true,"bestpath":{"overall":true},"community":{"string":"65000:7","list":["65000:7"]},)"
      R"("largeCommunity":{"string":"1:2:3","list":["1:2:3"]},"locPrf":150,"metric":20,)"
      R"("nexthops":[{"ip":"10.77.0.2","afi":"ipv4","used":true}]},)"
      R"({"aspath":{"string":"65003","segments":[{"type":"as-sequence","list":[65003]}],"length":1},"origin":"incomplete",)"
      R"("valid":true,"nexthops":[{"ip":"fd00::3","afi":"ipv6"},{"ip":"fe80::3","afi":"ipv6","scope":"link-local"}]}]}})";
  auto routes = sb::parse_frr_routes(json);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].best);
  CHECK(routes[0].as_path == std::vector<std::uint32_t>{65002});
  CHECK(routes[0].communities == std::vector<std::string>{"65000:7"});
  CHECK(routes[0].large_communities == std::vector<std::string>{"1:2:3"});
  CHECK(routes[0].local_pref == 150u);
  CHECK(routes[0].med == 20u);
  CHECK(routes[0].origin == "igp");
  CHECK_FALSE(routes[1].best);
  CHECK(routes[1].next_hops == std::vector<std::string>{"fd00::3"});
  CHECK(routes[1].origin == "incomplete");
}

TEST_CASE("FRR's JSON detail: multipath, stale, add-path identifiers, route reflection") {
  const char* json =
      R"({"routes": { "10.9.0.0/24": [{"prefix":"10.9.0.0/24","version":3},)"
      R"({"aspath":{"string":"65010","segments":[{"type":"as-sequence","list":[65010]}],"length":1},"origin":"IGP",)"
      R"("valid":true,"multipath":true,"bestpath":{"overall":true},"addpathRxId":1,"addpathTxId":2,)"
      R"("nexthops":[{"ip":"192.0.41.2","afi":"ipv4","used":true}]},)"
      R"({"aspath":{"string":"Local","segments":[],"length":0},"stale":true,"origin":"IGP","locPrf":100,"valid":true,)"
      R"("addpathRxId":0,"originatorId":"10.255.0.1","clusterList":{"list":["10.255.255.9","10.255.255.8"]},)"
      R"("gracefulRestartSecondsRemaining":117,"nexthops":[{"ip":"192.0.61.2","afi":"ipv4","used":true}]}]}})";
  auto routes = sb::parse_frr_routes(json);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].multipath);
  CHECK_FALSE(routes[0].stale);
  CHECK(routes[0].path_id == 1u);
  CHECK(routes[0].originator_id.empty());
  CHECK(routes[0].cluster_list.empty());
  CHECK_FALSE(routes[1].best);
  CHECK_FALSE(routes[1].multipath);
  CHECK(routes[1].stale);
  CHECK_FALSE(routes[1].path_id);  // 0: received without one
  CHECK(routes[1].as_path.empty());
  CHECK(routes[1].originator_id == "10.255.0.1");
  CHECK(routes[1].cluster_list == std::vector<std::string>{"10.255.255.9", "10.255.255.8"});
}

TEST_CASE("GoBGP's rib JSON: attributes by type code") {
  const char* json =
      R"({"10.3.0.0/26":[{"nlri":{"prefix":"10.3.0.0/26"},"best":true,"attrs":[{"type":1,"value":0},)"
      R"({"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[65002]}]},{"type":3,"nexthop":"10.77.0.2"},)"
      R"({"type":4,"metric":7},{"type":5,"value":200},{"type":8,"communities":[4259840007]},)"
      R"({"type":32,"value":[{"ASN":1,"LocalData1":2,"LocalData2":3}]}]}],)"
      R"("fd00:1::/64":[{"nlri":{"prefix":"fd00:1::/64"},"best":false,"attrs":[{"type":1,"value":2},)"
      R"({"type":14,"nexthop":"fd00::2","value":[{"prefix":"fd00:1::/64"}]}]}]})";
  auto routes = sb::parse_gobgp_routes(json);
  REQUIRE(routes.size() == 2);
  auto v4 = sb::best_for(routes, "10.3.0.0/26");
  REQUIRE(v4);
  CHECK(v4->origin == "igp");
  CHECK(v4->as_path == std::vector<std::uint32_t>{65002});
  CHECK(v4->next_hops == std::vector<std::string>{"10.77.0.2"});
  CHECK(v4->med == 7u);
  CHECK(v4->local_pref == 200u);
  CHECK(v4->communities == std::vector<std::string>{"65000:7"});
  CHECK(v4->large_communities == std::vector<std::string>{"1:2:3"});
  CHECK_FALSE(sb::best_for(routes, "fd00:1::/64"));
  CHECK(sb::paths_for(routes, "fd00:1::/64").front().next_hops == std::vector<std::string>{"fd00::2"});
  CHECK(sb::paths_for(routes, "fd00:1::/64").front().origin == "incomplete");
  CHECK(v4->originator_id.empty());
  CHECK(v4->cluster_list.empty());
}

TEST_CASE("GoBGP's adj-in JSON: a reflected route's ORIGINATOR_ID and CLUSTER_LIST") {
  const char* json =
      R"({"10.71.0.0/24":[{"nlri":{"prefix":"10.71.0.0/24"},"age":1796539300,"best":false,"attrs":[{"type":1,"value":0},)"
      R"({"type":3,"nexthop":"192.0.71.2"},{"type":5,"value":300},{"type":9,"value":"10.255.0.71"},)"
      R"({"type":10,"value":["10.255.0.1","10.255.0.9"]}],"stale":false,"source-id":"10.255.0.1",)"
      R"("neighbor-ip":"192.0.72.1"}]})";
  auto routes = sb::parse_gobgp_routes(json);
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].originator_id == "10.255.0.71");
  CHECK(routes[0].cluster_list == std::vector<std::string>{"10.255.0.1", "10.255.0.9"});
  CHECK(routes[0].local_pref == 300u);
}

TEST_CASE("ExaBGP's received JSON: announcements, withdrawals and a session going down") {
  std::string lines =
      R"({ "type": "update", "neighbor": { "message": { "update": { "attribute": { "origin": "igp", "as-path": [ 65002 ], )"
      R"("community": [ [ 65000, 7 ] ], "large-community": [ [ 1, 2 , 3 ] ] }, "announce": { "ipv4 unicast": )"
      R"({ "10.77.0.2": [ { "nlri": "10.3.0.0/26" }, { "nlri": "10.4.0.0/26" } ] } } } } } })"
      "\ndone\n"
      R"({ "type": "update", "neighbor": { "message": { "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "10.4.0.0/26" } ] } } } } })"
      "\n";
  auto routes = sb::fold_exabgp_updates(lines);
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].prefix == "10.3.0.0/26");
  CHECK(routes[0].next_hops == std::vector<std::string>{"10.77.0.2"});
  CHECK(routes[0].communities == std::vector<std::string>{"65000:7"});
  CHECK(routes[0].large_communities == std::vector<std::string>{"1:2:3"});
  lines += R"({ "type": "state", "neighbor": { "state": "down" } })";
  CHECK(sb::fold_exabgp_updates(lines).empty());
}

TEST_CASE("ExaBGP's received JSON with several sessions: each its own routes, NOTIFICATIONs, raw attributes") {
  // Captured from ExaBGP 4.2.21 with three neighbour blocks toward one sluice-bgpd.
  const std::string head = R"({ "exabgp": "4.0.1", "time": 1796539189.7, "host" : "vm", "pid" : 14484, "ppid" : 1, )";
  auto neighbor = [](const char* local) {
    return std::string(R"("neighbor": { "address": { "local": ")") + local +
           R"(", "peer": "192.0.41.1" }, "asn": { "local": 65001, "peer": 64512 } , )";
  };
  std::string lines =
      head + R"("counter": 7, "type": "update", )" + neighbor("192.0.41.3") +
      R"("direction": "receive", "message": { "update": { "attribute": { "origin": "igp", "as-path": [ 64512, 65001 ], )"
      R"("confederation-path": [], "atomic-aggregate": true, "aggregator": "65001:192.0.41.2", )"
      R"("community": [ [ 65001, 7 ] ], "attribute-0x63-0xE0": "0x0102" }, "announce": { "ipv4 unicast": )"
      R"({ "192.0.41.1": [ { "nlri": "10.7.0.0/24" } ] } } } } } })"
      "\n" +
      head + R"("counter": 7, "type": "update", )" + neighbor("192.0.41.4") +
      R"("direction": "receive", "message": { "update": { "attribute": { "origin": "igp", "as-path": [ 65001 ], )"
      R"("local-preference": 100 }, "announce": { "ipv4 unicast": { "192.0.41.2": [ { "nlri": "10.7.0.0/24" } ] } } } } } })"
      "\n" +
      head + R"("counter": 5, "type": "notification", )" + neighbor("192.0.41.5") +
      R"("direction": "receive", "notification": { "code": 3, "subcode": 2, "data": "0x406302ABCD" }  } })"
      "\n";
  auto at3 = sb::fold_exabgp_updates(lines, "192.0.41.3");
  REQUIRE(at3.size() == 1);
  CHECK(at3[0].next_hops == std::vector<std::string>{"192.0.41.1"});
  CHECK(at3[0].as_path == std::vector<std::uint32_t>{64512, 65001});
  auto at4 = sb::fold_exabgp_updates(lines, "192.0.41.4");
  REQUIRE(at4.size() == 1);
  CHECK(at4[0].local_pref == 100u);
  CHECK(sb::fold_exabgp_updates(lines).size() == 1);  // all sessions: the later announcement stands
  CHECK(sb::fold_exabgp_updates(lines, "192.0.41.9").empty());

  auto attributes = sb::exabgp_attributes_of(lines, "10.7.0.0/24", "192.0.41.3");
  CHECK(attributes["atomic-aggregate"] == "true");
  CHECK(attributes["aggregator"] == "65001:192.0.41.2");
  CHECK(attributes["attribute-0x63-0xE0"] == "0x0102");
  CHECK(attributes["as-path"] == "[64512,65001]");
  CHECK(sb::exabgp_attributes_of(lines, "10.7.0.0/24", "192.0.41.4").count("aggregator") == 0);
  CHECK(sb::exabgp_attributes_of(lines, "10.8.0.0/24").empty());

  auto notifications = sb::exabgp_notifications(lines);
  REQUIRE(notifications.size() == 1);
  CHECK(notifications[0].code == 3);
  CHECK(notifications[0].subcode == 2);
  CHECK(notifications[0].data == "406302abcd");
  CHECK(sb::exabgp_notifications(lines, "192.0.41.3").empty());

  // A withdrawal, then the session going down, end what stood on that session only.
  lines += head + R"("type": "update", )" + neighbor("192.0.41.3") +
           R"("message": { "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "10.7.0.0/24" } ] } } } } })"
           "\n";
  CHECK(sb::exabgp_attributes_of(lines, "10.7.0.0/24", "192.0.41.3").empty());
  CHECK(sb::fold_exabgp_updates(lines, "192.0.41.3").empty());
  lines += head + R"("type": "state", )" + neighbor("192.0.41.4") +
           R"("state": "down" } })"
           "\n";
  CHECK(sb::fold_exabgp_updates(lines, "192.0.41.4").empty());
}

TEST_CASE("bgpctl's routes JSON: paths with their attributes") {
  const char* json =
      R"({"ok":true,"routes":[{"prefix":"10.2.0.0/26","paths":[{"from":"10.77.0.2","best":true,"multipath":true,)"
      R"("stale":false,"nextHop":"10.77.0.2","asPath":"65002 65010","origin":"igp","localPref":200,"med":5,)"
      R"("communities":["65000:7","no-export"],"largeCommunities":["1:2:3"]},{"from":"10.77.0.3","best":false,)"
      R"("multipath":false,"stale":true,"nextHop":"10.77.0.3","asPath":"65003 {65004,65005}"}]}]})";
  auto routes = sb::parse_bgpctl_routes(json);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].best);
  CHECK(routes[0].next_hops == std::vector<std::string>{"10.77.0.2"});
  CHECK(routes[0].as_path == std::vector<std::uint32_t>{65002, 65010});
  CHECK(routes[0].local_pref == 200u);
  CHECK(routes[0].med == 5u);
  CHECK(routes[0].communities == std::vector<std::string>{"65000:7", "no-export"});
  CHECK(routes[0].large_communities == std::vector<std::string>{"1:2:3"});
  CHECK_FALSE(routes[1].best);
  CHECK(routes[1].as_path == std::vector<std::uint32_t>{65003});  // the set is not a sequence member
  CHECK(routes[0].multipath);
  CHECK_FALSE(routes[0].stale);
  CHECK_FALSE(routes[0].path_id);
  CHECK_FALSE(routes[1].multipath);
  CHECK(routes[1].stale);
}

TEST_CASE("bgpctl's routes JSON: add-path identifiers and what a route reflector added") {
  const char* json =
      R"({"ok":true,"routes":[{"prefix":"10.62.0.0/24","paths":[{"from":"192.0.61.2","best":true,"multipath":true,)"
      R"("stale":false,"pathID":7,"nextHop":"192.0.62.2","asPath":"","origin":"igp","localPref":100,)"
      R"("originatorID":"10.255.0.62","clusterList":["10.255.255.9"]}]}]})";
  auto routes = sb::parse_bgpctl_routes(json);
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].path_id == 7u);
  CHECK(routes[0].as_path.empty());
  CHECK(routes[0].originator_id == "10.255.0.62");
  CHECK(routes[0].cluster_list == std::vector<std::string>{"10.255.255.9"});
}
