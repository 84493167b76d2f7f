// Interned attribute sets: the packed form round-trips every field exactly, equal values
// are one set and different values different sets, route selection's values are taken at
// interning, the intern table stays right through random churn, and the arena the sets
// live in keeps every piece intact.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "bgpd/rib/attribute_set.hpp"
#include "bgpd/rib/set_arena.hpp"
#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

// Every field of RouteAttributes, each present or not, with lengths that need a
// multi-octet count now and then (300 ASes, a 1000-octet unknown attribute).
class RandomAttributes {
 public:
  explicit RandomAttributes(std::uint64_t seed) : rng_(seed) {}

  RouteAttributes next() {
    RouteAttributes v;
    PathAttributes& p = v.path;
    if (chance(90)) v.next_hop = chance(30) ? global_v6() : address();  // IPv6 routes' next hop too
    if (chance(10)) v.link_local_next_hop = address(true);
    if (chance(80)) p.origin = static_cast<Origin>(rng_() % 3);
    if (chance(85)) {
      p.as_path.emplace();
      const std::size_t segments = rng_() % 4;
      for (std::size_t s = 0; s < segments; ++s) {
        AsPathSegment segment{static_cast<AsPathSegmentType>(1 + rng_() % 4), {}};
        const std::size_t n = chance(3) ? 300 : rng_() % 8;
        for (std::size_t i = 0; i < n; ++i) segment.asns.push_back(small(65000, 65010));
        p.as_path->segments.push_back(std::move(segment));
      }
    }
    if (chance(5)) p.next_hop = address();
    if (chance(30)) p.multi_exit_disc = small(0, 3);
    if (chance(30)) p.local_pref = small(99, 101);
    p.atomic_aggregate = chance(5);
    if (chance(5)) p.aggregator = Aggregator{small(65000, 65002), address()};
    if (chance(50)) {
      for (std::size_t n = 1 + rng_() % 6; n > 0; --n) p.communities.push_back(small(0, 9));
    }
    if (chance(10)) p.originator_id = address(chance(20));
    if (chance(10)) {
      for (std::size_t n = 1 + rng_() % 3; n > 0; --n) p.cluster_list.push_back(address());
    }
    if (chance(10)) p.large_communities.push_back({small(1, 2), small(1, 2), static_cast<std::uint32_t>(rng_())});
    if (chance(5)) {
      p.unknown.push_back(RawAttribute{static_cast<std::uint8_t>(100 + rng_() % 50), {}});
      p.unknown.back().value.resize(chance(20) ? 1000 : rng_() % 5, static_cast<std::uint8_t>(rng_()));
    }
    return v;
  }

 private:
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  std::uint32_t small(std::uint32_t lo, std::uint32_t hi) { return lo + static_cast<std::uint32_t>(rng_() % (hi - lo + 1)); }
  ip::Address address(bool v6 = false) {
    if (!v6) return ip::Address::v4(0xc0000200u + small(0, 3));
    std::array<std::uint8_t, 16> bytes{0xfe, 0x80};
    bytes[15] = static_cast<std::uint8_t>(small(0, 3));
    return ip::Address::v6(bytes);
  }

  ip::Address global_v6() {
    std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8};
    bytes[15] = static_cast<std::uint8_t>(small(1, 4));
    return ip::Address::v6(bytes);
  }

  std::mt19937_64 rng_;
};

}  // namespace

TEST_CASE("AttributeSet: every field round-trips through the packed form, and equal values pack alike") {
  RandomAttributes random(7);
  AttributeStore store;
  std::vector<std::uint8_t> a;
  std::vector<std::uint8_t> b;
  for (int i = 0; i < 20000; ++i) {
    const RouteAttributes v = random.next();
    pack_attributes(v, a);
    CHECK(unpack_attributes(a) == v);
    const RouteAttributes copy = v;
    pack_attributes(copy, b);
    CHECK(a == b);
    const AttrRef set = store.intern(v);
    REQUIRE(set);
    CHECK(set->value() == v);
    CHECK(set->next_hop() == v.next_hop);
    // Selection's reading of the bytes agrees with the value's.
    const SelectionFacts facts = set->selection_facts();
    CHECK(facts.local_pref == v.path.local_pref);
    CHECK(facts.multi_exit_disc == v.path.multi_exit_disc);
    CHECK(facts.cluster_list_length == v.path.cluster_list.size());
    CHECK(facts.has_originator_id == v.path.originator_id.has_value());
    std::uint32_t first = 0;
    if (v.path.as_path) {
      for (const auto& segment : v.path.as_path->segments) {
        if (!segment.is_confed() && !segment.asns.empty()) {
          first = segment.asns.front();
          break;
        }
      }
    }
    CHECK(facts.neighbor_as == first);
  }
}

