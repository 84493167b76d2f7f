// A kernel route as a value: what bgpd and felix hold as desired state and what a
// dump of the kernel's tables returns, so the two can be compared directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"

namespace sluice::netlink {

// Values are the kernel's RTN_* numbers.
enum class RouteType : std::uint8_t {
  unicast = 1,
  local = 2,
  blackhole = 6,
  unreachable = 7,
  prohibit = 8,
};

struct NextHop {
  std::optional<ip::Address> gateway;
  int ifindex = 0;       // 0: none (the kernel resolves the device from the gateway)
  bool onlink = false;   // the gateway is reachable on ifindex without a covering route
  std::uint16_t weight = 1;  // 1..256, as the kernel allows

  friend bool operator==(const NextHop&, const NextHop&) = default;
  friend auto operator<=>(const NextHop&, const NextHop&) = default;
};

// Well-known table numbers and route scopes (the kernel's values).
inline constexpr std::uint32_t kMainTable = 254;
inline constexpr std::uint8_t kScopeUniverse = 0;
inline constexpr std::uint8_t kScopeLink = 253;
inline constexpr std::uint8_t kScopeHost = 254;

struct Route {
  ip::Prefix destination;
  std::uint32_t table = kMainTable;
  std::uint8_t protocol = 4;  // the owner's mark; 4 is RTPROT_STATIC, daemons set their own
  std::uint32_t metric = 0;   // RTA_PRIORITY; the kernel stores IPv6 metric 0 as 1024
  RouteType type = RouteType::unicast;
  // Unset: link scope for a unicast route with no gateway, universe otherwise (as `ip route`).
  std::optional<std::uint8_t> scope;
  std::optional<ip::Address> preferred_source;
  std::vector<NextHop> nexthops;  // several make an ECMP route

  std::uint8_t effective_scope() const;
  // The form the kernel reports back: IPv6 metric 0 becomes 1024, nexthops sorted, scope set.
  Route normalized() const;
  // `ip route`-like text, for logs and test failures.
  std::string to_string() const;

  friend bool operator==(const Route&, const Route&) = default;
};

// What identifies a route in the kernel: two routes with the same key cannot coexist.
struct RouteKey {
  std::uint32_t table;
  ip::Prefix destination;
  std::uint32_t metric;

  friend auto operator<=>(const RouteKey&, const RouteKey&) = default;
};
RouteKey key_of(const Route& route);

enum class RouteChangeKind : std::uint8_t {
  add,      // create; fails with EEXIST when the key exists
  replace,  // create or overwrite
  remove,   // delete the route with this key (and this protocol, when non-zero)
};

struct RouteChange {
  RouteChangeKind kind;
  Route route;
};

std::string_view to_string(RouteChangeKind kind);
std::string_view to_string(RouteType type);

}  // namespace sluice::netlink
