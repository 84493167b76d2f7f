// Header checks (RFC 4271 §6.1, RFC 8654), KEEPALIVE, NOTIFICATION (RFC 4271, RFC 4486,
// RFC 9003) and ROUTE-REFRESH (RFC 2918, RFC 7313).
#include <doctest/doctest.h>

#include "bgpd/codec/message.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

const std::string kMarker = "ffffffff ffffffff ffffffff ffffffff";

MessageError decode_error(const std::vector<std::uint8_t>& bytes, const Context& context = {}) {
  auto r = decode_message(bytes, context);
  REQUIRE_MESSAGE(!r.ok(), "expected an error for " << to_hex(bytes));
  return r.error();
}

Message decode_ok(const std::vector<std::uint8_t>& bytes, const Context& context = {}) {
  auto r = decode_message(bytes, context);
  REQUIRE_MESSAGE(r.ok(), r.error().reason);
  CHECK(r->verdict.ok());
  return r->message;
}

std::vector<std::uint8_t> encode_ok(const Message& m, const Context& context = {}) {
  auto r = encode_message(m, context);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

}  // namespace

TEST_CASE("KEEPALIVE: golden bytes and round trip") {
  auto golden = hex(kMarker + "0013 04");
  CHECK(encode_ok(Keepalive{}) == golden);
  CHECK(std::holds_alternative<Keepalive>(decode_ok(golden)));
}

TEST_CASE("header: marker not all ones is Connection Not Synchronized") {
  auto bytes = hex("ffffffff ffffffff ffffffff fffffffe 0013 04");
  auto e = decode_error(bytes);
  CHECK(e.notification == Notification{1, 1, {}});
}

TEST_CASE("header: bad lengths carry the length field as data") {
  SUBCASE("shorter than 19") {
    CHECK(decode_error(hex(kMarker + "0012 04")).notification == Notification{1, 2, hex("0012")});
  }
  SUBCASE("longer than 4096 without extended messages") {
    auto body = std::vector<std::uint8_t>(4097 - 19, 0);
    auto bytes = framed(2, body);
    CHECK(decode_error(bytes).notification == Notification{1, 2, hex("1001")});
  }
  SUBCASE("KEEPALIVE with a body") {
    CHECK(decode_error(hex(kMarker + "0014 04 00")).notification == Notification{1, 2, hex("0014")});
  }
  SUBCASE("per-type minimums") {
    CHECK(decode_error(framed(1, std::vector<std::uint8_t>(9, 0))).notification == Notification{1, 2, hex("001c")});
    CHECK(decode_error(framed(2, hex("0000 00"))).notification == Notification{1, 2, hex("0016")});
    CHECK(decode_error(framed(3, hex("06"))).notification == Notification{1, 2, hex("0014")});
  }
  SUBCASE("length field not matching the octets read") {
    auto bytes = hex(kMarker + "0017 02 0000 0000 00");  // one octet more than the field says
    CHECK(decode_error(bytes).notification.subcode == 2);
    bytes = hex(kMarker + "0018 02 0000 0000");  // one octet fewer
    CHECK(decode_error(bytes).notification.subcode == 2);
  }
}

TEST_CASE("header: extended messages (RFC 8654) raise the limit to 65535 except for OPEN and KEEPALIVE") {
  Context extended;
  extended.extended_message = true;
  auto header = hex(kMarker + "ffff 02");
  auto h = decode_header(header, extended);
  REQUIRE(h.ok());
  REQUIRE(h->has_value());
  CHECK((*h)->length == 65535);
  CHECK(!decode_header(header, Context{}).ok());
  auto open_header = hex(kMarker + "1001 01");
  auto e = decode_header(open_header, extended);
  REQUIRE(!e.ok());
  CHECK(e.error().notification == Notification{1, 2, hex("1001")});
  // A big UPDATE encodes only when extended messages were negotiated.
  Update u;
  for (std::uint32_t i = 0; i < 1500; ++i)
    u.withdrawn_routes.push_back({*sluice::ip::Prefix::make(sluice::ip::Address::v4(i << 8), 24), 0});
  CHECK(!encode_message(u, Context{}).ok());
  auto bytes = encode_ok(u, extended);
  CHECK(bytes.size() == 19 + 4 + 1500 * 4);
  CHECK(std::get<Update>(decode_ok(bytes, extended)) == u);
}

