// The API server's address as a kubeconfig writes it ("https://10.0.0.1:6443",
// "https://api.example.org/k8s"), split into the parts the HTTP layer needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::k8s {

enum class Scheme : std::uint8_t { http, https };
enum class HostKind : std::uint8_t { dns_name, ipv4, ipv6 };

struct ServerUrl {
  Scheme scheme = Scheme::https;
  std::string host;  // as written, without the brackets of an IPv6 literal
  HostKind host_kind = HostKind::dns_name;
  std::uint16_t port = 443;  // 443 for https and 80 for http unless the URL gives one
  // A path prefix every API path is appended to ("/k8s"); empty for none, never ends in "/".
  std::string base_path;

  // "host:port", with the IPv6 literal in brackets: the Host header's value.
  std::string authority() const;
  // scheme://authority[base_path]; parses back to the same value.
  std::string to_string() const;
  friend bool operator==(const ServerUrl&, const ServerUrl&) = default;
};

std::string_view to_string(Scheme scheme);

// Accepts scheme://host[:port][/path] with scheme http or https (any case), host a DNS
// name, a dotted-quad IPv4 address or a bracketed IPv6 address. Refuses a missing
// scheme, user info (credentials belong in the kubeconfig user), a query or fragment,
// and ports outside 1-65535. Errors never repeat user info from the text.
Result<ServerUrl> parse_server_url(std::string_view text);

}  // namespace sluice::k8s
