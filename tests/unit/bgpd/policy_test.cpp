// The policy language: community and AS path text, prefix sets, every match and action,
// term order and "next", default actions and RFC 8212, and the hooks in a running RIB.
#include <doctest/doctest.h>

#include "bgpd/policy/as_path_regex.hpp"
#include "bgpd/policy/community.hpp"
#include "bgpd/policy/compile.hpp"
#include "bgpd/policy/prefix_set.hpp"
#include "rib_test_support.hpp"

// Designated initializers here name only the fields a case sets; the rest keep their
// defaults on purpose, which g++ 12 would otherwise warn about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::policy;
using sluice::bgp::rib::PolicyVerdict;
using sluice::bgp::rib::RouteAttributes;
using sluice::bgp::rib::RouteEditor;
using sluice::bgp::testing::address;
using sluice::bgp::testing::prefix;

namespace {

constexpr std::uint32_t kOwnAs = 65000;

PrefixMatch entry(std::string_view p, int ge = -1, int le = -1) {
  PrefixMatch m{prefix(p), 0, 0};
  m.ge = static_cast<std::uint8_t>(ge < 0 ? m.prefix.length() : ge);
  m.le = static_cast<std::uint8_t>(le < 0 ? (ge < 0 ? m.prefix.length() : m.prefix.network().bit_length()) : le);
  return m;
}

AsPath sequence(std::initializer_list<std::uint32_t> asns) {
  AsPath p;
  if (asns.size() > 0) p.segments.push_back({AsPathSegmentType::as_sequence, asns});
  return p;
}

Community community(std::string_view text) { return *parse_community(text); }
CommunityPattern cpattern(std::string_view text) { return *parse_community_pattern(text); }
LargeCommunity large(std::string_view text) { return *parse_large_community(text); }
LargeCommunityPattern lpattern(std::string_view text) { return *parse_large_community_pattern(text); }

// One route seen by a policy, with everything a RouteContext points at.
struct Route {
  ip::Prefix pfx = prefix("10.1.0.0/24");
  ip::Address neighbor = address("192.0.2.1");
  RouteAttributes attrs{};
  Direction direction = Direction::inbound;
  PeerKind peer_kind = PeerKind::ebgp;
  PeerKind source = PeerKind::ebgp;
  SelfAddress self;

  Route() {
    attrs.path.origin = Origin::igp;
    attrs.path.as_path = sequence({65001, 65002});
    attrs.next_hop = address("192.0.2.1");
  }
  RouteContext context() const {
    RouteContext c;
    c.direction = direction;
    c.family = pfx.family() == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast;
    c.prefix = &pfx;
    c.neighbor = &neighbor;
    c.peer_kind = peer_kind;
    c.source = direction == Direction::inbound ? peer_kind : source;
    c.local_as = kOwnAs;
    c.peer_id = 7;
    c.self = &self;
    return c;
  }
};

struct Outcome {
  PolicyVerdict verdict;
  bool edited;
  RouteAttributes attrs;
};

Definitions with_policy(Policy p, std::map<std::string, PrefixList, std::less<>> lists = {}) {
  Definitions d;
  d.prefix_lists = std::move(lists);
  d.policies.emplace("p", std::move(p));
  return d;
}

Outcome run(const Definitions& d, const Route& r, PolicyVerdict fallback = PolicyVerdict::reject) {
  auto library = PolicyLibrary::compile(d);
  REQUIRE_MESSAGE(library.ok(), library.error().message);
  std::vector<std::string> names{"p"};
  auto chain = library->chain(names, r.direction, fallback);
  REQUIRE_MESSAGE(chain.ok(), chain.error().message);
  RouteEditor editor(r.attrs);
  PolicyVerdict v = chain->evaluate(r.context(), editor);
  bool edited = editor.edited();
  return Outcome{v, edited, std::move(editor).take()};
}

// A policy with one accepting term matching `m`, rejecting everything else.
Definitions accept_if(Match m, std::map<std::string, PrefixList, std::less<>> lists = {}) {
  Policy p;
  p.terms.push_back(Term{"t", std::move(m), {}, Action::accept});
  return with_policy(std::move(p), std::move(lists));
}

bool accepted(const Definitions& d, const Route& r) { return run(d, r).verdict == PolicyVerdict::accept; }

// A policy whose one term applies `set` to every route and accepts it.
Outcome apply(Actions set, const Route& r) {
  Policy p;
  p.terms.push_back(Term{"", {}, std::move(set), Action::accept});
  return run(with_policy(std::move(p)), r);
}

std::string compile_error(const Definitions& d) {
  auto library = PolicyLibrary::compile(d);
  REQUIRE_FALSE(library.ok());
  return library.error().message;
}

}  // namespace

