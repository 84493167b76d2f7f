#include "k8s-client/config/server_url.hpp"

#include <fmt/format.h>

#include "base/ip/address.hpp"

namespace sluice::k8s {
namespace {

// The text as errors show it: user info replaced by "***" so a password never reaches
// a log, and control bytes written as \xNN so it stays on one log line.
std::string shown(std::string_view text) {
  std::size_t scheme_end = text.find("://");
  std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::size_t end = text.find_first_of("/?#", start);
  std::string_view authority = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  std::size_t at = authority.rfind('@');
  std::string redacted = at == std::string_view::npos
                             ? std::string(text)
                             : fmt::format("{}***{}", text.substr(0, start), text.substr(start + at));
  std::string out;
  for (char c : redacted) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alnum(char c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
Status check_dns_name(std::string_view host) {
  if (host.size() > 253) return Error{fmt::format("host name is {} characters long (at most 253)", host.size())};
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty()) return Error{fmt::format("host name \"{}\" has an empty label", host)};
    if (label.size() > 63) return Error{fmt::format("host name \"{}\" has a label longer than 63 characters", host)};
    for (char c : label) {
      if (!is_ascii_alnum(c) && c != '-') {
        return Error{
            fmt::format("host name \"{}\": character '{}' is not allowed (letters, digits, '-' and '.')", host, c)};
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return Error{fmt::format("host name \"{}\": a label may not begin or end with '-'", host)};
    }
    if (dot == std::string_view::npos) return {};
    start = dot + 1;
  }
}

Result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) return Error{"empty port after ':'"};
  unsigned long port = 0;
  for (char c : text) {
    if (!is_ascii_digit(c)) return Error{fmt::format("port \"{}\" is not a number", text)};
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535) return Error{fmt::format("port {} is out of range (1-65535)", text)};
  }
  if (port == 0) return Error{fmt::format("port {} is out of range (1-65535)", text)};
  return static_cast<std::uint16_t>(port);
}

Result<ServerUrl> parse_parts(std::string_view text) {
  if (text.empty()) return Error{"empty"};
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte <= 0x20 || byte >= 0x7f) return Error{fmt::format("byte 0x{:02x} at offset {} is not allowed", byte, i)};
  }

  ServerUrl url;
  std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return Error{fmt::format("no scheme (write \"https://{}\")", shown(text))};
  }
  std::string scheme = lowercase(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.scheme = Scheme::https;
    url.port = 443;
  } else if (scheme == "http") {
    url.scheme = Scheme::http;
    url.port = 80;
  } else if (scheme.empty()) {
    return Error{"no scheme before \"://\""};
  } else {
    return Error{fmt::format("scheme \"{}\" is not http or https", text.substr(0, scheme_end))};
  }

  std::string_view rest = text.substr(scheme_end + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  if (authority.find('@') != std::string_view::npos) {
    return Error{"user info is not allowed (credentials belong in the kubeconfig user)"};
  }
  if (authority.empty()) return Error{"no host"};

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"the IPv6 address has no closing ']'"};
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{fmt::format("unexpected \"{}\" after the IPv6 address", after)};
      has_port = true;
      port_text = after.substr(1);
    }
    auto address = ip::Address::parse_v6(host);
    if (!address) return address.error();
    url.host_kind = HostKind::ipv6;
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return Error{"an IPv6 address needs brackets (https://[ADDRESS]:PORT)"};
      }
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return Error{"no host"};
    if (host.find_first_not_of("0123456789.") == std::string_view::npos) {
      auto address = ip::Address::parse_v4(host);
      if (!address) return address.error();
      url.host_kind = HostKind::ipv4;
    } else {
      auto checked = check_dns_name(host);
      if (!checked) return checked.error();
      url.host_kind = HostKind::dns_name;
    }
  }
  url.host = std::string(host);
  if (has_port) {
    auto port = parse_port(port_text);
    if (!port) return port.error();
    url.port = *port;
  }

  std::size_t extra = tail.find_first_of("?#");
  if (extra != std::string_view::npos) {
    std::string_view what = tail[extra] == '?' ? "a query" : "a fragment";
    return Error{fmt::format("{} (\"{}\") is not allowed; a server URL is scheme://host[:port][/path]", what,
                             tail.substr(extra))};
  }
  std::string_view path = tail;
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.base_path = std::string(path);
  return url;
}

}  // namespace

std::string_view to_string(Scheme scheme) {
  return scheme == Scheme::https ? "https" : "http";
}

std::string ServerUrl::authority() const {
  if (host_kind == HostKind::ipv6) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string ServerUrl::to_string() const {
  return fmt::format("{}://{}{}", k8s::to_string(scheme), authority(), base_path);
}

Result<ServerUrl> parse_server_url(std::string_view text) {
  auto url = parse_parts(text);
  if (!url) return Error{fmt::format("invalid server URL \"{}\": {}", shown(text), url.error().message)};
  return url;
}

}  // namespace sluice::k8s
