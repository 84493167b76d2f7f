// How Calico names and labels IPAM objects in the Kubernetes API. These encodings must
// never change: objects written under another encoding would be stranded, and Calico's
// own tools must find what Sluice writes (reference/calico.md §1.1).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/ip/prefix.hpp"

namespace sluice::ipam {

// Label keys Calico puts on BlockAffinities for host-scoped lists.
inline constexpr std::string_view kLabelHostnameHash = "projectcalico.org/hostname-hash";
inline constexpr std::string_view kLabelAffinityType = "projectcalico.org/affinity-type";
inline constexpr std::string_view kLabelIPVersion = "projectcalico.org/ip-version";

inline constexpr std::string_view kAffinityTypeHost = "host";
inline constexpr std::string_view kAffinityTypeVirtual = "virtual";

// "10.244.1.0/26" -> "10-244-1-0-26"; "fd00::/122" -> "fd00---122".
std::string block_name(const ip::Prefix& cidr);

// "<host>-<block name>". Names of 253 characters or more keep a truncated host, the
// block name and the first 11 hex digits of SHA-256("<host>+<block name>").
std::string affinity_name(std::string_view host, const ip::Prefix& cidr);

// Handle IDs are case-preserving in the spec; the object name is the lower-cased ID.
std::string handle_name(std::string_view handle_id);

// base32 (no padding) of SHA3-256(host): 52 characters, under the 63 a label allows.
std::string hostname_hash(std::string_view host);

// The labels of a BlockAffinity for `host` and the block's address family.
std::map<std::string, std::string> affinity_labels(std::string_view host, std::string_view affinity_type,
                                                   ip::Family family);

// A block's spec.affinity for a host: "host:<host>".
std::string host_affinity(std::string_view host);

}  // namespace sluice::ipam
