#include "codec_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>

namespace sluice::bgp::testing {

Context four_octet() {
  Context c;
  c.four_octet_as = true;
  return c;
}

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int pending = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') continue;
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    REQUIRE_MESSAGE(v >= 0, "bad hex character '" << c << "'");
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending * 16 + v));
      pending = -1;
    }
  }
  REQUIRE_MESSAGE(pending < 0, "odd number of hex digits");
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<std::uint8_t> framed(std::uint8_t type, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out(16, 0xff);
  std::size_t length = 19 + body.size();
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<std::uint8_t> update_body(const std::vector<std::uint8_t>& withdrawn,
                                      const std::vector<std::uint8_t>& attributes,
                                      const std::vector<std::uint8_t>& nlri) {
  std::vector<std::uint8_t> out;
  out.push_back(static_cast<std::uint8_t>(withdrawn.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(withdrawn.size()));
  out.insert(out.end(), withdrawn.begin(), withdrawn.end());
  out.push_back(static_cast<std::uint8_t>(attributes.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(attributes.size()));
  out.insert(out.end(), attributes.begin(), attributes.end());
  out.insert(out.end(), nlri.begin(), nlri.end());
  return out;
}

ip::Prefix prefix(std::string_view text) {
  auto p = ip::Prefix::parse(text);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  return *p;
}

ip::Address address(std::string_view text) {
  auto a = ip::Address::parse(text);
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  return *a;
}

// ---- Generator

Context Generator::context() {
  Context c;
  c.extended_message = chance(30);
  c.four_octet_as = chance(60);
  c.external_peer = chance(40);
  if (chance(40)) c.add_path.push_back(kIpv4Unicast);
  if (chance(40)) c.add_path.push_back(kIpv6Unicast);
  return c;
}

std::uint32_t Generator::asn() {
  // Mostly 2-octet values, some needing 4 octets, never 0 or AS_TRANS.
  std::uint32_t as = chance(70) ? uniform(1, 65535) : uniform(65536, 0xffffffff);
  return as == kAsTrans ? as + 1 : as;
}

ip::Address Generator::v4_host() {
  // 1.0.0.0 .. 223.255.255.255: never a martian NEXT_HOP.
  return ip::Address::v4(uniform(0x01000000, 0xdfffffff));
}

ip::Prefix Generator::v4_prefix() {
  int length = static_cast<int>(uniform(0, 32));
  return *ip::Prefix::make(ip::Address::v4(uniform(0, 0xffffffff)).masked(length), length);
}

ip::Prefix Generator::v6_prefix() {
  std::array<std::uint8_t, 16> b{};
  for (auto& x : b) x = static_cast<std::uint8_t>(uniform(0, 255));
  int length = static_cast<int>(uniform(0, 128));
  return *ip::Prefix::make(ip::Address::v6(b).masked(length), length);
}

std::vector<Nlri> Generator::nlri_list(AfiSafi family, const Context& context, std::size_t max) {
  std::vector<Nlri> out(uniform(0, static_cast<std::uint32_t>(max)));
  for (auto& n : out) {
    n.prefix = family == kIpv4Unicast ? v4_prefix() : v6_prefix();
    if (context.has_add_path(family)) n.path_id = uniform(0, 0xffffffff);
  }
  return out;
}

AsPath Generator::as_path(const Context& context) {
  AsPath path;
  // Confederation segments lead the path, and only inside a confederation.
  if (!context.external_peer && chance(20)) {
    auto type = chance(50) ? AsPathSegmentType::as_confed_sequence : AsPathSegmentType::as_confed_set;
    AsPathSegment s{type, std::vector<std::uint32_t>(uniform(1, 4))};
    // Member ASes beyond 2 octets cannot reach a 2-octet peer: AS4_PATH omits confederations.
    for (auto& as : s.asns) as = context.four_octet_as ? asn() : uniform(64512, 65534);
    path.segments.push_back(std::move(s));
  }
  for (std::uint32_t i = 0, n = uniform(0, 4); i < n; ++i) {
    auto type = chance(80) ? AsPathSegmentType::as_sequence : AsPathSegmentType::as_set;
    // One segment at most is long, so the message stays within 4096 octets.
    AsPathSegment s{type, std::vector<std::uint32_t>(uniform(1, i == 0 && chance(5) ? 255 : 8))};
    for (auto& as : s.asns) as = asn();
    path.segments.push_back(std::move(s));
  }
  return path;
}

std::vector<std::uint8_t> Generator::random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(uniform(0, 255));
  return out;
}

Update Generator::update(const Context& context) {
  Update u;
  if (chance(30)) u.withdrawn_routes = nlri_list(kIpv4Unicast, context, 10);
  if (chance(50)) u.nlri = nlri_list(kIpv4Unicast, context, 10);
  if (chance(40)) {
    AfiSafi family = chance(50) ? kIpv4Unicast : kIpv6Unicast;
    MpReachNlri mp{family, {}, nlri_list(family, context, 10)};
    if (family == kIpv4Unicast) {
      mp.next_hops.push_back(v4_host());
    } else {
      mp.next_hops.push_back(v6_prefix().network());
      if (chance(50)) mp.next_hops.push_back(v6_prefix().network());
    }
    u.mp_reach = std::move(mp);
  }
  if (chance(30)) {
    AfiSafi family = chance(50) ? kIpv4Unicast : kIpv6Unicast;
    u.mp_unreach = MpUnreachNlri{family, nlri_list(family, context, 10)};
  }
  const bool reaches = !u.nlri.empty() || (u.mp_reach && !u.mp_reach->nlri.empty());
  auto& a = u.attributes;
  if (reaches || chance(50)) {
    a.origin = static_cast<Origin>(uniform(0, 2));
    a.as_path = as_path(context);
  }
  if (!u.nlri.empty() || chance(20)) a.next_hop = v4_host();
  if (chance(30)) a.multi_exit_disc = uniform(0, 0xffffffff);
  if (!context.external_peer && chance(40)) a.local_pref = uniform(0, 0xffffffff);
  a.atomic_aggregate = chance(10);
  if (chance(15)) a.aggregator = Aggregator{asn(), v4_host()};
  if (chance(30)) {
    a.communities.resize(uniform(1, 20));
    for (auto& c : a.communities) c = uniform(0, 0xffffffff);
  }
  // Reflection attributes stay inside an AS: an external peer's are discarded (RFC 7606 §7.9, §7.10).
  if (!context.external_peer && chance(15)) a.originator_id = v4_host();
  if (!context.external_peer && chance(15)) {
    a.cluster_list.resize(uniform(1, 5));
    for (auto& id : a.cluster_list) id = ip::Address::v4(uniform(0, 0xffffffff));
  }
  if (chance(20)) {
    a.large_communities.resize(uniform(1, 10));
    for (auto& c : a.large_communities) c = {uniform(0, 0xffffffff), uniform(0, 0xffffffff), uniform(0, 0xffffffff)};
  }
  if (chance(15)) {
    // Type codes no descriptor claims; values long enough at times for the extended length.
    static constexpr std::array<std::uint8_t, 6> kUnknown{11, 12, 13, 16, 33, 200};
    for (auto code : kUnknown) {
      if (chance(30)) a.unknown.push_back({code, random_bytes(uniform(0, chance(20) ? 300 : 10))});
    }
  }
  return u;
}

Open Generator::open() {
  Capabilities caps;
  if (chance(80)) caps.multiprotocol.push_back(kIpv4Unicast);
  if (chance(50)) caps.multiprotocol.push_back(kIpv6Unicast);
  caps.route_refresh = chance(70);
  caps.enhanced_route_refresh = chance(40);
  caps.extended_message = chance(30);
  if (chance(50)) {
    GracefulRestart gr;
    gr.restart_state = chance(50);
    gr.notification = chance(50);
    gr.restart_time = static_cast<std::uint16_t>(uniform(0, 4095));
    for (auto family : {kIpv4Unicast, kIpv6Unicast}) {
      if (chance(60)) gr.families.push_back({family, chance(50)});
    }
    caps.graceful_restart = gr;
  }
  for (auto family : {kIpv4Unicast, kIpv6Unicast}) {
    if (chance(40)) caps.add_path.push_back({family, static_cast<AddPathMode>(uniform(1, 3))});
  }
  if (chance(20)) {
    // Enough unknown capabilities, at times, to need RFC 9072 extended parameters.
    for (std::uint32_t i = 0, n = uniform(1, chance(30) ? 12 : 2); i < n; ++i) {
      caps.unknown.push_back({static_cast<std::uint8_t>(uniform(128, 250)), random_bytes(uniform(0, 40))});
    }
  }
  std::uint16_t hold = chance(10) ? 0 : static_cast<std::uint16_t>(uniform(3, 65535));
  ip::Address id = ip::Address::v4(uniform(1, 0xffffffff));
  if (chance(80)) return Open::make(asn(), hold, id, std::move(caps));
  Open old;  // a speaker without the 4-octet AS capability
  old.my_as = static_cast<std::uint16_t>(uniform(1, 65535));
  if (old.my_as == kAsTrans) old.my_as = 1;
  old.hold_time = hold;
  old.bgp_identifier = id;
  old.capabilities = std::move(caps);
  return old;
}

Notification Generator::notification() {
  Notification n{static_cast<std::uint8_t>(uniform(1, 7)), static_cast<std::uint8_t>(uniform(0, 11)), {}};
  n.data = random_bytes(uniform(0, chance(10) ? 300 : 20));
  return n;
}

RouteRefresh Generator::route_refresh() {
  return {chance(50) ? kIpv4Unicast : kIpv6Unicast, static_cast<RouteRefreshSubtype>(uniform(0, 2))};
}

Message Generator::message(const Context& context) {
  switch (uniform(0, 9)) {
    case 0: return open();
    case 1: return notification();
    case 2: return Keepalive{};
    case 3: return route_refresh();
    default: return update(context);
  }
}

}  // namespace sluice::bgp::testing
