#include "base/netlink/route_codec.hpp"

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace sluice::netlink {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

unsigned char family_number(ip::Family f) { return f == ip::Family::v4 ? AF_INET : AF_INET6; }

Error encode_error(const Route& route, int code) {
  return Error{fmt::format("cannot encode route {}: libnl error {}", route.to_string(), code)};
}

int put_address(nl_msg* msg, int type, const ip::Address& a) {
  auto bytes = a.bytes();
  return nla_put(msg, type, static_cast<int>(bytes.size()), bytes.data());
}

// A gateway of the route's own family is RTA_GATEWAY; another family (an IPv4 route via
// an IPv6 next hop, RFC 8950) needs RTA_VIA, which names the family (kernel >= 5.2).
int put_gateway(nl_msg* msg, ip::Family route_family, const ip::Address& gateway) {
  if (gateway.family() == route_family) return put_address(msg, RTA_GATEWAY, gateway);
  auto bytes = gateway.bytes();
  std::uint8_t via[2 + 16] = {};
  auto family = static_cast<std::uint16_t>(family_number(gateway.family()));
  std::memcpy(via, &family, sizeof(family));
  std::memcpy(via + 2, bytes.data(), bytes.size());
  return nla_put(msg, RTA_VIA, static_cast<int>(2 + bytes.size()), via);
}

void append(nl_msg* msg, std::vector<std::uint8_t>& out) {
  nlmsghdr* hdr = nlmsg_hdr(msg);
  auto* begin = reinterpret_cast<const std::uint8_t*>(hdr);
  out.insert(out.end(), begin, begin + NLMSG_ALIGN(hdr->nlmsg_len));
}

}  // namespace

bool RouteFilter::matches(const Route& route) const {
  return (!family || route.destination.family() == *family) && (!table || route.table == *table) &&
         (!protocol || route.protocol == *protocol);
}

Status encode_route_change(const RouteChange& change, std::uint32_t seq, bool want_ack, std::vector<std::uint8_t>& out) {
  const Route& route = change.route;
  int type = change.kind == RouteChangeKind::remove ? RTM_DELROUTE : RTM_NEWROUTE;
  int flags = NLM_F_REQUEST | (want_ack ? NLM_F_ACK : 0);
  if (change.kind == RouteChangeKind::add) flags |= NLM_F_CREATE | NLM_F_EXCL;
  if (change.kind == RouteChangeKind::replace) flags |= NLM_F_CREATE | NLM_F_REPLACE;

  MsgPtr msg(nlmsg_alloc_size(512 + 64 * route.nexthops.size()));
  if (!msg) return Error{"cannot allocate a netlink message"};
  if (!nlmsg_put(msg.get(), 0, seq, type, 0, flags)) return encode_error(route, -1);

  rtmsg rtm{};
  rtm.rtm_family = family_number(route.destination.family());
  rtm.rtm_dst_len = static_cast<unsigned char>(route.destination.length());
  rtm.rtm_table = static_cast<unsigned char>(route.table < 256 ? route.table : RT_TABLE_UNSPEC);
  rtm.rtm_protocol = route.protocol;
  if (change.kind == RouteChangeKind::remove) {
    rtm.rtm_scope = RT_SCOPE_NOWHERE;  // the kernel's wildcard: delete whatever scope it has
    rtm.rtm_type = RTN_UNSPEC;
  } else {
    rtm.rtm_scope = route.effective_scope();
    rtm.rtm_type = static_cast<unsigned char>(route.type);
  }
  if (route.nexthops.size() == 1 && route.nexthops[0].onlink) rtm.rtm_flags |= RTNH_F_ONLINK;
  int rc = nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO);

  if (rc == 0 && route.destination.length() > 0) rc = put_address(msg.get(), RTA_DST, route.destination.network());
  if (rc == 0) rc = nla_put_u32(msg.get(), RTA_TABLE, route.table);
  // The kernel reads a missing metric as "any metric", so a delete names the metric the
  // kernel stored (IPv6 0 is stored as 1024). IPv4 metric 0 cannot be named exactly; the
  // protocol we send keeps such a delete to our own routes.
  std::uint32_t metric = change.kind == RouteChangeKind::remove ? route.normalized().metric : route.metric;
  if (rc == 0 && metric != 0) rc = nla_put_u32(msg.get(), RTA_PRIORITY, metric);
  if (rc == 0 && route.preferred_source && change.kind != RouteChangeKind::remove) {
    rc = put_address(msg.get(), RTA_PREFSRC, *route.preferred_source);
  }

  // A delete names only the key; the kernel removes the route whatever its nexthops.
  if (change.kind != RouteChangeKind::remove) {
    if (route.nexthops.size() == 1) {
      const NextHop& nh = route.nexthops[0];
      if (rc == 0 && nh.gateway) rc = put_gateway(msg.get(), route.destination.family(), *nh.gateway);
      if (rc == 0 && nh.ifindex != 0) rc = nla_put_u32(msg.get(), RTA_OIF, static_cast<std::uint32_t>(nh.ifindex));
    } else if (route.nexthops.size() > 1) {
      nlattr* multipath = nla_nest_start(msg.get(), RTA_MULTIPATH);
      if (!multipath) rc = -1;
      for (const NextHop& nh : route.nexthops) {
        if (rc != 0) break;
        auto* rtnh = static_cast<rtnexthop*>(nlmsg_reserve(msg.get(), sizeof(rtnexthop), NLMSG_ALIGNTO));
        if (!rtnh) {
          rc = -1;
          break;
        }
        auto* base = reinterpret_cast<std::uint8_t*>(nlmsg_hdr(msg.get()));
        std::size_t start = static_cast<std::size_t>(reinterpret_cast<std::uint8_t*>(rtnh) - base);
        rtnh->rtnh_flags = nh.onlink ? RTNH_F_ONLINK : 0;
        rtnh->rtnh_hops = static_cast<unsigned char>(std::clamp<int>(nh.weight, 1, 256) - 1);
        rtnh->rtnh_ifindex = nh.ifindex;
        if (nh.gateway) rc = put_gateway(msg.get(), route.destination.family(), *nh.gateway);
        // The buffer was sized up front and never moves, so rtnh is still valid here.
        rtnh->rtnh_len = static_cast<unsigned short>(nlmsg_hdr(msg.get())->nlmsg_len - start);
      }
      if (rc == 0) rc = nla_nest_end(msg.get(), multipath);
    }
  }
  if (rc != 0) return encode_error(route, rc);
  append(msg.get(), out);
  return {};
}

