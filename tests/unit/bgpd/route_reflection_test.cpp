// Who may receive what: loop detection on receipt, the route reflection advertisement
// rules, well-known communities, the attributes a reflector adds, and the per-peer export
// rewrite, first as functions and then through a route reflector with four kinds of peer.
#include <doctest/doctest.h>

#include "bgpd/rib/route_reflection.hpp"
#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

struct Peers {
  Peers() : table(config().speaker) {
    client1 = add("10.1.1.1", kLocalAs, "1.1.1.1", true);
    client2 = add("10.1.1.2", kLocalAs, "1.1.1.2", true);
    nonclient1 = add("10.2.2.1", kLocalAs, "2.2.2.1", false);
    nonclient2 = add("10.2.2.2", kLocalAs, "2.2.2.2", false);
    external1 = add("192.0.2.1", 65001, "3.3.3.1", false);
    external2 = add("192.0.2.2", 65002, "3.3.3.2", false);
  }
  PeerId add(std::string_view a, std::uint32_t as, std::string_view router_id, bool client) {
    PeerInfo info = peer(a, as);
    info.router_id = address(router_id);
    info.route_reflector_client = client;
    return *table.add(info);
  }
  PeerTable table;
  PeerId client1, client2, nonclient1, nonclient2, external1, external2;
};

PathAttributes with_as_path(std::vector<AsPathSegment> segments) {
  PathAttributes a = path();
  a.as_path->segments = std::move(segments);
  return a;
}

}  // namespace

TEST_CASE("route reflection: loops are detected on receipt") {
  Peers p;
  using T = AsPathSegmentType;
  CHECK_FALSE(received_loop(path({65001, 3}), p.external1, p.table));
  CHECK(received_loop(path({65001, kLocalAs, 3}), p.external1, p.table) == LoopReason::as_path);
  CHECK(received_loop(with_as_path({{T::as_sequence, {65001}}, {T::as_set, {7, kLocalAs}}}), p.external1, p.table) ==
        LoopReason::as_path);

  // allow-own-as lets the AS appear that many times.
  p.table.info(p.external1).allow_own_as = 1;
  CHECK_FALSE(received_loop(path({65001, kLocalAs, 3}), p.external1, p.table));
  CHECK(received_loop(path({65001, kLocalAs, kLocalAs}), p.external1, p.table) == LoopReason::as_path);

  // A per-peer local AS is looked for as well as the speaker's.
  p.table.info(p.external2).local_as = 64999;
  CHECK(received_loop(path({65002, 64999}), p.external2, p.table) == LoopReason::as_path);
  CHECK(received_loop(path({65002, kLocalAs}), p.external2, p.table) == LoopReason::as_path);

  // iBGP: our own router id as ORIGINATOR_ID, our cluster id in CLUSTER_LIST.
  PathAttributes reflected = path();
  CHECK_FALSE(received_loop(reflected, p.nonclient1, p.table));
  reflected.originator_id = address("10.0.0.1");
  CHECK(received_loop(reflected, p.nonclient1, p.table) == LoopReason::originator_id);
  reflected.originator_id = address("1.1.1.1");
  reflected.cluster_list = {address("10.9.9.9"), address("10.0.0.1")};
  CHECK(received_loop(reflected, p.nonclient1, p.table) == LoopReason::cluster_list);
  reflected.cluster_list = {address("10.9.9.9")};
  CHECK_FALSE(received_loop(reflected, p.nonclient1, p.table));
  p.table.info(p.client1).cluster_id = address("10.9.9.9");
  CHECK(received_loop(reflected, p.client1, p.table) == LoopReason::cluster_list);
  CHECK(to_string(LoopReason::cluster_list) == "cluster-list");
}

