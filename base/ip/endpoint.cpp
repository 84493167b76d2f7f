#include "base/ip/endpoint.hpp"

#include <fmt/format.h>

namespace sluice::ip {

Result<Endpoint> Endpoint::parse(std::string_view text) {
  auto fail = [&](std::string_view why) { return Error{fmt::format("invalid endpoint \"{}\": {}", text, why)}; };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("expected HOST:PORT, [IPV6]:PORT or :PORT");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);

  Endpoint out;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto a = Address::parse_v6(host.substr(1, host.size() - 2));
    if (!a) return fail(a.error().message);
    out.address = *a;
  } else if (host.find(':') != std::string_view::npos) {
    return fail("an IPv6 address needs brackets: [ADDRESS]:PORT");
  } else if (!host.empty()) {
    auto a = Address::parse_v4(host);
    if (!a) return fail(a.error().message);
    out.address = *a;
  }
  if (port_text.empty()) return fail("missing port");
  unsigned long port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return fail(fmt::format("port \"{}\" is not a number", port_text));
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535) return fail(fmt::format("port {} is greater than 65535", port_text));
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

std::string Endpoint::to_string() const {
  if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), port);
  return fmt::format("{}:{}", address.to_string(), port);
}

}  // namespace sluice::ip