TEST_CASE("policy: communities as text") {
  CHECK(community("65000:100") == ((65000u << 16) | 100));
  CHECK(community("0:0") == 0u);
  CHECK(community("65535:65535") == 0xffffffffu);
  CHECK(community("no-export") == kNoExport);
  CHECK(community("no-advertise") == kNoAdvertise);
  CHECK(community("no-export-subconfed") == kNoExportSubconfed);
  CHECK(community("blackhole") == 0xFFFF029Au);
  CHECK(to_string(kNoExport) == "no-export");
  CHECK(to_string(community("65000:100")) == "65000:100");
  CHECK(to_string(community("65535:666")) == "blackhole");

  CHECK(parse_community("65536:1").error().message == "\"65536:1\": \"65536\" is not a number 0..65535");
  CHECK(parse_community("65000:010").error().message == "\"65000:010\": leading zero in \"010\"");
  CHECK(parse_community("65000").error().message == "\"65000\" is not a community (expected 2 fields separated by ':')");
  CHECK(parse_community("1:2:3").error().message == "\"1:2:3\" is not a community (expected 2 fields separated by ':')");
  CHECK(parse_community("65000:").error().message == "\"65000:\": empty field");
  CHECK(parse_community("a:1").error().message == "\"a:1\": \"a\" is not a number 0..65535");
  CHECK_FALSE(parse_community("65000:*").ok());  // patterns only where patterns are allowed
  CHECK_FALSE(parse_community("-1:0").ok());

  CHECK(large("4200000000:1:2") == LargeCommunity{4200000000u, 1, 2});
  CHECK(to_string(large("65000:0:4294967295")) == "65000:0:4294967295");
  CHECK(parse_large_community("1:2").error().message ==
        "\"1:2\" is not a large community (expected 3 fields separated by ':')");
  CHECK(parse_large_community("1:2:4294967296").error().message ==
        "\"1:2:4294967296\": \"4294967296\" is not a number 0..4294967295");

  CHECK(cpattern("65000:*").matches(community("65000:7")));
  CHECK_FALSE(cpattern("65000:*").matches(community("65001:7")));
  CHECK(cpattern("*:7").matches(community("1:7")));
  CHECK(cpattern("no-export").matches(kNoExport));
  CHECK(to_string(cpattern("65000:*")) == "65000:*");
  CHECK(to_string(cpattern("65535:65281")) == "no-export");
  CHECK(lpattern("65000:*:*").matches(large("65000:1:2")));
  CHECK_FALSE(lpattern("65000:*:3").matches(large("65000:1:2")));
  CHECK(to_string(lpattern("*:1:*")) == "*:1:*");
}

TEST_CASE("policy: AS paths as text and regular expressions over them") {
  AsPath p = sequence({65000, 65001});
  p.segments.push_back({AsPathSegmentType::as_set, {65002, 65003}});
  CHECK(as_path_text(p) == "65000 65001 {65002,65003}");
  AsPath confed;
  confed.segments.push_back({AsPathSegmentType::as_confed_sequence, {64512, 64513}});
  confed.segments.push_back({AsPathSegmentType::as_confed_set, {64514, 64515}});
  confed.segments.push_back({AsPathSegmentType::as_sequence, {65000}});
  CHECK(as_path_text(confed) == "(64512 64513) [64514,64515] 65000");
  CHECK(as_path_text(AsPath{}) == "");

  auto matches = [](std::string_view pattern, std::string text) {
    auto r = AsPathRegex::compile(pattern);
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    return r->matches(text);
  };
  CHECK(matches("^65000_", "65000 65001"));
  CHECK_FALSE(matches("^65000_", "650001 65001"));
  CHECK(matches("_65001$", "65000 65001"));
  CHECK(matches("_65001_", "65000 65001 65002"));
  CHECK_FALSE(matches("_65001_", "65000 165001 650011"));
  CHECK(matches("_65003_", "65000 {65002,65003}"));
  CHECK(matches("_64513_", "(64512 64513) 65000"));
  CHECK(matches("_64515_", "[64514,64515] 65000"));
  CHECK(matches("^$", ""));
  CHECK_FALSE(matches("^$", "65000"));
  CHECK(matches("^65000( 6500[0-9])*$", "65000 65001 65009"));
  CHECK(matches("^[0-9]+$", "65000"));
  CHECK(matches("^[_0-9]+$", "1_2"));  // "_" inside a bracket expression is literal
  CHECK(matches("\\{65002", "65000 {65002,65003}"));
  CHECK(matches("^([0-9]+_){2}[0-9]+$", "1 2 3"));
  CHECK(matches("[[:digit:]]_[[:digit:]]", "1 2"));

  CHECK(AsPathRegex::compile("(65000").error().message.find("(") != std::string::npos);
  CHECK(AsPathRegex::compile("(1)\\1").error().message == "back-references are not allowed");
  CHECK(AsPathRegex::compile("[0-9").error().message == "unmatched [ in a bracket expression");
  CHECK(AsPathRegex::compile(std::string(257, '1')).error().message == "longer than 256 characters");
  CHECK(AsPathRegex::compile("(((1){8}){8}){8}").error().message == "interval repeat counts multiply to more than 256");
  CHECK(AsPathRegex::compile("((1){16}){16}").ok());
  CHECK(AsPathRegex::compile(std::string("a\0b", 3)).error().message == "contains a NUL character");
}

