// The Loc-RIB: paths per prefix, best path and multipath, change batches, add-path ids,
// stale marking, entry lifetime, and the prefix index under random churn.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "bgpd/rib/loc_rib.hpp"
#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

struct Table {
  Table() : peers(config().speaker), rib(kIpv4Unicast, peers, store) {
    a = add("192.0.2.1", 65001, "1.1.1.1");
    b = add("192.0.2.2", 65002, "2.2.2.2");
  }
  PeerId add(std::string_view peer_address, std::uint32_t as, std::string_view router_id) {
    PeerInfo info = peer(peer_address, as);
    info.router_id = address(router_id);
    return *peers.add(info);
  }
  AttrRef attrs(std::initializer_list<std::uint32_t> as_path, std::string_view next_hop = "192.0.2.100") {
    return store.intern(route(next_hop, as_path));
  }
  std::vector<EntryIndex> process() {
    auto batch = rib.process();
    return {batch.begin(), batch.end()};
  }

  AttributeStore store;
  PeerTable peers;
  LocRib rib;
  PeerId a = 0;
  PeerId b = 0;
};

}  // namespace

TEST_CASE("LocRib: the best path, and which changes change the selection") {
  Table t;
  const auto p = prefix("10.1.0.0/24");
  t.rib.announce(p, t.a, 0, t.attrs({65001}));
  CHECK(t.rib.best(*t.rib.find(p)) == nullptr);  // nothing is decided before process()
  auto batch = t.process();
  REQUIRE(batch.size() == 1);
  const EntryIndex i = batch[0];
  CHECK(t.rib.prefix(i) == p);
  CHECK(t.rib.selection_changed(i));
  REQUIRE(t.rib.best(i) != nullptr);
  CHECK(t.rib.best(i)->peer() == t.a);

  // A worse path from B: touched, but the selection stands.
  t.rib.announce(p, t.b, 0, t.attrs({65002, 1}));
  CHECK(t.process() == std::vector<EntryIndex>{i});
  CHECK_FALSE(t.rib.selection_changed(i));
  CHECK(t.rib.best(i)->peer() == t.a);
  CHECK(t.rib.paths(i).size() == 2);

  // A replaces its path (implicit withdraw) with a longer one: B wins.
  t.rib.announce(p, t.a, 0, t.attrs({65001, 5, 6}));
  CHECK(t.process() == std::vector<EntryIndex>{i});
  CHECK(t.rib.selection_changed(i));
  CHECK(t.rib.best(i)->peer() == t.b);
  CHECK(t.rib.paths(i)[1].peer() == t.a);

  // The same attributes again change nothing and are not even reported.
  t.rib.announce(p, t.a, 0, t.attrs({65001, 5, 6}));
  CHECK(t.process().empty());

  // Many changes to one prefix between two runs are decided once.
  t.rib.announce(p, t.b, 0, t.attrs({65002, 1, 2, 3, 4}));
  t.rib.announce(p, t.b, 0, t.attrs({65002, 1, 2, 3}));
  t.rib.announce(p, t.b, 0, t.attrs({65002, 2}));
  CHECK(t.process() == std::vector<EntryIndex>{i});
  CHECK(t.rib.selection_changed(i));  // the best path's attributes changed
  CHECK(t.rib.attributes(*t.rib.best(i)) == t.attrs({65002, 2}));

  CHECK(t.rib.withdraw(p, t.b, 0));
  CHECK_FALSE(t.rib.withdraw(p, t.b, 0));
  CHECK(t.process() == std::vector<EntryIndex>{i});
  CHECK(t.rib.selection_changed(i));
  CHECK(t.rib.best(i)->peer() == t.a);

  t.rib.withdraw(p, t.a, 0);
  CHECK(t.process() == std::vector<EntryIndex>{i});
  CHECK(t.rib.selection_changed(i));
  CHECK(t.rib.best(i) == nullptr);
  CHECK(t.rib.prefix_count() == 0);
  CHECK(t.rib.path_count() == 0);
  CHECK(t.rib.find(p).has_value());  // kept until the batch that reported it is over
  t.process();
  CHECK_FALSE(t.rib.find(p).has_value());
}

