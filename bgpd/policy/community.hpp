// Community text as operators write it: RFC 1997 "65000:100" and the well-known names,
// RFC 8092 large "65000:1:2", and the same with "*" fields as patterns.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/policy/policy.hpp"

namespace sluice::bgp::policy {

// RFC 7999 BLACKHOLE and RFC 8326 GRACEFUL_SHUTDOWN (attributes.hpp has the RFC 1997 ones).
inline constexpr Community kBlackhole = 0xFFFF029A;
inline constexpr Community kGracefulShutdown = 0xFFFF0000;

// "AS:VALUE" with both halves 0..65535 in decimal, or a well-known name: no-export,
// no-advertise, no-export-subconfed, blackhole, graceful-shutdown.
Result<Community> parse_community(std::string_view text);
// The well-known name when there is one, else "AS:VALUE".
std::string to_string(Community community);

// "GLOBAL:LOCAL1:LOCAL2", each 0..4294967295 in decimal.
Result<LargeCommunity> parse_large_community(std::string_view text);
std::string to_string(const LargeCommunity& community);

// As above, with "*" allowed in place of any field ("65000:*", "*:*:7"); a well-known
// name is an exact pattern.
Result<CommunityPattern> parse_community_pattern(std::string_view text);
Result<LargeCommunityPattern> parse_large_community_pattern(std::string_view text);
std::string to_string(const CommunityPattern& pattern);
std::string to_string(const LargeCommunityPattern& pattern);

}  // namespace sluice::bgp::policy
