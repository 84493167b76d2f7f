// UPDATE messages: golden bytes, End-of-RIB, add-path, multiprotocol NLRI, encode limits.
#include <doctest/doctest.h>

#include "bgpd/codec/message.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

Update decode_clean(const std::vector<std::uint8_t>& message, const Context& context) {
  auto r = decode_message(message, context);
  REQUIRE_MESSAGE(r.ok(), r.error().reason);
  CHECK(r->verdict.ok());
  return std::get<Update>(r->message);
}

std::vector<std::uint8_t> encode_ok(const Update& u, const Context& context) {
  auto r = encode_message(u, context);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

}  // namespace

TEST_CASE("UPDATE: golden bytes for an IPv4 announcement with a withdrawal") {
  Update u;
  u.withdrawn_routes = {{prefix("10.9.0.0/16"), 0}};
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{{{AsPathSegmentType::as_sequence, {65001}}}};
  u.attributes.next_hop = address("10.0.0.1");
  u.nlri = {{prefix("10.1.0.0/24"), 0}, {prefix("10.2.0.64/26"), 0}, {prefix("0.0.0.0/0"), 0}};
  auto golden = framed(2, update_body(hex("10 0a09"), hex("40 01 01 00  40 02 06 02 01 0000fde9  40 03 04 0a000001"),
                                      hex("18 0a0100  1a 0a020040  00")));
  CHECK(to_hex(encode_ok(u, four_octet())) == to_hex(golden));
  CHECK(decode_clean(golden, four_octet()) == u);
}

TEST_CASE("UPDATE: bits past the prefix length are ignored (RFC 4271 §4.3)") {
  auto bytes = framed(2, update_body(hex("17 0a0101"), {}, {}));
  CHECK(decode_clean(bytes, four_octet()).withdrawn_routes == std::vector<Nlri>{{prefix("10.1.0.0/23"), 0}});
}

TEST_CASE("UPDATE: End-of-RIB markers (RFC 4724 §2)") {
  auto v4 = framed(2, hex("0000 0000"));
  CHECK(encode_ok(Update::end_of_rib(kIpv4Unicast), four_octet()) == v4);
  CHECK(decode_clean(v4, four_octet()).end_of_rib_family() == kIpv4Unicast);

  auto v6 = framed(2, hex("0000 0006 80 0f 03 0002 01"));
  CHECK(encode_ok(Update::end_of_rib(kIpv6Unicast), four_octet()) == v6);
  CHECK(decode_clean(v6, four_octet()).end_of_rib_family() == kIpv6Unicast);

  Update withdrawal;
  withdrawal.mp_unreach = MpUnreachNlri{kIpv6Unicast, {{prefix("fd00::/64"), 0}}};
  CHECK_FALSE(withdrawal.end_of_rib_family());
  Update with_attribute;
  with_attribute.attributes.origin = Origin::igp;
  CHECK_FALSE(with_attribute.end_of_rib_family());
}

TEST_CASE("UPDATE: add-path Path Identifiers (RFC 7911) where the context says so") {
  Context add_path = four_octet();
  add_path.add_path = {kIpv4Unicast, kIpv6Unicast};
  Update u;
  u.withdrawn_routes = {{prefix("10.9.0.0/16"), 3}};
  u.attributes.origin = Origin::incomplete;
  u.attributes.as_path = AsPath{};
  u.attributes.next_hop = address("10.0.0.1");
  u.nlri = {{prefix("10.1.0.0/24"), 1}, {prefix("10.1.0.0/24"), 2}};
  u.mp_reach = MpReachNlri{kIpv6Unicast, {address("fd00::1")}, {{prefix("fd00:1::/48"), 9}}};
  auto golden =
      framed(2, update_body(hex("00000003 10 0a09"),
                            hex("80 0e 20 0002 01 10 fd000000000000000000000000000001 00 00000009 30 fd0000010000"
                                " 40 01 01 02  40 02 00  40 03 04 0a000001"),
                            hex("00000001 18 0a0100  00000002 18 0a0100")));
  CHECK(to_hex(encode_ok(u, add_path)) == to_hex(golden));
  CHECK(decode_clean(golden, add_path) == u);

  // Only the families named in the context carry identifiers.
  Context v6_only = four_octet();
  v6_only.add_path = {kIpv6Unicast};
  auto bytes = encode_ok(u, v6_only);
  auto back = decode_clean(bytes, v6_only);
  CHECK(back.nlri == std::vector<Nlri>{{prefix("10.1.0.0/24"), 0}, {prefix("10.1.0.0/24"), 0}});
  CHECK(back.mp_reach->nlri == u.mp_reach->nlri);
}

TEST_CASE("UPDATE: IPv4 and IPv6 reach and unreach in one message") {
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{{{AsPathSegmentType::as_sequence, {65001, 65002}}}};
  u.attributes.local_pref = 100;
  u.mp_reach = MpReachNlri{kIpv4Unicast, {address("192.0.2.1")}, {{prefix("10.5.0.0/26"), 0}}};
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {{prefix("fd00:5::/122"), 0}}};
  for (const auto& context : {four_octet(), Context{}}) {
    CHECK(decode_clean(encode_ok(u, context), context) == u);
  }
}

TEST_CASE("UPDATE: values without an encoding are refused, not truncated") {
  SUBCASE("IPv6 in the body") {
    Update u;
    u.nlri = {{prefix("fd00::/64"), 0}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
  }
  SUBCASE("next hop of the wrong family") {
    Update u;
    u.mp_reach = MpReachNlri{kIpv6Unicast, {address("10.0.0.1")}, {}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
    u.mp_reach = MpReachNlri{kIpv6Unicast, {}, {}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
    u.attributes.next_hop = address("fd00::1");
    u.mp_reach.reset();
    CHECK_FALSE(encode_update(u, four_octet()).ok());
  }
  SUBCASE("NLRI of the wrong family in MP_REACH_NLRI") {
    Update u;
    u.mp_reach = MpReachNlri{kIpv6Unicast, {address("fd00::1")}, {{prefix("10.0.0.0/8"), 0}}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
  }
  SUBCASE("AS_PATH segments that are empty or over 255 ASes") {
    Update u;
    u.attributes.as_path = AsPath{{{AsPathSegmentType::as_sequence, {}}}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
    u.attributes.as_path = AsPath{{{AsPathSegmentType::as_sequence, std::vector<std::uint32_t>(256, 1)}}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
  }
  SUBCASE("a family the codec does not carry") {
    Update u;
    u.mp_unreach = MpUnreachNlri{{Afi::ipv4, static_cast<Safi>(128)}, {}};
    CHECK_FALSE(encode_update(u, four_octet()).ok());
  }
  SUBCASE("more than 4096 octets without extended messages") {
    Update u;
    u.attributes.communities.assign(1100, 1);
    CHECK(encode_update(u, four_octet()).error().message == "UPDATE of 4427 octets exceeds the maximum of 4096");
    Context extended = four_octet();
    extended.extended_message = true;
    CHECK(encode_update(u, extended).ok());
  }
}
