// Graceful restart (RFC 4724): as helper (stale marking, End-of-RIB, the restart timer,
// the Forwarding State bit on return) and as restarting speaker (deferred selection).
#include <doctest/doctest.h>

#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

PeerSession graceful(std::string_view router_id, std::string_view next_hop_self, bool forwarding = true,
                     bool restart_state = false) {
  PeerSession s = session(router_id, next_hop_self);
  s.graceful_restart = GracefulRestart{restart_state, false, 120, {{kIpv4Unicast, forwarding}}};
  return s;
}

// A helper with a gracefully restarting peer and an observer of what the helper advertises.
struct Helper {
  Helper() {
    restarting = lab.add(peer("192.0.2.1", 65001));
    lab.up(restarting, graceful("1.1.1.1", "192.0.2.254"));
    observer = lab.join(peer("198.51.100.2", 65002), "3.3.3.3", "198.51.100.1");
    lab.rib.apply_update(restarting, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24", "10.2.0.0/24"}));
    lab.sync();
    REQUIRE(seen().size() == 2);
    lab.rib.set_best_path_listener([this](const LocRib& table, std::span<const EntryIndex> changed) {
      for (EntryIndex i : changed) selection_changes += table.selection_changed(i) ? 1 : 0;
    });
    seen().clear_log();
  }
  Receiver& seen() { return lab.at(observer); }
  const LocRib& table() { return *lab.rib.loc_rib(kIpv4Unicast); }

  Lab lab;
  PeerId restarting = 0;
  PeerId observer = 0;
  int selection_changes = 0;
};

}  // namespace