TEST_CASE("LocRib: add-path: one peer, several paths; local ids unique and stable") {
  Table t;
  const auto p = prefix("10.2.0.0/24");
  t.rib.announce(p, t.a, 7, t.attrs({65001}));
  t.rib.announce(p, t.a, 8, t.attrs({65001, 2}));
  t.process();
  const EntryIndex i = *t.rib.find(p);
  auto paths = t.rib.paths(i);
  REQUIRE(paths.size() == 2);
  CHECK(paths[0].path_id() == 7);
  CHECK(paths[1].path_id() == 8);
  CHECK(paths[0].local_id() != paths[1].local_id());
  const auto kept_id = paths[1].local_id();

  t.rib.withdraw(p, t.a, 7);
  t.process();
  REQUIRE(t.rib.paths(i).size() == 1);
  CHECK(t.rib.paths(i)[0].local_id() == kept_id);

  t.rib.announce(p, t.b, 7, t.attrs({65002, 9, 9}));  // same received id, other peer: another path
  t.process();
  REQUIRE(t.rib.paths(i).size() == 2);
  CHECK(t.rib.paths(i)[0].local_id() == kept_id);
  CHECK(t.rib.paths(i)[1].local_id() != kept_id);
  CHECK(t.rib.paths(i)[1].peer() == t.b);
}

TEST_CASE("LocRib: multipath set, and its changes") {
  Table t;
  const PeerId c = t.add("192.0.2.3", 65001, "3.3.3.3");
  DecisionOptions options;
  options.max_paths = 4;
  t.rib.set_options(options);
  const auto p = prefix("10.3.0.0/24");
  t.rib.announce(p, t.a, 0, t.attrs({65001}, "192.0.2.1"));
  t.rib.announce(p, c, 0, t.attrs({65001}, "192.0.2.3"));
  t.rib.announce(p, t.b, 0, t.attrs({65002}, "192.0.2.2"));  // another neighbour AS
  t.process();
  const EntryIndex i = *t.rib.find(p);
  auto multipath = t.rib.multipath(i);
  REQUIRE(multipath.size() == 2);
  CHECK(multipath[0].peer() == t.a);
  CHECK(multipath[1].peer() == c);

  // The second member goes: the best stays, the set changes.
  t.rib.withdraw(p, c, 0);
  t.process();
  CHECK(t.rib.selection_changed(i));
  CHECK(t.rib.multipath(i).size() == 1);

  // A non-member changes: the selection does not.
  t.rib.announce(p, t.b, 0, t.attrs({65002, 7}, "192.0.2.2"));
  t.process();
  CHECK_FALSE(t.rib.selection_changed(i));
}

TEST_CASE("LocRib: stale marking and sweeping per peer") {
  Table t;
  for (auto text : {"10.4.0.0/24", "10.4.1.0/24", "10.4.2.0/24"}) t.rib.announce(prefix(text), t.a, 0, t.attrs({65001}));
  t.rib.announce(prefix("10.4.0.0/24"), t.b, 0, t.attrs({65002, 1}));
  t.process();
  CHECK(t.rib.mark_stale(t.a) == 3);
  CHECK(t.rib.peer_stale_count(t.b) == 0);
  CHECK_FALSE(t.rib.has_pending());  // stale is no decision input

  // A refresh of one route clears its mark; a new path from the peer is not stale.
  t.rib.announce(prefix("10.4.1.0/24"), t.a, 0, t.attrs({65001}));
  t.rib.announce(prefix("10.4.3.0/24"), t.a, 0, t.attrs({65001}));
  CHECK(t.rib.peer_stale_count(t.a) == 2);
  CHECK(t.rib.peer_path_count(t.a) == 4);

  CHECK(t.rib.sweep_stale(t.a) == 2);
  t.process();
  t.process();
  CHECK(t.rib.peer_path_count(t.a) == 2);
  CHECK(t.rib.best(*t.rib.find(prefix("10.4.0.0/24")))->peer() == t.b);
  CHECK(t.rib.best(*t.rib.find(prefix("10.4.1.0/24")))->peer() == t.a);
  CHECK_FALSE(t.rib.find(prefix("10.4.2.0/24")).has_value());

  CHECK(t.rib.remove_peer(t.a) == 2);
  CHECK(t.rib.peer_path_count(t.a) == 0);
  CHECK(t.rib.prefix_count() == 1);
}