TEST_CASE("route reflection: who may receive a route") {
  Peers p;
  const PathAttributes plain = path();
  struct Row {
    PeerId from;
    std::vector<PeerId> receivers;
  };
  const std::vector<PeerId> everyone{p.client1, p.client2, p.nonclient1, p.nonclient2, p.external1, p.external2};
  const std::vector<Row> rows{
      {kLocalPeer, everyone},
      {p.external1, {p.client1, p.client2, p.nonclient1, p.nonclient2, p.external2}},
      {p.client1, {p.client2, p.nonclient1, p.nonclient2, p.external1, p.external2}},
      {p.nonclient1, {p.client1, p.client2, p.external1, p.external2}},
  };
  for (const auto& row : rows) {
    for (PeerId to : everyone) {
      CAPTURE(row.from);
      CAPTURE(to);
      const bool expected = std::find(row.receivers.begin(), row.receivers.end(), to) != row.receivers.end();
      CHECK(may_advertise(plain, row.from, to, p.table) == expected);
    }
  }

  PathAttributes no_export = path();
  no_export.communities = {kNoExport};
  CHECK(may_advertise(no_export, p.client1, p.nonclient1, p.table));
  CHECK_FALSE(may_advertise(no_export, p.client1, p.external1, p.table));
  no_export.communities = {kNoExportSubconfed};
  CHECK_FALSE(may_advertise(no_export, kLocalPeer, p.external1, p.table));
  PathAttributes no_advertise = path();
  no_advertise.communities = {(65000u << 16) | 7, kNoAdvertise};
  for (PeerId to : everyone) CHECK_FALSE(may_advertise(no_advertise, kLocalPeer, to, p.table));
}

TEST_CASE("route reflection: ORIGINATOR_ID and CLUSTER_LIST on reflected routes (RFC 4456 §7)") {
  Peers p;
  CHECK(reflects(p.client1, p.nonclient1, p.table));
  CHECK_FALSE(reflects(p.external1, p.client1, p.table));
  CHECK_FALSE(reflects(kLocalPeer, p.client1, p.table));

  PathAttributes a = path();
  add_reflection_attributes(a, p.client1, p.nonclient1, p.table);
  CHECK(a.originator_id == address("1.1.1.1"));
  CHECK(a.cluster_list == std::vector<ip::Address>{address("10.0.0.1")});

  // An existing ORIGINATOR_ID stays; the cluster id goes in front.
  add_reflection_attributes(a, p.nonclient1, p.client2, p.table);
  CHECK(a.originator_id == address("1.1.1.1"));
  CHECK(a.cluster_list == std::vector<ip::Address>{address("10.0.0.1"), address("10.0.0.1")});

  // A cluster id configured on a client's session is the one used toward or from it.
  p.table.info(p.client2).cluster_id = address("10.9.9.9");
  PathAttributes b = path();
  add_reflection_attributes(b, p.nonclient1, p.client2, p.table);
  CHECK(b.cluster_list == std::vector<ip::Address>{address("10.9.9.9")});
  PathAttributes c = path();
  add_reflection_attributes(c, p.client2, p.nonclient1, p.table);
  CHECK(c.cluster_list == std::vector<ip::Address>{address("10.9.9.9")});
}

