#include "bgpd/policy/compile.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "bgpd/policy/community.hpp"

namespace sluice::bgp::policy {

using rib::PolicyVerdict;

namespace {

using SharedSets = std::map<std::string, std::shared_ptr<const PrefixSet>, std::less<>>;

std::uint8_t kind_bit(PeerKind k) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(k)); }

std::uint8_t kinds_mask(const std::vector<PeerKind>& kinds) {
  std::uint8_t mask = 0;
  for (auto k : kinds) mask |= kind_bit(k);
  return mask;
}

// `path` names the list in errors; each entry is path[i].
Result<std::shared_ptr<const PrefixSet>> compile_prefix_list(const PrefixList& list, std::string_view path) {
  auto set = std::make_shared<PrefixSet>();
  for (std::size_t i = 0; i < list.entries.size(); ++i) {
    if (auto s = validate(list.entries[i]); !s) return Error{fmt::format("{}[{}]: {}", path, i, s.error().message)};
    set->add(list.entries[i]);
  }
  return std::shared_ptr<const PrefixSet>(std::move(set));
}

// The first AS of a path that starts with an AS_SEQUENCE (RFC 4271 §9.1.2.2 c).
std::optional<std::uint32_t> first_as(const AsPath& path) {
  if (path.segments.empty()) return std::nullopt;
  const auto& s = path.segments.front();
  if (s.type != AsPathSegmentType::as_sequence || s.asns.empty()) return std::nullopt;
  return s.asns.front();
}

// The originating AS: the last AS of a path that ends in an AS_SEQUENCE. A path ending in
// an AS_SET has no single origin (RFC 6811 §2 treats it as NONE).
std::optional<std::uint32_t> last_as(const AsPath& path) {
  if (path.segments.empty()) return std::nullopt;
  const auto& s = path.segments.back();
  if (s.type != AsPathSegmentType::as_sequence || s.asns.empty()) return std::nullopt;
  return s.asns.back();
}

bool in(const std::vector<std::uint32_t>& list, std::optional<std::uint32_t> v) {
  return v && std::find(list.begin(), list.end(), *v) != list.end();
}

template <class Pattern, class Value>
bool set_matches(const CommunitySetMatch<Pattern>& m, const std::vector<Value>& values) {
  auto present = [&](const Pattern& p) {
    return std::any_of(values.begin(), values.end(), [&](const Value& v) { return p.matches(v); });
  };
  if (!m.any_of.empty() && !std::any_of(m.any_of.begin(), m.any_of.end(), present)) return false;
  return std::all_of(m.all_of.begin(), m.all_of.end(), present);
}

