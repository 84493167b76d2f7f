// sluice-bgpd against ExaBGP 4.2 sending malformed UPDATEs (and a few bad OPENs and an
// unknown message type): for each baseline bad input of reference/bgp.md §4.2 that ExaBGP
// can produce, bgpd must do what RFC 7606 (and RFC 4271, 4760, 6793, 8092) says:
// treat-as-withdraw (the session stays up, the route leaves the RIB and the kernel, the
// counter counts it), attribute discard (the route stays, without the attribute, as a
// monitor peer sees it), AFI/SAFI disable (that family's routes from the peer go and more
// are ignored, the other family and the session carry on), or a session reset with the
// right NOTIFICATION code, subcode and data, as ExaBGP received it and bgpd's lastError
// says. After every malformation that must leave the session up, a good UPDATE is still
// taken. Each reset gets a session of its own (bgpd waits 5 s, doubling, before taking a
// peer back after an error), so one ExaBGP process runs many neighbour blocks, one per
// address on its side of the link.
//
// What ExaBGP 4.2.21 (Debian) was found to do, by experiment and from its sources:
// - `attribute [0xTT 0xFF 0xVALUE]` after a route sends those bytes as an attribute.
//   ExaBGP keeps one attribute per type and the first given wins, so a raw attribute
//   replaces the one ExaBGP would build (ORIGIN and AS_PATH are only defaulted when
//   absent): the route syntax never repeats a type. Repeats come only from what ExaBGP
//   builds beside the attribute list: its own MP_REACH_NLRI (IPv6 route) or MP_UNREACH_NLRI
//   (IPv6 withdrawal) next to a raw one, and on a 2-octet session the AS4_PATH it writes
//   together with AS_PATH next to a raw AS4_PATH.
// - The length is always computed from the value (Extended Length set above 255 octets),
//   so a length field that disagrees with the attribute list cannot be sent.
// - A raw NEXT_HOP makes ExaBGP drop its own session (its packer calls ipv4() on the raw
//   attribute); bad next hops are sent with `next-hop <address>` instead, which takes
//   0.0.0.0, multicast, class E and the peer's own address without complaint.
// - LOCAL_PREF never goes to an eBGP peer, raw or not (its packer skips type 5 there), and
//   ORIGIN, AS_PATH and (for IPv4 NLRI) NEXT_HOP are always present: neither a LOCAL_PREF
//   from an eBGP peer nor a missing well-known attribute can be produced.
// - An IPv6 withdrawal carries the route's attributes beside MP_UNREACH_NLRI (an IPv4 one
//   carries none): an UPDATE with attributes and no reachable NLRI (RFC 7606 §5.2).
// - An IPv4 route with an IPv6 next hop goes out in an IPv4 MP_REACH_NLRI with a 16-octet
//   next hop, extended next hop negotiated or not.
// - `adj-rib-out false` keeps nothing to re-send when a session comes back, so a route that
//   made bgpd reset the session is not sent again.
// - Received JSON: a NOTIFICATION is `"notification": { "code", "subcode", "data": "0x.." }`
//   directly in "neighbor" (not in "message"); an attribute ExaBGP does not know is
//   `"attribute-0xTT-0xFF": "0xvalue"`, flags included (so the Partial bit shows), the
//   value in lower case; "atomic-aggregate": true and "aggregator": "AS:address" for those.
// - ROUTE-REFRESH goes out for any family of the neighbour's own `family` block, negotiated
//   or not. OPERATIONAL (message type 6) goes out whether or not the peer advertised it, from
//   neighbours with `capability { operational; }`; `announce operational` with a neighbour
//   selector is silently dropped (it checks the third word of the whole line), so it is
//   sent to every neighbour of the API process and only those send it; its advisory forms
//   (asm, adm) fail under Python 3, rpcq works.
// - Hold times 1 and 2 are refused by its configuration parser; router-id 0.0.0.0, local-as 0
//   and local-as 23456 without the 4-octet capability are sent as configured.
// - After a NOTIFICATION it reconnects at once, then backs off 1, 2, 3... seconds.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "tests/interop/lab.hpp"
#include "tests/support/bgp/exabgp_speaker.hpp"
#include "tests/support/bgp/sluice_bgpd.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using sluice::testing::TempDir;
using sluice::testing::TestNetns;
using sluice::testing::wait_until;
using sluice::testing::bgp::best_for;
using sluice::testing::bgp::ExabgpSpeaker;
using sluice::testing::bgp::SeenRoute;
using sluice::testing::bgp::SluiceBgpd;
using sluice::testing::interop::kBgpdProtocol;
using sluice::testing::interop::kernel_routes;
using sluice::testing::interop::kSessionTimeout;
using sluice::testing::interop::Link;
using sluice::testing::interop::log_text;
using sluice::testing::interop::substitute;

namespace {

constexpr auto kStep = 5s;  // one UPDATE through ExaBGP, bgpd and the kernel

// One neighbour block of an ExaBGP configuration, toward bgpd at `peer`.
std::string exabgp_neighbor(const std::string& peer, const std::string& local, const std::string& router_id,
                            std::uint32_t local_as, std::uint32_t peer_as, const std::string& families,
                            const std::string& extra = "") {
  return fmt::format(
      "neighbor {} {{\n  router-id {};\n  local-address {};\n  local-as {};\n  peer-as {};\n  hold-time 9;\n"
      "  adj-rib-out false;\n  {}\n  family {{ {} }}\n{}}}\n",
      peer, router_id, local, local_as, peer_as, extra, families, ExabgpSpeaker::kApiBlock);
}

const std::string kV4 = "ipv4 unicast;";
const std::string kV4V6 = "ipv4 unicast; ipv6 unicast;";

// An ExaBGP process with one neighbour block per local address, all toward bgpd.
class Injector {
 public:
  Injector(const TestNetns& ns, const std::filesystem::path& dir, std::string peer, const std::string& neighbors)
      : peer_(std::move(peer)), exabgp_(ns, dir, neighbors) {}