TEST_CASE("header: unknown message type is Bad Message Type with the type as data") {
  CHECK(decode_error(hex(kMarker + "0013 06")).notification == Notification{1, 3, hex("06")});
  CHECK(decode_error(hex(kMarker + "0013 00")).notification == Notification{1, 3, hex("00")});
}

TEST_CASE("header: fewer than 19 octets asks for more") {
  auto partial = hex(kMarker + "00");
  auto h = decode_header(partial, Context{});
  REQUIRE(h.ok());
  CHECK_FALSE(h->has_value());
}

TEST_CASE("NOTIFICATION: golden bytes, any data length") {
  Notification hold{4, 0, {}};
  auto golden = hex(kMarker + "0015 03 04 00");
  CHECK(encode_ok(hold) == golden);
  CHECK(std::get<Notification>(decode_ok(golden)) == hold);
  CHECK(hold.name() == "Hold Timer Expired / Unspecific");

  Notification with_data{3, 5, hex("c0 07 05 00 00 fd e9 0a")};
  auto bytes = hex(kMarker + "001d 03 03 05 c0070500 00fde90a");
  CHECK(encode_ok(with_data) == bytes);
  CHECK(std::get<Notification>(decode_ok(bytes)) == with_data);

  Notification large{6, 8, std::vector<std::uint8_t>(4096 - 21, 0x5a)};
  CHECK(std::get<Notification>(decode_ok(encode_ok(large))) == large);
  Notification unknown{99, 42, hex("01")};
  CHECK(std::get<Notification>(decode_ok(encode_ok(unknown))) == unknown);
  CHECK(unknown.name() == "Unknown Error Code 99 / Unknown Subcode 42");
}

TEST_CASE("NOTIFICATION: every RFC 4271 and RFC 4486 code and subcode has its name") {
  CHECK(error_code_name(1) == "Message Header Error");
  CHECK(error_code_name(2) == "OPEN Message Error");
  CHECK(error_code_name(3) == "UPDATE Message Error");
  CHECK(error_code_name(4) == "Hold Timer Expired");
  CHECK(error_code_name(5) == "Finite State Machine Error");
  CHECK(error_code_name(6) == "Cease");
  CHECK(error_code_name(7) == "ROUTE-REFRESH Message Error");
  const std::vector<std::pair<std::pair<int, int>, std::string>> names{
      {{1, 1}, "Connection Not Synchronized"},
      {{1, 2}, "Bad Message Length"},
      {{1, 3}, "Bad Message Type"},
      {{2, 1}, "Unsupported Version Number"},
      {{2, 2}, "Bad Peer AS"},
      {{2, 3}, "Bad BGP Identifier"},
      {{2, 4}, "Unsupported Optional Parameter"},
      {{2, 6}, "Unacceptable Hold Time"},
      {{2, 7}, "Unsupported Capability"},
      {{3, 1}, "Malformed Attribute List"},
      {{3, 2}, "Unrecognized Well-known Attribute"},
      {{3, 3}, "Missing Well-known Attribute"},
      {{3, 4}, "Attribute Flags Error"},
      {{3, 5}, "Attribute Length Error"},
      {{3, 6}, "Invalid ORIGIN Attribute"},
      {{3, 8}, "Invalid NEXT_HOP Attribute"},
      {{3, 9}, "Optional Attribute Error"},
      {{3, 10}, "Invalid Network Field"},
      {{3, 11}, "Malformed AS_PATH"},
      {{6, 1}, "Maximum Number of Prefixes Reached"},
      {{6, 2}, "Administrative Shutdown"},
      {{6, 3}, "Peer De-configured"},
      {{6, 4}, "Administrative Reset"},
      {{6, 5}, "Connection Rejected"},
      {{6, 6}, "Other Configuration Change"},
      {{6, 7}, "Connection Collision Resolution"},
      {{6, 8}, "Out of Resources"},
      {{7, 1}, "Invalid Message Length"},
  };
  for (const auto& entry : names) {
    int code = entry.first.first, subcode = entry.first.second;
    CAPTURE(code);
    CAPTURE(subcode);
    CHECK(error_subcode_name(static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(subcode)) == entry.second);
  }
  CHECK(Notification::update(UpdateErrorSubcode::malformed_as_path).name() ==
        "UPDATE Message Error / Malformed AS_PATH");
}