TEST_CASE("route reflection: a reflector with clients, non-clients and eBGP peers") {
  Lab lab;
  auto client = [](std::string_view a) {
    PeerInfo info = peer(a, kLocalAs);
    info.route_reflector_client = true;
    return info;
  };
  const PeerId c1 = lab.join(client("10.1.1.1"), "1.1.1.1", "10.1.1.254");
  const PeerId c2 = lab.join(client("10.1.1.2"), "1.1.1.2", "10.1.1.254");
  const PeerId n1 = lab.join(peer("10.2.2.1", kLocalAs), "2.2.2.1", "10.2.2.254");
  const PeerId n2 = lab.join(peer("10.2.2.2", kLocalAs), "2.2.2.2", "10.2.2.254");
  const PeerId e1 = lab.join(peer("192.0.2.1", 65001), "3.3.3.1", "192.0.2.254");

  SUBCASE("from a client: to everyone else, reflected to iBGP, rewritten for eBGP") {
    PathAttributes a = path();
    a.local_pref = 150;
    a.multi_exit_disc = 5;
    lab.rib.apply_update(c1, announce(a, "10.1.1.1", {"10.10.0.0/24"}));
    lab.sync();
    CHECK(lab.at(c1).size() == 0);
    for (PeerId ibgp : {c2, n1, n2}) {
      const auto* got = lab.at(ibgp).find("10.10.0.0/24");
      REQUIRE(got);
      CHECK(got->attributes.originator_id == address("1.1.1.1"));
      CHECK(got->attributes.cluster_list == std::vector<ip::Address>{address("10.0.0.1")});
      CHECK(got->attributes.next_hop == address("10.1.1.1"));  // a reflector leaves it alone
      CHECK(got->attributes.local_pref == 150u);
      CHECK(got->attributes.multi_exit_disc == 5u);
      CHECK(got->attributes.as_path == AsPath{});
    }
    const auto* external = lab.at(e1).find("10.10.0.0/24");
    REQUIRE(external);
    CHECK(external->attributes.as_path == path({kLocalAs}).as_path);
    CHECK(external->attributes.next_hop == address("192.0.2.254"));
    CHECK_FALSE(external->attributes.local_pref);
    CHECK_FALSE(external->attributes.multi_exit_disc);
    CHECK_FALSE(external->attributes.originator_id);
    CHECK(external->attributes.cluster_list.empty());
  }

  SUBCASE("a client back with another router id: its reflected routes name the new one as ORIGINATOR_ID") {
    lab.rib.apply_update(c1, announce(path(), "10.1.1.1", {"10.10.0.0/24"}));
    lab.sync();
    REQUIRE(lab.at(n1).find("10.10.0.0/24"));
    CHECK(lab.at(n1).find("10.10.0.0/24")->attributes.originator_id == address("1.1.1.1"));
    // Same routes, same attributes, over a new session: the rewrite remembered for them
    // must not be reused.
    lab.rib.session_lost(c1, SessionLoss::reset);
    lab.up(c1, session("1.1.1.9", "10.1.1.254", {kIpv4Unicast, kIpv6Unicast}));
    lab.rib.apply_update(c1, announce(path(), "10.1.1.1", {"10.10.0.0/24"}));
    lab.sync();
    for (PeerId ibgp : {c2, n1, n2}) {
      const auto* got = lab.at(ibgp).find("10.10.0.0/24");
      REQUIRE(got);
      CHECK(got->attributes.originator_id == address("1.1.1.9"));
    }
  }

  SUBCASE("from a non-client: to clients and eBGP peers only") {
    lab.rib.apply_update(n1, announce(path(), "10.2.2.1", {"10.20.0.0/24"}));
    lab.sync();
    CHECK(lab.at(c1).find("10.20.0.0/24"));
    CHECK(lab.at(c2).find("10.20.0.0/24"));
    CHECK(lab.at(e1).find("10.20.0.0/24"));
    CHECK_FALSE(lab.at(n2).find("10.20.0.0/24"));
    CHECK_FALSE(lab.at(n1).find("10.20.0.0/24"));
  }

  SUBCASE("from an eBGP peer: next hop kept and LOCAL_PREF added toward iBGP, never reflected attributes") {
    PathAttributes a = path({65001});
    a.multi_exit_disc = 7;
    lab.rib.apply_update(e1, announce(a, "192.0.2.1", {"10.30.0.0/24"}));
    lab.rib.apply_update(e1, announce(a, "2001:db8:1::1", {"2001:db8:30::/48"}));
    lab.sync();
    CHECK(lab.at(e1).size() == 0);
    for (PeerId ibgp : {c1, c2, n1, n2}) {
      const auto* got = lab.at(ibgp).find("10.30.0.0/24");
      REQUIRE(got);
      CHECK(got->attributes.next_hop == address("192.0.2.1"));
      CHECK(got->attributes.local_pref == 100u);
      CHECK(got->attributes.multi_exit_disc == 7u);
      CHECK_FALSE(got->attributes.originator_id);
      const auto* v6 = lab.at(ibgp).find("2001:db8:30::/48");
      REQUIRE(v6);
      CHECK(v6->next_hops == std::vector<ip::Address>{address("2001:db8:1::1")});
    }
  }

  SUBCASE("next-hop-self toward one peer") {
    PeerInfo info = lab.rib.peers().info(n1);
    info.next_hop = NextHopMode::self;
    lab.rib.update_peer(n1, info);
    lab.rib.apply_update(c1, announce(path(), "10.1.1.1", {"10.11.0.0/24"}));
    lab.sync();
    CHECK(lab.at(n1).find("10.11.0.0/24")->attributes.next_hop == address("10.2.2.254"));
    CHECK(lab.at(n2).find("10.11.0.0/24")->attributes.next_hop == address("10.1.1.1"));
  }

  SUBCASE("looped routes are dropped on receipt") {
    PathAttributes a = path();
    a.originator_id = address("10.0.0.1");
    lab.rib.apply_update(c2, announce(a, "10.1.1.2", {"10.12.0.0/24"}));
    PathAttributes b = path({65001, kLocalAs});
    lab.rib.apply_update(e1, announce(b, "192.0.2.1", {"10.13.0.0/24"}));
    lab.sync();
    CHECK(lab.rib.adj_rib_in(c2)->counters().looped == 1);
    CHECK(lab.rib.adj_rib_in(e1)->counters().looped == 1);
    CHECK(lab.rib.loc_rib(kIpv4Unicast)->prefix_count() == 0);
  }

  SUBCASE("routes this speaker originates go everywhere with its own next hop") {
    RouteAttributes own;
    own.path.multi_exit_disc = 3;
    lab.rib.originate(prefix("10.40.0.0/26"), own);
    lab.sync();
    for (PeerId ibgp : {c1, c2, n1, n2}) {
      const auto* got = lab.at(ibgp).find("10.40.0.0/26");
      REQUIRE(got);
      CHECK(got->attributes.origin == Origin::igp);
      CHECK(got->attributes.local_pref == 100u);
      CHECK(got->attributes.as_path == AsPath{});
    }
    CHECK(lab.at(c1).find("10.40.0.0/26")->attributes.next_hop == address("10.1.1.254"));
    const auto* external = lab.at(e1).find("10.40.0.0/26");
    REQUIRE(external);
    CHECK(external->attributes.multi_exit_disc == 3u);  // our own MED may leave the AS
    CHECK(external->attributes.next_hop == address("192.0.2.254"));
    lab.rib.withdraw_originated(prefix("10.40.0.0/26"));
    lab.sync();
    CHECK_FALSE(lab.at(e1).find("10.40.0.0/26"));
  }

  SUBCASE("import and export policy hooks") {
    PeerInfo from = lab.rib.peers().info(e1);
    from.import_policy = [](const ImportRoute& route, RouteEditor& editor) {
      if (prefix("10.99.0.0/16").contains(route.prefix)) return PolicyVerdict::reject;
      if (route.prefix == prefix("10.30.0.0/24")) editor.edit().path.local_pref = 300;
      return PolicyVerdict::accept;
    };
    lab.rib.update_peer(e1, from);
    PeerInfo to = lab.rib.peers().info(n1);
    to.export_policy = [](const ExportRoute& route, RouteEditor& editor) {
      if (route.prefix == prefix("10.31.0.0/24")) return PolicyVerdict::reject;
      editor.edit().path.communities.push_back((65000u << 16) | 42);
      return PolicyVerdict::accept;
    };
    lab.rib.update_peer(n1, to);
    lab.rib.apply_update(e1, announce(path({65001}), "192.0.2.1", {"10.30.0.0/24", "10.31.0.0/24", "10.99.1.0/24"}));
    lab.sync();
    CHECK(lab.rib.adj_rib_in(e1)->counters().rejected == 1);
    CHECK(lab.at(c1).find("10.30.0.0/24")->attributes.local_pref == 300u);
    CHECK(lab.at(c1).find("10.31.0.0/24")->attributes.local_pref == 100u);
    CHECK_FALSE(lab.at(c1).find("10.99.1.0/24"));
    CHECK(lab.at(n1).find("10.30.0.0/24")->attributes.communities == std::vector<Community>{(65000u << 16) | 42});
    CHECK_FALSE(lab.at(n1).find("10.31.0.0/24"));
    CHECK(lab.at(n2).find("10.31.0.0/24"));
  }
}
