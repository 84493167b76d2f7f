// The Adj-RIB-Out: packing prefixes with equal attributes into as few UPDATEs as fit the
// negotiated maximum (checked by encoding and decoding every one with the codec),
// withdrawals, IPv6 and add-path, sending only differences, End-of-RIB, ROUTE-REFRESH,
// attributes too large to send, and a peer that comes up after a table of many sets.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

constexpr std::size_t kPrefixes = 10000;

ip::Prefix v4_block(std::size_t i) {
  return *ip::Prefix::make(ip::Address::v4(static_cast<std::uint32_t>((20u << 24) + (i << 8))), 24);
}

ip::Prefix v6_block(std::size_t i) {
  std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
  return *ip::Prefix::make(ip::Address::v6(bytes), 48);
}

// What a peer sends: `count` prefixes with one attribute set, 900 to an UPDATE.
std::vector<Update> announcements(const PathAttributes& attributes, std::string_view next_hop, std::size_t count,
                                  ip::Prefix (*block)(std::size_t) = v4_block, std::uint32_t path_id = 0) {
  std::vector<Update> out;
  for (std::size_t first = 0; first < count; first += 900) {
    Update u;
    u.attributes = attributes;
    std::vector<Nlri> nlri;
    for (std::size_t i = first; i < std::min(count, first + 900); ++i) nlri.push_back(Nlri{block(i), path_id});
    if (block == v4_block) {
      u.attributes.next_hop = address(next_hop);
      u.nlri = std::move(nlri);
    } else {
      u.mp_reach = MpReachNlri{kIpv6Unicast, {address(next_hop)}, std::move(nlri)};
    }
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<Update> withdrawals(std::size_t count) {
  std::vector<Update> out;
  for (std::size_t first = 0; first < count; first += 900) {
    Update u;
    for (std::size_t i = first; i < std::min(count, first + 900); ++i) u.withdrawn_routes.push_back(Nlri{v4_block(i), 0});
    out.push_back(std::move(u));
  }
  return out;
}

std::size_t nlri_count(const Update& u) {
  return u.nlri.size() + u.withdrawn_routes.size() + (u.mp_reach ? u.mp_reach->nlri.size() : 0) +
         (u.mp_unreach ? u.mp_unreach->withdrawn_routes.size() : 0);
}

std::size_t encoded_size(const Update& u, const Context& context) {
  auto body = encode_update(u, context);
  REQUIRE(body.ok());
  return kHeaderLength + body->size();
}

// The fewest UPDATEs `count` NLRI of `nlri_bytes` each can take when the rest of an
// UPDATE is `fixed` octets.
std::size_t fewest(std::size_t count, std::size_t fixed, std::size_t nlri_bytes, std::size_t max) {
  const std::size_t per_message = (max - fixed) / nlri_bytes;
  return (count + per_message - 1) / per_message;
}

struct Pair {
  explicit Pair(PeerSession target_session = session("3.3.3.3", "198.51.100.1")) {
    source = lab.join(peer("192.0.2.1", 65001), "1.1.1.1", "192.0.2.254");
    target = lab.add(peer("198.51.100.2", 65002));
    context = target_session.send_context;
    lab.up(target, std::move(target_session));
    lab.at(target).clear_log();
  }
  void send(const std::vector<Update>& updates) {
    for (const auto& u : updates) lab.rib.apply_update(source, u);
    lab.sync();
  }
  // The UPDATEs the target got since the last call, End-of-RIB markers left out.
  std::vector<Update> received() {
    std::vector<Update> out;
    for (const auto& u : lab.at(target).updates()) {
      if (!u.end_of_rib_family()) out.push_back(u);
    }
    lab.at(target).clear_log();
    return out;
  }

  Lab lab;
  PeerId source = 0;
  PeerId target = 0;
  Context context;
};

}  // namespace

TEST_CASE("Adj-RIB-Out: 10k prefixes with one attribute set go in the fewest UPDATEs that fit 4096 octets") {
  Pair pair;
  pair.send(announcements(path({65001, 7}), "192.0.2.1", kPrefixes));
  const auto got = pair.received();
  REQUIRE_FALSE(got.empty());
  CHECK(pair.lab.at(pair.target).size() == kPrefixes);
  std::size_t total = 0;
  for (const auto& u : got) total += nlri_count(u);
  CHECK(total == kPrefixes);  // each prefix exactly once
  // The first UPDATE tells the fixed part: header, both length fields, the attributes.
  const std::size_t fixed = encoded_size(got.front(), pair.context) - 4 * got.front().nlri.size();
  CHECK(got.size() == fewest(kPrefixes, fixed, 4, kMaxMessageLength));
  for (std::size_t i = 0; i + 1 < got.size(); ++i) CHECK(encoded_size(got[i], pair.context) > kMaxMessageLength - 4);
  CHECK(got.front().attributes.as_path == path({kLocalAs, 65001, 7}).as_path);
  CHECK(got.front().attributes.next_hop == address("198.51.100.1"));

  SUBCASE("withdrawals are packed as tightly") {
    pair.send(withdrawals(kPrefixes));
    const auto gone = pair.received();
    CHECK(pair.lab.at(pair.target).size() == 0);
    std::size_t withdrawn = 0;
    for (const auto& u : gone) withdrawn += u.withdrawn_routes.size();
    CHECK(withdrawn == kPrefixes);
    CHECK(gone.size() == fewest(kPrefixes, kHeaderLength + 4, 4, kMaxMessageLength));
  }
}

TEST_CASE("Adj-RIB-Out: with extended messages (RFC 8654) the UPDATEs grow to 65535 octets") {
  PeerSession s = session("3.3.3.3", "198.51.100.1");
  s.send_context.extended_message = true;
  Pair pair(s);
  pair.send(announcements(path({65001}), "192.0.2.1", kPrefixes));
  const auto got = pair.received();
  const std::size_t fixed = encoded_size(got.front(), pair.context) - 4 * got.front().nlri.size();
  CHECK(got.size() == fewest(kPrefixes, fixed, 4, kMaxExtendedMessageLength));
  CHECK(got.size() == 1);
  CHECK(encoded_size(got.front(), pair.context) > kMaxMessageLength);
}

TEST_CASE("Adj-RIB-Out: IPv6 in MP_REACH_NLRI with add-path: every path under its own identifier") {
  PeerSession s = session("3.3.3.3", "198.51.100.1", {kIpv4Unicast, kIpv6Unicast});
  s.send_context.add_path = {kIpv6Unicast};
  Pair pair(s);
  const PeerId second = pair.lab.join(peer("192.0.2.2", 65003), "1.1.1.2", "192.0.2.254");
  pair.send(announcements(path({65001}), "2001:db8:1::1", kPrefixes, v6_block));
  for (const auto& u : announcements(path({65003, 1}), "2001:db8:3::1", kPrefixes, v6_block)) {
    pair.lab.rib.apply_update(second, u);
  }
  pair.lab.sync();
  const auto got = pair.received();
  auto& receiver = pair.lab.at(pair.target);
  CHECK(receiver.size() == 2 * kPrefixes);
  std::set<std::uint32_t> ids;
  for (const auto& u : got) {
    REQUIRE(u.mp_reach);
    for (const auto& n : u.mp_reach->nlri) ids.insert(n.path_id);
  }
  CHECK(ids.size() == 2);
  // 7 octets per /48 and 4 more for the Path Identifier, in two attribute sets (one per
  // path), each packed as tightly as the other.
  std::map<std::vector<std::uint32_t>, std::size_t> fixed_by_set;
  for (const auto& u : got) {
    fixed_by_set.emplace(u.attributes.as_path->segments.front().asns,
                         encoded_size(u, pair.context) - 11 * u.mp_reach->nlri.size());
  }
  REQUIRE(fixed_by_set.size() == 2);
  std::size_t fewest_total = 0;
  for (const auto& [set, fixed] : fixed_by_set) fewest_total += fewest(kPrefixes, fixed, 11, kMaxMessageLength);
  CHECK(got.size() == fewest_total);

  // One peer's paths go: only those identifiers are withdrawn.
  const auto* before = receiver.find("2001:db8:1::/48", *ids.begin());
  REQUIRE(before);
  pair.lab.rib.session_lost(second, SessionLoss::reset);
  pair.lab.sync();
  CHECK(receiver.size() == kPrefixes);
  for (const auto& u : pair.received()) {
    REQUIRE(u.mp_unreach);
    CHECK_FALSE(u.mp_reach);
  }
}

TEST_CASE("Adj-RIB-Out: only differences go out, grouped by attribute set") {
  Pair pair;
  std::vector<Update> three;
  for (std::uint32_t k = 0; k < 3; ++k) {
    Update u;
    u.attributes = path({65001, 100 + k});
    u.attributes.next_hop = address("192.0.2.1");
    for (std::size_t i = 0; i < 300; ++i) {
      if (i % 3 == k) u.nlri.push_back(Nlri{v4_block(i), 0});
    }
    three.push_back(u);
  }
  pair.send(three);
  CHECK(pair.received().size() == 3);
  CHECK(pair.lab.at(pair.target).size() == 300);

  pair.send(three);  // the same again: nothing new for the peer
  CHECK(pair.received().empty());

  Update change;
  change.attributes = path({65001, 999});
  change.attributes.next_hop = address("192.0.2.1");
  for (std::size_t i = 0; i < 10; ++i) change.nlri.push_back(Nlri{v4_block(i), 0});
  pair.send({change});
  const auto got = pair.received();
  REQUIRE(got.size() == 1);
  CHECK(got.front().nlri.size() == 10);
  CHECK(got.front().attributes.as_path == path({kLocalAs, 65001, 999}).as_path);
}

TEST_CASE("Adj-RIB-Out: a prefix that changes while its round is out goes once, with its newest state") {
  Pair pair;
  for (const auto& u : announcements(path({65001}), "192.0.2.1", 3000)) pair.lab.rib.apply_update(pair.source, u);
  pair.lab.rib.process();
  auto& receiver = pair.lab.at(pair.target);
  auto first = pair.lab.rib.next_update(pair.target);  // the round is staged, one UPDATE out
  REQUIRE(first);
  receiver.receive(*first);
  Update change;
  change.attributes = path({65001, 5});
  change.attributes.next_hop = address("192.0.2.1");
  change.nlri = {Nlri{v4_block(2999), 0}};
  pair.lab.rib.apply_update(pair.source, change);
  receiver.drain(pair.lab.rib, pair.target);
  std::size_t times = 0;
  for (const auto& u : receiver.updates()) {
    for (const auto& n : u.nlri) times += n.prefix == v4_block(2999) ? 1 : 0;
  }
  CHECK(times == 1);
  CHECK(receiver.find("20.11.183.0/24")->attributes.as_path == path({kLocalAs, 65001, 5}).as_path);
  CHECK(receiver.size() == 3000);
}

TEST_CASE("Adj-RIB-Out: End-of-RIB follows the initial table; ROUTE-REFRESH resends it") {
  Lab lab;
  const PeerId source = lab.join(peer("192.0.2.1", 65001), "1.1.1.1", "192.0.2.254");
  for (const auto& u : announcements(path({65001}), "192.0.2.1", 2000)) lab.rib.apply_update(source, u);
  lab.sync();
  const PeerId target = lab.join(peer("198.51.100.2", 65002), "3.3.3.3", "198.51.100.1");
  auto& receiver = lab.at(target);
  CHECK(receiver.size() == 2000);
  REQUIRE(receiver.updates().size() >= 3);
  CHECK(receiver.updates().back().end_of_rib_family() == kIpv6Unicast);  // families in order, each its EoR
  CHECK(receiver.end_of_rib() == std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast});
  const std::size_t initial = receiver.updates().size();

  receiver.clear_log();
  lab.rib.route_refresh(target, kIpv4Unicast);
  lab.sync();
  CHECK(receiver.updates().size() == initial - 2);  // the same UPDATEs, without End-of-RIB
  CHECK(receiver.end_of_rib().empty());
  CHECK(lab.rib.adj_rib_out(target, kIpv4Unicast)->advertised_count() == 2000);
}

