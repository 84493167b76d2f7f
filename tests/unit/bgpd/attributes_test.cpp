// Path attributes: golden bytes for each one, the RFC 6793 AS4 conversion, unknown
// attributes, the descriptor table, and the attribute set as an interning key.
#include <doctest/doctest.h>

#include <set>
#include <unordered_set>

#include "bgpd/codec/update.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

struct DecodedAttributes {
  Update update;
  UpdateVerdict verdict;
};

DecodedAttributes decode(const std::vector<std::uint8_t>& bytes, const Context& context) {
  DecodedAttributes d;
  (void)decode_path_attributes(bytes, context, d.update, d.verdict);
  return d;
}

std::vector<std::uint8_t> encode(const Update& u, const Context& context) {
  std::vector<std::uint8_t> out;
  Writer w(out);
  auto status = encode_path_attributes(u, context, w);
  REQUIRE_MESSAGE(status.ok(), status.error().message);
  return out;
}

// `u` encodes to exactly `golden` and `golden` decodes, cleanly, to exactly `u`.
void check_golden(const Update& u, const Context& context, const std::string& golden) {
  auto bytes = hex(golden);
  CHECK(to_hex(encode(u, context)) == to_hex(bytes));
  auto d = decode(bytes, context);
  CHECK(d.verdict.ok());
  CHECK(d.update == u);
}

AsPath path(std::initializer_list<AsPathSegment> segments) {
  return AsPath{segments};
}
AsPathSegment seq(std::initializer_list<std::uint32_t> asns) {
  return {AsPathSegmentType::as_sequence, asns};
}
AsPathSegment set(std::initializer_list<std::uint32_t> asns) {
  return {AsPathSegmentType::as_set, asns};
}

}  // namespace

TEST_CASE("ORIGIN") {
  for (auto [origin, byte] : {std::pair{Origin::igp, "00"}, {Origin::egp, "01"}, {Origin::incomplete, "02"}}) {
    Update u;
    u.attributes.origin = origin;
    check_golden(u, four_octet(), std::string("40 01 01 ") + byte);
  }
}

TEST_CASE("AS_PATH with 4-octet and 2-octet AS numbers, every segment type") {
  Update u;
  u.attributes.as_path = path({seq({65001, 65002, 65003})});
  check_golden(u, four_octet(), "40 02 0e 02 03 0000fde9 0000fdea 0000fdeb");
  check_golden(u, Context{}, "40 02 08 02 03 fde9 fdea fdeb");

  u.attributes.as_path = path({{AsPathSegmentType::as_confed_sequence, {64512}},
                               {AsPathSegmentType::as_confed_set, {64513, 64514}},
                               seq({65001}),
                               set({65010, 65011})});
  check_golden(u, four_octet(),
               "40 02 20 03 01 0000fc00 04 02 0000fc01 0000fc02 02 01 0000fde9 01 02 0000fdf2 0000fdf3");
  CHECK(u.attributes.as_path->length() == 2);

  u.attributes.as_path = AsPath{};  // an empty AS_PATH is valid (iBGP-originated)
  check_golden(u, four_octet(), "40 02 00");
}

TEST_CASE("NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE") {
  Update u;
  u.attributes.next_hop = address("10.0.0.1");
  check_golden(u, four_octet(), "40 03 04 0a000001");
  u = {};
  u.attributes.multi_exit_disc = 100;
  check_golden(u, four_octet(), "80 04 04 00000064");
  u = {};
  u.attributes.local_pref = 200;
  check_golden(u, four_octet(), "40 05 04 000000c8");
  u = {};
  u.attributes.atomic_aggregate = true;
  check_golden(u, four_octet(), "40 06 00");
}

TEST_CASE("LOCAL_PREF from an external peer is ignored (RFC 4271 §5.1.5)") {
  Context external = four_octet();
  external.external_peer = true;
  auto d = decode(hex("40 05 04 000000c8"), external);
  CHECK(d.verdict.ok());
  CHECK_FALSE(d.update.attributes.local_pref);
}

TEST_CASE("AGGREGATOR in 4-octet and 2-octet form") {
  Update u;
  u.attributes.aggregator = Aggregator{65001, address("10.0.0.1")};
  check_golden(u, four_octet(), "c0 07 08 0000fde9 0a000001");
  check_golden(u, Context{}, "c0 07 06 fde9 0a000001");
}