  // An API command for the session from `local` ("announce route ...").
  void send(const std::string& local, const std::string& command) {
    exabgp_.command("neighbor " + peer_ + " local-ip " + local + " " + command);
  }
  ExabgpSpeaker& exabgp() { return exabgp_; }

 private:
  std::string peer_;
  ExabgpSpeaker exabgp_;
};

// bgpctl neighbor's JSON, parsed; a null document when bgpd does not answer.
rapidjson::Document neighbor_document(const SluiceBgpd& bgpd, const std::string& address) {
  auto parsed = sluice::json::parse(bgpd.neighbor_json(address));
  return parsed ? std::move(*parsed) : rapidjson::Document();
}

// A number inside bgpctl neighbor's "neighbor" object: {"updatesTreatedAsWithdraw"},
// {"messagesIn", "update"}, {"lastError", "code"}; -1 when absent.
std::int64_t neighbor_number(const SluiceBgpd& bgpd, const std::string& address,
                             std::initializer_list<const char*> path) {
  auto document = neighbor_document(bgpd, address);
  if (!document.IsObject()) return -1;
  const rapidjson::Value* at = sluice::json::find(document, "neighbor");
  for (const char* member : path) {
    if (!at) return -1;
    at = sluice::json::find(*at, member);
  }
  return at && at->IsUint64() ? static_cast<std::int64_t>(at->GetUint64()) : -1;
}

std::string last_error_kind(const SluiceBgpd& bgpd, const std::string& address) {
  auto document = neighbor_document(bgpd, address);
  if (!document.IsObject()) return {};
  const auto* neighbor = sluice::json::find(document, "neighbor");
  const auto* error = neighbor ? sluice::json::find(*neighbor, "lastError") : nullptr;
  const auto* kind = error ? sluice::json::find(*error, "kind") : nullptr;
  return kind && kind->IsString() ? kind->GetString() : std::string();
}

// The best path for `prefix`, or an empty route when there is none (for checks that follow
// a failed wait).
SeenRoute route_of(const std::vector<SeenRoute>& routes, const std::string& prefix) {
  return best_for(routes, prefix).value_or(SeenRoute{});
}

bool has_route(const SluiceBgpd& bgpd, const std::string& prefix, const char* family = "ipv4") {
  return best_for(bgpd.routes(family), prefix).has_value();
}

// The kernel's route for `prefix` from bgpd ("P via A"), or "" when there is none.
std::string kernel_route(const TestNetns& ns, const std::string& prefix) {
  const bool v6 = prefix.find(':') != std::string::npos;
  for (const auto& line : kernel_routes(ns, kBgpdProtocol, v6)) {
    if (line.starts_with(prefix + " ")) return line;
  }
  return {};
}

std::string logs(const SluiceBgpd& bgpd, const ExabgpSpeaker& exabgp) {
  return "--- bgpd log:\n" + log_text(bgpd.log_file()) + "\n--- ExaBGP log:\n" + log_text(exabgp.log_file());
}

// "0x" and the value of a raw attribute, from hex with spaces for reading.
std::string raw(std::string_view spaced) {
  std::string out = "0x";
  for (char c : spaced)
    if (c != ' ') out += c;
  return out;
}

}  // namespace