TEST_CASE("policy: prefix sets (exact by default, ge/le ranges, both families)") {
  CHECK(validate(entry("10.0.0.0/8", 8, 32)).ok());
  CHECK(validate(PrefixMatch{prefix("10.0.0.0/16"), 8, 24}).error().message == "ge 8 is shorter than the prefix length 16");
  CHECK(validate(PrefixMatch{prefix("10.0.0.0/16"), 24, 20}).error().message == "le 20 is less than ge 24");
  CHECK(validate(PrefixMatch{prefix("10.0.0.0/16"), 24, 33}).error().message == "le 33 is longer than 32 bits");
  CHECK(validate(PrefixMatch{prefix("fd00::/48"), 64, 128}).ok());

  PrefixSet set;
  set.add(entry("10.0.0.0/8"));              // exact
  set.add(entry("10.2.0.0/16", 24, 26));     // /24../26 inside
  set.add(entry("192.168.0.0/16", 32, 32));  // host routes only
  set.add(entry("fd00:1::/48", 64, 128));    // IPv6, /64 and longer
  CHECK(set.contains(prefix("10.0.0.0/8")));
  CHECK_FALSE(set.contains(prefix("10.0.0.0/9")));
  CHECK_FALSE(set.contains(prefix("10.1.0.0/16")));
  CHECK(set.contains(prefix("10.2.3.0/24")));
  CHECK(set.contains(prefix("10.2.3.192/26")));
  CHECK_FALSE(set.contains(prefix("10.2.3.0/27")));
  CHECK_FALSE(set.contains(prefix("10.2.0.0/16")));
  CHECK(set.contains(prefix("192.168.1.1/32")));
  CHECK_FALSE(set.contains(prefix("192.168.1.0/31")));
  CHECK(set.contains(prefix("fd00:1:0:5::/64")));
  CHECK(set.contains(prefix("fd00:1::1/128")));
  CHECK_FALSE(set.contains(prefix("fd00:1::/48")));
  CHECK_FALSE(set.contains(prefix("fd00:2::/64")));
  CHECK_FALSE(set.contains(prefix("::/0")));
  CHECK_FALSE(set.contains(prefix("0.0.0.0/0")));

  // Two entries for one prefix add their ranges.
  PrefixSet twice;
  twice.add(entry("10.0.0.0/8", 16, 16));
  twice.add(entry("10.0.0.0/8", 24, 24));
  CHECK(twice.contains(prefix("10.1.0.0/16")));
  CHECK(twice.contains(prefix("10.1.1.0/24")));
  CHECK_FALSE(twice.contains(prefix("10.1.0.0/20")));
}

TEST_CASE("policy: prefix conditions, named and inline, IPv4 and IPv6") {
  Match m;
  m.prefix_lists = {"pods"};
  auto d = accept_if(m, {{"pods", PrefixList{{entry("10.1.0.0/16", 16, 26), entry("fd00:10::/48", 48, 122)}}}});
  Route r;
  r.pfx = prefix("10.1.0.0/24");
  CHECK(accepted(d, r));
  r.pfx = prefix("10.1.0.5/32");
  CHECK_FALSE(accepted(d, r));
  r.pfx = prefix("fd00:10:0:1::/64");
  CHECK(accepted(d, r));
  r.pfx = prefix("fd00:11::/64");
  CHECK_FALSE(accepted(d, r));

  Match inline_match;
  inline_match.prefixes = {entry("192.0.2.0/24")};
  inline_match.prefix_lists = {"pods"};  // either one will do
  auto d2 = accept_if(inline_match, {{"pods", PrefixList{{entry("10.1.0.0/16", 16, 26)}}}});
  r.pfx = prefix("192.0.2.0/24");
  CHECK(accepted(d2, r));
  r.pfx = prefix("10.1.2.0/24");
  CHECK(accepted(d2, r));
  r.pfx = prefix("192.0.2.0/25");
  CHECK_FALSE(accepted(d2, r));
}

