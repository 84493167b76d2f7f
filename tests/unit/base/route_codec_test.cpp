#include <doctest/doctest.h>

#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <limits>

#include "base/netlink/route_codec.hpp"
#include "base/netlink/socket.hpp"

using namespace sluice::netlink;
using sluice::ip::Address;
using sluice::ip::Prefix;

namespace {
Route make_route(std::string_view dst) {
  Route r;
  r.destination = *Prefix::parse(dst);
  r.table = 100;
  r.protocol = 186;
  r.metric = 20;
  return r;
}

// Encodes a NEWROUTE request and decodes it as the kernel would report it back.
Route roundtrip(const Route& route, RouteChangeKind kind = RouteChangeKind::replace) {
  std::vector<std::uint8_t> bytes;
  REQUIRE(encode_route_change({kind, route}, 7, true, bytes).ok());
  auto decoded = decode_route(bytes);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
  REQUIRE(decoded->has_value());
  return **decoded;
}
}  // namespace

TEST_CASE("route messages carry the header the kernel expects") {
  std::vector<std::uint8_t> bytes;
  Route r = make_route("10.1.0.0/24");
  r.nexthops.push_back({Address::parse("192.0.2.1").value(), 3, false, 1});
  REQUIRE(encode_route_change({RouteChangeKind::add, r}, 42, false, bytes).ok());
  nlmsghdr h{};
  std::memcpy(&h, bytes.data(), sizeof(h));
  CHECK(h.nlmsg_type == RTM_NEWROUTE);
  CHECK(h.nlmsg_seq == 42);
  CHECK(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
  CHECK(h.nlmsg_len == bytes.size());
  rtmsg rtm{};
  std::memcpy(&rtm, bytes.data() + NLMSG_HDRLEN, sizeof(rtm));
  CHECK(rtm.rtm_family == AF_INET);
  CHECK(rtm.rtm_dst_len == 24);
  CHECK(rtm.rtm_protocol == 186);
  CHECK(rtm.rtm_table == 100);
  CHECK(rtm.rtm_scope == RT_SCOPE_UNIVERSE);

  bytes.clear();
  REQUIRE(encode_route_change({RouteChangeKind::replace, r}, 43, true, bytes).ok());
  std::memcpy(&h, bytes.data(), sizeof(h));
  CHECK(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));

  bytes.clear();
  REQUIRE(encode_route_change({RouteChangeKind::remove, r}, 44, false, bytes).ok());
  std::memcpy(&h, bytes.data(), sizeof(h));
  std::memcpy(&rtm, bytes.data() + NLMSG_HDRLEN, sizeof(rtm));
  CHECK(h.nlmsg_type == RTM_DELROUTE);
  CHECK(rtm.rtm_scope == RT_SCOPE_NOWHERE);
}

TEST_CASE("routes round-trip through the codec") {
  Route single = make_route("10.1.0.0/24");
  single.nexthops.push_back({Address::parse("192.0.2.1").value(), 3, false, 1});
  single.preferred_source = *Address::parse("192.0.2.10");
  CHECK(roundtrip(single) == single.normalized());

  Route device = make_route("10.2.0.5/32");
  device.nexthops.push_back({std::nullopt, 9, false, 1});
  Route back = roundtrip(device);
  CHECK(back.effective_scope() == kScopeLink);
  CHECK(back == device.normalized());

  Route onlink = make_route("10.3.0.0/26");
  onlink.nexthops.push_back({Address::parse("172.16.0.2").value(), 4, true, 1});
  CHECK(roundtrip(onlink) == onlink.normalized());

  Route ecmp = make_route("10.4.0.0/16");
  ecmp.nexthops.push_back({Address::parse("192.0.2.2").value(), 3, false, 1});
  ecmp.nexthops.push_back({Address::parse("192.0.2.3").value(), 4, false, 3});
  ecmp.nexthops.push_back({Address::parse("192.0.2.4").value(), 5, false, 256});  // the kernel's largest weight
  CHECK(roundtrip(ecmp) == ecmp.normalized());

  Route blackhole = make_route("10.5.0.0/26");
  blackhole.type = RouteType::blackhole;
  CHECK(roundtrip(blackhole) == blackhole.normalized());

  Route v6 = make_route("fd00:1::/64");
  v6.metric = 0;
  v6.nexthops.push_back({Address::parse("fe80::1").value(), 2, false, 1});
  Route v6_back = roundtrip(v6);
  CHECK(v6_back.destination == v6.destination);
  CHECK(v6_back.nexthops == v6.nexthops);
  CHECK(v6.normalized().metric == 1024);  // what the kernel will store

  Route def = make_route("0.0.0.0/0");
  def.table = 1000;  // beyond the 8-bit rtm_table: carried in RTA_TABLE
  def.nexthops.push_back({Address::parse("192.0.2.1").value(), 0, false, 1});
  CHECK(roundtrip(def) == def.normalized());
}

TEST_CASE("route keys and text") {
  Route r = make_route("10.1.0.0/24");
  r.nexthops.push_back({Address::parse("192.0.2.1").value(), 3, false, 1});
  CHECK(r.to_string() == "10.1.0.0/24 via 192.0.2.1 dev #3 table 100 proto 186 metric 20");
  Route v6 = make_route("fd00::/64");
  v6.metric = 0;
  CHECK(key_of(v6).metric == 1024);
}

