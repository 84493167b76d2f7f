#include <doctest/doctest.h>

#include <unordered_set>

#include "base/ip/address.hpp"

using sluice::ip::Address;

namespace {
std::string parse_error(std::string_view text) {
  auto r = Address::parse(text);
  REQUIRE_MESSAGE(!r.ok(), "expected a parse error for " << text);
  return r.error().message;
}
std::string roundtrip(std::string_view text) {
  auto r = Address::parse(text);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return r->to_string();
}
}  // namespace

TEST_CASE("IPv4 addresses parse and format") {
  CHECK(roundtrip("10.0.0.1") == "10.0.0.1");
  CHECK(roundtrip("0.0.0.0") == "0.0.0.0");
  CHECK(roundtrip("255.255.255.255") == "255.255.255.255");
  auto a = Address::parse("192.168.1.2");
  REQUIRE(a.ok());
  CHECK(a->is_v4());
  CHECK(a->to_v4_uint() == 0xc0a80102u);
  CHECK(Address::v4(0xc0a80102u) == *a);
}

TEST_CASE("malformed IPv4 addresses get precise errors") {
  CHECK(parse_error("1.2.3") == "invalid IPv4 address \"1.2.3\": expected 4 dot-separated octets, found 3");
  CHECK(parse_error("1.2.3.4.5") == "invalid IPv4 address \"1.2.3.4.5\": expected 4 dot-separated octets, found 5");
  CHECK(parse_error("01.2.3.4") ==
        "invalid IPv4 address \"01.2.3.4\": octet 1 (\"01\") has a leading zero, which is ambiguous (octal?)");
  CHECK(parse_error("1.2.3.256") == "invalid IPv4 address \"1.2.3.256\": octet 4 (\"256\") is greater than 255");
  CHECK(parse_error("1.2.3.1000") == "invalid IPv4 address \"1.2.3.1000\": octet 4 (\"1000\") is greater than 255");
  CHECK(parse_error("1..3.4") == "invalid IPv4 address \"1..3.4\": octet 2 is empty");
  CHECK(parse_error("1.2.3.4 ") == "invalid IPv4 address \"1.2.3.4 \": unexpected character ' ' at offset 7");
  CHECK(parse_error("") == "invalid IPv4 address \"\": empty address");
  CHECK(parse_error("-1.2.3.4") == "invalid IPv4 address \"-1.2.3.4\": unexpected character '-' at offset 0");
  CHECK(parse_error("1.2.3.4/32") == "invalid IPv4 address \"1.2.3.4/32\": unexpected character '/' at offset 7");
}

TEST_CASE("IPv6 addresses parse and format canonically (RFC 5952)") {
  CHECK(roundtrip("::") == "::");
  CHECK(roundtrip("::1") == "::1");
  CHECK(roundtrip("2001:DB8::1") == "2001:db8::1");
  CHECK(roundtrip("2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1");
  CHECK(roundtrip("fd00:1:0:0:2:0:0:3") == "fd00:1::2:0:0:3");  // first of two equal runs
  CHECK(roundtrip("fd00:0:0:1:0:0:0:3") == "fd00:0:0:1::3");    // the longest run wins
  CHECK(roundtrip("1:0:2:3:4:5:6:7") == "1:0:2:3:4:5:6:7");     // a single zero group is not compressed
  CHECK(roundtrip("1::") == "1::");
  CHECK(roundtrip("::ffff:10.1.2.3") == "::ffff:10.1.2.3");
  CHECK(roundtrip("64:ff9b::192.0.2.33") == "64:ff9b::c000:221");
  auto a = Address::parse("fe80::1");
  REQUIRE(a.ok());
  CHECK(a->is_v6());
  CHECK(a->bytes().size() == 16);
}

TEST_CASE("malformed IPv6 addresses get precise errors") {
  CHECK(parse_error("::g") == "invalid IPv6 address \"::g\": unexpected character 'g' at offset 2");
  CHECK(parse_error("1::2::3") == "invalid IPv6 address \"1::2::3\": \"::\" may appear only once");
  CHECK(parse_error("1:2:3:4:5:6:7") == "invalid IPv6 address \"1:2:3:4:5:6:7\": expected 8 groups, found 7 (and no \"::\")");
  CHECK(parse_error("1:2:3:4:5:6:7:8:9") == "invalid IPv6 address \"1:2:3:4:5:6:7:8:9\": too many groups");
  CHECK(parse_error("1:2:3:4::5:6:7:8") ==
        "invalid IPv6 address \"1:2:3:4::5:6:7:8\": \"::\" must stand for at least one group, but 8 groups are given");
  CHECK(parse_error("12345::") == "invalid IPv6 address \"12345::\": group \"12345\" has more than 4 hex digits");
  CHECK(parse_error(":1::") == "invalid IPv6 address \":1::\": empty group (a single ':' at the start or end?)");
  CHECK(parse_error("1:::2") == "invalid IPv6 address \"1:::2\": \":::\" is not valid");
  CHECK(parse_error("fe80::1%eth0") == "invalid IPv6 address \"fe80::1%eth0\": zone index \"%eth0\" is not allowed here");
  CHECK(parse_error("::1.2.3.4:5") == "invalid IPv6 address \"::1.2.3.4:5\": an embedded IPv4 address may only end the address");
  CHECK(parse_error("::1.2.3") ==
        "invalid IPv6 address \"::1.2.3\": embedded IPv4 \"1.2.3\": expected 4 dot-separated octets, found 3");
}

TEST_CASE("address ordering, masking and arithmetic") {
  auto a = *Address::parse("10.0.0.1");
  auto b = *Address::parse("10.0.0.2");
  auto v6 = *Address::parse("::1");
  CHECK(a < b);
  CHECK(b < v6);  // IPv4 sorts before IPv6
  CHECK(a.masked(24) == *Address::parse("10.0.0.0"));
  CHECK(a.filled(24) == *Address::parse("10.0.0.255"));
  CHECK(a.common_bits(b) == 30);
  CHECK(a.common_bits(a) == 32);
  CHECK(*a.plus(255) == *Address::parse("10.0.1.0"));
  CHECK_FALSE(Address::parse("255.255.255.255")->plus(1).has_value());
  CHECK(*b.minus(a) == 1);
  CHECK_FALSE(a.minus(b).has_value());
  CHECK(*Address::parse("fd00::1:0")->plus(0xffff) == *Address::parse("fd00::1:ffff"));
  CHECK(*Address::parse("fd00::")->plus_power_of_two(63) == *Address::parse("fd00:0:0:1::"));
  CHECK_FALSE(Address::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")->plus(1).has_value());
  CHECK(a.bit(4) == true);  // 10 = 00001010
  CHECK(a.bit(0) == false);
}

TEST_CASE("addresses hash by value") {
  std::unordered_set<Address> set;
  set.insert(*Address::parse("10.0.0.1"));
  set.insert(*Address::parse("10.0.0.1"));
  set.insert(*Address::parse("::a00:1"));  // same low bytes, other family
  CHECK(set.size() == 2);
  CHECK(Address::from_bytes(std::array<std::uint8_t, 4>{10, 0, 0, 1}) == *Address::parse("10.0.0.1"));
  CHECK_FALSE(Address::from_bytes(std::array<std::uint8_t, 5>{}).has_value());
}