TEST_CASE("policy: family, neighbour, peer type and route source conditions") {
  Route r;
  Match fam;
  fam.families = {kIpv6Unicast};
  CHECK_FALSE(accepted(accept_if(fam), r));
  r.pfx = prefix("2001:db8::/32");
  CHECK(accepted(accept_if(fam), r));

  Route n;
  Match nb;
  nb.neighbors = {prefix("192.0.2.0/30"), ip::Prefix::host(address("2001:db8::9"))};
  CHECK(accepted(accept_if(nb), n));
  n.neighbor = address("192.0.2.4");
  CHECK_FALSE(accepted(accept_if(nb), n));
  n.neighbor = address("2001:db8::9");
  CHECK(accepted(accept_if(nb), n));

  Route t;
  Match types;
  types.peer_types = {PeerKind::ibgp, PeerKind::rr_client};
  CHECK_FALSE(accepted(accept_if(types), t));
  t.peer_kind = PeerKind::rr_client;
  CHECK(accepted(accept_if(types), t));
  t.peer_kind = PeerKind::ibgp;
  CHECK(accepted(accept_if(types), t));

  // On export the route source is where the route came from, independent of the receiver.
  Route e;
  e.direction = Direction::outbound;
  e.peer_kind = PeerKind::ebgp;
  Match local;
  local.route_sources = {PeerKind::local};
  e.source = PeerKind::local;
  CHECK(accepted(accept_if(local), e));
  e.source = PeerKind::ibgp;
  CHECK_FALSE(accepted(accept_if(local), e));
  // On import the source is the sender.
  Route i;
  i.peer_kind = PeerKind::rr_client;
  Match from_client;
  from_client.route_sources = {PeerKind::rr_client};
  CHECK(accepted(accept_if(from_client), i));
}

TEST_CASE("policy: AS path conditions") {
  Route r;  // path 65001 65002
  auto with = [](AsPathMatch a) {
    Match m;
    m.as_path = std::move(a);
    return accept_if(m);
  };
  CHECK(accepted(with({.contains = {65002}}), r));
  CHECK(accepted(with({.contains = {7, 65001}}), r));
  CHECK_FALSE(accepted(with({.contains = {7}}), r));
  CHECK(accepted(with({.origin_as = {65002}}), r));
  CHECK_FALSE(accepted(with({.origin_as = {65001}}), r));
  CHECK(accepted(with({.neighbor_as = {65001}}), r));
  CHECK_FALSE(accepted(with({.neighbor_as = {65002}}), r));
  CHECK(accepted(with({.min_length = 2, .max_length = 2}), r));
  CHECK_FALSE(accepted(with({.max_length = 1}), r));
  CHECK_FALSE(accepted(with({.min_length = 3}), r));
  CHECK(accepted(with({.regex = "^65001_"}), r));
  CHECK_FALSE(accepted(with({.regex = "^65002_"}), r));
  CHECK(accepted(with({.contains = {65001}, .regex = "_65002$"}), r));

  // A path ending in an AS_SET has no origin AS; it counts one in the length.
  r.attrs.path.as_path->segments.push_back({AsPathSegmentType::as_set, {65003, 65004}});
  CHECK_FALSE(accepted(with({.origin_as = {65004}}), r));
  CHECK(accepted(with({.contains = {65004}}), r));
  CHECK(accepted(with({.min_length = 3, .max_length = 3}), r));
  CHECK(accepted(with({.regex = "_65004}$"}), r));

  // An empty (or absent) path: our own AS's routes.
  r.attrs.path.as_path.reset();
  CHECK(accepted(with({.max_length = 0}), r));
  CHECK(accepted(with({.regex = "^$"}), r));
  CHECK_FALSE(accepted(with({.origin_as = {65001}}), r));
  CHECK_FALSE(accepted(with({.neighbor_as = {65001}}), r));
}

TEST_CASE("policy: community conditions, any-of and all-of, standard and large") {
  Route r;
  r.attrs.path.communities = {community("65000:1"), community("65000:2"), kNoExport};
  r.attrs.path.large_communities = {large("65000:1:1")};
  auto comm = [](std::vector<std::string_view> any, std::vector<std::string_view> all) {
    CommunityMatch c;
    for (auto t : any) c.any_of.push_back(cpattern(t));
    for (auto t : all) c.all_of.push_back(cpattern(t));
    Match m;
    m.communities = c;
    return accept_if(m);
  };
  CHECK(accepted(comm({"65000:2", "65000:9"}, {}), r));
  CHECK_FALSE(accepted(comm({"65000:9"}, {}), r));
  CHECK(accepted(comm({}, {"65000:1", "no-export"}), r));
  CHECK_FALSE(accepted(comm({}, {"65000:1", "no-advertise"}), r));
  CHECK(accepted(comm({"65000:*"}, {"*:2"}), r));
  CHECK_FALSE(accepted(comm({"65001:*"}, {"*:2"}), r));

  LargeCommunityMatch l;
  l.any_of = {lpattern("65000:1:*")};
  Match m;
  m.large_communities = l;
  CHECK(accepted(accept_if(m), r));
  m.large_communities->all_of = {lpattern("65000:1:1"), lpattern("65000:2:*")};
  CHECK_FALSE(accepted(accept_if(m), r));

  // A route without communities matches no any-of and no all-of.
  r.attrs.path.communities.clear();
  CHECK_FALSE(accepted(comm({"*:*"}, {}), r));
  CHECK(accepted(comm({}, {}), r));  // an empty condition holds
}