TEST_CASE("malformed route messages are refused, not trusted") {
  Route r = make_route("10.1.0.0/24");
  r.nexthops.push_back({Address::parse("192.0.2.1").value(), 3, false, 1});
  std::vector<std::uint8_t> bytes;
  REQUIRE(encode_route_change({RouteChangeKind::replace, r}, 1, false, bytes).ok());

  CHECK(decode_route(std::span(bytes).first(10)).error().message == "route message shorter than its headers");

  auto longer = bytes;
  std::uint32_t huge = 4096;
  std::memcpy(longer.data(), &huge, 4);
  CHECK(decode_route(longer).error().message == "route message length 4096 does not fit the " +
                                                    std::to_string(bytes.size()) + " bytes received");

  // An RTA_DST with 3 bytes instead of 4.
  auto bad_dst = bytes;
  std::size_t attr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg));
  std::uint16_t three = 4 + 3;
  std::memcpy(bad_dst.data() + attr, &three, 2);
  auto result = decode_route(bad_dst);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message == "RTA_DST attribute has 3 bytes, expected 4");

  // Host bits set under the prefix length.
  auto host_bits = bytes;
  host_bits[NLMSG_HDRLEN + 1] = 8;  // rtm_dst_len = 8 for 10.1.0.0
  CHECK(decode_route(host_bits).error().message == "route destination: 10.1.0.0/8 has host bits set (the network is 10.0.0.0/8)");
}

TEST_CASE("kernel acknowledgements decode with their extended-ack text") {
  // NLMSG_ERROR, capped, with an NLMSGERR_ATTR_MSG TLV.
  std::vector<std::uint8_t> msg(NLMSG_HDRLEN + sizeof(nlmsgerr));
  nlmsgerr err{};
  err.error = -EEXIST;
  err.msg.nlmsg_seq = 9;
  std::memcpy(msg.data() + NLMSG_HDRLEN, &err, sizeof(err));
  const char text[] = "File exists";
  nlattr a{static_cast<std::uint16_t>(NLA_HDRLEN + sizeof(text)), NLMSGERR_ATTR_MSG};
  std::size_t at = msg.size();
  msg.resize(at + NLA_ALIGN(a.nla_len));
  std::memcpy(msg.data() + at, &a, sizeof(a));
  std::memcpy(msg.data() + at + NLA_HDRLEN, text, sizeof(text));
  nlmsghdr h{static_cast<std::uint32_t>(msg.size()), NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 9, 0};
  std::memcpy(msg.data(), &h, sizeof(h));

  std::vector<KernelAck> acks;
  REQUIRE(for_each_message(msg, [&](const nlmsghdr& hdr, std::span<const std::uint8_t> m) -> sluice::Status {
            auto ack = decode_ack(hdr, m);
            REQUIRE(ack.ok());
            acks.push_back(*ack);
            return {};
          }).ok());
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].seq == 9);
  CHECK(acks[0].error == EEXIST);
  CHECK(acks[0].message == "File exists");

  auto hostile = msg;
  nlmsgerr int_min{};
  int_min.error = std::numeric_limits<int>::min();
  std::memcpy(hostile.data() + NLMSG_HDRLEN, &int_min, sizeof(int_min));
  nlmsghdr hostile_header{};
  std::memcpy(&hostile_header, hostile.data(), sizeof(hostile_header));
  CHECK(decode_ack(hostile_header, hostile).error().message == "netlink error code -2147483648 is out of range");

  auto truncated = msg;
  std::uint32_t too_long = 9999;
  std::memcpy(truncated.data(), &too_long, 4);
  auto s = for_each_message(truncated, [](const nlmsghdr&, std::span<const std::uint8_t>) -> sluice::Status { return {}; });
  CHECK(s.error().message == "netlink message of length 9999 does not fit the " + std::to_string(msg.size()) + " bytes left");
}

TEST_CASE("an IPv4 route via an IPv6 next hop is carried in RTA_VIA (RFC 8950)") {
  Route r = make_route("10.6.0.0/24");
  r.nexthops.push_back({Address::parse("fd00:2::2").value(), 3, false, 1});
  std::vector<std::uint8_t> bytes;
  REQUIRE(encode_route_change({RouteChangeKind::add, r}, 5, false, bytes).ok());
  // The attribute is RTA_VIA, not a 16-byte RTA_GATEWAY the kernel would refuse for IPv4.
  bool via = false, gateway = false;
  for (std::size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)); at + NLA_HDRLEN <= bytes.size();) {
    nlattr a{};
    std::memcpy(&a, bytes.data() + at, sizeof(a));
    via |= a.nla_type == RTA_VIA;
    gateway |= a.nla_type == RTA_GATEWAY;
    at += NLA_ALIGN(a.nla_len);
  }
  CHECK(via);
  CHECK_FALSE(gateway);
  CHECK(roundtrip(r) == r.normalized());

  Route mixed = make_route("10.7.0.0/24");
  mixed.nexthops.push_back({Address::parse("192.0.2.2").value(), 3, false, 1});
  mixed.nexthops.push_back({Address::parse("fd00:2::3").value(), 3, false, 2});
  CHECK(roundtrip(mixed) == mixed.normalized());

  // An RTA_VIA whose length does not match its family is refused.
  std::size_t last = bytes.size();
  for (std::size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)); at + NLA_HDRLEN <= bytes.size();) {
    nlattr a{};
    std::memcpy(&a, bytes.data() + at, sizeof(a));
    if (a.nla_type == RTA_VIA) last = at;
    at += NLA_ALIGN(a.nla_len);
  }
  REQUIRE(last < bytes.size());
  std::uint16_t v4_family = AF_INET;  // says IPv4, carries 16 bytes
  std::memcpy(bytes.data() + last + NLA_HDRLEN, &v4_family, sizeof(v4_family));
  CHECK(decode_route(bytes).error().message ==
        "RTA_VIA attribute of 18 bytes for family 2 is not an IPv4 or IPv6 address");
}