TEST_CASE("COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST, LARGE_COMMUNITIES") {
  Update u;
  u.attributes.communities = {kNoExport, (65001u << 16) | 100};
  check_golden(u, four_octet(), "c0 08 08 ffffff01 fde90064");
  u = {};
  u.attributes.originator_id = address("10.0.0.2");
  check_golden(u, four_octet(), "80 09 04 0a000002");
  u = {};
  u.attributes.cluster_list = {address("10.0.0.3"), address("10.0.0.4")};
  check_golden(u, four_octet(), "80 0a 08 0a000003 0a000004");
  u = {};
  u.attributes.large_communities = {{65001, 1, 2}, {4200000000u, 3, 4}};
  check_golden(u, four_octet(), "c0 20 18 0000fde9 00000001 00000002 fa56ea00 00000003 00000004");
}

TEST_CASE("MP_REACH_NLRI and MP_UNREACH_NLRI for IPv6 and IPv4") {
  Update u;
  u.mp_reach = MpReachNlri{kIpv6Unicast, {address("2001:db8::1")}, {{prefix("2001:db8:1::/64"), 0}}};
  check_golden(u, four_octet(), "80 0e 1e 0002 01 10 20010db8000000000000000000000001 00 40 20010db800010000");

  u.mp_reach->next_hops.push_back(address("fe80::1"));
  check_golden(u, four_octet(),
               "80 0e 2e 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00"
               " 40 20010db800010000");

  u = {};
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {{prefix("2001:db8:1::/64"), 0}, {prefix("::/0"), 0}}};
  check_golden(u, four_octet(), "80 0f 0d 0002 01 40 20010db800010000 00");

  Context add_path = four_octet();
  add_path.add_path = {kIpv4Unicast};
  u = {};
  u.mp_reach = MpReachNlri{kIpv4Unicast, {address("10.0.0.1")}, {{prefix("10.1.2.0/24"), 7}}};
  check_golden(u, add_path, "80 0e 11 0001 01 04 0a000001 00 00000007 18 0a0102");
}

TEST_CASE("MP attributes are encoded first, then the rest by type code (RFC 7606 §5.1)") {
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.large_communities = {{1, 2, 3}};
  u.attributes.unknown = {{99, hex("01")}};
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {}};
  u.mp_reach = MpReachNlri{kIpv6Unicast, {address("2001:db8::1")}, {}};
  auto bytes = encode(u, four_octet());
  std::vector<int> codes;
  Reader r(bytes);
  while (!r.empty()) {
    std::uint8_t flags = 0, code = 0, length = 0;
    REQUIRE((r.read_u8(flags) && r.read_u8(code) && r.read_u8(length) && r.skip(length)));
    codes.push_back(code);
  }
  CHECK(codes == std::vector<int>{14, 15, 1, 32, 99});
}

TEST_CASE("AS4_PATH and AS4_AGGREGATOR toward a 2-octet peer (RFC 6793 §4.2.2)") {
  Update u;
  u.attributes.as_path = path({seq({65001, 4200000000u})});
  u.attributes.aggregator = Aggregator{4200000000u, address("10.0.0.1")};
  check_golden(u, Context{},
               "40 02 06 02 02 fde9 5ba0"
               " c0 07 06 5ba0 0a000001"
               " c0 11 0a 02 02 0000fde9 fa56ea00"
               " c0 12 08 fa56ea00 0a000001");
  // Toward a 4-octet peer neither AS4 attribute is sent.
  check_golden(u, four_octet(), "40 02 0a 02 02 0000fde9 fa56ea00 c0 07 08 fa56ea00 0a000001");

  // Confederation segments stay in AS_PATH only.
  u.attributes.aggregator.reset();
  u.attributes.as_path = path({{AsPathSegmentType::as_confed_sequence, {64512}}, seq({4200000000u})});
  check_golden(u, Context{}, "40 02 08 03 01 fc00 02 01 5ba0 c0 11 06 02 01 fa56ea00");
}

