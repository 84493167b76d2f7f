// Policies compiled for evaluation, and the RIB hooks made from them (rib/policy.hpp).
//
// Compiling checks a policy (names resolve, ranges hold, regular expressions compile)
// and prepares it: prefix lists become tries (prefix_set.hpp), each named list compiled
// once and shared; regular expressions are compiled once. Evaluation reads the route
// through the RouteEditor and calls edit() only when an action changes something, so a
// policy that only filters never copies attributes.
//
// RFC 8212: a neighbour's hook ends in a fallback verdict when every policy in its list
// fell through (or the list is empty): by default reject for eBGP, accept for iBGP and
// route-reflector clients (default_verdict()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "bgpd/policy/as_path_regex.hpp"
#include "bgpd/policy/policy.hpp"
#include "bgpd/policy/prefix_set.hpp"
#include "bgpd/rib/peer_info.hpp"
#include "bgpd/rib/policy.hpp"

namespace sluice::bgp::policy {

// Which way routes flow through a policy: inbound is import (from the neighbour),
// outbound is export (to it).
enum class Direction : std::uint8_t { inbound, outbound };
std::string_view to_string(Direction direction);  // "import", "export"

// Our address on the session to `to` for `family`: what next-hop "self" sets in an
// export policy. The daemon knows it from the TCP connection.
using SelfAddress = std::function<std::optional<ip::Address>(rib::PeerId to, AfiSafi family)>;

// What a policy reads about a route besides its attributes.
struct RouteContext {
  Direction direction = Direction::inbound;
  AfiSafi family;
  const ip::Prefix* prefix = nullptr;
  const ip::Address* neighbor = nullptr;  // the peer of the session the policy runs on
  PeerKind peer_kind = PeerKind::ebgp;    // that peer's kind
  PeerKind source = PeerKind::ebgp;       // where the route was learned
  std::uint32_t local_as = 0;             // this speaker's AS toward that peer
  rib::PeerId peer_id = 0;                // that peer
  const SelfAddress* self = nullptr;      // export only; may be null or empty
};

class CompiledPolicy {
 public:
  // Errors name the place: `path` (the policy's own, may be empty) then the file's field
  // names ("policies.p.terms[2].match.asPath.regex: ..."). `shared` holds the named
  // prefix lists already compiled (see PolicyLibrary); a name missing from it is
  // compiled from `definitions`.
  static Result<std::shared_ptr<const CompiledPolicy>> compile(
      const Policy& policy, const Definitions& definitions,
      const std::map<std::string, std::shared_ptr<const PrefixSet>, std::less<>>* shared = nullptr,
      const std::string& path = "");

  ~CompiledPolicy();
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  // accept or reject when a term or the default action decides; nullopt when the policy
  // falls through (its default is next).
  std::optional<rib::PolicyVerdict> evaluate(const RouteContext& route, rib::RouteEditor& editor) const;

  // Whether any term sets the next hop this way (self is export-only, peer import-only).
  bool sets_next_hop(NextHopAction::Kind kind) const;

  struct CompiledTerm;
  struct CompiledMatch;
  struct Scratch;  // per evaluation

 private:
  CompiledPolicy();
  std::optional<rib::PolicyVerdict> run(const RouteContext& route, rib::RouteEditor& editor, Scratch& scratch) const;

  std::vector<CompiledTerm> terms_;
  Action default_action_ = Action::reject;
  friend class PolicyLibrary;
  friend struct PolicyChain;
};

// A neighbour's policies for one direction, in order, and the verdict when all fall through.
struct PolicyChain {
  std::vector<std::shared_ptr<const CompiledPolicy>> policies;
  rib::PolicyVerdict fallback = rib::PolicyVerdict::accept;

  // Runs the policies in order; the first accept or reject decides, else the fallback.
  rib::PolicyVerdict evaluate(const RouteContext& route, rib::RouteEditor& editor) const;
};

// Every policy of a Definitions, compiled once, by name.
class PolicyLibrary {
 public:
  // Errors name the place: "prefixLists.NAME[1]: ..." or "policies.NAME.terms[0]....: ...".
  static Result<PolicyLibrary> compile(const Definitions& definitions);

  // nullptr when there is no such policy.
  std::shared_ptr<const CompiledPolicy> find(std::string_view name) const;

  // The named policies in order, for `direction` (fails on an unknown name or a next hop
  // action that does not apply in that direction), ending in `fallback`.
  Result<PolicyChain> chain(std::span<const std::string> names, Direction direction,
                            rib::PolicyVerdict fallback) const;

 private:
  std::map<std::string, std::shared_ptr<const CompiledPolicy>, std::less<>> policies_;
};

// RFC 8212 §2: with no explicit default, routes to or from an eBGP peer that no policy
// accepted are rejected (unless the speaker opts out: ebgp_requires_policy false); iBGP
// sessions, route reflection included, accept.
rib::PolicyVerdict default_verdict(bool external, std::optional<rib::PolicyVerdict> configured,
                                   bool ebgp_requires_policy);

// The kind of `peer` as this speaker sees it (`speaker_as` when the peer has no local AS).
PeerKind peer_kind(const rib::PeerInfo& peer, std::uint32_t speaker_as);

// The RIB hooks for one neighbour. An empty chain that falls back to accept gives an
// empty function (the RIB then skips the call).
rib::ImportPolicy import_hook(PolicyChain chain, std::uint32_t speaker_as);
rib::ExportPolicy export_hook(PolicyChain chain, std::uint32_t speaker_as, SelfAddress self = {});

}  // namespace sluice::bgp::policy
