// Import and export policy as plain data: named prefix lists and policies, each policy an
// ordered list of terms (match conditions, modifications, then accept, reject or next).
// Front ends (the JSON file, later Calico's BGPFilter) build these values; compile.hpp
// turns them into the RIB's hooks.
//
// Semantics:
//   - A term matches when every condition it names holds (an empty match matches every
//     route). A list inside one condition is any-of unless it says all-of.
//   - A matching term applies its modifications, then its action: accept or reject ends
//     the evaluation; next goes on to the following term, which sees the modified route.
//   - When no term decides, the policy's default action applies; "next" there means the
//     next policy in the neighbour's list, and after the last one the neighbour's default
//     (RFC 8212: reject for eBGP unless configured otherwise, accept for iBGP).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp::policy {

// A prefix-list entry: routes inside `prefix` whose length is within [ge, le]. An entry
// written without ge or le matches the prefix exactly (ge = le = its length).
struct PrefixMatch {
  ip::Prefix prefix;
  std::uint8_t ge = 0;
  std::uint8_t le = 0;
  friend bool operator==(const PrefixMatch&, const PrefixMatch&) = default;
};

struct PrefixList {
  std::vector<PrefixMatch> entries;  // any of; IPv4 and IPv6 entries may be mixed
  friend bool operator==(const PrefixList&, const PrefixList&) = default;
};

// An RFC 1997 community with either half possibly a wildcard ("65000:*").
struct CommunityPattern {
  std::optional<std::uint16_t> high;  // the AS half; nullopt: any
  std::optional<std::uint16_t> low;   // the value half; nullopt: any
  bool matches(Community c) const {
    return (!high || *high == (c >> 16)) && (!low || *low == (c & 0xffff));
  }
  friend bool operator==(const CommunityPattern&, const CommunityPattern&) = default;
};

// An RFC 8092 large community with any of its three fields possibly a wildcard.
struct LargeCommunityPattern {
  std::optional<std::uint32_t> global_administrator;
  std::optional<std::uint32_t> local_data_part_1;
  std::optional<std::uint32_t> local_data_part_2;
  bool matches(const LargeCommunity& c) const {
    return (!global_administrator || *global_administrator == c.global_administrator) &&
           (!local_data_part_1 || *local_data_part_1 == c.local_data_part_1) &&
           (!local_data_part_2 || *local_data_part_2 == c.local_data_part_2);
  }
  friend bool operator==(const LargeCommunityPattern&, const LargeCommunityPattern&) = default;
};

// any_of: at least one pattern matches one of the route's communities (when non-empty);
// all_of: every pattern matches one of them. Both may be given; both must hold.
template <class Pattern>
struct CommunitySetMatch {
  std::vector<Pattern> any_of;
  std::vector<Pattern> all_of;
  friend bool operator==(const CommunitySetMatch&, const CommunitySetMatch&) = default;
};
using CommunityMatch = CommunitySetMatch<CommunityPattern>;
using LargeCommunityMatch = CommunitySetMatch<LargeCommunityPattern>;

// The kind of a BGP neighbour, or of where a route came from.
enum class PeerKind : std::uint8_t {
  ebgp,
  ibgp,       // an iBGP peer that is not a route-reflector client
  rr_client,  // an iBGP peer that is our route-reflector client
  local,      // this speaker (routes it originates); only as a route source
};
// "ebgp", "ibgp", "rr-client", "local".
std::string_view to_string(PeerKind kind);
std::optional<PeerKind> parse_peer_kind(std::string_view text);

struct AsPathMatch {
  std::vector<std::uint32_t> contains;     // any of these anywhere in the path (sets too)
  std::vector<std::uint32_t> origin_as;    // the last AS of a path ending in an AS_SEQUENCE
  std::vector<std::uint32_t> neighbor_as;  // the first AS of a path starting with an AS_SEQUENCE
  std::optional<std::uint32_t> min_length;  // RFC 4271 §9.1.2.2 a length (an AS_SET counts one)
  std::optional<std::uint32_t> max_length;
  // POSIX extended regular expression over the path as text (as_path_regex.hpp).
  std::optional<std::string> regex;
  friend bool operator==(const AsPathMatch&, const AsPathMatch&) = default;
};