TEST_CASE("treat-as-withdraw and attribute discard keep the session; a monitor sees what bgpd passes on") {
  TempDir dir("interop-exabgp");
  TempDir monitor_dir("interop-exabgp-mon");
  TestNetns node("exa-node"), inj("exa-inj"), mon("exa-mon");
  Link link(node, "eth-inj", inj, "eth-node", 51);
  Link mon_link(node, "eth-mon", mon, "eth-node", 52);
  const std::string peer = link.a_v4();  // bgpd, seen from the injector
  const std::string ebgp = link.b_v4();  // 192.0.51.2, AS 65001, IPv4 and IPv6
  const std::string ibgp = "192.0.51.3", two_octet = "192.0.51.4", refresher = "192.0.51.5";
  for (const auto& address : {ibgp, two_octet, refresher})
    inj.exec_checked({"ip", "addr", "add", address + "/24", "dev", link.b_name()});

  SluiceBgpd bgpd(node, dir.path(),
                  substitute(R"({
  "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
  "neighbors": [
    { "address": "$EBGP", "asNumber": 65001, "passive": true, "defaultPolicy": "accept",
      "families": ["ipv4-unicast", "ipv6-unicast"], "nextHopSelfIpv6": "$NODE6" },
    { "address": "$IBGP", "asNumber": 64512, "passive": true },
    { "address": "$TWO", "asNumber": 65002, "passive": true, "defaultPolicy": "accept" },
    { "address": "$REFRESH", "asNumber": 65005, "passive": true, "defaultPolicy": "accept",
      "exportPolicy": "local-only" },
    { "address": "$MON", "asNumber": 65099, "passive": true, "defaultPolicy": "accept" }
  ],
  "policies": { "local-only": { "terms": [ { "match": { "routeSource": "local" }, "action": "accept" } ] } },
  "originate": [ { "prefix": "10.99.0.0/24" } ]
})",
                             {{"$EBGP", ebgp},
                              {"$NODE6", link.a_v6()},
                              {"$IBGP", ibgp},
                              {"$TWO", two_octet},
                              {"$REFRESH", refresher},
                              {"$MON", mon_link.b_v4()}}));
  Injector injector(
      inj, dir.path(), peer,
      exabgp_neighbor(peer, ebgp, "10.255.0.2", 65001, 64512, kV4V6) +
          exabgp_neighbor(peer, ibgp, "10.255.0.3", 64512, 64512, kV4) +
          exabgp_neighbor(peer, two_octet, "10.255.0.4", 65002, 64512, kV4, "capability { asn4 disable; }") +
          exabgp_neighbor(peer, refresher, "10.255.0.5", 65005, 64512, kV4V6, "capability { route-refresh; }"));
  ExabgpSpeaker monitor(mon, monitor_dir.path(),
                        exabgp_neighbor(mon_link.a_v4(), mon_link.b_v4(), "10.255.0.99", 65099, 64512, kV4));
  auto& exa = injector.exabgp();
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        return bgpd.established(ebgp) && bgpd.established(ibgp) && bgpd.established(two_octet) &&
                               bgpd.established(refresher) && bgpd.established(mon_link.b_v4());
                      },
                      kSessionTimeout),
                  logs(bgpd, exa));

  // A good route for `prefix` first (in bgpd and the kernel), then the same prefix with
  // `bad`: it must leave both, counted, with no NOTIFICATION; then another good route.
  int sequence = 0;
  auto expect_withdrawn = [&](const std::string& local, const std::string& what, const std::string& bad,
                              const std::string& bad_next_hop = "") {
    CAPTURE(what);
    ++sequence;
    const std::string prefix = fmt::format("10.1.{}.0/24", sequence);
    const std::string after = fmt::format("10.2.{}.0/24", sequence);
    const auto counted = neighbor_number(bgpd, local, {"updatesTreatedAsWithdraw"});
    const auto notifications = exa.notifications_received(local).size();
    injector.send(local, "announce route " + prefix + " next-hop " + local);
    REQUIRE_MESSAGE(wait_until([&] { return kernel_route(node, prefix) == prefix + " via " + local; }, kStep),
                    logs(bgpd, exa));
    injector.send(
        local, "announce route " + prefix + " next-hop " + (bad_next_hop.empty() ? local : bad_next_hop) + " " + bad);
    CHECK_MESSAGE(wait_until(
                      [&] {
                        return neighbor_number(bgpd, local, {"updatesTreatedAsWithdraw"}) == counted + 1 &&
                               !has_route(bgpd, prefix) && kernel_route(node, prefix).empty();
                      },
                      kStep),
                  logs(bgpd, exa));
    // The session stayed up and still takes routes.
    injector.send(local, "announce route " + after + " next-hop " + local);
    CHECK(wait_until([&] { return has_route(bgpd, after); }, kStep));
    CHECK(kernel_route(node, prefix).empty());
    CHECK(bgpd.established(local));
    CHECK(exa.notifications_received(local).size() == notifications);
  };

  // RFC 7606 §7.1 ORIGIN, §3 c flags.
  expect_withdrawn(ebgp, "ORIGIN 5, undefined", "attribute [0x01 0x40 0x05]");
  expect_withdrawn(ebgp, "ORIGIN of 2 octets", "attribute [0x01 0x40 0x0000]");
  expect_withdrawn(ebgp, "ORIGIN with the Optional bit", "attribute [0x01 0xc0 0x00]");
  // §7.2 AS_PATH, RFC 5065 §5.
  expect_withdrawn(ebgp, "AS_PATH segment of 2 ASes holding 1", "attribute [0x02 0x40 " + raw("02 02 0000fde9") + "]");
  expect_withdrawn(ebgp, "AS_PATH segment of length 0", "attribute [0x02 0x40 0x0200]");
  expect_withdrawn(ebgp, "AS_PATH segment type 5", "attribute [0x02 0x40 " + raw("05 01 0000fde9") + "]");
  expect_withdrawn(ebgp, "AS_PATH with one octet after its last segment",
                   "attribute [0x02 0x40 " + raw("02 01 0000fde9 00") + "]");
  expect_withdrawn(ebgp, "AS_CONFED_SEQUENCE from an eBGP peer", "attribute [0x02 0x40 " + raw("03 01 0000fde9") + "]");
  // §7.3 and RFC 4271 §6.3: next hops that are no host, or bgpd itself.
  expect_withdrawn(ebgp, "NEXT_HOP 0.0.0.0", "", "0.0.0.0");
  expect_withdrawn(ebgp, "NEXT_HOP multicast", "", "224.0.0.5");
  expect_withdrawn(ebgp, "NEXT_HOP class E", "", "240.0.0.1");
  expect_withdrawn(ebgp, "NEXT_HOP bgpd's own address", "", peer);
  {
    // The same in MP_REACH_NLRI: an IPv6 route (over the IPv4 session) whose next hop is
    // bgpd's own IPv6 address.
    const std::string prefix = "2001:db8:70::/48";
    const auto counted = neighbor_number(bgpd, ebgp, {"updatesTreatedAsWithdraw"});
    injector.send(ebgp, "announce route " + prefix + " next-hop " + link.b_v6());
    REQUIRE_MESSAGE(wait_until([&] { return has_route(bgpd, prefix, "ipv6"); }, kStep), logs(bgpd, exa));
    injector.send(ebgp, "announce route " + prefix + " next-hop " + link.a_v6());
    CHECK_MESSAGE(wait_until(
                      [&] {
                        return neighbor_number(bgpd, ebgp, {"updatesTreatedAsWithdraw"}) == counted + 1 &&
                               !has_route(bgpd, prefix, "ipv6");
                      },
                      kStep),
                  logs(bgpd, exa));
    CHECK(bgpd.established(ebgp));
  }
  // §7.4 MULTI_EXIT_DISC, §7.8 COMMUNITIES, RFC 8092 §6 LARGE_COMMUNITY.
  expect_withdrawn(ebgp, "MULTI_EXIT_DISC of 3 octets", "attribute [0x04 0x80 0x000001]");
  expect_withdrawn(ebgp, "MULTI_EXIT_DISC marked well-known", "attribute [0x04 0x40 0x00000001]");
  expect_withdrawn(ebgp, "COMMUNITIES of 3 octets", "attribute [0x08 0xc0 0x000001]");
  expect_withdrawn(ebgp, "COMMUNITIES empty", "attribute [0x08 0xc0 0x]");
  expect_withdrawn(ebgp, "COMMUNITIES marked non-transitive", "attribute [0x08 0x80 0x0000fde9]");
  expect_withdrawn(ebgp, "LARGE_COMMUNITY of 13 octets",
                   "attribute [0x20 0xc0 " + raw("0000fde9 00000001 00000002 00") + "]");
  expect_withdrawn(ebgp, "LARGE_COMMUNITY empty", "attribute [0x20 0xc0 0x]");
  // §7.5, §7.9, §7.10 from an iBGP peer.
  expect_withdrawn(ibgp, "LOCAL_PREF of 3 octets from iBGP", "attribute [0x05 0x40 0x000064]");
  expect_withdrawn(ibgp, "ORIGINATOR_ID of 3 octets from iBGP", "attribute [0x09 0x80 0x0a0000]");
  expect_withdrawn(ibgp, "ORIGINATOR_ID marked transitive from iBGP", "attribute [0x09 0xc0 0x0a000009]");
  expect_withdrawn(ibgp, "CLUSTER_LIST of 5 octets from iBGP", "attribute [0x0a 0x80 0x0a00000101]");

  // Attribute discard, and what is passed on: the route stays, in the kernel too, nothing
  // is counted, and the monitor (eBGP) gets it without the attribute.
  auto expect_kept = [&](const std::string& local, const std::string& what, const std::string& prefix,
                         const std::string& attributes) {
    CAPTURE(what);
    const auto counted = neighbor_number(bgpd, local, {"updatesTreatedAsWithdraw"});
    injector.send(local, "announce route " + prefix + " next-hop " + local + " " + attributes);
    CHECK_MESSAGE(wait_until([&] { return kernel_route(node, prefix) == prefix + " via " + local; }, kStep),
                  logs(bgpd, exa));
    CHECK_MESSAGE(wait_until([&] { return best_for(monitor.routes(), prefix).has_value(); }, kStep),
                  logs(bgpd, monitor));
    CHECK(neighbor_number(bgpd, local, {"updatesTreatedAsWithdraw"}) == counted);
    CHECK(bgpd.established(local));
    return monitor.attributes_of(prefix);
  };
  // Well-formed first: both reach the monitor.
  auto seen = expect_kept(ebgp, "ATOMIC_AGGREGATE and AGGREGATOR", "10.3.1.0/24",
                          "atomic-aggregate aggregator ( 65001:192.0.51.2 )");
  CHECK(seen["atomic-aggregate"] == "true");
  CHECK(seen["aggregator"] == "65001:192.0.51.2");
  // RFC 7606 §7.6, §7.7, §3 c.
  seen = expect_kept(ebgp, "ATOMIC_AGGREGATE with a value", "10.3.2.0/24", "attribute [0x06 0x40 0x00]");
  CHECK(seen.count("atomic-aggregate") == 0);
  seen = expect_kept(ebgp, "ATOMIC_AGGREGATE marked optional", "10.3.3.0/24", "attribute [0x06 0xc0 0x]");
  CHECK(seen.count("atomic-aggregate") == 0);
  seen = expect_kept(ebgp, "AGGREGATOR of 5 octets", "10.3.4.0/24", "attribute [0x07 0xc0 0x0000fde9c0]");
  CHECK(seen.count("aggregator") == 0);
  seen = expect_kept(ebgp, "AGGREGATOR of 6 octets on a 4-octet session", "10.3.5.0/24",
                     "attribute [0x07 0xc0 " + raw("fde9 c0003302") + "]");
  CHECK(seen.count("aggregator") == 0);
  seen = expect_kept(ebgp, "AGGREGATOR marked well-known", "10.3.6.0/24",
                     "attribute [0x07 0x40 " + raw("0000fde9 c0003302") + "]");
  CHECK(seen.count("aggregator") == 0);
  // §7.9, §7.10: from an eBGP peer discarded whatever they hold; an ORIGINATOR_ID naming
  // bgpd itself would otherwise drop the route as a reflection loop.
  expect_kept(ebgp, "ORIGINATOR_ID of 3 octets from eBGP", "10.3.7.0/24", "attribute [0x09 0x80 0x0a0000]");
  expect_kept(ebgp, "CLUSTER_LIST of 5 octets from eBGP", "10.3.8.0/24", "attribute [0x0a 0x80 0x0a00000101]");
  expect_kept(ebgp, "ORIGINATOR_ID naming bgpd from eBGP", "10.3.9.0/24", "attribute [0x09 0x80 0x0aff0001]");
  // RFC 4271 §5: an unknown optional transitive attribute goes on with the Partial
  // bit; an unknown non-transitive one does not go on.
  seen = expect_kept(ebgp, "unknown attributes", "10.3.10.0/24",
                     "attribute [0x63 0xc0 0x0102] attribute [0x64 0xe0 0x03] attribute [0x65 0x80 0x04]");
  CHECK(seen["attribute-0x63-0xE0"] == "0x0102");
  CHECK(seen["attribute-0x64-0xE0"] == "0x03");
  CHECK(seen.count("attribute-0x65-0x80") == 0);
  CHECK(seen.count("attribute-0x65-0xA0") == 0);
  // An Extended Length flag on a short value is a valid encoding.
  expect_kept(ebgp, "COMMUNITIES with Extended Length", "10.3.11.0/24", "attribute [0x08 0xd0 0xfde90007]");
  CHECK(route_of(bgpd.routes(), "10.3.11.0/24").communities == std::vector<std::string>{"65001:7"});
  // OpenBGPD's maxcomm and maxattr: many communities, many unknown attributes.
  std::string communities = "community [";
  for (int i = 1; i <= 600; ++i) communities += fmt::format(" 65001:{}", i);
  expect_kept(ebgp, "600 communities", "10.3.12.0/24", communities + " ]");
  CHECK(route_of(bgpd.routes(), "10.3.12.0/24").communities.size() == 600);
  CHECK(route_of(monitor.routes(), "10.3.12.0/24").communities.size() == 600);
  std::string many;
  for (int code = 0x80; code < 0x80 + 100; ++code)
    many += fmt::format(" attribute [0x{:02x} 0xc0 0x{:02x}]", code, code);
  seen = expect_kept(ebgp, "100 unknown attributes", "10.3.13.0/24", many);
  CHECK(std::count_if(seen.begin(), seen.end(), [](const auto& a) { return a.first.ends_with("-0xE0"); }) == 100);
  CHECK(seen["attribute-0xE3-0xE0"] == "0xe3");  // values in lower case
  // RFC 7606 §3 g: a repeated attribute is discarded, the first kept. On a 2-octet session
  // ExaBGP writes AS4_PATH itself; the raw one is a second. The path bgpd keeps is the
  // first's (AS_TRANS replaced by 4200000001), not the repeat's.
  expect_kept(two_octet, "AS4_PATH twice", "10.3.14.0/24",
              "as-path [ 65002 4200000001 ] attribute [0x11 0xc0 " + raw("02 02 0000fdf2 fa56ea63") + "]");
  CHECK(route_of(bgpd.routes(), "10.3.14.0/24").as_path == std::vector<std::uint32_t>{65002, 4200000001u});
  CHECK(route_of(monitor.routes(), "10.3.14.0/24").as_path == std::vector<std::uint32_t>{64512, 65002, 4200000001u});
  // RFC 6793 §6, RFC 7606 §7.7 on the 2-octet session: a malformed AS4_PATH and an
  // AGGREGATOR of the 4-octet size are discarded.
  expect_kept(two_octet, "AS4_PATH with a segment of 2 ASes holding 1", "10.3.15.0/24",
              "as-path [ 65002 ] attribute [0x11 0xc0 " + raw("02 02 0000fdf2") + "]");
  CHECK(route_of(bgpd.routes(), "10.3.15.0/24").as_path == std::vector<std::uint32_t>{65002});
  seen = expect_kept(two_octet, "AGGREGATOR of 8 octets on a 2-octet session", "10.3.16.0/24",
                     "attribute [0x07 0xc0 " + raw("0000fdea c0003304") + "]");
  CHECK(seen.count("aggregator") == 0);

  // RFC 2918 §4 (RFC 7313 §5): a ROUTE-REFRESH for a family the session never negotiated
  // is ignored; one for IPv4 makes bgpd send its route again.
  REQUIRE(wait_until([&] { return best_for(exa.routes(refresher), "10.99.0.0/24").has_value(); }, kStep));
  const auto updates = exa.updates_received(refresher);
  injector.send(refresher, "announce route-refresh ipv6 unicast");
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        return neighbor_number(bgpd, refresher, {"messagesIn", "routeRefresh"}) == 1;
                      },
                      kStep),
                  logs(bgpd, exa));
  injector.send(refresher, "announce route-refresh ipv4 unicast");
  CHECK(wait_until([&] { return exa.updates_received(refresher) > updates; }, kStep));
  CHECK(neighbor_number(bgpd, refresher, {"messagesIn", "routeRefresh"}) == 2);
  // One UPDATE, the IPv4 refresh's: an answer to the IPv6 one would have come first.
  CHECK_FALSE(wait_until([&] { return exa.updates_received(refresher) > updates + 1; }, 1s));
  CHECK(best_for(exa.routes(refresher), "10.99.0.0/24").has_value());
  CHECK(bgpd.established(refresher));

  // Nothing the malformed UPDATEs named is left in the kernel; the good ones are.
  for (int i = 1; i <= sequence; ++i) {
    CHECK(kernel_route(node, fmt::format("10.1.{}.0/24", i)).empty());
    CHECK_FALSE(kernel_route(node, fmt::format("10.2.{}.0/24", i)).empty());
  }
  CHECK(exa.notifications_received().empty());
  CHECK(monitor.notifications_received().empty());
}

