// OPEN and capabilities: RFC 4271 §4.2/§6.2, RFC 5492, RFC 4760, RFC 6793, RFC 2918,
// RFC 7313, RFC 4724, RFC 7911, RFC 8654, RFC 9072, RFC 7607.
#include <doctest/doctest.h>

#include "bgpd/codec/message.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

Open decode_ok(const std::vector<std::uint8_t>& body) {
  auto r = decode_open(body);
  REQUIRE_MESSAGE(r.ok(), r.error().reason);
  return *r;
}

Notification decode_error(const std::vector<std::uint8_t>& body) {
  auto r = decode_open(body);
  REQUIRE_MESSAGE(!r.ok(), "expected an error for " << to_hex(body));
  return r.error().notification;
}

// version 4, My AS, hold time, identifier 10.0.0.1, then the parameters as given.
std::vector<std::uint8_t> open_body(const std::string& my_as, const std::string& hold, const std::string& params) {
  return hex("04 " + my_as + " " + hold + " 0a000001 " + params);
}

}  // namespace

TEST_CASE("OPEN: golden bytes with the common capabilities") {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  caps.route_refresh = true;
  Open open = Open::make(65001, 90, address("10.0.0.1"), caps);
  // Optional Parameters: one Capabilities parameter of 14 octets.
  auto golden =
      hex("04 fde9 005a 0a000001 10"
          " 02 0e"
          "   01 04 0001 00 01"  // multiprotocol ipv4-unicast
          "   02 00"             // route refresh
          "   41 04 0000fde9");  // 4-octet AS 65001
  auto encoded = encode_open(open);
  REQUIRE(encoded.ok());
  CHECK(to_hex(*encoded) == to_hex(golden));
  CHECK(decode_ok(golden) == open);
  CHECK(open.asn() == 65001);

  auto message = encode_message(open, Context{});
  REQUIRE(message.ok());
  CHECK(message->size() == 19 + golden.size());
  auto back = decode_message(*message, Context{});
  REQUIRE(back.ok());
  CHECK(std::get<Open>(back->message) == open);
}

TEST_CASE("OPEN: golden bytes with every capability bgpd negotiates") {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  caps.route_refresh = true;
  caps.enhanced_route_refresh = true;
  caps.extended_message = true;
  caps.graceful_restart = GracefulRestart{true, false, 120, {{kIpv4Unicast, true}, {kIpv6Unicast, false}}};
  caps.add_path = {{kIpv4Unicast, AddPathMode::both}, {kIpv6Unicast, AddPathMode::receive}};
  caps.unknown = {{0x80, {}}, {0x49, hex("05 6e6f646531")}};
  Open open = Open::make(4200000000u, 0, address("192.0.2.7"), caps);
  CHECK(open.my_as == kAsTrans);
  auto golden =
      hex("04 5ba0 0000 c0000207 3a"
          " 02 38"
          "   01 04 0001 00 01"
          "   01 04 0002 00 01"
          "   02 00"
          "   46 00"                             // enhanced route refresh (70)
          "   41 04 fa56ea00"                    // 4-octet AS 4200000000
          "   40 0a 8078 0001 01 80 0002 01 00"  // graceful restart: R, 120 s, ipv4 F, ipv6
          "   45 08 0001 01 03 0002 01 01"       // add-path: ipv4 both, ipv6 receive
          "   06 00"                             // extended message
          "   80 00"                             // unknown, kept raw
          "   49 06 056e6f646531");              // unknown (FQDN), kept raw
  auto encoded = encode_open(open);
  REQUIRE(encoded.ok());
  CHECK(to_hex(*encoded) == to_hex(golden));
  auto decoded = decode_ok(golden);
  CHECK(decoded == open);
  CHECK(decoded.asn() == 4200000000u);
  CHECK(decoded.capabilities.graceful_restart->restart_time == 120);
}

TEST_CASE("OPEN: capabilities spread over several parameters, repeats folded") {
  auto body = open_body("fde9", "00b4",
                        "18 02 06 01 04 0001 00 01"
                        "   02 0c 01 04 0002 00 01 01 04 0001 00 01"
                        "   02 00");
  auto open = decode_ok(body);
  CHECK(open.capabilities.multiprotocol == std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast});
  CHECK(open.hold_time == 180);
  CHECK(open.asn() == 65001);
}

TEST_CASE("OPEN: RFC 9072 extended optional parameters") {
  // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length 9, then one
  // parameter with a 2-octet length.
  auto body = open_body("fde9", "005a", "ff ff 0009 02 0006 41 04 0000fde9");
  auto open = decode_ok(body);
  CHECK(open.capabilities.four_octet_as == 65001u);

  // The encoder switches to the extended form only when 255 octets are not enough.
  Capabilities caps;
  for (int i = 0; i < 10; ++i)
    caps.unknown.push_back({static_cast<std::uint8_t>(200 + i), std::vector<std::uint8_t>(30, 1)});
  auto big = Open::make(65001, 90, address("10.0.0.1"), caps);
  auto encoded = encode_open(big);
  REQUIRE(encoded.ok());
  CHECK((*encoded)[9] == 0xff);
  CHECK((*encoded)[10] == 0xff);
  CHECK(decode_ok(*encoded) == big);
  CHECK(encoded->size() == 10 + 3 + 3 + 6 + 10 * 32);

  CHECK(decode_error(open_body("fde9", "005a", "ff ff 0010 02 0006 41 04 0000fde9")) == Notification{2, 0, {}});
}

