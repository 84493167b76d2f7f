// RFC 7606 classification of malformed UPDATEs, covering the baseline bad inputs of
// reference/bgp.md §4.2: the action, and the RFC 4271 §6.3 NOTIFICATION with its data.
#include <doctest/doctest.h>

#include "bgpd/codec/message.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

// Well-formed ORIGIN, AS_PATH and NEXT_HOP, so that one added fault stands alone.
const std::string kMandatory = "40 01 01 00  40 02 06 02 01 0000fde9  40 03 04 0a000001 ";
const std::string kNlri = "18 0a0100";

DecodedUpdate decode(const std::string& withdrawn, const std::string& attributes, const std::string& nlri,
                     const Context& context = four_octet()) {
  auto message = framed(2, update_body(hex(withdrawn), hex(attributes), hex(nlri)));
  auto r = decode_message(message, context);
  REQUIRE_MESSAGE(r.ok(), r.error().reason);
  return {std::get<Update>(r->message), r->verdict};
}

// The attribute (flags, type, length, value) as the NOTIFICATION data.
void check(const DecodedUpdate& d, UpdateAction action, std::uint8_t subcode, const std::string& data = "") {
  CAPTURE(to_string(d.verdict.action));
  for (const auto& p : d.verdict.problems) CAPTURE(p.reason);
  REQUIRE(d.verdict.action == action);
  const auto* p = d.verdict.decisive();
  REQUIRE(p != nullptr);
  INFO(p->reason);
  CHECK(p->notification.code == 3);
  CHECK(p->notification.subcode == subcode);
  CHECK(to_hex(p->notification.data) == to_hex(hex(data)));
}

}  // namespace

TEST_CASE("RFC 7606: a clean UPDATE has no problems") {
  auto d = decode("", kMandatory, kNlri);
  CHECK(d.verdict.ok());
  CHECK(d.verdict.problems.empty());
  CHECK_FALSE(d.verdict.notification());
}

TEST_CASE("RFC 7606 §3 a, §5.3: lengths and NLRI that cannot be located reset the session") {
  SUBCASE("Withdrawn Routes Length overruns the message") {
    auto message = framed(2, hex("0005 18 0a01 00"));
    auto r = decode_message(message, four_octet());
    REQUIRE(r.ok());
    REQUIRE(r->verdict.action == UpdateAction::session_reset);
    CHECK(*r->verdict.notification() == Notification{3, 1, {}});
  }
  SUBCASE("Total Path Attribute Length overruns the message") {
    auto message = framed(2, hex("0000 0010 40 01 01 00"));
    auto r = decode_message(message, four_octet());
    REQUIRE(r.ok());
    CHECK(r->verdict.action == UpdateAction::session_reset);
    CHECK(*r->verdict.notification() == Notification{3, 1, {}});
  }
  SUBCASE("NLRI prefix length over 32") {
    check(decode("", kMandatory, "21 0a010000 00"), UpdateAction::session_reset, 10);
  }
  SUBCASE("NLRI prefix running past the end") {
    check(decode("", kMandatory, "18 0a01"), UpdateAction::session_reset, 10);
  }
  SUBCASE("withdrawn prefix length over 32") {
    check(decode("21 0a010000 00", "", ""), UpdateAction::session_reset, 10);
  }
  SUBCASE("withdrawn prefix running past its field") {
    check(decode("18 0a01", "", ""), UpdateAction::session_reset, 10);
  }
}