TEST_CASE("policy: not") {
  Route r;
  Match m;
  Match inner;
  inner.as_path = AsPathMatch{.contains = {65002}};
  inner.families = {kIpv4Unicast};
  m.negated = {inner};
  CHECK_FALSE(accepted(accept_if(m), r));  // both inner conditions hold
  r.attrs.path.as_path = sequence({65009});
  CHECK(accepted(accept_if(m), r));
}

TEST_CASE("policy: LOCAL_PREF and MED actions") {
  Route r;
  auto o = apply({.local_pref = 200}, r);
  CHECK(o.edited);
  CHECK(o.attrs.path.local_pref == 200u);

  // Toward an eBGP peer LOCAL_PREF is never sent (RFC 4271 §5.1.5): the action is ignored.
  Route out;
  out.direction = Direction::outbound;
  out.peer_kind = PeerKind::ebgp;
  o = apply({.local_pref = 200}, out);
  CHECK_FALSE(o.edited);
  out.peer_kind = PeerKind::ibgp;
  CHECK(apply({.local_pref = 200}, out).attrs.path.local_pref == 200u);

  CHECK(apply({.med = 50}, r).attrs.path.multi_exit_disc == 50u);
  CHECK(apply({.add_med = 10}, r).attrs.path.multi_exit_disc == 10u);  // missing counts 0
  r.attrs.path.multi_exit_disc = 5;
  CHECK(apply({.add_med = -10}, r).attrs.path.multi_exit_disc == 0u);
  r.attrs.path.multi_exit_disc = 0xfffffff0u;
  CHECK(apply({.add_med = 100}, r).attrs.path.multi_exit_disc == 0xffffffffu);
  r.attrs.path.multi_exit_disc = 50;
  CHECK_FALSE(apply({.med = 50}, r).edited);  // already so: nothing copied
}

TEST_CASE("policy: community actions replace, remove and add, in that order, sorted") {
  Route r;
  r.attrs.path.communities = {community("65000:3"), community("65001:1"), kNoExport};
  CommunitiesEdit e;
  e.remove = {cpattern("65001:*")};
  e.add = {community("65000:1"), community("65000:3")};
  auto o = apply({.communities = e}, r);
  CHECK(o.attrs.path.communities == std::vector<Community>{community("65000:1"), community("65000:3"), kNoExport});

  CommunitiesEdit replace;
  replace.replace = std::vector<Community>{community("65000:9")};
  replace.remove = {cpattern("65000:9")};  // after the replacement
  replace.add = {community("65000:8")};
  CHECK(apply({.communities = replace}, r).attrs.path.communities == std::vector<Community>{community("65000:8")});

  CommunitiesEdit clear;
  clear.replace = std::vector<Community>{};
  CHECK(apply({.communities = clear}, r).attrs.path.communities.empty());

  // Adding what the route already carries (in order) copies nothing.
  Route sorted;
  sorted.attrs.path.communities = {community("65000:1")};
  CommunitiesEdit again;
  again.add = {community("65000:1")};
  CHECK_FALSE(apply({.communities = again}, sorted).edited);

  LargeCommunitiesEdit l;
  l.add = {large("65000:2:2"), large("65000:1:1")};
  l.remove = {lpattern("*:9:*")};
  r.attrs.path.large_communities = {large("1:9:1")};
  CHECK(apply({.large_communities = l}, r).attrs.path.large_communities ==
        std::vector<LargeCommunity>{large("65000:1:1"), large("65000:2:2")});
}

TEST_CASE("policy: next hop actions") {
  Route r;
  r.attrs.link_local_next_hop = address("fe80::1");
  NextHopAction to{NextHopAction::Kind::address, address("192.0.2.99")};
  auto o = apply({.next_hop = to}, r);
  CHECK(o.attrs.next_hop == address("192.0.2.99"));
  CHECK_FALSE(o.attrs.link_local_next_hop);

  // A next hop of the other family cannot carry the route: it is rejected.
  r.pfx = prefix("2001:db8::/32");
  CHECK(apply({.next_hop = to}, r).verdict == PolicyVerdict::reject);

  // peer: the sender's address (import).
  Route in;
  in.attrs.next_hop = address("198.51.100.1");
  CHECK(apply({.next_hop = NextHopAction{NextHopAction::Kind::peer, {}}}, in).attrs.next_hop == address("192.0.2.1"));

  // self: our address on the session, from the daemon (export); without one, rejected.
  Route out;
  out.direction = Direction::outbound;
  out.self = [](rib::PeerId to_id, AfiSafi f) -> std::optional<ip::Address> {
    if (to_id == 7 && f == kIpv4Unicast) return address("192.0.2.200");
    return std::nullopt;
  };
  NextHopAction self{NextHopAction::Kind::self, {}};
  CHECK(apply({.next_hop = self}, out).attrs.next_hop == address("192.0.2.200"));
  out.pfx = prefix("2001:db8::/32");
  CHECK(apply({.next_hop = self}, out).verdict == PolicyVerdict::reject);
  out.self = {};
  out.pfx = prefix("10.0.0.0/8");
  CHECK(apply({.next_hop = self}, out).verdict == PolicyVerdict::reject);
}