TEST_CASE("session resets: each on a session of its own, with the NOTIFICATION's code, subcode and data") {
  TempDir dir("interop-exabgp-reset");
  TestNetns node("exa-node"), inj("exa-inj");
  Link link(node, "eth-inj", inj, "eth-node", 53);
  const std::string peer = link.a_v4();
  auto local = [](int n) { return fmt::format("192.0.53.{}", n); };
  for (int n = 3; n <= 14; ++n) inj.exec_checked({"ip", "addr", "add", local(n) + "/24", "dev", link.b_name()});

  // One session per case: the local address's last octet, what ExaBGP sends, and what
  // bgpd must answer.
  struct Reset {
    int n;
    const char* what;
    std::string command;
    unsigned code, subcode;
    std::string data;
    std::string first = {};  // an IPv6 route announced (and taken) before, for a withdrawal
  };
  const std::string v6_next_hop = link.b_v6();  // fd00:53::2
  const std::string mp_reach_v6 = raw("0002 01 10 fd000053000000000000000000000002 00 30 20010db80006");
  const std::vector<Reset> resets{
      // RFC 4271 §6.3: the attribute as data.
      {2, "an unknown well-known attribute",
       "announce route 10.5.2.0/24 next-hop 192.0.53.2 attribute [0x63 0x40 0xabcd]", 3, 2, "406302abcd"},
      // RFC 7606 §3 g.
      {3, "MP_REACH_NLRI twice",
       "announce route 2001:db8:3::/48 next-hop " + v6_next_hop + " attribute [0x0e 0x80 " + mp_reach_v6 + "]", 3, 1,
       ""},
      {4, "MP_UNREACH_NLRI twice",
       "withdraw route 2001:db8:4::/48 next-hop " + v6_next_hop + " attribute [0x0f 0x80 " +
           raw("0002 01 30 20010db80004") + "]",
       3, 1, "", "2001:db8:4::/48"},
      // RFC 7606 §5.3, RFC 4760 §7: too short to name a family.
      {5, "an empty MP_UNREACH_NLRI", "announce route 10.5.5.0/24 next-hop 192.0.53.5 attribute [0x0f 0x80 0x]", 3, 9,
       "800f00"},
      {6, "an MP_REACH_NLRI of 2 octets", "announce route 10.5.6.0/24 next-hop 192.0.53.6 attribute [0x0e 0x80 0x0002]",
       3, 9, "800e020002"},
      // RFC 7606 §5.3: MP attribute flags; RFC 4271 §6.3 Attribute Flags Error.
      {7, "an MP_REACH_NLRI marked transitive",
       "announce route 10.5.7.0/24 next-hop 192.0.53.7 attribute [0x0e 0xc0 " + mp_reach_v6 + "]", 3, 4,
       "c00e1c" + mp_reach_v6.substr(2)},
      // RFC 7606 §5.2: attributes but no reachable NLRI, and an error beyond discard.
      {8, "a malformed COMMUNITIES beside an IPv6 withdrawal",
       "withdraw route 2001:db8:8::/48 next-hop " + v6_next_hop + " attribute [0x08 0xc0 0x000001]", 3, 5,
       "c00803000001", "2001:db8:8::/48"},
      // RFC 4271 §6.1: an unknown message type, the type as data.
      {9, "an OPERATIONAL message (type 6)", "", 1, 3, "06"},
      // RFC 7606 §7.11: disabling the session's only family resets it.
      {10, "an IPv4 MP_REACH_NLRI with a 16-octet next hop on an IPv4-only session",
       "announce route 10.5.10.0/24 next-hop " + v6_next_hop, 3, 9,
       "800e19000101"
       "10"
       "fd000053000000000000000000000002"
       "00"
       "180a050a"},
  };
  // OPEN errors (RFC 4271 §6.2, RFC 7607, RFC 6793): the session never comes up.
  struct BadOpen {
    int n;
    const char* what;
    std::string router_id;
    std::uint32_t as;
    std::string extra;
    unsigned subcode;
  };
  const std::vector<BadOpen> opens{
      {12, "BGP Identifier 0.0.0.0", "0.0.0.0", 65012, "", 3},
      {13, "AS 0", "10.255.0.13", 0, "", 2},
      {14, "AS_TRANS without the 4-octet capability", "10.255.0.14", 23456, "capability { asn4 disable; }", 2}};

  std::string bgpd_neighbors, neighbors;
  for (const auto& r : resets) {
    const bool v4_only = r.n == 10;
    bgpd_neighbors += fmt::format(
        R"({{ "address": "{}", "asNumber": 65001, "passive": true, "defaultPolicy": "accept"{} }},)", local(r.n),
        v4_only
            ? ""
            : fmt::format(R"(, "families": ["ipv4-unicast", "ipv6-unicast"], "nextHopSelfIpv6": "{}")", link.a_v6()));
    neighbors += exabgp_neighbor(peer, local(r.n), "10.255.0." + std::to_string(r.n), 65001, 64512,
                                 v4_only ? kV4 : kV4V6, r.n == 9 ? "capability { operational; }" : "");
  }
  for (const auto& o : opens) {
    bgpd_neighbors +=
        fmt::format(R"({{ "address": "{}", "asNumber": {}, "passive": true, "defaultPolicy": "accept" }},)", local(o.n),
                    65000 + o.n);
    neighbors += exabgp_neighbor(peer, local(o.n), o.router_id, o.as, 64512, kV4, o.extra);
  }
  bgpd_neighbors.pop_back();
  SluiceBgpd bgpd(node, dir.path(),
                  R"({ "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
                       "neighbors": [ )" +
                      bgpd_neighbors + " ] }");
  Injector injector(inj, dir.path(), peer, neighbors);
  auto& exa = injector.exabgp();
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        return std::all_of(resets.begin(), resets.end(),
                                           [&](const Reset& r) { return bgpd.established(local(r.n)); });
                      },
                      kSessionTimeout),
                  logs(bgpd, exa));

  for (const auto& r : resets) {
    const std::string what = r.what;
    CAPTURE(what);
    const std::string address = local(r.n);
    if (!r.first.empty()) {
      // The route to withdraw, first: taken, so the reset is the withdrawal's doing.
      injector.send(address, "announce route " + r.first + " next-hop " + v6_next_hop);
      REQUIRE(wait_until([&] { return has_route(bgpd, r.first, "ipv6"); }, kStep));
    }
    if (r.command.empty()) {
      exa.command("announce operational rpcq afi ipv4 safi unicast sequence 1");  // see the header
    } else {
      injector.send(address, r.command);
    }
    CHECK_MESSAGE(wait_until([&] { return !exa.notifications_received(address).empty(); }, kStep), logs(bgpd, exa));
    auto received = exa.notifications_received(address);
    if (received.empty()) continue;
    CHECK(received.front().code == r.code);
    CHECK(received.front().subcode == r.subcode);
    CHECK(received.front().data == r.data);
    CHECK(last_error_kind(bgpd, address) == "error sent");
    CHECK(neighbor_number(bgpd, address, {"lastError", "code"}) == std::int64_t{r.code});
    CHECK(neighbor_number(bgpd, address, {"lastError", "subcode"}) == std::int64_t{r.subcode});
    CHECK(neighbor_number(bgpd, address, {"updatesTreatedAsWithdraw"}) == 0);
    CHECK_FALSE(bgpd.established(address));
  }
  for (const auto& o : opens) {
    const std::string what = o.what;
    CAPTURE(what);
    const std::string address = local(o.n);
    CHECK_MESSAGE(wait_until([&] { return !exa.notifications_received(address).empty(); }, kStep), logs(bgpd, exa));
    auto received = exa.notifications_received(address);
    if (received.empty()) continue;
    CHECK(received.front().code == 2);
    CHECK(received.front().subcode == o.subcode);
    CHECK(received.front().data.empty());
    // The session never came up, and bgpctl's lastError says why.
    CHECK_FALSE(bgpd.established(address));
    CHECK(last_error_kind(bgpd, address) == "error sent");
    CHECK(neighbor_number(bgpd, address, {"lastError", "code"}) == 2);
    CHECK(neighbor_number(bgpd, address, {"lastError", "subcode"}) == std::int64_t{o.subcode});
    CHECK(neighbor_number(bgpd, address, {"flaps"}) == 0);
  }
  // No route any of them carried was taken.
  for (const char* prefix : {"10.5.2.0/24", "10.5.5.0/24", "10.5.6.0/24", "10.5.7.0/24", "10.5.10.0/24"})
    CHECK_FALSE(has_route(bgpd, prefix));
  for (const char* prefix : {"2001:db8:3::/48", "2001:db8:6::/48"}) CHECK_FALSE(has_route(bgpd, prefix, "ipv6"));

  // The first session reset comes back after bgpd's wait and takes a good route; a
  // NOTIFICATION it receives (Cease with an RFC 8203 shutdown message) ends it as such.
  const std::string first = local(2);
  REQUIRE_MESSAGE(wait_until([&] { return bgpd.established(first); }, kSessionTimeout), logs(bgpd, exa));
  injector.send(first, "announce route 10.5.20.0/24 next-hop " + first);
  CHECK(wait_until([&] { return kernel_route(node, "10.5.20.0/24") == "10.5.20.0/24 via " + first; }, kStep));
  injector.send(first, "teardown 2");
  CHECK_MESSAGE(wait_until([&] { return last_error_kind(bgpd, first) == "notification received"; }, kStep),
                logs(bgpd, exa));
  CHECK(neighbor_number(bgpd, first, {"lastError", "code"}) == 6);
  CHECK(neighbor_number(bgpd, first, {"lastError", "subcode"}) == 2);
  CHECK(wait_until([&] { return !has_route(bgpd, "10.5.20.0/24"); }, kStep));
}