TEST_CASE("AS4_PATH merged into AS_PATH from a 2-octet peer (RFC 6793 §4.2.3)") {
  SUBCASE("an old speaker prepended after the AS4_PATH was formed") {
    auto d = decode(hex("40 02 08 02 03 fc00 fde9 5ba0   c0 11 0a 02 02 0000fde9 fa56ea00"), Context{});
    CHECK(d.verdict.ok());
    CHECK(d.update.attributes.as_path == path({seq({64512}), seq({65001, 4200000000u})}));
  }
  SUBCASE("an AS4_PATH longer than the AS_PATH is ignored") {
    auto d = decode(hex("40 02 04 02 01 5ba0   c0 11 0a 02 02 0000fde9 fa56ea00"), Context{});
    CHECK(d.update.attributes.as_path == path({seq({kAsTrans})}));
  }
  SUBCASE("AS4_AGGREGATOR replaces an AGGREGATOR of AS_TRANS") {
    auto d = decode(hex("c0 07 06 5ba0 0a000001 c0 12 08 fa56ea00 0a000001"), Context{});
    CHECK(d.update.attributes.aggregator == Aggregator{4200000000u, address("10.0.0.1")});
  }
  SUBCASE("an AGGREGATOR other than AS_TRANS makes both AS4 attributes stale") {
    auto d =
        decode(hex("40 02 04 02 01 5ba0 c0 07 06 fde9 0a000001 c0 11 06 02 01 fa56ea00 c0 12 08 fa56ea00 0a000001"),
               Context{});
    CHECK(d.update.attributes.aggregator == Aggregator{65001, address("10.0.0.1")});
    CHECK(d.update.attributes.as_path == path({seq({kAsTrans})}));
  }
  SUBCASE("between 4-octet speakers the AS4 attributes are dropped") {
    auto d = decode(hex("40 02 06 02 01 fa56ea00 c0 11 06 02 01 0000fde9"), four_octet());
    CHECK(d.verdict.ok());
    CHECK(d.update.attributes.as_path == path({seq({4200000000u})}));
    CHECK(d.update.attributes.unknown.empty());
  }
}

TEST_CASE("unknown attributes: optional transitive kept and sent on with Partial; non-transitive dropped") {
  auto d = decode(hex("c0 63 02 abcd 80 64 01 ff c0 21 00"), four_octet());
  CHECK(d.verdict.ok());
  CHECK(d.update.attributes.unknown == std::vector<RawAttribute>{{33, {}}, {99, hex("abcd")}});
  CHECK(to_hex(encode(d.update, four_octet())) == to_hex(hex("e0 21 00 e0 63 02 abcd")));
  // A known type code cannot hide in the unknown list.
  Update bad;
  bad.attributes.unknown = {{1, hex("00")}};
  std::vector<std::uint8_t> out;
  Writer w(out);
  CHECK_FALSE(encode_path_attributes(bad, four_octet(), w).ok());
}

TEST_CASE("extended length is used above 255 octets and accepted below it") {
  Update u;
  for (std::uint32_t i = 0; i < 100; ++i) u.attributes.communities.push_back(i);
  auto bytes = encode(u, four_octet());
  CHECK(to_hex(std::span(bytes).first(4)) == "d0 08 01 90");
  CHECK(decode(bytes, four_octet()).update == u);
  // The Extended Length bit on a short attribute is valid (RFC 4271 §4.3).
  auto d = decode(hex("50 01 0001 02"), four_octet());
  CHECK(d.verdict.ok());
  CHECK(d.update.attributes.origin == Origin::incomplete);
}

TEST_CASE("the descriptor table: one row per attribute, unique codes, RFC flags") {
  std::set<std::uint8_t> codes;
  for (const auto& d : attribute_descriptors()) {
    CAPTURE(d.name);
    CHECK(codes.insert(static_cast<std::uint8_t>(d.type)).second);
    CHECK(find_attribute(static_cast<std::uint8_t>(d.type)) == &d);
    CHECK_FALSE(d.name.empty());
    CHECK((d.flags & ~(attribute_flags::optional | attribute_flags::transitive)) == 0);
  }
  CHECK(codes == std::set<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17, 18, 32});
  CHECK(find_attribute(99) == nullptr);
  CHECK(find_attribute(1)->name == "ORIGIN");
  CHECK(find_attribute(4)->flags == attribute_flags::optional);
  CHECK(find_attribute(8)->flags == (attribute_flags::optional | attribute_flags::transitive));
}

TEST_CASE("attribute sets compare and hash as values, ready for interning") {
  Update a;
  a.attributes.origin = Origin::igp;
  a.attributes.as_path = path({seq({65001})});
  a.attributes.communities = {1, 2};
  PathAttributes same = a.attributes;
  PathAttributes other = a.attributes;
  other.communities = {2, 1};
  CHECK(same == a.attributes);
  CHECK(std::hash<PathAttributes>{}(same) == std::hash<PathAttributes>{}(a.attributes));
  CHECK(other != a.attributes);
  std::unordered_set<PathAttributes> interned{a.attributes, same, other, PathAttributes{}};
  CHECK(interned.size() == 3);
}