TEST_CASE("graceful restart helper: routes stay, stale, across the restart; End-of-RIB sweeps the rest") {
  Helper h;
  h.lab.rib.session_lost(h.restarting, SessionLoss::graceful);
  h.lab.sync();
  CHECK(h.seen().updates().empty());  // still advertised: forwarding goes on
  CHECK(h.selection_changes == 0);
  CHECK(h.table().peer_stale_count(h.restarting) == 2);
  CHECK(h.lab.rib.adj_rib_in(h.restarting)->stale_families() == std::vector<AfiSafi>{kIpv4Unicast});

  h.lab.up(h.restarting, graceful("1.1.1.1", "192.0.2.254"));
  CHECK(h.table().peer_stale_count(h.restarting) == 2);  // kept until End-of-RIB
  h.lab.rib.apply_update(h.restarting, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24"}));
  h.lab.sync();
  CHECK(h.table().peer_stale_count(h.restarting) == 1);
  CHECK(h.seen().updates().empty());  // the same route again: nothing to tell

  h.lab.rib.apply_update(h.restarting, Update::end_of_rib(kIpv4Unicast));
  h.lab.sync();
  CHECK(h.table().peer_stale_count(h.restarting) == 0);
  CHECK(h.lab.rib.adj_rib_in(h.restarting)->stale_families().empty());
  REQUIRE(h.seen().updates().size() == 1);
  CHECK(h.seen().updates()[0].withdrawn_routes == std::vector<Nlri>{{prefix("10.2.0.0/24"), 0}});
  CHECK(h.seen().find("10.1.0.0/24"));
}

TEST_CASE("graceful restart helper: stale routes go at once when the peer returns without forwarding state") {
  Helper h;
  h.lab.rib.session_lost(h.restarting, SessionLoss::graceful);
  SUBCASE("Forwarding State bit clear") { h.lab.up(h.restarting, graceful("1.1.1.1", "192.0.2.254", false)); }
  SUBCASE("no Graceful Restart capability") { h.lab.up(h.restarting, session("1.1.1.1", "192.0.2.254")); }
  h.lab.sync();
  CHECK(h.table().peer_path_count(h.restarting) == 0);
  CHECK(h.seen().size() == 0);
}

TEST_CASE("graceful restart helper: the restart timer removes what is still stale") {
  Helper h;
  h.lab.rib.session_lost(h.restarting, SessionLoss::graceful);
  h.lab.sync();
  CHECK(h.seen().size() == 2);
  h.lab.rib.restart_timer_expired(h.restarting);
  h.lab.sync();
  CHECK(h.seen().size() == 0);
  CHECK(h.table().prefix_count() == 0);
  CHECK(h.selection_changes == 2);
}

TEST_CASE("graceful restart helper: routes go at once without graceful restart") {
  Helper h;
  SUBCASE("a reset") { h.lab.rib.session_lost(h.restarting, SessionLoss::reset); }
  SUBCASE("a session that did not negotiate it") {
    h.lab.up(h.restarting, session("1.1.1.1", "192.0.2.254"));
    h.lab.rib.apply_update(h.restarting, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24", "10.2.0.0/24"}));
    h.lab.rib.session_lost(h.restarting, SessionLoss::graceful);
  }
  SUBCASE("this speaker does not offer it to the peer") {
    PeerInfo info = h.lab.rib.peers().info(h.restarting);
    info.graceful_restart = false;
    h.lab.rib.update_peer(h.restarting, info);
    h.lab.rib.session_lost(h.restarting, SessionLoss::graceful);
  }
  h.lab.sync();
  CHECK(h.table().peer_path_count(h.restarting) == 0);
  CHECK(h.seen().size() == 0);
}

TEST_CASE("restarting speaker: selection waits for End-of-RIB from every graceful-restart peer") {
  RibConfig c = config();
  c.restarting = true;
  Lab lab(c);
  PeerInfo observer_info = peer("198.51.100.2", 65002);
  observer_info.graceful_restart = false;  // not waited for
  const PeerId observer = lab.add(observer_info);
  const PeerId first = lab.add(peer("192.0.2.1", 65001));
  const PeerId second = lab.add(peer("192.0.2.2", 65003));
  lab.up(observer, session("3.3.3.3", "198.51.100.1"));
  lab.up(first, graceful("1.1.1.1", "192.0.2.254"));
  lab.up(second, graceful("1.1.1.2", "192.0.2.254"));
  lab.rib.apply_update(first, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24"}));
  lab.rib.apply_update(second, announce(path({65003}), "192.0.2.2", {"10.3.0.0/24"}));
  lab.sync();
  CHECK(lab.rib.deferring());
  CHECK(lab.at(observer).updates().empty());  // not even End-of-RIB
  CHECK(lab.at(first).updates().empty());

  lab.rib.apply_update(first, Update::end_of_rib(kIpv4Unicast));
  lab.sync();
  CHECK(lab.rib.deferring());
  CHECK(lab.at(observer).updates().empty());

  lab.rib.apply_update(second, Update::end_of_rib(kIpv4Unicast));
  CHECK_FALSE(lab.rib.deferring());
  lab.sync();
  CHECK(lab.at(observer).size() == 2);
  CHECK(lab.at(observer).end_of_rib() == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(lab.at(observer).updates().back().end_of_rib_family() == kIpv4Unicast);
  CHECK(lab.at(first).find("10.3.0.0/24"));
  CHECK(lab.at(first).end_of_rib() == std::vector<AfiSafi>{kIpv4Unicast});
}

TEST_CASE("restarting speaker: who is not waited for, and the selection deferral timer") {
  RibConfig c = config();
  c.restarting = true;
  Lab lab(c);
  const PeerId restarting_too = lab.add(peer("192.0.2.1", 65001));
  const PeerId no_capability = lab.add(peer("192.0.2.2", 65003));
  const PeerId never_back = lab.add(peer("192.0.2.3", 65004));

  lab.up(restarting_too, graceful("1.1.1.1", "192.0.2.254", true, /*restart_state=*/true));
  lab.up(no_capability, session("1.1.1.2", "192.0.2.254"));
  lab.rib.apply_update(no_capability, announce(path({65003}), "192.0.2.2", {"10.3.0.0/24"}));
  lab.sync();
  CHECK(lab.rib.deferring());  // still waiting for never_back

  SUBCASE("the timer ends the wait") { lab.rib.selection_deferral_expired(); }
  SUBCASE("removing the missing peer ends it") { lab.rib.remove_peer(never_back); }
  CHECK_FALSE(lab.rib.deferring());
  lab.sync();
  CHECK(lab.at(restarting_too).find("10.3.0.0/24"));
  CHECK(lab.at(restarting_too).end_of_rib() == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(lab.at(no_capability).end_of_rib() == std::vector<AfiSafi>{kIpv4Unicast});
}

TEST_CASE("a peer's initial update is done when End-of-RIB came for every family of its session") {
  Lab lab;
  const PeerId id = lab.add(peer("192.0.2.1", 65001));
  CHECK_FALSE(lab.rib.initial_update_done(id));  // down
  CHECK(lab.rib.session(id) == nullptr);
  lab.up(id, graceful("1.1.1.1", "192.0.2.254"));
  REQUIRE(lab.rib.session(id) != nullptr);
  CHECK(lab.rib.session(id)->next_hop_self_ipv4 == ip::Address::parse("192.0.2.254").value());
  lab.rib.apply_update(id, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24"}));
  CHECK_FALSE(lab.rib.initial_update_done(id));
  lab.rib.apply_update(id, Update::end_of_rib(kIpv4Unicast));
  CHECK(lab.rib.initial_update_done(id));
  // A new session starts over.
  lab.rib.session_lost(id, SessionLoss::reset);
  CHECK_FALSE(lab.rib.initial_update_done(id));
  lab.up(id, graceful("1.1.1.1", "192.0.2.254"));
  CHECK_FALSE(lab.rib.initial_update_done(id));
}