struct Match {
  // The route's prefix is in one of these named prefix lists or inline entries.
  std::vector<std::string> prefix_lists;
  std::vector<PrefixMatch> prefixes;
  std::vector<AfiSafi> families;
  // The neighbour of the session the policy runs on (import: the sender; export: the
  // receiver) is inside one of these (a bare address is its host prefix).
  std::vector<ip::Prefix> neighbors;
  // The kind of that neighbour (never local).
  std::vector<PeerKind> peer_types;
  // Where the route was learned: on import the same as the neighbour; on export the
  // peer it came from, or local for routes this speaker originates.
  std::vector<PeerKind> route_sources;
  std::optional<AsPathMatch> as_path;
  std::optional<CommunityMatch> communities;
  std::optional<LargeCommunityMatch> large_communities;
  // Each of these must not match (a negated conjunction each).
  std::vector<Match> negated;
  friend bool operator==(const Match&, const Match&) = default;
};

// Community modifications, applied in this order: replace, remove, add. The result is
// kept sorted without repeats.
template <class Value, class Pattern>
struct CommunityEdit {
  std::optional<std::vector<Value>> replace;  // an empty list removes them all
  std::vector<Pattern> remove;
  std::vector<Value> add;
  friend bool operator==(const CommunityEdit&, const CommunityEdit&) = default;
};
using CommunitiesEdit = CommunityEdit<Community, CommunityPattern>;
using LargeCommunitiesEdit = CommunityEdit<LargeCommunity, LargeCommunityPattern>;

struct NextHopAction {
  enum class Kind : std::uint8_t {
    address,  // this address
    self,     // export only: this speaker's address on the session to the receiver
    peer,     // import only: the sending neighbour's address
  };
  Kind kind = Kind::address;
  ip::Address address;  // for Kind::address
  friend bool operator==(const NextHopAction&, const NextHopAction&) = default;
};

struct Prepend {
  std::uint8_t count = 1;            // 1..kMaxPrepend
  std::optional<std::uint32_t> asn;  // nullopt: this speaker's AS toward the neighbour
  friend bool operator==(const Prepend&, const Prepend&) = default;
};
inline constexpr std::uint8_t kMaxPrepend = 32;

struct Actions {
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  // Added to the MED (a missing MED counts 0), clamped to 0..2^32-1; negative subtracts.
  std::optional<std::int64_t> add_med;
  std::optional<NextHopAction> next_hop;
  std::optional<Prepend> prepend;
  std::optional<CommunitiesEdit> communities;
  std::optional<LargeCommunitiesEdit> large_communities;

  bool empty() const {
    return !local_pref && !med && !add_med && !next_hop && !prepend && !communities && !large_communities;
  }
  friend bool operator==(const Actions&, const Actions&) = default;
};

enum class Action : std::uint8_t { accept, reject, next };
// "accept", "reject", "next".
std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view text);

struct Term {
  std::string name;  // optional; for logs and errors
  Match match;
  Actions set;
  Action action = Action::next;
  friend bool operator==(const Term&, const Term&) = default;
};

struct Policy {
  std::vector<Term> terms;
  // When no term decides. The safe default: what the policy did not accept is refused.
  Action default_action = Action::reject;
  friend bool operator==(const Policy&, const Policy&) = default;
};

// Everything policies may refer to by name.
struct Definitions {
  std::map<std::string, PrefixList, std::less<>> prefix_lists;
  std::map<std::string, Policy, std::less<>> policies;
  friend bool operator==(const Definitions&, const Definitions&) = default;
};

// Names of prefix lists and policies: 1..63 characters of letters, digits, '-', '_' and
// '.', starting with a letter or digit (a Kubernetes object name fits).
bool valid_name(std::string_view name);

}  // namespace sluice::bgp::policy