template <class Value, class Pattern>
std::vector<Value> edited(const CommunityEdit<Value, Pattern>& edit, std::vector<Value> values) {
  if (edit.replace) values = *edit.replace;
  if (!edit.remove.empty()) {
    std::erase_if(values, [&](const Value& v) {
      return std::any_of(edit.remove.begin(), edit.remove.end(), [&](const Pattern& p) { return p.matches(v); });
    });
  }
  values.insert(values.end(), edit.add.begin(), edit.add.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

void prepend(AsPath& path, std::uint32_t asn, std::uint8_t count) {
  for (std::uint8_t i = 0; i < count; ++i) {
    if (!path.segments.empty() && path.segments.front().type == AsPathSegmentType::as_sequence &&
        path.segments.front().asns.size() < 255) {
      auto& asns = path.segments.front().asns;
      asns.insert(asns.begin(), asn);
    } else {
      path.segments.insert(path.segments.begin(), AsPathSegment{AsPathSegmentType::as_sequence, {asn}});
    }
  }
}

}  // namespace

std::string_view to_string(Direction direction) { return direction == Direction::inbound ? "import" : "export"; }

struct CompiledPolicy::Scratch {
  std::string as_path_text;
  bool as_path_text_valid = false;
};

struct CompiledPolicy::CompiledMatch {
  bool has_prefix_condition = false;
  std::vector<std::shared_ptr<const PrefixSet>> prefix_sets;  // any of
  std::vector<AfiSafi> families;
  std::vector<ip::Prefix> neighbors;
  std::uint8_t peer_types = 0;  // bit per PeerKind; 0: any
  std::uint8_t sources = 0;
  std::optional<AsPathMatch> as_path;
  std::shared_ptr<const AsPathRegex> regex;
  std::optional<CommunityMatch> communities;
  std::optional<LargeCommunityMatch> large_communities;
  std::vector<CompiledMatch> negated;

  bool matches(const RouteContext& route, const rib::RouteAttributes& attrs, Scratch& scratch) const;
};

struct CompiledPolicy::CompiledTerm {
  CompiledMatch match;
  Actions set;
  Action action = Action::next;
};

CompiledPolicy::CompiledPolicy() = default;
CompiledPolicy::~CompiledPolicy() = default;

namespace {

// Errors are "<path>.<field>: problem", `path` naming the match itself.
Result<CompiledPolicy::CompiledMatch> compile_match(const Match& m, const Definitions& definitions,
                                                   const SharedSets* shared, const std::string& path) {
  CompiledPolicy::CompiledMatch out;
  out.has_prefix_condition = !m.prefix_lists.empty() || !m.prefixes.empty();
  for (std::size_t i = 0; i < m.prefix_lists.size(); ++i) {
    const std::string& name = m.prefix_lists[i];
    if (shared) {
      if (auto it = shared->find(name); it != shared->end()) {
        out.prefix_sets.push_back(it->second);
        continue;
      }
    }
    auto it = definitions.prefix_lists.find(name);
    if (it == definitions.prefix_lists.end()) {
      return Error{fmt::format("{}.prefixList[{}]: no prefix list named \"{}\"", path, i, name)};
    }
    auto set = compile_prefix_list(it->second, "prefixLists." + name);
    if (!set) return set.error();
    out.prefix_sets.push_back(std::move(*set));
  }
  if (!m.prefixes.empty()) {
    auto set = compile_prefix_list(PrefixList{m.prefixes}, path + ".prefixes");
    if (!set) return set.error();
    out.prefix_sets.push_back(std::move(*set));
  }
  out.families = m.families;
  out.neighbors = m.neighbors;
  out.peer_types = kinds_mask(m.peer_types);
  if (out.peer_types & kind_bit(PeerKind::local)) {
    return Error{path + ".peerType: \"local\" is not a kind of neighbour (it is a routeSource)"};
  }
  out.sources = kinds_mask(m.route_sources);
  if (m.as_path) {
    const AsPathMatch& a = *m.as_path;
    if (a.min_length && a.max_length && *a.min_length > *a.max_length) {
      return Error{fmt::format("{}.asPath.length: min {} is more than max {}", path, *a.min_length, *a.max_length)};
    }
    out.as_path = a;
    if (a.regex) {
      auto regex = AsPathRegex::compile(*a.regex);
      if (!regex) return Error{fmt::format("{}.asPath.regex: {}", path, regex.error().message)};
      out.regex = std::make_shared<const AsPathRegex>(std::move(*regex));
    }
  }
  out.communities = m.communities;
  out.large_communities = m.large_communities;
  for (std::size_t i = 0; i < m.negated.size(); ++i) {
    auto n = compile_match(m.negated[i], definitions, shared,
                           m.negated.size() == 1 ? path + ".not" : fmt::format("{}.not[{}]", path, i));
    if (!n) return n.error();
    out.negated.push_back(std::move(*n));
  }
  return out;
}

Status check_actions(const Actions& a, const std::string& path) {
  if (a.prepend && (a.prepend->count == 0 || a.prepend->count > kMaxPrepend)) {
    return Error{fmt::format("{}.asPathPrepend.count: {} is not allowed (1..{})", path, a.prepend->count, kMaxPrepend)};
  }
  if (a.prepend && a.prepend->asn && (*a.prepend->asn == 0 || *a.prepend->asn == kAsTrans)) {
    return Error{fmt::format("{}.asPathPrepend.asNumber: {} is not allowed (not 0 or AS_TRANS 23456)", path,
                             *a.prepend->asn)};
  }
  if (a.med && a.add_med) return Error{path + ": med and addMed are exclusive"};
  constexpr std::int64_t kMaxMed = std::numeric_limits<std::uint32_t>::max();
  if (a.add_med && (*a.add_med < -kMaxMed || *a.add_med > kMaxMed)) {
    return Error{fmt::format("{}.addMed: {} is not allowed (-{}..{})", path, *a.add_med, kMaxMed, kMaxMed)};
  }
  if (a.next_hop && a.next_hop->kind == NextHopAction::Kind::address) {
    const ip::Address& nh = a.next_hop->address;
    if (nh == ip::Address() || nh == ip::Address::v6({})) {
      return Error{fmt::format("{}.nextHop: {} is not a usable next hop", path, nh.to_string())};
    }
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const CompiledPolicy>> CompiledPolicy::compile(const Policy& policy,
                                                                      const Definitions& definitions,
                                                                      const SharedSets* shared,
                                                                      const std::string& path) {
  std::shared_ptr<CompiledPolicy> out(new CompiledPolicy());
  out->default_action_ = policy.default_action;
  for (std::size_t i = 0; i < policy.terms.size(); ++i) {
    const Term& term = policy.terms[i];
    const std::string where = fmt::format("{}{}terms[{}]", path, path.empty() ? "" : ".", i);
    if (!term.name.empty()) {
      for (std::size_t j = 0; j < i; ++j) {
        if (policy.terms[j].name == term.name) {
          return Error{fmt::format("{}.name: \"{}\" is also the name of terms[{}]", where, term.name, j)};
        }
      }
    }
    auto match = compile_match(term.match, definitions, shared, where + ".match");
    if (!match) return match.error();
    if (auto s = check_actions(term.set, where + ".set"); !s) return s.error();
    if (term.action == Action::reject && !term.set.empty()) {
      return Error{where + ".set: a rejecting term's modifications would be thrown away"};
    }
    out->terms_.push_back(CompiledPolicy::CompiledTerm{std::move(*match), term.set, term.action});
  }
  return std::shared_ptr<const CompiledPolicy>(std::move(out));
}

bool CompiledPolicy::sets_next_hop(NextHopAction::Kind kind) const {
  return std::any_of(terms_.begin(), terms_.end(),
                     [&](const CompiledTerm& t) { return t.set.next_hop && t.set.next_hop->kind == kind; });
}

bool CompiledPolicy::CompiledMatch::matches(const RouteContext& route, const rib::RouteAttributes& attrs, Scratch& scratch) const {
  // The conditions that do not read attributes first: they are the cheapest.
  if (!families.empty() && std::find(families.begin(), families.end(), route.family) == families.end()) return false;
  if (peer_types && !(peer_types & kind_bit(route.peer_kind))) return false;
  if (sources && !(sources & kind_bit(route.source))) return false;
  if (!neighbors.empty() &&
      std::none_of(neighbors.begin(), neighbors.end(), [&](const ip::Prefix& p) { return p.contains(*route.neighbor); })) {
    return false;
  }
  if (has_prefix_condition && std::none_of(prefix_sets.begin(), prefix_sets.end(), [&](const auto& set) {
        return set->contains(*route.prefix);
      })) {
    return false;
  }
  const PathAttributes& path = attrs.path;
  if (as_path) {
    static const AsPath kEmpty;
    const AsPath& p = path.as_path ? *path.as_path : kEmpty;
    if (!as_path->contains.empty()) {
      bool found = std::any_of(p.segments.begin(), p.segments.end(), [&](const AsPathSegment& s) {
        return std::any_of(s.asns.begin(), s.asns.end(), [&](std::uint32_t asn) {
          return std::find(as_path->contains.begin(), as_path->contains.end(), asn) != as_path->contains.end();
        });
      });
      if (!found) return false;
    }
    if (!as_path->origin_as.empty() && !in(as_path->origin_as, last_as(p))) return false;
    if (!as_path->neighbor_as.empty() && !in(as_path->neighbor_as, first_as(p))) return false;
    if (as_path->min_length || as_path->max_length) {
      const std::size_t length = p.length();
      if (as_path->min_length && length < *as_path->min_length) return false;
      if (as_path->max_length && length > *as_path->max_length) return false;
    }
    if (regex) {
      if (!scratch.as_path_text_valid) {
        scratch.as_path_text = as_path_text(p);
        scratch.as_path_text_valid = true;
      }
      if (!regex->matches(scratch.as_path_text)) return false;
    }
  }
  if (communities && !set_matches(*communities, path.communities)) return false;
  if (large_communities && !set_matches(*large_communities, path.large_communities)) return false;
  for (const auto& n : negated) {
    if (n.matches(route, attrs, scratch)) return false;
  }
  return true;
}

namespace {

// Applies a term's modifications. Returns false when the route cannot go on (a next hop
// that cannot be set: no address for "self", or one of the other family).
bool apply(const Actions& a, const RouteContext& route, rib::RouteEditor& editor, CompiledPolicy::Scratch& scratch) {
  if (a.local_pref) {
    // LOCAL_PREF never goes to an external peer (RFC 4271 §5.1.5).
    const bool to_external = route.direction == Direction::outbound && route.peer_kind == PeerKind::ebgp;
    if (!to_external && editor.get().path.local_pref != a.local_pref) editor.edit().path.local_pref = a.local_pref;
  }
  if (a.med && editor.get().path.multi_exit_disc != a.med) editor.edit().path.multi_exit_disc = a.med;
  if (a.add_med && *a.add_med != 0) {
    const std::int64_t current = editor.get().path.multi_exit_disc.value_or(0);
    const std::int64_t sum = std::clamp<std::int64_t>(current + *a.add_med, 0, std::numeric_limits<std::uint32_t>::max());
    if (editor.get().path.multi_exit_disc != static_cast<std::uint32_t>(sum)) {
      editor.edit().path.multi_exit_disc = static_cast<std::uint32_t>(sum);
    }
  }
  // Edited only when the result differs, so a route that already carries what is added
  // keeps sharing its attributes.
  if (a.communities) {
    auto values = edited(*a.communities, editor.get().path.communities);
    if (values != editor.get().path.communities) editor.edit().path.communities = std::move(values);
  }
  if (a.large_communities) {
    auto values = edited(*a.large_communities, editor.get().path.large_communities);
    if (values != editor.get().path.large_communities) editor.edit().path.large_communities = std::move(values);
  }
  if (a.prepend) {
    auto& attrs = editor.edit();
    if (!attrs.path.as_path) attrs.path.as_path = AsPath{};
    prepend(*attrs.path.as_path, a.prepend->asn.value_or(route.local_as), a.prepend->count);
    scratch.as_path_text_valid = false;
  }
  if (a.next_hop) {
    std::optional<ip::Address> nh;
    switch (a.next_hop->kind) {
      case NextHopAction::Kind::address: nh = a.next_hop->address; break;
      case NextHopAction::Kind::peer:
        if (route.direction == Direction::inbound) nh = *route.neighbor;
        break;
      case NextHopAction::Kind::self:
        if (route.direction == Direction::outbound && route.self && *route.self) {
          nh = (*route.self)(route.peer_id, route.family);
        }
        break;
    }
    const ip::Family family = route.family.afi == Afi::ipv6 ? ip::Family::v6 : ip::Family::v4;
    if (!nh || nh->family() != family) return false;
    if (editor.get().next_hop != nh || editor.get().link_local_next_hop) {
      auto& attrs = editor.edit();
      attrs.next_hop = nh;
      attrs.link_local_next_hop.reset();  // it belonged to the old next hop
    }
  }
  return true;
}

}  // namespace

std::optional<PolicyVerdict> CompiledPolicy::run(const RouteContext& route, rib::RouteEditor& editor,
                                                 Scratch& scratch) const {
  for (const CompiledTerm& term : terms_) {
    if (!term.match.matches(route, editor.get(), scratch)) continue;
    if (!apply(term.set, route, editor, scratch)) return PolicyVerdict::reject;
    if (term.action == Action::accept) return PolicyVerdict::accept;
    if (term.action == Action::reject) return PolicyVerdict::reject;
  }
  switch (default_action_) {
    case Action::accept: return PolicyVerdict::accept;
    case Action::reject: return PolicyVerdict::reject;
    case Action::next: break;
  }
  return std::nullopt;
}

std::optional<PolicyVerdict> CompiledPolicy::evaluate(const RouteContext& route, rib::RouteEditor& editor) const {
  Scratch scratch;
  return run(route, editor, scratch);
}

PolicyVerdict PolicyChain::evaluate(const RouteContext& route, rib::RouteEditor& editor) const {
  CompiledPolicy::Scratch scratch;
  for (const auto& policy : policies) {
    if (auto verdict = policy->run(route, editor, scratch)) return *verdict;
  }
  return fallback;
}

Result<PolicyLibrary> PolicyLibrary::compile(const Definitions& definitions) {
  SharedSets sets;
  for (const auto& [name, list] : definitions.prefix_lists) {
    if (!valid_name(name)) return Error{fmt::format("prefixLists: \"{}\" is not a valid name", name)};
    auto set = compile_prefix_list(list, "prefixLists." + name);
    if (!set) return set.error();
    sets.emplace(name, std::move(*set));
  }
  PolicyLibrary library;
  for (const auto& [name, policy] : definitions.policies) {
    if (!valid_name(name)) return Error{fmt::format("policies: \"{}\" is not a valid name", name)};
    auto compiled = CompiledPolicy::compile(policy, definitions, &sets, "policies." + name);
    if (!compiled) return compiled.error();
    library.policies_.emplace(name, std::move(*compiled));
  }
  return library;
}

std::shared_ptr<const CompiledPolicy> PolicyLibrary::find(std::string_view name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : it->second;
}

Result<PolicyChain> PolicyLibrary::chain(std::span<const std::string> names, Direction direction,
                                         PolicyVerdict fallback) const {
  PolicyChain out;
  out.fallback = fallback;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto policy = find(names[i]);
    if (!policy) return Error{fmt::format("[{}]: no policy named \"{}\"", i, names[i])};
    if (direction == Direction::inbound && policy->sets_next_hop(NextHopAction::Kind::self)) {
      return Error{fmt::format("[{}]: policy \"{}\" sets nextHop \"self\", which applies only on export", i, names[i])};
    }
    if (direction == Direction::outbound && policy->sets_next_hop(NextHopAction::Kind::peer)) {
      return Error{fmt::format("[{}]: policy \"{}\" sets nextHop \"peer\", which applies only on import", i, names[i])};
    }
    out.policies.push_back(std::move(policy));
  }
  return out;
}

PolicyVerdict default_verdict(bool external, std::optional<PolicyVerdict> configured, bool ebgp_requires_policy) {
  if (configured) return *configured;
  return external && ebgp_requires_policy ? PolicyVerdict::reject : PolicyVerdict::accept;
}

PeerKind peer_kind(const rib::PeerInfo& peer, std::uint32_t speaker_as) {
  if (peer.remote_as != peer.local_as.value_or(speaker_as)) return PeerKind::ebgp;
  return peer.route_reflector_client ? PeerKind::rr_client : PeerKind::ibgp;
}

rib::ImportPolicy import_hook(PolicyChain chain, std::uint32_t speaker_as) {
  if (chain.policies.empty() && chain.fallback == PolicyVerdict::accept) return {};
  if (chain.policies.empty()) return [](const rib::ImportRoute&, rib::RouteEditor&) { return PolicyVerdict::reject; };
  return [chain = std::move(chain), speaker_as](const rib::ImportRoute& r, rib::RouteEditor& editor) {
    const PeerKind kind = peer_kind(r.peer, speaker_as);
    RouteContext route;
    route.direction = Direction::inbound;
    route.family = r.family;
    route.prefix = &r.prefix;
    route.neighbor = &r.peer.address;
    route.peer_kind = kind;
    route.source = kind;
    route.local_as = r.peer.local_as.value_or(speaker_as);
    route.peer_id = r.peer_id;
    return chain.evaluate(route, editor);
  };
}

rib::ExportPolicy export_hook(PolicyChain chain, std::uint32_t speaker_as, SelfAddress self) {
  if (chain.policies.empty() && chain.fallback == PolicyVerdict::accept) return {};
  if (chain.policies.empty()) return [](const rib::ExportRoute&, rib::RouteEditor&) { return PolicyVerdict::reject; };
  return [chain = std::move(chain), speaker_as, self = std::move(self)](const rib::ExportRoute& r,
                                                                          rib::RouteEditor& editor) {
    RouteContext route;
    route.direction = Direction::outbound;
    route.family = r.family;
    route.prefix = &r.prefix;
    route.neighbor = &r.to.address;
    route.peer_kind = peer_kind(r.to, speaker_as);
    route.source = r.from ? peer_kind(*r.from, speaker_as) : PeerKind::local;
    route.local_as = r.to.local_as.value_or(speaker_as);
    route.peer_id = r.to_id;
    route.self = &self;
    return chain.evaluate(route, editor);
  };
}

}  // namespace sluice::bgp::policy