TEST_CASE("AFI/SAFI disable: that family's routes from the peer go and more are ignored; the rest carries on") {
  TempDir dir("interop-exabgp-afi");
  TestNetns node("exa-node"), inj("exa-inj");
  Link link(node, "eth-inj", inj, "eth-node", 54);
  const std::string peer = link.a_v4();
  const std::string v6_next_hop = link.b_v6();  // fd00:54::2
  auto local = [](int n) { return fmt::format("192.0.54.{}", n); };
  for (int n = 3; n <= 6; ++n) inj.exec_checked({"ip", "addr", "add", local(n) + "/24", "dev", link.b_name()});

  struct Disable {
    int n;
    const char* what;
    std::string command;
    bool ipv4_disabled;  // else IPv6
  };
  const std::vector<Disable> cases{
      // RFC 7606 §7.11: a next hop length the family does not have.
      {2, "an IPv4 route with an IPv6 next hop (IPv4 MP_REACH_NLRI, next hop of 16 octets)",
       "announce route 10.6.2.0/24 next-hop " + v6_next_hop, true},
      {6, "an IPv6 MP_REACH_NLRI with a next hop of 5 octets",
       "announce route 10.6.6.0/24 next-hop 192.0.54.6 attribute [0x0e 0x80 " +
           raw("0002 01 05 fd00540000 00 30 20010db80606") + "]",
       false},
      // RFC 7606 §5.3: NLRI that cannot be parsed.
      {3, "an IPv6 MP_REACH_NLRI prefix of 129 bits",
       "announce route 10.6.3.0/24 next-hop 192.0.54.3 attribute [0x0e 0x80 " +
           raw("0002 01 10 fd000054000000000000000000000002 00 81 20010db8000000000000000000000000 00") + "]",
       false},
      {4, "an IPv6 MP_UNREACH_NLRI prefix running past the attribute",
       "announce route 10.6.4.0/24 next-hop 192.0.54.4 attribute [0x0f 0x80 " + raw("0002 01 40 fd") + "]", false},
      {5, "an IPv4 MP_REACH_NLRI prefix of 33 bits",
       "announce route 10.6.5.0/24 next-hop 192.0.54.5 attribute [0x0e 0x80 " +
           raw("0001 01 04 c0003605 00 21 0a06050000") + "]",
       true},
  };
  std::string bgpd_neighbors, neighbors;
  for (const auto& c : cases) {
    bgpd_neighbors += fmt::format(
        R"({{ "address": "{}", "asNumber": 65001, "passive": true, "defaultPolicy": "accept",
              "families": ["ipv4-unicast", "ipv6-unicast"], "nextHopSelfIpv6": "{}" }},)",
        local(c.n), link.a_v6());
    neighbors += exabgp_neighbor(peer, local(c.n), "10.255.0." + std::to_string(c.n), 65001, 64512, kV4V6);
  }
  bgpd_neighbors.pop_back();
  SluiceBgpd bgpd(node, dir.path(),
                  R"({ "speaker": { "asNumber": 64512, "routerId": "10.255.0.1", "holdTime": 9, "connectRetryTime": 1 },
                       "neighbors": [ )" +
                      bgpd_neighbors + " ] }");
  Injector injector(inj, dir.path(), peer, neighbors);
  auto& exa = injector.exabgp();
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        return std::all_of(cases.begin(), cases.end(),
                                           [&](const Disable& c) { return bgpd.established(local(c.n)); });
                      },
                      kSessionTimeout),
                  logs(bgpd, exa));

  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    const std::string address = local(c.n);
    const std::string v4 = fmt::format("10.7.{}.0/24", c.n), v6 = fmt::format("2001:db8:7:{}::/64", c.n);
    const std::string& gone = c.ipv4_disabled ? v4 : v6;
    const std::string& kept = c.ipv4_disabled ? v6 : v4;
    auto in_rib = [&](const std::string& prefix) {
      return has_route(bgpd, prefix, prefix.find(':') != std::string::npos ? "ipv6" : "ipv4");
    };
    injector.send(address, "announce route " + v4 + " next-hop " + address);
    injector.send(address, "announce route " + v6 + " next-hop " + v6_next_hop);
    REQUIRE_MESSAGE(
        wait_until([&] { return !kernel_route(node, v4).empty() && !kernel_route(node, v6).empty(); }, kStep),
        logs(bgpd, exa));

    injector.send(address, c.command);
    CHECK_MESSAGE(wait_until([&] { return !in_rib(gone) && kernel_route(node, gone).empty(); }, kStep),
                  logs(bgpd, exa));
    CHECK(in_rib(kept));
    CHECK_FALSE(kernel_route(node, kept).empty());
    // The malformed UPDATE's IPv4 NLRI are taken when only IPv6 was disabled.
    const std::string carried = fmt::format("10.6.{}.0/24", c.n);
    CHECK(in_rib(carried) == !c.ipv4_disabled);

    // More routes of the disabled family are ignored (checked once bgpd has read the
    // UPDATE), the other family's still taken.
    const auto updates = neighbor_number(bgpd, address, {"messagesIn", "update"});
    const std::string again =
        c.ipv4_disabled ? fmt::format("10.8.{}.0/24", c.n) : fmt::format("2001:db8:8:{}::/64", c.n);
    injector.send(address, "announce route " + again + " next-hop " + (c.ipv4_disabled ? address : v6_next_hop));
    REQUIRE(wait_until([&] { return neighbor_number(bgpd, address, {"messagesIn", "update"}) > updates; }, kStep));
    CHECK_FALSE(in_rib(again));
    const std::string other =
        c.ipv4_disabled ? fmt::format("2001:db8:9:{}::/64", c.n) : fmt::format("10.9.{}.0/24", c.n);
    injector.send(address, "announce route " + other + " next-hop " + (c.ipv4_disabled ? v6_next_hop : address));
    CHECK(wait_until([&] { return in_rib(other); }, kStep));
    CHECK(bgpd.established(address));
    CHECK(exa.notifications_received(address).empty());
    CHECK(neighbor_number(bgpd, address, {"updatesTreatedAsWithdraw"}) == 0);
  }
}