TEST_CASE("NOTIFICATION: RFC 9003 Shutdown Communication") {
  auto n = Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, "maintenance");
  REQUIRE(n.ok());
  auto golden = hex(kMarker + "0021 03 06 02 0b 6d61696e74656e616e6365");
  CHECK(encode_ok(*n) == golden);
  auto decoded = std::get<Notification>(decode_ok(golden));
  CHECK(decoded.shutdown_communication() == std::optional<std::string>("maintenance"));

  auto utf8 =
      Notification::cease_with_communication(CeaseSubcode::administrative_reset, "Wartung f\xc3\xbcr 5 Minuten");
  REQUIRE(utf8.ok());
  CHECK(utf8->shutdown_communication() == std::optional<std::string>("Wartung f\xc3\xbcr 5 Minuten"));

  CHECK(Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, "")->data == hex("00"));
  CHECK(Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, std::string(255, 'x')).ok());
  CHECK(Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, std::string(256, 'x'))
            .error()
            .message == "Shutdown Communication of 256 octets exceeds 255");
  CHECK(!Notification::cease_with_communication(CeaseSubcode::administrative_shutdown, "bad \xc0\x80").ok());
  CHECK(!Notification::cease_with_communication(CeaseSubcode::peer_deconfigured, "x").ok());

  // Received communications that are not well formed are not returned.
  CHECK(Notification{6, 2, hex("05 6162")}.shutdown_communication() == std::nullopt);  // length past the data
  CHECK(Notification{6, 2, hex("02 ffff")}.shutdown_communication() == std::nullopt);  // not UTF-8
  CHECK(Notification{6, 2, {}}.shutdown_communication() == std::nullopt);
  CHECK(Notification{6, 3, hex("01 61")}.shutdown_communication() == std::nullopt);  // other subcode
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and values past U+10FFFF") {
  CHECK(is_utf8(hex("")));
  CHECK(is_utf8(hex("41 c3bc e282ac f09f9880")));
  CHECK_FALSE(is_utf8(hex("c0 80")));
  CHECK_FALSE(is_utf8(hex("e0 80 80")));
  CHECK_FALSE(is_utf8(hex("ed a0 80")));
  CHECK_FALSE(is_utf8(hex("f4 90 80 80")));
  CHECK_FALSE(is_utf8(hex("c3")));
  CHECK_FALSE(is_utf8(hex("80")));
  CHECK_FALSE(is_utf8(hex("f8 88 80 80 80")));
}

TEST_CASE("ROUTE-REFRESH: golden bytes for the RFC 7313 subtypes") {
  struct Case {
    RouteRefresh refresh;
    std::string body;
  };
  for (const auto& c : {Case{{kIpv4Unicast, RouteRefreshSubtype::normal}, "0001 00 01"},
                        Case{{kIpv6Unicast, RouteRefreshSubtype::begin_of_route_refresh}, "0002 01 01"},
                        Case{{kIpv6Unicast, RouteRefreshSubtype::end_of_route_refresh}, "0002 02 01"}}) {
    auto golden = hex(kMarker + "0017 05 " + c.body);
    CHECK(encode_ok(c.refresh) == golden);
    CHECK(std::get<RouteRefresh>(decode_ok(golden)) == c.refresh);
  }
  // An unknown subtype decodes; the receiver ignores it (RFC 7313 §5).
  auto odd = std::get<RouteRefresh>(decode_ok(hex(kMarker + "0017 05 0001 07 01")));
  CHECK_FALSE(odd.is_known());
  // So does a family that was never negotiated: ignoring it is the session's call (RFC 2918 §4).
  auto other = std::get<RouteRefresh>(decode_ok(hex(kMarker + "0017 05 0001 00 80")));
  CHECK(other.afi_safi == AfiSafi{Afi::ipv4, static_cast<Safi>(128)});
}

TEST_CASE("ROUTE-REFRESH: bad length is RFC 7313 Invalid Message Length for BoRR/EoRR") {
  auto borr = hex(kMarker + "0018 05 0001 01 01 00");
  CHECK(decode_error(borr).notification == Notification{7, 1, borr});
  auto normal = hex(kMarker + "0018 05 0001 00 01 00");
  CHECK(decode_error(normal).notification == Notification{1, 2, hex("0018")});
  auto short_one = hex(kMarker + "0015 05 0001");
  CHECK(decode_error(short_one).notification == Notification{1, 2, hex("0015")});
}