TEST_CASE("OPEN errors: RFC 4271 §6.2 subcodes") {
  SUBCASE("unsupported version carries the supported version") {
    auto body = hex("03 fde9 005a 0a000001 00");
    CHECK(decode_error(body) == Notification{2, 1, hex("0004")});
  }
  SUBCASE("hold time of 1 or 2 seconds") {
    CHECK(decode_error(open_body("fde9", "0001", "00")) == Notification{2, 6, {}});
    CHECK(decode_error(open_body("fde9", "0002", "00")) == Notification{2, 6, {}});
    CHECK(decode_ok(open_body("fde9", "0000", "00")).hold_time == 0);
    CHECK(decode_ok(open_body("fde9", "0003", "00")).hold_time == 3);
  }
  SUBCASE("BGP identifier 0") {
    CHECK(decode_error(hex("04 fde9 005a 00000000 00")) == Notification{2, 3, {}});
  }
  SUBCASE("AS 0 (RFC 7607) and AS_TRANS without the 4-octet AS capability") {
    CHECK(decode_error(open_body("0000", "005a", "00")) == Notification{2, 2, {}});
    CHECK(decode_error(open_body("5ba0", "005a", "08 02 06 41 04 00000000")) == Notification{2, 2, {}});
    CHECK(decode_error(open_body("5ba0", "005a", "00")) == Notification{2, 2, {}});
    CHECK(decode_error(open_body("5ba0", "005a", "08 02 06 41 04 00005ba0")) == Notification{2, 2, {}});
    CHECK(decode_ok(open_body("5ba0", "005a", "08 02 06 41 04 fa56ea00")).asn() == 4200000000u);
  }
  SUBCASE("unsupported optional parameter") {
    CHECK(decode_error(open_body("fde9", "005a", "04 01 02 abcd")) == Notification{2, 4, {}});
  }
  SUBCASE("malformed parameters and capabilities are Unspecific") {
    CHECK(decode_error(open_body("fde9", "005a", "05 02 06 41 04 00")) == Notification{2, 0, {}});  // overruns
    CHECK(decode_error(open_body("fde9", "005a", "03 02 01 41")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "07 02 05 01 03 0001 00")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "05 02 03 02 01 00")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "07 02 05 40 03 0078 00")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "08 02 06 45 04 0001 01 04")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "04 02 02 45 00")) == Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "01 02")) == Notification{2, 0, {}});
    // Parameters shorter than their length field.
    CHECK(decode_error(open_body("fde9", "005a", "09 02 06 41 04 0000fde9")) == Notification{2, 0, {}});
  }
  SUBCASE("conflicting capabilities are Unspecific; identical repeats are accepted") {
    CHECK(decode_error(open_body("5ba0", "005a", "0e 02 0c 41 04 fa56ea00 41 04 fa56ea01")) == Notification{2, 0, {}});
    CHECK(decode_ok(open_body("5ba0", "005a", "0e 02 0c 41 04 fa56ea00 41 04 fa56ea00")).asn() == 4200000000u);
    CHECK(decode_error(open_body("fde9", "005a", "0e 02 0c 45 04 0001 01 01 45 04 0001 01 02")) ==
          Notification{2, 0, {}});
    CHECK(decode_error(open_body("fde9", "005a", "0a 02 08 40 02 0078 40 02 0079")) == Notification{2, 0, {}});
  }
}

TEST_CASE("OPEN: configuration checks") {
  auto open = Open::make(65001, 90, address("10.0.0.1"), {});
  CHECK_FALSE(check_open(open, {65001u, 65000, address("10.0.0.2")}));
  auto wrong_as = check_open(open, {65002u, 65000, std::nullopt});
  REQUIRE(wrong_as);
  CHECK(wrong_as->notification == Notification{2, 2, {}});
  auto clash = check_open(open, {std::nullopt, 65001, address("10.0.0.1")});
  REQUIRE(clash);
  CHECK(clash->notification == Notification{2, 3, {}});
  // Between different ASes the identifiers may coincide (RFC 6286 §2.2).
  CHECK_FALSE(check_open(open, {std::nullopt, 65000, address("10.0.0.1")}));
}

TEST_CASE("OPEN: values without an encoding are refused") {
  auto v6 = Open::make(65001, 90, address("fd00::1"), {});
  CHECK_FALSE(encode_open(v6).ok());
  Capabilities caps;
  caps.unknown.push_back({200, std::vector<std::uint8_t>(256, 0)});
  CHECK_FALSE(encode_open(Open::make(65001, 90, address("10.0.0.1"), caps)).ok());
}