TEST_CASE("Adj-RIB-Out: attributes too large for one UPDATE are not sent, and counted") {
  PathAttributes huge = path({65001});
  for (std::uint32_t c = 0; c < 1100; ++c) huge.communities.push_back((65001u << 16) | c);  // 4400 octets
  Pair small;
  small.send(announcements(huge, "192.0.2.1", 3));
  CHECK(small.lab.at(small.target).size() == 0);
  CHECK(small.lab.rib.adj_rib_out(small.target, kIpv4Unicast)->unsendable_count() == 3);

  PeerSession s = session("3.3.3.3", "198.51.100.1");
  s.send_context.extended_message = true;
  Pair large(s);
  large.send(announcements(huge, "192.0.2.1", 3));
  CHECK(large.lab.at(large.target).size() == 3);
}

TEST_CASE("Adj-RIB-Out: a peer coming up after the table gets every prefix once, one UPDATE per set, and later rounds only changes") {
  // 40k attribute sets of 1 to 4 prefixes: one round holds them all (the grouping of the
  // round, and its set index, grow well past their first sizes), then small rounds reuse them.
  Lab lab;
  const PeerId source = lab.join(peer("192.0.2.1", 65001), "1.1.1.1", "192.0.2.254");
  std::vector<Update> table;
  std::size_t prefixes = 0;
  for (std::uint32_t set = 0; set < 40000; ++set) {
    Update u;
    u.attributes = path({65001, 1000 + set % 5000, set});
    u.attributes.next_hop = address("192.0.2.1");
    for (std::uint32_t k = 0; k <= set % 4; ++k) u.nlri.push_back(Nlri{v4_block(prefixes++), 0});
    table.push_back(std::move(u));
  }
  for (const auto& u : table) lab.rib.apply_update(source, u);
  lab.sync();

  const std::size_t sets_before = lab.rib.attributes().size();
  const PeerId late = lab.add(peer("198.51.100.2", 65002));
  lab.up(late, session("3.3.3.3", "198.51.100.1", {kIpv4Unicast, kIpv6Unicast}));
  auto& receiver = lab.at(late);
  CHECK(receiver.size() == prefixes);
  std::size_t announcements = 0;
  std::size_t nlri = 0;
  for (const auto& u : receiver.updates()) {
    if (u.end_of_rib_family()) continue;
    ++announcements;
    nlri += u.nlri.size();
  }
  CHECK(announcements == table.size());  // every set's prefixes fit one UPDATE
  CHECK(nlri == prefixes);
  for (std::size_t s = 0; s < table.size(); s += 997) {
    const auto* got = receiver.find(table[s].nlri.back().prefix.to_string());
    REQUIRE(got);
    CHECK(got->attributes.as_path == path({kLocalAs, 65001, 1000 + static_cast<std::uint32_t>(s % 5000),
                                           static_cast<std::uint32_t>(s)}).as_path);
  }

  for (int round = 0; round < 5; ++round) {
    receiver.clear_log();
    Update change;
    change.attributes = path({65001, 42, static_cast<std::uint32_t>(round)});
    change.attributes.next_hop = address("192.0.2.1");
    for (std::size_t k = 0; k < 3; ++k) change.nlri.push_back(Nlri{v4_block(round * 100 + k), 0});
    lab.rib.apply_update(source, change);
    lab.sync();
    REQUIRE(receiver.updates().size() == 1);
    CHECK(receiver.updates().front().nlri.size() == 3);
    CHECK(receiver.find(v4_block(round * 100).to_string())->attributes.as_path ==
          path({kLocalAs, 65001, 42, static_cast<std::uint32_t>(round)}).as_path);
  }
  CHECK(receiver.size() == prefixes);
  CHECK(lab.rib.attributes().size() > sets_before);  // the rewrites the peer was sent
  // The session goes: its Adj-RIB-Out lets go of every rewrite it held.
  lab.rib.session_lost(late, SessionLoss::reset);
  std::set<const AttributeSet*> in_loc_rib;
  const LocRib& loc_rib = *lab.rib.loc_rib(kIpv4Unicast);
  loc_rib.for_each([&](EntryIndex i) {
    for (const Path& p : loc_rib.paths(i)) in_loc_rib.insert(&loc_rib.attribute_set(p));
  });
  CHECK(lab.rib.attributes().size() == in_loc_rib.size());
}
