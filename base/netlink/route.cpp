#include "base/netlink/route.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sluice::netlink {

std::uint8_t Route::effective_scope() const {
  if (scope) return *scope;
  bool has_gateway = std::any_of(nexthops.begin(), nexthops.end(), [](const NextHop& n) { return n.gateway.has_value(); });
  return (type == RouteType::unicast && !has_gateway && !nexthops.empty()) ? kScopeLink : kScopeUniverse;
}

Route Route::normalized() const {
  Route out = *this;
  if (out.destination.family() == ip::Family::v6 && out.metric == 0) out.metric = 1024;
  out.scope = effective_scope();
  std::sort(out.nexthops.begin(), out.nexthops.end());
  return out;
}

RouteKey key_of(const Route& route) {
  Route n = route.normalized();
  return RouteKey{n.table, n.destination, n.metric};
}

std::string_view to_string(RouteChangeKind kind) {
  switch (kind) {
    case RouteChangeKind::add: return "add";
    case RouteChangeKind::replace: return "replace";
    case RouteChangeKind::remove: return "delete";
  }
  return "?";
}

std::string_view to_string(RouteType type) {
  switch (type) {
    case RouteType::unicast: return "unicast";
    case RouteType::local: return "local";
    case RouteType::blackhole: return "blackhole";
    case RouteType::unreachable: return "unreachable";
    case RouteType::prohibit: return "prohibit";
  }
  return "?";
}

std::string Route::to_string() const {
  std::string out;
  if (type != RouteType::unicast) out += fmt::format("{} ", netlink::to_string(type));
  out += destination.to_string();
  auto describe = [](const NextHop& n) {
    std::string s;
    if (n.gateway) s += fmt::format(" via {}", n.gateway->to_string());
    if (n.ifindex != 0) s += fmt::format(" dev #{}", n.ifindex);
    if (n.onlink) s += " onlink";
    return s;
  };
  if (nexthops.size() == 1) {
    out += describe(nexthops[0]);
  } else {
    for (const NextHop& n : nexthops) out += fmt::format(" nexthop{} weight {}", describe(n), n.weight);
  }
  out += fmt::format(" table {} proto {}", table, protocol);
  if (metric != 0) out += fmt::format(" metric {}", metric);
  if (preferred_source) out += fmt::format(" src {}", preferred_source->to_string());
  return out;
}

}  // namespace sluice::netlink