TEST_CASE("AttributeSet: route selection's values are taken when the set is interned") {
  AttributeStore store;
  RouteAttributes v = route("192.0.2.1", {65001, 65002, 65003});
  v.path.as_path->segments.push_back(AsPathSegment{AsPathSegmentType::as_set, {0, 127, 128, 4294967295u}});
  v.path.as_path->segments.insert(v.path.as_path->segments.begin(),
                                  AsPathSegment{AsPathSegmentType::as_confed_sequence, {64512}});
  v.path.local_pref = 200;
  v.path.multi_exit_disc = 7;
  v.path.origin = Origin::egp;
  v.path.originator_id = address("10.9.8.7");
  v.path.cluster_list = {address("10.0.0.1"), address("10.0.0.2")};
  v.path.communities = {1, 2, 3};
  v.path.aggregator = Aggregator{65001, address("10.1.1.1")};
  const AttrRef set = store.intern(v);
  CHECK(set->as_path_length() == 4);  // three ASes and an AS_SET; the confederation segment counts nothing
  CHECK(set->origin() == Origin::egp);
  CHECK(set->next_hop() == address("192.0.2.1"));
  CHECK(set->value() == v);  // AS numbers of every LEB128 length, 0 and 2^32-1 included
  const SelectionFacts facts = set->selection_facts();
  CHECK(facts.neighbor_as == 65001);
  CHECK(facts.local_pref == 200u);
  CHECK(facts.multi_exit_disc == 7u);
  CHECK(facts.has_originator_id);
  CHECK(facts.originator_id_v4 == address("10.9.8.7").to_v4_uint());
  CHECK(facts.cluster_list_length == 2);

  const AttrRef bare = store.intern(RouteAttributes{});
  const SelectionFacts none = bare->selection_facts();
  CHECK(!none.local_pref);
  CHECK(!none.multi_exit_disc);
  CHECK(!none.has_originator_id);
  CHECK(none.neighbor_as == 0);
  CHECK(none.cluster_list_length == 0);
  CHECK(!bare->origin());
  CHECK(bare->as_path_length() == 0);
  CHECK(!bare->next_hop());
}

TEST_CASE("AttributeStore: one set per distinct value through random churn, freed with its last reference") {
  RandomAttributes random(11);
  std::mt19937_64 rng(3);
  AttributeStore store;
  // The model: each distinct value (by its packed bytes, which round-trip above) and the
  // references held to it.
  std::map<std::vector<std::uint8_t>, std::pair<RouteAttributes, std::vector<AttrRef>>> held;
  std::vector<std::uint8_t> key;
  for (int op = 0; op < 30000; ++op) {
    if (!held.empty() && rng() % 3 == 0) {
      auto it = held.lower_bound(std::vector<std::uint8_t>{static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())});
      if (it == held.end()) it = held.begin();
      if (!it->second.second.empty()) it->second.second.pop_back();
    } else {
      const RouteAttributes v = random.next();
      AttrRef ref = store.intern(v);
      pack_attributes(v, key);
      auto& [value, refs] = held[key];
      if (!refs.empty()) REQUIRE(refs.front() == ref);  // the same value: the same set
      value = v;
      refs.push_back(std::move(ref));
    }
    if (op % 5000 == 0 || op == 29999) {
      std::set<const AttributeSet*> sets;
      for (const auto& [bytes, entry] : held) {
        const auto& [value, refs] = entry;
        if (refs.empty()) continue;
        CHECK(sets.insert(refs.front().get()).second);  // different values: different sets
        CHECK(refs.front()->references() == refs.size());
        CHECK(refs.front()->value() == value);
        CHECK(store.intern(value) == refs.front());
      }
      CHECK(store.size() == sets.size());
    }
  }
  held.clear();
  CHECK(store.size() == 0);
  const std::size_t kept_bytes = store.memory_bytes();  // the table and the arena stay, grown
  const AttrRef again = store.intern(route("192.0.2.1", {65001}));
  CHECK(store.size() == 1);
  CHECK(store.memory_bytes() == kept_bytes);  // a freed piece holds the new set
}

