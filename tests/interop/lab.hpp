// The interop tests' small labs: namespaces joined by veth links, each link a /24 and a
// /64 of its own ("192.0.<n>.1/24" and "fd00:<n>::1/64" on the first end, .2 and ::2 on
// the other), IPv6 without duplicate address detection so sockets bind at once.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "bgpd/fib/fib.hpp"
#include "tests/support/namespaces.hpp"

namespace sluice::testing::interop {

// The route protocol bgpd writes kernel routes with, to tell them from the peers'.
inline constexpr int kBgpdProtocol = bgp::fib::kBgpdRouteProtocol;
// How long a session may take to come up (connect retries and peers' timers included).
inline constexpr auto kSessionTimeout = std::chrono::seconds(30);

class Link {
 public:
  // `a_name` and `b_name` are the interfaces' names inside their namespaces.
  Link(const TestNetns& a, std::string a_name, const TestNetns& b, std::string b_name, int subnet);

  std::string a_v4() const { return "192.0." + std::to_string(subnet_) + ".1"; }
  std::string b_v4() const { return "192.0." + std::to_string(subnet_) + ".2"; }
  std::string a_v6() const { return "fd00:" + std::to_string(subnet_) + "::1"; }
  std::string b_v6() const { return "fd00:" + std::to_string(subnet_) + "::2"; }
  const std::string& a_name() const { return veth_.a(); }
  const std::string& b_name() const { return veth_.b(); }

 private:
  int subnet_;
  VethPair veth_;
};

// `ip -j route show <args>` in the namespace, reduced to "PREFIX via A,B" lines (next hops
// sorted; "PREFIX blackhole" for blackholes), for routes of `protocol` only.
std::vector<std::string> kernel_routes(const TestNetns& ns, int protocol, bool ipv6 = false);

// `text` with each "$NAME" of `values` replaced (configs are JSON and BIRD syntax, full
// of braces fmt would want doubled).
std::string substitute(std::string text, std::vector<std::pair<std::string, std::string>> values);

// The whole text of a log file, for failure messages.
std::string log_text(const std::string& path);

}  // namespace sluice::testing::interop