TEST_CASE("RFC 7606 §3 c: attribute flags inconsistent with the type") {
  SUBCASE("ORIGIN marked optional") {
    check(decode("", "c0 01 01 00 " + kMandatory.substr(12), kNlri), UpdateAction::treat_as_withdraw, 4, "c0 01 01 00");
  }
  SUBCASE("MULTI_EXIT_DISC marked well-known") {
    check(decode("", kMandatory + "40 04 04 00000001", kNlri), UpdateAction::treat_as_withdraw, 4, "40 04 04 00000001");
  }
  SUBCASE("COMMUNITIES not transitive") {
    check(decode("", kMandatory + "80 08 04 00000001", kNlri), UpdateAction::treat_as_withdraw, 4, "80 08 04 00000001");
  }
  SUBCASE("AGGREGATOR flags: attribute-discard") {
    auto d = decode("", kMandatory + "80 07 08 0000fde9 0a000001", kNlri);
    check(d, UpdateAction::attribute_discard, 4, "80 07 08 0000fde9 0a000001");
    CHECK_FALSE(d.update.attributes.aggregator);
  }
  SUBCASE("MP_REACH_NLRI flags: the NLRI cannot be trusted, session reset") {
    check(decode("", kMandatory + "c0 0f 03 0002 01", ""), UpdateAction::session_reset, 4, "c0 0f 03 0002 01");
  }
  SUBCASE("the Partial bit and the low flag bits do not matter on receipt") {
    CHECK(decode("", "60 01 01 00 " + kMandatory.substr(12), kNlri).verdict.ok());
    CHECK(decode("", "47 01 01 00 " + kMandatory.substr(12), kNlri).verdict.ok());
  }
}

TEST_CASE("RFC 7606 §4: attribute lengths that conflict with the attribute list") {
  SUBCASE("attribute length runs past the list: treat-as-withdraw, the NLRI still located") {
    auto d = decode("", kMandatory + "c0 08 08 00000001", kNlri);
    check(d, UpdateAction::treat_as_withdraw, 5, "c0 08 08 00000001");
    CHECK(d.update.nlri.size() == 1);
  }
  SUBCASE("extended-length bit with a short length field") {
    check(decode("", kMandatory + "d0 08 01", kNlri), UpdateAction::treat_as_withdraw, 1);
  }
  SUBCASE("fewer than three octets left") {
    check(decode("", kMandatory + "40 01", kNlri), UpdateAction::treat_as_withdraw, 1);
  }
  SUBCASE("an MP attribute running past the list takes its NLRI with it: session reset") {
    check(decode("", kMandatory + "80 0e 20 0002 01", ""), UpdateAction::session_reset, 5, "80 0e 20 0002 01");
  }
}