TEST_CASE("AttributeStore: a reference held by id keeps its set until dropped") {
  AttributeStore store;
  std::uint32_t id = 0;
  {
    const AttrRef set = store.intern(route("192.0.2.1", {65001, 65002}));
    id = store.hold(set);
    CHECK(id == set->id());
    CHECK(set->references() == 2);
  }
  CHECK(store.size() == 1);
  const AttrRef again = store.get(id);
  CHECK(again->value() == route("192.0.2.1", {65001, 65002}));
  CHECK(again == store.intern(route("192.0.2.1", {65001, 65002})));
  CHECK(again->references() == 2);
  store.drop(id);
  CHECK(again->references() == 1);
  CHECK(store.hold(AttrRef{}) == 0);
  CHECK(!store.get(0));
  store.drop(0);
}

TEST_CASE("SetArena: pieces of every size, freed and reused at random, keep their bytes") {
  std::mt19937_64 rng(5);
  SetArena arena;
  struct Piece {
    SetArena::Ref ref;
    std::size_t bytes;
    std::uint8_t fill;
  };
  std::vector<Piece> live;
  auto check = [&](const Piece& p) {
    const auto* bytes = static_cast<const std::uint8_t*>(arena.at(p.ref));
    for (std::size_t i = 0; i < p.bytes; ++i) REQUIRE(bytes[i] == p.fill);
  };
  std::size_t peak_bytes = 0;
  for (int op = 0; op < 100000; ++op) {
    if (!live.empty() && rng() % 5 < 2) {
      const std::size_t k = rng() % live.size();
      check(live[k]);
      arena.free(live[k].ref, live[k].bytes);
      live[k] = live.back();
      live.pop_back();
    } else {
      // Mostly set-sized pieces, now and then one too large to share a block.
      const std::size_t bytes = rng() % 50 == 0 ? 513 + rng() % 5000 : 1 + rng() % 200;
      const Piece p{arena.allocate(bytes), bytes, static_cast<std::uint8_t>(rng())};
      REQUIRE(p.ref != 0);
      REQUIRE(reinterpret_cast<std::uintptr_t>(arena.at(p.ref)) % SetArena::kAlignment == 0);
      std::memset(arena.at(p.ref), p.fill, p.bytes);
      live.push_back(p);
    }
    peak_bytes = std::max(peak_bytes, arena.memory_bytes());
  }
  for (const Piece& p : live) check(p);
  // Reuse keeps the arena near what is live: 40k pieces of ~100 bytes live at most.
  CHECK(peak_bytes < 16u << 20);
  const std::size_t before = arena.memory_bytes();
  for (const Piece& p : live) arena.free(p.ref, p.bytes);
  CHECK(arena.memory_bytes() <= before);  // large blocks go back at once
}

TEST_CASE("SetArena: large pieces have references of their own, so many of them use up no block") {
  // 2^17 pieces of 513 bytes once took a 256 kB block's reference each and ran out of
  // references (bad_alloc) after 70 MB: a peer with long community lists could do that.
  SetArena arena;
  std::vector<SetArena::Ref> refs;
  constexpr std::size_t kPieces = (std::size_t{1} << 17) + 10;
  refs.reserve(kPieces);
  for (std::size_t i = 0; i < kPieces; ++i) {
    refs.push_back(arena.allocate(513));
    std::memcpy(arena.at(refs.back()), &i, sizeof i);
  }
  const SetArena::Ref small = arena.allocate(24);  // small pieces still have their blocks
  CHECK(small != 0);
  std::memset(arena.at(small), 0xab, 24);
  for (std::size_t i = 0; i < kPieces; i += 997) {
    std::size_t seen = 0;
    std::memcpy(&seen, arena.at(refs[i]), sizeof seen);
    REQUIRE(seen == i);
  }
  CHECK(std::set<SetArena::Ref>(refs.begin(), refs.end()).size() == kPieces);
  // A freed large piece's reference is reused.
  arena.free(refs[5], 513);
  CHECK(arena.allocate(600) == refs[5]);
}