TEST_CASE("policy: AS path prepend, own AS or a given one") {
  Route r;
  auto o = apply({.prepend = Prepend{2, std::nullopt}}, r);
  CHECK(o.attrs.path.as_path == sequence({kOwnAs, kOwnAs, 65001, 65002}));
  o = apply({.prepend = Prepend{1, 64999}}, r);
  CHECK(o.attrs.path.as_path == sequence({64999, 65001, 65002}));
  r.attrs.path.as_path.reset();
  CHECK(apply({.prepend = Prepend{3, std::nullopt}}, r).attrs.path.as_path == sequence({kOwnAs, kOwnAs, kOwnAs}));
  // A path starting with an AS_SET gets a new AS_SEQUENCE in front.
  r.attrs.path.as_path = AsPath{{{AsPathSegmentType::as_set, {1, 2}}}};
  auto set_first = apply({.prepend = Prepend{1, std::nullopt}}, r).attrs.path.as_path;
  REQUIRE(set_first->segments.size() == 2);
  CHECK(set_first->segments[0] == AsPathSegment{AsPathSegmentType::as_sequence, {kOwnAs}});
}

TEST_CASE("policy: the first term that accepts or rejects decides; next carries changes on") {
  Route r;
  r.attrs.path.communities = {community("65000:1")};

  Policy p;
  Match has1;
  has1.communities = CommunityMatch{{cpattern("65000:1")}, {}};
  Match has2;
  has2.communities = CommunityMatch{{cpattern("65000:2")}, {}};
  CommunitiesEdit add2;
  add2.add = {community("65000:2")};
  // 1: routes with 65000:1 get 65000:2 and go on; 2: routes with 65000:2 get LOCAL_PREF
  // 300 and are accepted; 3 (never reached for them) rejects.
  p.terms.push_back(Term{"tag", has1, {.communities = add2}, Action::next});
  p.terms.push_back(Term{"prefer", has2, {.local_pref = 300}, Action::accept});
  p.terms.push_back(Term{"drop", {}, {}, Action::reject});
  auto o = run(with_policy(p), r);
  CHECK(o.verdict == PolicyVerdict::accept);
  CHECK(o.attrs.path.local_pref == 300u);
  CHECK(o.attrs.path.communities == std::vector<Community>{community("65000:1"), community("65000:2")});

  // Without 65000:1 the first two terms do not match and the third rejects.
  r.attrs.path.communities.clear();
  CHECK(run(with_policy(p), r).verdict == PolicyVerdict::reject);

  // Order matters: a reject first wins over a later accept.
  Policy q;
  q.terms.push_back(Term{"", has1, {}, Action::reject});
  q.terms.push_back(Term{"", {}, {}, Action::accept});
  r.attrs.path.communities = {community("65000:1")};
  CHECK(run(with_policy(q), r).verdict == PolicyVerdict::reject);
  r.attrs.path.communities = {};
  CHECK(run(with_policy(q), r).verdict == PolicyVerdict::accept);
}

TEST_CASE("policy: default actions and falling through to the next policy") {
  Route r;
  Policy p;  // no terms
  p.default_action = Action::accept;
  CHECK(run(with_policy(p), r).verdict == PolicyVerdict::accept);
  p.default_action = Action::reject;
  CHECK(run(with_policy(p), r, PolicyVerdict::accept).verdict == PolicyVerdict::reject);
  p.default_action = Action::next;
  CHECK(run(with_policy(p), r, PolicyVerdict::accept).verdict == PolicyVerdict::accept);
  CHECK(run(with_policy(p), r, PolicyVerdict::reject).verdict == PolicyVerdict::reject);

  // A chain: the first policy tags and falls through, the second decides on the tag.
  Definitions d;
  CommunitiesEdit tag;
  tag.add = {community("65000:7")};
  d.policies["tag"] = Policy{{Term{"", {}, {.communities = tag}, Action::next}}, Action::next};
  Match tagged;
  tagged.communities = CommunityMatch{{cpattern("65000:7")}, {}};
  d.policies["decide"] = Policy{{Term{"", tagged, {}, Action::accept}}, Action::reject};
  auto library = PolicyLibrary::compile(d);
  REQUIRE(library.ok());
  std::vector<std::string> names{"tag", "decide"};
  auto chain = library->chain(names, Direction::inbound, PolicyVerdict::reject);
  REQUIRE(chain.ok());
  RouteEditor editor(r.attrs);
  CHECK(chain->evaluate(r.context(), editor) == PolicyVerdict::accept);
}