TEST_CASE("RFC 7606 §7.1-7.5: ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF are treat-as-withdraw") {
  const std::string as_path_next_hop = "40 02 06 02 01 0000fde9  40 03 04 0a000001 ";
  SUBCASE("ORIGIN value undefined") {
    check(decode("", "40 01 01 03 " + as_path_next_hop, kNlri), UpdateAction::treat_as_withdraw, 6, "40 01 01 03");
  }
  SUBCASE("ORIGIN length") {
    check(decode("", "40 01 02 0000 " + as_path_next_hop, kNlri), UpdateAction::treat_as_withdraw, 5, "40 01 02 0000");
  }
  const std::string origin = "40 01 01 00 ";
  const std::string next_hop = "40 03 04 0a000001 ";
  SUBCASE("AS_PATH segment count inconsistent with the length") {
    check(decode("", origin + "40 02 06 02 02 0000fde9 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
  }
  SUBCASE("AS_PATH with trailing octets after its segments") {
    check(decode("", origin + "40 02 07 02 01 0000fde9 00 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
  }
  SUBCASE("zero-length AS_PATH segment") {
    check(decode("", origin + "40 02 02 02 00 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
  }
  SUBCASE("undefined AS_PATH segment type") {
    check(decode("", origin + "40 02 06 05 01 0000fde9 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
    check(decode("", origin + "40 02 06 00 01 0000fde9 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
  }
  SUBCASE("2-octet AS_PATH read as 4-octet") {
    check(decode("", origin + "40 02 04 02 01 fde9 " + next_hop, kNlri), UpdateAction::treat_as_withdraw, 11);
  }
  SUBCASE("confederation segments from an external peer (RFC 5065)") {
    Context external = four_octet();
    external.external_peer = true;
    std::string confed = origin + "40 02 06 03 01 0000fde9 " + next_hop;
    check(decode("", confed, kNlri, external), UpdateAction::treat_as_withdraw, 11);
    CHECK(decode("", confed, kNlri, four_octet()).verdict.ok());
  }
  const std::string origin_as_path = "40 01 01 00  40 02 06 02 01 0000fde9 ";
  SUBCASE("NEXT_HOP length") {
    check(decode("", origin_as_path + "40 03 05 0a00000100", kNlri), UpdateAction::treat_as_withdraw, 5,
          "40 03 05 0a00000100");
  }
  SUBCASE("NEXT_HOP not a host address") {
    for (std::string nh : {"00000000", "e0000001", "ffffffff", "f0000001"}) {
      std::string attribute = "40 03 04 " + nh;
      check(decode("", origin_as_path + attribute, kNlri), UpdateAction::treat_as_withdraw, 8, attribute);
    }
  }
  SUBCASE("NEXT_HOP naming the receiving speaker (RFC 4271 §6.3)") {
    Context ours = four_octet();
    ours.local_address = sluice::ip::Address::v4(0x0a000001u);
    const std::string attribute = "40 03 04 0a000001";
    auto d = decode("", origin_as_path + attribute, kNlri, ours);
    check(d, UpdateAction::treat_as_withdraw, 8, attribute);
    CHECK(d.update.nlri.size() == 1);  // returned, so that the receiver withdraws it
    ours.local_address = sluice::ip::Address::v4(0x0a000002u);
    CHECK(decode("", origin_as_path + attribute, kNlri, ours).verdict.ok());
  }
  SUBCASE("NEXT_HOP naming the receiving speaker on its own route reflected back (RFC 4456 §8)") {
    // FRR's reflectors send a client's routes back to it: ORIGINATOR_ID is then our
    // identifier, and the RIB drops the route as a loop. Not a NEXT_HOP error.
    Context ours = four_octet();
    ours.local_address = sluice::ip::Address::v4(0x0a000001u);
    ours.local_identifier = sluice::ip::Address::v4(0x0aff0001u);
    const std::string next_hop = "40 03 04 0a000001 ";
    const std::string our_originator = "80 09 04 0aff0001 ";
    for (const auto& attributes : {origin_as_path + next_hop + our_originator, our_originator + origin_as_path + next_hop}) {
      auto d = decode("", attributes, kNlri, ours);
      CHECK(d.verdict.ok());
      CHECK(d.update.attributes.next_hop == sluice::ip::Address::v4(0x0a000001u));
      CHECK(d.update.attributes.originator_id == sluice::ip::Address::v4(0x0aff0001u));
    }
    // Another speaker's route with our address as next hop stays an error, in either order.
    const std::string their_originator = "80 09 04 0aff0002 ";
    check(decode("", origin_as_path + next_hop + their_originator, kNlri, ours), UpdateAction::treat_as_withdraw, 8,
          next_hop);
    auto d = decode("", their_originator + origin_as_path + next_hop, kNlri, ours);
    check(d, UpdateAction::treat_as_withdraw, 8, next_hop);
    CHECK_FALSE(d.update.attributes.next_hop);
    ours.local_identifier.reset();
    check(decode("", origin_as_path + next_hop + our_originator, kNlri, ours), UpdateAction::treat_as_withdraw, 8,
          next_hop);
  }
  SUBCASE("MP_REACH_NLRI's next hop naming the receiving speaker (RFC 4271 §6.3)") {
    Context ours = four_octet();
    auto own = sluice::ip::Address::from_bytes(std::vector<std::uint8_t>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    REQUIRE(own);
    ours.local_address = *own;
    const std::string attribute = "80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001";
    auto d = decode("", origin_as_path + attribute, "", ours);
    check(d, UpdateAction::treat_as_withdraw, 8, attribute);
    REQUIRE(d.update.mp_reach);
    CHECK(d.update.mp_reach->nlri.size() == 1);  // returned, so that the receiver withdraws it
    // Reflected back to us (ORIGINATOR_ID ours): a loop for the RIB, not an error.
    ours.local_identifier = sluice::ip::Address::v4(0x0aff0001u);
    CHECK(decode("", origin_as_path + attribute + " 80 09 04 0aff0001", "", ours).verdict.ok());
    // Over an IPv4 session, our IPv6 next hop is the address to compare.
    ours.local_identifier.reset();
    ours.local_address = sluice::ip::Address::v4(0x0a000001u);
    CHECK(decode("", origin_as_path + attribute, "", ours).verdict.ok());
    ours.local_address_other_family = *own;
    check(decode("", origin_as_path + attribute, "", ours), UpdateAction::treat_as_withdraw, 8, attribute);
  }
  SUBCASE("MULTI_EXIT_DISC length") {
    check(decode("", kMandatory + "80 04 03 000001", kNlri), UpdateAction::treat_as_withdraw, 5, "80 04 03 000001");
  }
  SUBCASE("LOCAL_PREF empty") {
    check(decode("", kMandatory + "40 05 00", kNlri), UpdateAction::treat_as_withdraw, 5, "40 05 00");
  }
}

TEST_CASE("RFC 7606 §7.6, §7.7, RFC 6793 §6: ATOMIC_AGGREGATE, AGGREGATOR, AS4 attributes are discarded") {
  SUBCASE("ATOMIC_AGGREGATE with a value") {
    auto d = decode("", kMandatory + "40 06 01 00", kNlri);
    check(d, UpdateAction::attribute_discard, 5, "40 06 01 00");
    CHECK_FALSE(d.update.attributes.atomic_aggregate);
    CHECK(d.update.nlri.size() == 1);
  }
  SUBCASE("AGGREGATOR of 5 octets") {
    check(decode("", kMandatory + "c0 07 05 fde90a0000", kNlri), UpdateAction::attribute_discard, 5,
          "c0 07 05 fde90a0000");
  }
  SUBCASE("2-octet AGGREGATOR from a 4-octet peer") {
    check(decode("", kMandatory + "c0 07 06 fde90a000001", kNlri), UpdateAction::attribute_discard, 5,
          "c0 07 06 fde90a000001");
  }
  SUBCASE("malformed AS4_PATH and AS4_AGGREGATOR from a 2-octet peer") {
    const std::string two_octet_mandatory = "40 01 01 00  40 02 04 02 01 5ba0  40 03 04 0a000001 ";
    auto d = decode("", two_octet_mandatory + "c0 11 03 02 01 00", kNlri, Context{});
    check(d, UpdateAction::attribute_discard, 9, "c0 11 03 02 01 00");
    CHECK(d.update.attributes.as_path->segments[0].asns[0] == kAsTrans);
    check(decode("", two_octet_mandatory + "c0 11 06 03 01 fa56ea00", kNlri, Context{}),
          UpdateAction::attribute_discard, 9, "c0 11 06 03 01 fa56ea00");
    check(decode("", two_octet_mandatory + "c0 12 06 fde90a000001", kNlri, Context{}), UpdateAction::attribute_discard,
          5, "c0 12 06 fde90a000001");
  }
}

TEST_CASE("RFC 7606 §7.8-7.10, RFC 8092 §6: community and reflection attributes are treat-as-withdraw") {
  check(decode("", kMandatory + "c0 08 03 000001", kNlri), UpdateAction::treat_as_withdraw, 5, "c0 08 03 000001");
  check(decode("", kMandatory + "c0 08 00", kNlri), UpdateAction::treat_as_withdraw, 5, "c0 08 00");
  check(decode("", kMandatory + "80 09 03 0a0000", kNlri), UpdateAction::treat_as_withdraw, 5, "80 09 03 0a0000");
  check(decode("", kMandatory + "80 0a 06 0a0000010a00", kNlri), UpdateAction::treat_as_withdraw, 5,
        "80 0a 06 0a0000010a00");
  check(decode("", kMandatory + "c0 20 0d 00000001000000020000000300", kNlri), UpdateAction::treat_as_withdraw, 5,
        "c0 20 0d 00000001000000020000000300");
}

TEST_CASE("RFC 7606 §7.5, §7.9, §7.10: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST from an external peer are discarded") {
  Context external = four_octet();
  external.external_peer = true;
  for (std::string attribute :
       {"40 05 04 00000064", "40 05 03 000064", "40 05 00", "c0 05 04 00000064", "80 09 04 0a000009", "80 09 03 0a0000",
        "c0 09 04 0a000009", "80 0a 04 0a000001", "80 0a 05 0a00000100", "80 0a 00", "40 0a 04 0a000001"}) {
    CAPTURE(attribute);
    auto d = decode("", kMandatory + attribute, kNlri, external);
    CHECK(d.verdict.ok());
    CHECK_FALSE(d.update.attributes.local_pref);
    CHECK_FALSE(d.update.attributes.originator_id);
    CHECK(d.update.attributes.cluster_list.empty());
    CHECK(d.update.nlri.size() == 1);
    // From an internal peer the malformed ones withdraw, the others are kept.
    auto internal = decode("", kMandatory + attribute, kNlri);
    const bool well_formed =
        attribute == "40 05 04 00000064" || attribute == "80 09 04 0a000009" || attribute == "80 0a 04 0a000001";
    CHECK(internal.verdict.action == (well_formed ? UpdateAction::none : UpdateAction::treat_as_withdraw));
  }
}

TEST_CASE("RFC 7606 §5.2: an error beyond attribute discard without reachable NLRI resets the session") {
  const std::string mp_unreach = "80 0f 08 0002 01 20 20010db8 ";  // withdraws 2001:db8::/32
  SUBCASE("a malformed COMMUNITIES beside an IPv6 withdrawal") {
    auto d = decode("", kMandatory + "c0 08 03 000001 " + mp_unreach, "");
    check(d, UpdateAction::session_reset, 5, "c0 08 03 000001");
    CHECK(d.verdict.notification()->subcode == 5);
  }
  SUBCASE("a malformed MULTI_EXIT_DISC beside IPv4 withdrawals") {
    check(decode("18 0a0100", "80 04 03 000001", ""), UpdateAction::session_reset, 5, "80 04 03 000001");
  }
  SUBCASE("an attribute running past the list of an UPDATE without NLRI") {
    check(decode("", "80 04 08 000001", ""), UpdateAction::session_reset, 5, "80 04 08 000001");
  }
  SUBCASE("an MP_REACH_NLRI without NLRI is no reachable NLRI") {
    check(decode("", kMandatory + "c0 08 03 000001 80 0e 15 0002 01 10 20010db8000000000000000000000001 00", ""),
          UpdateAction::session_reset, 5, "c0 08 03 000001");
  }
  SUBCASE("attribute discard alone stays attribute discard") {
    auto d = decode("18 0a0100", "40 06 01 00", "");
    CHECK(d.verdict.action == UpdateAction::attribute_discard);
  }
  SUBCASE("a malformed MP_UNREACH_NLRI alone still disables its family") {
    CHECK(decode("", "80 0f 05 0002 01 40 fd", "").verdict.action == UpdateAction::afi_safi_disable);
  }
  SUBCASE("an unreadable MP_REACH_NLRI holds NLRI: its family is disabled, not the session reset") {
    auto d = decode("", "40 01 01 00 40 02 06 02 01 0000fde9 80 0e 0b 0002 01 05 0a00000100 00 00", "");
    CHECK(d.verdict.action == UpdateAction::afi_safi_disable);
  }
  SUBCASE("with NLRI the UPDATE is treated as withdraw") {
    check(decode("", kMandatory + "c0 08 03 000001", kNlri), UpdateAction::treat_as_withdraw, 5, "c0 08 03 000001");
  }
}

TEST_CASE("RFC 7606 §5.3, §7.11: malformed MP attributes disable the family, or reset when it is unknown") {
  SUBCASE("IPv6 prefix length over 128") {
    auto d = decode(
        "", "40 01 01 00 40 02 06 02 01 0000fde9 80 0e 17 0002 01 10 fd000000000000000000000000000001 00 81 fd", "");
    check(d, UpdateAction::afi_safi_disable, 9, "80 0e 17 0002 01 10 fd000000000000000000000000000001 00 81 fd");
    CHECK(d.verdict.disabled_families() == std::vector<AfiSafi>{kIpv6Unicast});
    CHECK(d.verdict.notification()->subcode == 9);
    CHECK_FALSE(d.update.mp_reach);
  }
  SUBCASE("next hop length inconsistent with the family") {
    auto d = decode("", "80 0e 0b 0001 01 05 0a00000100 00 00", "");
    check(d, UpdateAction::afi_safi_disable, 9, "80 0e 0b 0001 01 05 0a00000100 00 00");
    CHECK(d.verdict.disabled_families() == std::vector<AfiSafi>{kIpv4Unicast});
  }
  SUBCASE("next hop running past the attribute") {
    check(decode("", "80 0e 05 0002 01 10 fd", ""), UpdateAction::afi_safi_disable, 9, "80 0e 05 0002 01 10 fd");
  }
  SUBCASE("MP_UNREACH_NLRI prefix running past the end") {
    auto d = decode("", "80 0f 05 0002 01 40 fd", "");
    check(d, UpdateAction::afi_safi_disable, 9, "80 0f 05 0002 01 40 fd");
    CHECK(d.verdict.disabled_families() == std::vector<AfiSafi>{kIpv6Unicast});
  }
  SUBCASE("a family the codec does not carry") {
    auto d = decode("", "80 0f 03 0001 80", "");
    check(d, UpdateAction::afi_safi_disable, 9, "80 0f 03 0001 80");
    CHECK(d.verdict.disabled_families() == std::vector<AfiSafi>{{Afi::ipv4, static_cast<Safi>(128)}});
  }
  SUBCASE("too short to name a family: session reset") {
    check(decode("", "80 0f 02 0002", ""), UpdateAction::session_reset, 9, "80 0f 02 0002");
    // RFC 4760 §7: Optional Attribute Error, empty or not (as BIRD answers).
    check(decode("", "80 0e 00", ""), UpdateAction::session_reset, 9, "80 0e 00");
    check(decode("", "80 0f 00", ""), UpdateAction::session_reset, 9, "80 0f 00");
  }
}

TEST_CASE("RFC 7606 §3 g: repeated attributes") {
  SUBCASE("a repeated ORIGIN is discarded, the first kept") {
    auto d = decode("", kMandatory + "40 01 01 02", kNlri);
    check(d, UpdateAction::attribute_discard, 1);
    CHECK(d.update.attributes.origin == Origin::igp);
  }
  SUBCASE("a repeated unknown attribute is discarded") {
    auto d = decode("", kMandatory + "c0 63 01 01 c0 63 01 02", kNlri);
    CHECK(d.verdict.action == UpdateAction::attribute_discard);
    CHECK(d.update.attributes.unknown == std::vector<RawAttribute>{{99, hex("01")}});
  }
  SUBCASE("a repeated MP_UNREACH_NLRI resets the session") {
    check(decode("", "80 0f 03 0002 01 80 0f 03 0002 01", ""), UpdateAction::session_reset, 1);
  }
  SUBCASE("a repeated MP_REACH_NLRI resets the session") {
    std::string mp = "80 0e 0a 0001 01 04 0a000001 00 00 ";
    check(decode("", kMandatory + mp + mp, ""), UpdateAction::session_reset, 1);
  }
}

TEST_CASE("RFC 7606 §3 d: missing well-known attributes are treat-as-withdraw, the type code as data") {
  check(decode("", "40 02 06 02 01 0000fde9  40 03 04 0a000001", kNlri), UpdateAction::treat_as_withdraw, 3, "01");
  check(decode("", "40 01 01 00  40 03 04 0a000001", kNlri), UpdateAction::treat_as_withdraw, 3, "02");
  check(decode("", "40 01 01 00  40 02 06 02 01 0000fde9", kNlri), UpdateAction::treat_as_withdraw, 3, "03");
  SUBCASE("only unknown attributes next to NLRI") {
    auto d = decode("", "c0 63 01 01", kNlri);
    check(d, UpdateAction::treat_as_withdraw, 3, "01");
    CHECK(d.verdict.problems.size() == 3);
    CHECK(d.update.nlri.size() == 1);  // returned, so that the receiver withdraws it
  }
  SUBCASE("MP_REACH_NLRI needs ORIGIN and AS_PATH but not NEXT_HOP") {
    std::string mp = "80 0e 0d 0001 01 04 0a000001 00 18 0a0100 ";
    check(decode("", mp, ""), UpdateAction::treat_as_withdraw, 3, "01");
    CHECK(decode("", mp + "40 01 01 00  40 02 06 02 01 0000fde9", "").verdict.ok());
  }
  SUBCASE("nothing is mandatory without NLRI") {
    CHECK(decode("10 0a09", "", "").verdict.ok());
    CHECK(decode("", "80 04 04 00000001", "").verdict.ok());
  }
}

TEST_CASE("RFC 4271 §6.3: an unrecognized well-known attribute resets the session, the attribute as data") {
  check(decode("", kMandatory + "40 63 02 abcd", kNlri), UpdateAction::session_reset, 2, "40 63 02 abcd");
}

TEST_CASE("the strongest action wins; every problem is listed") {
  auto d = decode("", kMandatory + "40 06 01 00  80 04 03 000001  c0 07 05 fde90a0000", kNlri);
  CHECK(d.verdict.action == UpdateAction::treat_as_withdraw);
  REQUIRE(d.verdict.problems.size() == 3);
  CHECK(d.verdict.problems[0].action == UpdateAction::attribute_discard);
  CHECK(d.verdict.problems[1].action == UpdateAction::treat_as_withdraw);
  CHECK(d.verdict.problems[2].action == UpdateAction::attribute_discard);
  CHECK(d.verdict.decisive()->attribute_type == 4);
  CHECK_FALSE(d.verdict.notification());  // nothing to send: the session stays up
  CHECK(to_string(UpdateAction::afi_safi_disable) == "AFI/SAFI-disable");
}

TEST_CASE("many communities and many attributes decode (OpenBGPD maxcomm/maxattr)") {
  Context extended = four_octet();
  extended.extended_message = true;
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{};
  u.attributes.next_hop = address("10.0.0.1");
  u.attributes.communities.resize(10000);
  for (std::uint32_t i = 0; i < 10000; ++i) u.attributes.communities[i] = i;
  for (int code = 33; code < 254; ++code) u.attributes.unknown.push_back({static_cast<std::uint8_t>(code), {1, 2}});
  u.nlri = {{prefix("10.1.0.0/24"), 0}};
  auto bytes = encode_message(u, extended);
  REQUIRE(bytes.ok());
  auto r = decode_message(*bytes, extended);
  REQUIRE(r.ok());
  CHECK(r->verdict.ok());
  CHECK(std::get<Update>(r->message) == u);
}