Status encode_route_dump_request(ip::Family family, const RouteFilter& filter, std::uint32_t seq,
                                 std::vector<std::uint8_t>& out) {
  MsgPtr msg(nlmsg_alloc_size(256));
  if (!msg || !nlmsg_put(msg.get(), 0, seq, RTM_GETROUTE, 0, NLM_F_REQUEST | NLM_F_DUMP)) {
    return Error{"cannot allocate a netlink dump request"};
  }
  rtmsg rtm{};
  rtm.rtm_family = family_number(family);
  rtm.rtm_protocol = filter.protocol.value_or(0);
  int rc = nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO);
  if (rc == 0 && filter.table) rc = nla_put_u32(msg.get(), RTA_TABLE, *filter.table);
  if (rc != 0) return Error{fmt::format("cannot encode a route dump request: libnl error {}", rc)};
  append(msg.get(), out);
  return {};
}

Result<std::optional<Route>> decode_route(std::span<const std::uint8_t> message) {
  if (message.size() < NLMSG_HDRLEN + sizeof(rtmsg)) return Error{"route message shorter than its headers"};
  nlmsghdr header{};
  std::memcpy(&header, message.data(), sizeof(header));
  if (header.nlmsg_len < NLMSG_HDRLEN + sizeof(rtmsg) || header.nlmsg_len > message.size()) {
    return Error{fmt::format("route message length {} does not fit the {} bytes received", header.nlmsg_len,
                             message.size())};
  }
  if (header.nlmsg_type != RTM_NEWROUTE) return Error{fmt::format("message type {} is not RTM_NEWROUTE", header.nlmsg_type)};

  // libnl parses in place; copy into aligned storage so hostile bytes cannot misalign it.
  std::vector<std::uint32_t> storage((header.nlmsg_len + 3) / 4);
  std::memcpy(storage.data(), message.data(), header.nlmsg_len);
  auto* nlh = reinterpret_cast<nlmsghdr*>(storage.data());
  const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(nlh));

  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::optional<Route>{};
  if (rtm->rtm_flags & RTM_F_CLONED) return std::optional<Route>{};
  switch (rtm->rtm_type) {
    case RTN_UNICAST: case RTN_LOCAL: case RTN_BLACKHOLE: case RTN_UNREACHABLE: case RTN_PROHIBIT: break;
    default: return std::optional<Route>{};  // broadcast, multicast, anycast, ...: not ours to manage
  }

  nla_policy policy[RTA_MAX + 1] = {};
  for (int u32 : {RTA_TABLE, RTA_PRIORITY, RTA_OIF}) policy[u32].type = NLA_U32;
  nlattr* tb[RTA_MAX + 1] = {};
  if (int rc = nlmsg_parse(nlh, sizeof(rtmsg), tb, RTA_MAX, policy); rc < 0) {
    return Error{fmt::format("malformed route attributes (libnl error {})", rc)};
  }
  ip::Family family = rtm->rtm_family == AF_INET ? ip::Family::v4 : ip::Family::v6;
  std::size_t address_size = family == ip::Family::v4 ? 4 : 16;
  auto read_address = [&](nlattr* attr, const char* what) -> Result<ip::Address> {
    if (nla_len(attr) != static_cast<int>(address_size)) {
      return Error{fmt::format("{} attribute has {} bytes, expected {}", what, nla_len(attr), address_size)};
    }
    return *ip::Address::from_bytes({static_cast<const std::uint8_t*>(nla_data(attr)), address_size});
  };
  // RTA_VIA: a two-byte family, then an address of that family.
  auto read_via = [&](nlattr* attr) -> Result<ip::Address> {
    int length = nla_len(attr);
    std::uint16_t via_family = 0;
    if (length >= 2) std::memcpy(&via_family, nla_data(attr), sizeof(via_family));
    int expected = via_family == AF_INET ? 2 + 4 : via_family == AF_INET6 ? 2 + 16 : -1;
    if (expected < 0 || length != expected) {
      return Error{fmt::format("RTA_VIA attribute of {} bytes for family {} is not an IPv4 or IPv6 address", length,
                               via_family)};
    }
    return *ip::Address::from_bytes(
        {static_cast<const std::uint8_t*>(nla_data(attr)) + 2, static_cast<std::size_t>(length - 2)});
  };
  auto read_gateway = [&](nlattr* const* attrs, NextHop& nh) -> Status {
    if (attrs[RTA_GATEWAY]) {
      auto a = read_address(attrs[RTA_GATEWAY], "RTA_GATEWAY");
      if (!a) return a.error();
      nh.gateway = *a;
    } else if (attrs[RTA_VIA]) {
      auto a = read_via(attrs[RTA_VIA]);
      if (!a) return a.error();
      nh.gateway = *a;
    }
    return {};
  };

  Route route;
  ip::Address dst = family == ip::Family::v4 ? ip::Address::v4(0) : ip::Address::v6({});
  if (tb[RTA_DST]) {
    auto a = read_address(tb[RTA_DST], "RTA_DST");
    if (!a) return a.error();
    dst = *a;
  }
  auto prefix = ip::Prefix::make(dst, rtm->rtm_dst_len);
  if (!prefix) return prefix.error().context("route destination");
  route.destination = *prefix;
  route.table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  route.protocol = rtm->rtm_protocol;
  route.metric = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
  route.type = static_cast<RouteType>(rtm->rtm_type);
  route.scope = rtm->rtm_scope;
  if (tb[RTA_PREFSRC]) {
    auto a = read_address(tb[RTA_PREFSRC], "RTA_PREFSRC");
    if (!a) return a.error();
    route.preferred_source = *a;
  }

  if (tb[RTA_MULTIPATH]) {
    auto* rtnh = static_cast<rtnexthop*>(nla_data(tb[RTA_MULTIPATH]));
    int remaining = nla_len(tb[RTA_MULTIPATH]);
    while (remaining >= static_cast<int>(sizeof(rtnexthop)) && RTNH_OK(rtnh, remaining)) {
      NextHop nh;
      nh.ifindex = rtnh->rtnh_ifindex;
      nh.onlink = (rtnh->rtnh_flags & RTNH_F_ONLINK) != 0;
      nh.weight = static_cast<std::uint16_t>(rtnh->rtnh_hops + 1);
      nlattr* inner[RTA_MAX + 1] = {};
      int inner_len = rtnh->rtnh_len - static_cast<int>(sizeof(rtnexthop));
      if (nla_parse(inner, RTA_MAX, reinterpret_cast<nlattr*>(RTNH_DATA(rtnh)), inner_len, nullptr) < 0) {
        return Error{"malformed attributes inside RTA_MULTIPATH"};
      }
      if (auto s = read_gateway(inner, nh); !s) return s.error();
      route.nexthops.push_back(nh);
      remaining -= NLMSG_ALIGN(rtnh->rtnh_len);
      rtnh = RTNH_NEXT(rtnh);
    }
    if (remaining != 0) return Error{"RTA_MULTIPATH has trailing bytes that are not a nexthop"};
  } else if (tb[RTA_GATEWAY] || tb[RTA_VIA] || tb[RTA_OIF]) {
    NextHop nh;
    if (auto s = read_gateway(tb, nh); !s) return s.error();
    if (tb[RTA_OIF]) nh.ifindex = static_cast<int>(nla_get_u32(tb[RTA_OIF]));
    nh.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
    route.nexthops.push_back(nh);
  }
  return std::optional<Route>{std::move(route)};
}

}  // namespace sluice::netlink
