// The TCP side of BGP sessions on Linux: TCP MD5 signatures (RFC 2385) keyed per peer on
// listening and connecting sockets, GTSM (RFC 5082: send with TTL 255, accept only TTL
// 255 - hops + 1 and above), binding to a source address, and reading who is at the
// other end. Thin wrappers over setsockopt; errors name the option and the peer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"
#include "base/result.hpp"

namespace sluice::bgp {

inline constexpr std::size_t kMaxMd5KeyLength = 80;  // TCP_MD5SIG_MAXKEYLEN

// Installs (or, with an empty key, removes) the MD5 key for segments to and from
// `peer` — or, on a listening socket, every address in `peer_range` — on socket `fd`.
Status set_md5_key(int fd, const ip::Prefix& peer_range, const std::string& key);

// GTSM for a peer `hops` away (1 for a directly connected one): our segments leave with
// TTL 255, and the kernel drops the peer's that arrive with less than 256 - hops.
Status set_gtsm(int fd, ip::Family family, int hops);
// Without GTSM: the TTL our segments leave with (1 for directly connected eBGP, as BIRD
// and FRR default; 255 for multihop and iBGP).
Status set_ttl(int fd, ip::Family family, int ttl);

}  // namespace sluice::bgp