TEST_CASE("policy: a policy that only filters copies no attributes") {
  Route r;
  r.attrs.path.communities = {community("65000:1")};
  Match m;
  m.prefix_lists = {"l"};
  m.as_path = AsPathMatch{.contains = {65001}, .regex = "_65002$"};
  m.communities = CommunityMatch{{cpattern("65000:*")}, {}};
  Policy p;
  p.terms.push_back(Term{"", m, {}, Action::accept});
  auto o = run(with_policy(p, {{"l", PrefixList{{entry("10.0.0.0/8", 8, 24)}}}}), r);
  CHECK(o.verdict == PolicyVerdict::accept);
  CHECK_FALSE(o.edited);
  r.pfx = prefix("10.0.0.0/25");
  o = run(with_policy(p, {{"l", PrefixList{{entry("10.0.0.0/8", 8, 24)}}}}), r);
  CHECK(o.verdict == PolicyVerdict::reject);
  CHECK_FALSE(o.edited);
}

TEST_CASE("policy: compile errors name the place") {
  Match m;
  m.prefix_lists = {"missing"};
  CHECK(compile_error(accept_if(m)) == "policies.p.terms[0].match.prefixList[0]: no prefix list named \"missing\"");

  Policy bad_reject;
  bad_reject.terms.push_back(Term{"", {}, {.med = 1}, Action::reject});
  CHECK(compile_error(with_policy(bad_reject)) ==
        "policies.p.terms[0].set: a rejecting term's modifications would be thrown away");

  Policy twice;
  twice.terms.push_back(Term{"a", {}, {}, Action::next});
  twice.terms.push_back(Term{"a", {}, {}, Action::accept});
  CHECK(compile_error(with_policy(twice)) == "policies.p.terms[1].name: \"a\" is also the name of terms[0]");

  Match re;
  re.as_path = AsPathMatch{.regex = "(1)\\1"};
  CHECK(compile_error(accept_if(re)) ==
        "policies.p.terms[0].match.asPath.regex: back-references are not allowed");

  Match len;
  len.as_path = AsPathMatch{.min_length = 3, .max_length = 2};
  CHECK(compile_error(accept_if(len)) == "policies.p.terms[0].match.asPath.length: min 3 is more than max 2");

  Match local;
  local.peer_types = {PeerKind::local};
  CHECK(compile_error(accept_if(local)) ==
        "policies.p.terms[0].match.peerType: \"local\" is not a kind of neighbour (it is a routeSource)");

  Match nested;
  Match inner;
  inner.prefixes = {PrefixMatch{prefix("10.0.0.0/16"), 8, 16}};
  nested.negated = {inner};
  CHECK(compile_error(accept_if(nested)) ==
        "policies.p.terms[0].match.not.prefixes[0]: ge 8 is shorter than the prefix length 16");

  Policy prepend;
  prepend.terms.push_back(Term{"", {}, {.prepend = Prepend{0, std::nullopt}}, Action::accept});
  CHECK(compile_error(with_policy(prepend)) == "policies.p.terms[0].set.asPathPrepend.count: 0 is not allowed (1..32)");

  Policy both;
  both.terms.push_back(Term{"", {}, {.med = 1, .add_med = 1}, Action::accept});
  CHECK(compile_error(with_policy(both)) == "policies.p.terms[0].set: med and addMed are exclusive");

  Definitions bad_list;
  bad_list.prefix_lists["l"] = PrefixList{{entry("10.0.0.0/8"), PrefixMatch{prefix("10.0.0.0/8"), 8, 40}}};
  CHECK(compile_error(bad_list) == "prefixLists.l[1]: le 40 is longer than 32 bits");
}

TEST_CASE("policy: chains refuse unknown names and next hops that do not apply in the direction") {
  Definitions d;
  d.policies["self"] =
      Policy{{Term{"", {}, {.next_hop = NextHopAction{NextHopAction::Kind::self, {}}}, Action::accept}}};
  d.policies["peer"] =
      Policy{{Term{"", {}, {.next_hop = NextHopAction{NextHopAction::Kind::peer, {}}}, Action::accept}}};
  auto library = PolicyLibrary::compile(d);
  REQUIRE(library.ok());
  std::vector<std::string> self{"self"}, peer{"peer"}, missing{"peer", "nope"};
  CHECK(library->chain(self, Direction::outbound, PolicyVerdict::reject).ok());
  CHECK(library->chain(self, Direction::inbound, PolicyVerdict::reject).error().message ==
        "[0]: policy \"self\" sets nextHop \"self\", which applies only on export");
  CHECK(library->chain(peer, Direction::inbound, PolicyVerdict::reject).ok());
  CHECK(library->chain(peer, Direction::outbound, PolicyVerdict::reject).error().message ==
        "[0]: policy \"peer\" sets nextHop \"peer\", which applies only on import");
  CHECK(library->chain(missing, Direction::inbound, PolicyVerdict::reject).error().message ==
        "[1]: no policy named \"nope\"");
}

