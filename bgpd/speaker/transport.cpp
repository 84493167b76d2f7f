#include "bgpd/speaker/transport.hpp"

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sluice::bgp {
namespace {

Error option_error(std::string_view option, const std::string& what) {
  return Error{std::string(option) + " for " + what + ": " + std::strerror(errno)};
}

void fill_sockaddr(__kernel_sockaddr_storage& out, const ip::Address& address) {
  std::memset(&out, 0, sizeof out);
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, address.bytes().data(), 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, address.bytes().data(), 16);
  }
}

}  // namespace

Status set_md5_key(int fd, const ip::Prefix& peer_range, const std::string& key) {
  if (key.size() > kMaxMd5KeyLength)
    return Error{"TCP MD5 key for " + peer_range.to_string() + " is longer than 80 octets"};
  tcp_md5sig sig{};
  fill_sockaddr(sig.tcpm_addr, peer_range.network());
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  int option = TCP_MD5SIG;
  if (!peer_range.is_host()) {
    // A listen range: one key for every address in it (Linux 4.13 and later).
    option = TCP_MD5SIG_EXT;
    sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
    sig.tcpm_prefixlen = static_cast<std::uint8_t>(peer_range.length());
  }
  if (::setsockopt(fd, IPPROTO_TCP, option, &sig, sizeof sig) != 0)
    return option_error("TCP_MD5SIG", peer_range.to_string());
  return {};
}

Status set_ttl(int fd, ip::Family family, int ttl) {
  const int value = ttl;
  const bool v4 = family == ip::Family::v4;
  if (::setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_TTL : IPV6_UNICAST_HOPS, &value, sizeof value) != 0)
    return option_error(v4 ? "IP_TTL" : "IPV6_UNICAST_HOPS", std::to_string(ttl));
  return {};
}

Status set_gtsm(int fd, ip::Family family, int hops) {
  if (hops < 1 || hops > 254) return Error{"GTSM hop count " + std::to_string(hops) + " is outside 1..254"};
  if (auto s = set_ttl(fd, family, 255); !s) return s;
  const int minimum = 256 - hops;
  const bool v4 = family == ip::Family::v4;
  if (::setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MINTTL : IPV6_MINHOPCOUNT, &minimum,
                   sizeof minimum) != 0)
    return option_error(v4 ? "IP_MINTTL" : "IPV6_MINHOPCOUNT", std::to_string(minimum));
  return {};
}

}  // namespace sluice::bgp