TEST_CASE("LocRib: a reference keeps a prefix's index from being reused") {
  Table t;
  const auto p = prefix("10.5.0.0/24");
  t.rib.announce(p, t.a, 0, t.attrs({65001}));
  t.process();
  const EntryIndex i = *t.rib.find(p);
  t.rib.retain(i);
  t.rib.withdraw(p, t.a, 0);
  t.process();
  t.process();
  CHECK(t.rib.find(p) == i);  // held: an Adj-RIB-Out still has to withdraw it
  t.rib.announce(prefix("10.5.1.0/24"), t.a, 0, t.attrs({65001}));
  CHECK(t.rib.find(prefix("10.5.1.0/24")) != i);
  t.rib.release(i);
  CHECK_FALSE(t.rib.find(p).has_value());
  t.rib.announce(prefix("10.5.2.0/24"), t.a, 0, t.attrs({65001}));
  CHECK(t.rib.find(prefix("10.5.2.0/24")) == i);  // free again
}

TEST_CASE("LocRib: an unresolvable next hop leaves no best path until it resolves") {
  Table t;
  bool reachable = false;
  t.rib.set_resolver([&](const ip::Address& next_hop) -> std::optional<std::uint32_t> {
    if (next_hop == address("192.0.2.66") && !reachable) return std::nullopt;
    return 10;
  });
  const auto p = prefix("10.6.0.0/24");
  t.rib.announce(p, t.a, 0, t.attrs({65001}, "192.0.2.66"));
  t.process();
  const EntryIndex i = *t.rib.find(p);
  CHECK(t.rib.best(i) == nullptr);
  CHECK(t.rib.multipath(i).empty());

  t.rib.announce(p, t.b, 0, t.attrs({65002, 1, 2}, "192.0.2.2"));
  t.process();
  REQUIRE(t.rib.best(i) != nullptr);
  CHECK(t.rib.best(i)->peer() == t.b);

  reachable = true;
  t.rib.reevaluate_all();
  t.process();
  CHECK(t.rib.selection_changed(i));
  CHECK(t.rib.best(i)->peer() == t.a);
}

TEST_CASE("LocRib: explain() gives the step each path lost at") {
  Table t;
  const PeerId local = kLocalPeer;
  const auto p = prefix("10.7.0.0/24");
  t.rib.announce(p, t.a, 0, t.attrs({65001, 1}));
  t.rib.announce(p, t.b, 0, t.attrs({65002, 1, 2}));
  t.rib.announce(p, local, 0, t.attrs({}));
  t.process();
  const EntryIndex i = *t.rib.find(p);
  CHECK(t.rib.best(i)->peer() == local);
  auto why = t.rib.explain(i);
  REQUIRE(why.size() == 3);
  CHECK(why[0].lost_at == DecisionStep::none);
  CHECK(why[1].lost_at == DecisionStep::locally_originated);
  CHECK(why[2].lost_at == DecisionStep::locally_originated);
  t.rib.withdraw(p, local, 0);
  t.process();
  why = t.rib.explain(i);
  REQUIRE(why.size() == 2);
  CHECK(why[1].lost_at == DecisionStep::as_path_length);
}

TEST_CASE("PrefixIndex: random inserts and erases agree with a map") {
  for (auto family : {ip::Family::v4, ip::Family::v6}) {
    CAPTURE(ip::to_string(family));
    std::mt19937_64 rng(42);
    PrefixIndex index(family);
    std::map<ip::Prefix, EntryIndex> model;
    auto random_prefix = [&] {
      const int length = static_cast<int>(rng() % (family == ip::Family::v4 ? 33 : 129));
      std::array<std::uint8_t, 16> bytes{};
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() % 4);  // few values: many repeats
      const auto a = family == ip::Family::v4 ? ip::Address::v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]})
                                              : ip::Address::v6(bytes);
      return *ip::Prefix::make(a.masked(length), length);
    };
    for (int op = 0; op < 20000; ++op) {
      const auto p = random_prefix();
      if (rng() % 3 == 0) {
        auto it = model.find(p);
        if (it != model.end()) {
          index.erase(it->second);
          model.erase(it);
        }
      } else {
        bool added = false;
        const EntryIndex i = index.insert(p, added);
        auto [it, inserted] = model.emplace(p, i);
        CHECK(added == inserted);
        CHECK(it->second == i);
      }
      if (op % 1000 == 0) {
        for (const auto& [q, i] : model) REQUIRE(index.find(q) == i);
      }
    }
    CHECK(index.size() == model.size());
    std::set<EntryIndex> seen;
    for (const auto& [q, i] : model) {
      CHECK(index.find(q) == i);
      CHECK(index.contains(i));
      CHECK(index.prefix(i) == q);
      CHECK(seen.insert(i).second);
    }
    for (int probe = 0; probe < 1000; ++probe) {
      const auto p = random_prefix();
      CHECK(index.find(p).has_value() == (model.count(p) == 1));
    }
  }
}