TEST_CASE("policy: RFC 8212 defaults") {
  using V = PolicyVerdict;
  CHECK(default_verdict(true, std::nullopt, true) == V::reject);
  CHECK(default_verdict(false, std::nullopt, true) == V::accept);
  CHECK(default_verdict(true, V::accept, true) == V::accept);   // a per-neighbour opt-out
  CHECK(default_verdict(false, V::reject, true) == V::reject);
  CHECK(default_verdict(true, std::nullopt, false) == V::accept);  // the speaker opted out

  // Hooks: nothing to run and accept is no hook at all; reject is a hook that refuses.
  CHECK_FALSE(import_hook(PolicyChain{{}, V::accept}, kOwnAs));
  CHECK_FALSE(export_hook(PolicyChain{{}, V::accept}, kOwnAs));
  auto reject_all = import_hook(PolicyChain{{}, V::reject}, kOwnAs);
  REQUIRE(reject_all);
  rib::PeerInfo peer = rib::testing::peer("192.0.2.1", 65001);
  RouteAttributes attrs;
  RouteEditor editor(attrs);
  ip::Prefix p = prefix("10.0.0.0/8");
  CHECK(reject_all(rib::ImportRoute{kIpv4Unicast, p, 1, peer}, editor) == V::reject);

  CHECK(peer_kind(peer, kOwnAs) == PeerKind::ebgp);
  peer.remote_as = kOwnAs;
  CHECK(peer_kind(peer, kOwnAs) == PeerKind::ibgp);
  peer.route_reflector_client = true;
  CHECK(peer_kind(peer, kOwnAs) == PeerKind::rr_client);
  peer.local_as = 64999;  // a local-AS override makes it external again
  CHECK(peer_kind(peer, kOwnAs) == PeerKind::ebgp);
}

TEST_CASE("policy: hooks in a RIB: eBGP needs a policy, iBGP does not, export rewrites") {
  using namespace sluice::bgp::rib::testing;
  using rib::LocRib;
  using rib::PeerId;
  using rib::PeerInfo;
  Lab lab;
  // eBGP peer with no policy: RFC 8212 rejects its routes and sends it nothing.
  PeerInfo ebgp = peer("192.0.2.1", 65001);
  ebgp.import_policy = import_hook(PolicyChain{{}, default_verdict(true, std::nullopt, true)}, kLocalAs);
  ebgp.export_policy = export_hook(PolicyChain{{}, default_verdict(true, std::nullopt, true)}, kLocalAs);
  PeerId e = lab.join(ebgp, "1.1.1.1", "192.0.2.254");
  // iBGP peer with no policy: everything goes.
  PeerInfo ibgp = peer("10.0.0.2", kLocalAs);
  PeerId i = lab.join(ibgp, "2.2.2.2", "10.0.0.1");
  // A second eBGP peer with an export policy: prepend twice and tag.
  Definitions d;
  CommunitiesEdit tag;
  tag.add = {community("65000:100")};
  Match from_ibgp;
  from_ibgp.route_sources = {PeerKind::ibgp};
  d.policies["out"] = Policy{{Term{"", from_ibgp, {.prepend = Prepend{2, std::nullopt}, .communities = tag}, Action::accept}},
                             Action::reject};
  d.policies["in"] = Policy{{}, Action::accept};
  auto library = PolicyLibrary::compile(d);
  REQUIRE(library.ok());
  std::vector<std::string> out{"out"}, in{"in"};
  PeerInfo tor = peer("192.0.2.9", 65009);
  tor.import_policy = import_hook(*library->chain(in, Direction::inbound, PolicyVerdict::reject), kLocalAs);
  tor.export_policy = export_hook(*library->chain(out, Direction::outbound, PolicyVerdict::reject), kLocalAs);
  PeerId t = lab.join(tor, "9.9.9.9", "192.0.2.254");

  lab.rib.apply_update(e, announce(path({65001}), "192.0.2.1", {"10.1.0.0/24"}));
  lab.rib.apply_update(i, announce(path({}), "10.0.0.2", {"10.2.0.0/24"}));
  lab.rib.apply_update(t, announce(path({65009}), "192.0.2.9", {"10.9.0.0/24"}));
  lab.sync();

  const LocRib* v4 = lab.rib.loc_rib(kIpv4Unicast);
  CHECK_FALSE(v4->find(prefix("10.1.0.0/24")));  // eBGP without policy: refused
  CHECK(v4->find(prefix("10.2.0.0/24")));
  CHECK(v4->find(prefix("10.9.0.0/24")));        // eBGP with an accepting policy

  // The eBGP peer without an export policy got nothing.
  CHECK(lab.at(e).size() == 0);
  // The iBGP peer got the ToR's route.
  CHECK(lab.at(i).find("10.9.0.0/24"));
  // The ToR got only the iBGP-learned route, prepended twice after our own AS, tagged.
  CHECK(lab.at(t).size() == 1);
  const auto* sent = lab.at(t).find("10.2.0.0/24");
  REQUIRE(sent);
  CHECK(sent->attributes.as_path == sequence({kLocalAs, kLocalAs, kLocalAs}));
  CHECK(sent->attributes.communities == std::vector<Community>{community("65000:100")});
}
