// bgpd's configuration file: the examples parse, defaults, every error with its exact
// message, the mappings to the session, the RIB and the speaker, and reload diffs.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "bgpd/config/config_file.hpp"
#include "bgpd/config/diff.hpp"
#include "bgpd/config/mapping.hpp"
#include "bgpd/fib/fib.hpp"
#include "bgpd/policy/community.hpp"
#include "codec_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::config;
using sluice::bgp::testing::address;
using sluice::bgp::testing::prefix;

// One route protocol number for bgpd, whichever default a reader looks at.
static_assert(kDefaultRouteProtocol == fib::kBgpdRouteProtocol);

namespace {

// Password files come from this map instead of the disk.
ParseOptions options(std::map<std::string, std::string> files = {{"/keys/tor.key", "s3cret\n"}}) {
  ParseOptions o;
  o.base_directory = "/keys";
  o.read_file = [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return Error{"cannot read " + path + ": No such file or directory"};
    return it->second;
  };
  return o;
}

Config parse(std::string_view json) {
  auto c = parse_config(json, options());
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  return *c;
}

std::string error(std::string_view json) {
  auto c = parse_config(json, options());
  REQUIRE_MESSAGE(!c.ok(), json);
  return c.error().message;
}

// A configuration with the speaker at 10.0.0.1 (AS 64512) and `rest` after it.
std::string with(std::string_view rest) {
  return std::string(R"({"speaker": {"routerId": "10.0.0.1"})") + (rest.empty() ? "" : ", ") + std::string(rest) + "}";
}
// One neighbour with these extra fields.
std::string neighbor(std::string_view fields, std::string_view rest = "") {
  std::string n = R"("neighbors": [{"address": "10.0.0.2", "asNumber": 64512)";
  if (!fields.empty()) n += ", " + std::string(fields);
  n += "}]";
  if (!rest.empty()) n += ", " + std::string(rest);
  return with(n);
}

Config example(std::string_view name) {
  auto text = read_text_file(std::string(SLUICE_BGPD_EXAMPLES) + "/" + std::string(name), 1 << 20);
  REQUIRE_MESSAGE(text.ok(), text.error().message);
  auto c = parse_config(*text, options({{"/keys/tor.key", "tor-secret\n"}, {"/etc/sluice/bgpd/mesh.key", "mesh"}}));
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  return *c;
}

}  // namespace

TEST_CASE("config: the node-and-ToR example") {
  Config c = example("node-tor.json");
  CHECK(c.speaker.as_number == 64512u);
  CHECK(c.speaker.router_id == address("10.0.0.11"));
  CHECK(c.speaker.listen_addresses == std::vector<ip::Address>{address("10.0.0.11")});
  CHECK(c.speaker.multipath == MultipathConfig{true, 8, true});
  REQUIRE(c.neighbors.size() == 2);
  const NeighborConfig& tor = c.neighbors[0];
  CHECK(tor.address == address("10.0.0.1"));
  CHECK(tor.as_number == 65001u);
  CHECK(tor.description == "tor-a, rack 3");
  CHECK(tor.ttl_security == 1);
  CHECK(tor.hold_time == 9);
  CHECK(tor.keepalive_time == 3);
  CHECK(tor.password == "tor-secret");  // read from the file, its newline dropped
  CHECK(tor.password_file == "tor.key");
  CHECK(tor.import_policies == std::vector<std::string>{"from-tor"});
  CHECK(tor.export_policies == std::vector<std::string>{"to-tor"});
  CHECK(tor.max_prefix == MaxPrefixConfig{1000, MaxPrefixAction::restart, 60});
  CHECK(c.policy.prefix_lists.at("pods").entries ==
        std::vector<policy::PrefixMatch>{{prefix("10.244.0.0/16"), 26, 32}});
  CHECK(c.policy.prefix_lists.at("default-route").entries ==
        std::vector<policy::PrefixMatch>{{prefix("0.0.0.0/0"), 0, 0}});
  const policy::Policy& from = c.policy.policies.at("from-tor");
  REQUIRE(from.terms.size() == 3);
  CHECK(from.terms[0].name == "default");
  CHECK(from.terms[0].match.as_path->neighbor_as == std::vector<std::uint32_t>{65001});
  CHECK(from.terms[0].set.local_pref == 200u);
  CHECK(from.terms[1].action == policy::Action::reject);
  CHECK(from.terms[2].match.as_path->max_length == 4u);
  CHECK(from.default_action == policy::Action::reject);
  const policy::Policy& to = c.policy.policies.at("to-tor");
  CHECK(to.terms[0].match.route_sources == std::vector<policy::PeerKind>{policy::PeerKind::local});
  CHECK(to.terms[0].match.prefix_lists == std::vector<std::string>{"pods", "services"});
  CHECK(to.terms[0].set.communities->add == std::vector<Community>{(64512u << 16) | 100});
  REQUIRE(c.originate.size() == 2);
  CHECK(c.originate[0] == OriginateConfig{prefix("10.244.1.0/26"), true, std::nullopt, {}, {}, std::nullopt, std::nullopt, true});
  CHECK(c.fib == FibConfig{});
  CHECK(c.daemon.control_socket == "/run/sluice/bgpd.sock");
  CHECK(c.daemon.log_level == log::Level::info);
  CHECK(c.daemon.log_format == log::Format::json);

  auto settings = speaker_settings(c);
  REQUIRE_MESSAGE(settings.ok(), settings.error().message);
  CHECK(settings->neighbors.size() == 2);
  CHECK(settings->neighbors[0].md5_password == "tor-secret");
  CHECK(settings->neighbors[0].gtsm_hops == 1);
  CHECK(settings->originate.size() == 2);
}

TEST_CASE("config: the route reflector example") {
  Config c = example("route-reflector.json");
  CHECK(c.speaker.cluster_id == address("10.0.0.2"));
  REQUIRE(c.listen_ranges.size() == 1);
  const ListenRangeConfig& r = c.listen_ranges[0];
  CHECK(r.prefix == prefix("10.0.0.0/24"));
  CHECK(r.as_number == 64512u);
  CHECK(r.max_peers == 500);
  CHECK(r.neighbor.route_reflector_client);
  CHECK(r.neighbor.passive);
  CHECK(r.neighbor.password == "mesh");
  CHECK(r.neighbor.add_path.send == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(r.neighbor.max_prefix == MaxPrefixConfig{2000, MaxPrefixAction::warn, 60});
  CHECK_FALSE(c.fib.enabled);

  auto settings = speaker_settings(c);
  REQUIRE_MESSAGE(settings.ok(), settings.error().message);
  REQUIRE(settings->listen_ranges.size() == 1);
  const NeighborSettings& t = settings->listen_ranges[0].neighbor;
  CHECK(t.session.passive);
  CHECK(t.peer.route_reflector_client);
  CHECK(t.peer.add_path == std::vector<AddPathFamily>{{kIpv4Unicast, AddPathMode::send}});
  CHECK(t.session.capabilities.add_path == std::vector<AddPathFamily>{{kIpv4Unicast, AddPathMode::send}});
  CHECK(validate(t.session).ok());
  // iBGP clients need no policy (RFC 8212 is about eBGP): no hooks at all.
  CHECK_FALSE(t.peer.import_policy);
  CHECK_FALSE(t.peer.export_policy);
}

TEST_CASE("config: defaults") {
  Config c = parse(R"({"speaker": {"routerId": "192.0.2.1"}})");
  const SpeakerConfig& s = c.speaker;
  CHECK(s.as_number == 64512u);
  CHECK(s.listen_port == 179);
  CHECK(s.listen_addresses.empty());
  CHECK(s.hold_time == 90);
  CHECK_FALSE(s.keepalive_time);
  CHECK(s.connect_retry_time == 5);
  CHECK(s.graceful_restart == GracefulRestartConfig{true, 120, 360});
  CHECK(s.multipath == MultipathConfig{true, 16, false});
  CHECK(s.default_local_pref == 100u);
  CHECK(s.ebgp_requires_policy);
  CHECK(c.fib == FibConfig{true, 254, 201, 1024, true, true});
  CHECK(c.daemon == DaemonConfig{});
  CHECK(listen_endpoints(s) == std::vector<ip::Endpoint>{{address("0.0.0.0"), 179}, {address("::"), 179}});

  Config n = parse(neighbor(""));
  const NeighborConfig& x = n.neighbors[0];
  CHECK(x.port == 179);
  CHECK(x.families.empty());
  CHECK(effective_families(x, ip::Family::v4) == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(x.next_hop_mode == rib::NextHopMode::automatic);
  CHECK(x.route_refresh);
  CHECK(x.enhanced_route_refresh);
  CHECK(x.extended_messages);
  CHECK_FALSE(x.graceful_restart);
  CHECK_FALSE(x.max_prefix);

  // A prefix-list entry: exact by default; ge alone reaches the longest prefix; le alone
  // starts at the entry's own length.
  Config p = parse(with(R"("prefixLists": {"l": ["10.0.0.0/8", {"prefix": "10.0.0.0/8", "ge": 16},
                                            {"prefix": "10.0.0.0/8", "le": 24}, {"prefix": "fd00::/8", "ge": 48}]})"));
  CHECK(p.policy.prefix_lists.at("l").entries ==
        std::vector<policy::PrefixMatch>{{prefix("10.0.0.0/8"), 8, 8},
                                         {prefix("10.0.0.0/8"), 16, 32},
                                         {prefix("10.0.0.0/8"), 8, 24},
                                         {prefix("fd00::/8"), 48, 128}});
}

TEST_CASE("config: a policy with every match and action parses into the model") {
  Config c = parse(with(R"("policies": {"p": {"terms": [{
      "name": "all",
      "match": {"prefixes": [{"prefix": "10.0.0.0/8", "le": 24}], "family": ["ipv4-unicast", "ipv6-unicast"],
                "neighbor": ["192.0.2.1", "198.51.100.0/24"], "peerType": "ebgp", "routeSource": ["ibgp", "local"],
                "asPath": {"contains": [1, 2], "originAs": 3, "neighborAs": [4], "length": {"min": 1, "max": 9},
                           "regex": "^4_"},
                "community": {"anyOf": ["65000:*", "no-export"], "allOf": "1:2"},
                "largeCommunity": {"anyOf": ["1:2:*"]},
                "not": {"community": {"anyOf": ["blackhole"]}}},
      "set": {"localPref": 300, "addMed": -5, "nextHop": "self", "asPathPrepend": {"count": 2, "asNumber": 65009},
              "community": {"replace": [], "remove": ["65000:*"], "add": ["65000:1"]},
              "largeCommunity": {"add": ["1:2:3"]}},
      "action": "next"}, {"action": "accept", "set": {"med": 7, "nextHop": "192.0.2.9", "asPathPrepend": 1}}],
    "defaultAction": "next"}})"));
  const policy::Policy& p = c.policy.policies.at("p");
  REQUIRE(p.terms.size() == 2);
  const policy::Match& m = p.terms[0].match;
  CHECK(m.prefixes == std::vector<policy::PrefixMatch>{{prefix("10.0.0.0/8"), 8, 24}});
  CHECK(m.families == std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast});
  CHECK(m.neighbors == std::vector<ip::Prefix>{prefix("192.0.2.1/32"), prefix("198.51.100.0/24")});
  CHECK(m.peer_types == std::vector<policy::PeerKind>{policy::PeerKind::ebgp});
  CHECK(m.route_sources == std::vector<policy::PeerKind>{policy::PeerKind::ibgp, policy::PeerKind::local});
  CHECK(m.as_path == policy::AsPathMatch{{1, 2}, {3}, {4}, 1u, 9u, std::string("^4_")});
  CHECK(m.communities->any_of.size() == 2);
  CHECK(m.communities->all_of.size() == 1);
  CHECK(m.large_communities->any_of.size() == 1);
  REQUIRE(m.negated.size() == 1);
  CHECK(m.negated[0].communities->any_of[0] == *policy::parse_community_pattern("blackhole"));
  const policy::Actions& a = p.terms[0].set;
  CHECK(a.local_pref == 300u);
  CHECK(a.add_med == -5);
  CHECK(a.next_hop == policy::NextHopAction{policy::NextHopAction::Kind::self, {}});
  CHECK(a.prepend == policy::Prepend{2, 65009u});
  CHECK(a.communities->replace == std::vector<Community>{});
  CHECK(a.communities->remove.size() == 1);
  CHECK(a.communities->add == std::vector<Community>{(65000u << 16) | 1});
  CHECK(a.large_communities->add == std::vector<LargeCommunity>{{1, 2, 3}});
  CHECK(p.terms[0].action == policy::Action::next);
  CHECK(p.terms[1].set.med == 7u);
  CHECK(p.terms[1].set.next_hop == policy::NextHopAction{policy::NextHopAction::Kind::address, address("192.0.2.9")});
  CHECK(p.terms[1].set.prepend == policy::Prepend{1, std::nullopt});
  CHECK(p.default_action == policy::Action::next);
}

TEST_CASE("config: JSON errors name the path and the problem") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "invalid JSON at offset 1: Missing a name for object member."},
      {"[]", "the configuration: expected an object, got an array"},
      {R"({"speakers": {}})", "speakers: unknown key (did you mean \"speaker\"?)"},
      {R"({"zzz": 1})", "zzz: unknown key"},
      {R"({"speaker": {"routerId": "10.0.0.1"}, "speaker": {}})", "speaker: given twice"},
      {R"({})", "speaker: missing"},
      {R"({"speaker": 1})", "speaker: expected an object, got an integer"},
      {R"({"speaker": {"routerId": "10.0.0.1", "asNumber": "64512"}})",
       "speaker.asNumber: expected an integer, got a string"},
      {R"({"speaker": {"routerId": "10.0.0.1", "asNumber": 4294967296}})",
       "speaker.asNumber: 4294967296 is not allowed (0..4294967295)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "asNumber": 18446744073709551615}})",
       "speaker.asNumber: 18446744073709551615 is not allowed (0..4294967295)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "holdTime": 1.5}})", "speaker.holdTime: expected an integer, got a number"},
      {R"({"speaker": {"routerId": "10.0.0.1", "holdTime": 70000}})",
       "speaker.holdTime: 70000 is not allowed (0 or 3..65535)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "listenPort": -1}})", "speaker.listenPort: -1 is not allowed (0..65535)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "RouterId": "10.0.0.1"}})",
       "speaker.RouterId: unknown key (did you mean \"routerId\"?)"},
      {R"({"speaker": {"routerId": "10.0.0.1.5"}})",
       "speaker.routerId: " + ip::Address::parse("10.0.0.1.5").error().message},
      {R"({"speaker": {"routerId": "10.0.0.1", "listenAddresses": ["10.0.0.1", "x"]}})",
       "speaker.listenAddresses[1]: " + ip::Address::parse("x").error().message},
      {R"({"speaker": {"routerId": "10.0.0.1", "multipath": {"enabled": 1}}})",
       "speaker.multipath.enabled: expected a boolean, got an integer"},
      {R"({"speaker": {"routerId": "10.0.0.1", "multipath": {"maxPaths": 0}}})",
       "speaker.multipath.maxPaths: 0 is not allowed (1..256)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "gracefulRestart": {"restartTime": 4096}}})",
       "speaker.gracefulRestart.restartTime: 4096 is not allowed (0..4095)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "gracefulRestart": {"staleTime": 1}}})",
       "speaker.gracefulRestart.staleTime: unknown key"},
      {with(R"("neighbors": {})"), "neighbors: expected an array, got an object"},
      {with(R"("neighbors": [{"asNumber": 1}])"), "neighbors[0].address: missing"},
      {with(R"("neighbors": [{"address": "10.0.0.2"}])"), "neighbors[0].asNumber: missing"},
      {neighbor(R"("holdtime": 9)"), "neighbors[0].holdtime: unknown key (did you mean \"holdTime\"?)"},
      {neighbor(R"("remoteAs": 9)"), "neighbors[0].remoteAs: unknown key"},
      {neighbor(R"("password": "a", "passwordFile": "b")"), "neighbors[0]: password and passwordFile are exclusive"},
      {neighbor(R"("password": "")"), "neighbors[0].password: must not be empty"},
      {neighbor(R"("password": "a\u0000b")"), "neighbors[0].password: contains a NUL character"},
      {neighbor(R"("passwordFile": "missing.key")"),
       "neighbors[0].passwordFile: cannot read /keys/missing.key: No such file or directory"},
      {neighbor(R"("families": ["ipv4"])"),
       "neighbors[0].families[0]: \"ipv4\" is not a family (\"ipv4-unicast\" or \"ipv6-unicast\")"},
      {neighbor(R"("families": [])"), "neighbors[0].families: must not be empty"},
      {neighbor(R"("nextHopMode": "keep")"),
       "neighbors[0].nextHopMode: \"keep\" is not one of \"auto\", \"self\", \"unchanged\""},
      {neighbor(R"("addPath": {"send": ["ipv4-unicast"], "limit": 3})"),
       "neighbors[0].addPath.limit: only with select \"best\""},
      {neighbor(R"("maxPrefix": {"action": "warn"})"), "neighbors[0].maxPrefix.limit: missing"},
      {neighbor(R"("maxPrefix": {"limit": 0})"), "neighbors[0].maxPrefix.limit: 0 is not allowed (1..4294967295)"},
      {neighbor(R"("maxPrefix": {"limit": 5, "action": "stop", "restartAfter": 5})"),
       "neighbors[0].maxPrefix.restartAfter: only with action \"restart\""},
      {neighbor(R"("importPolicy": 5)"),
       "neighbors[0].importPolicy: expected a string or an array of strings, got an integer"},
      {neighbor(R"("defaultPolicy": "permit")"),
       "neighbors[0].defaultPolicy: \"permit\" is not one of \"accept\", \"reject\""},
      {neighbor(R"("ttlSecurity": 255)"), "neighbors[0].ttlSecurity: 255 is not allowed (1..254)"},
      {neighbor(R"("allowOwnAs": 11)"), "neighbors[0].allowOwnAs: 11 is not allowed (0..10)"},
      {neighbor(R"("port": 0)"), "neighbors[0].port: 0 is not allowed (1..65535)"},
      {with(R"("listenRanges": [{"asNumber": 1}])"), "listenRanges[0].prefix: missing"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24", "template": {"address": "10.0.0.1"}}])"),
       "listenRanges[0].template.address: unknown key"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24", "template": {"passive": true}}])"),
       "listenRanges[0].template.passive: unknown key"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.1/24"}])"),
       "listenRanges[0].prefix: " + ip::Prefix::parse("10.0.0.1/24").error().message},
      {with(R"("prefixLists": {"bad name": []})"),
       "prefixLists: \"bad name\" is not a valid name (1..63 letters, digits, '-', '_' or '.', starting with a letter "
       "or digit)"},
      {with(R"("prefixLists": {"l": {}})"), "prefixLists.l: expected an array, got an object"},
      {with(R"("prefixLists": {"l": [{"prefix": "10.0.0.0/16", "ge": 8}]})"),
       "prefixLists.l[0]: ge 8 is shorter than the prefix length 16"},
      {with(R"("prefixLists": {"l": [{"prefix": "10.0.0.0/16", "le": 129}]})"),
       "prefixLists.l[0].le: 129 is not allowed (0..128)"},
      {with(R"("prefixLists": {"l": [{"prefix": "10.0.0.0/16", "le": 33}]})"),
       "prefixLists.l[0]: le 33 is longer than 32 bits"},
      {with(R"("prefixLists": {"l": [{"ge": 24}]})"), "prefixLists.l[0].prefix: missing"},
      {with(R"("policies": {"p": {"terms": [{}]}})"), "policies.p.terms[0].action: missing"},
      {with(R"("policies": {"p": {"terms": [{"action": "permit"}]}})"),
       "policies.p.terms[0].action: \"permit\" is not one of \"accept\", \"reject\", \"next\""},
      {with(R"("policies": {"p": {"term": []}})"), "policies.p.term: unknown key (did you mean \"terms\"?)"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"prefix": "10.0.0.0/8"}}]}})"),
       "policies.p.terms[0].match.prefix: unknown key (did you mean \"prefixes\"?)"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"community": {"anyOf": ["65536:1"]}}}]}})"),
       "policies.p.terms[0].match.community.anyOf[0]: \"65536:1\": \"65536\" is not a number 0..65535"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"community": {}}}]}})"),
       "policies.p.terms[0].match.community: needs anyOf or allOf"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"peerType": "external"}}]}})"),
       "policies.p.terms[0].match.peerType: \"external\" is not one of \"ebgp\", \"ibgp\", \"rr-client\", \"local\""},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"asPath": {"regex": ""}}}]}})"),
       "policies.p.terms[0].match.asPath.regex: must not be empty"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "set": {"nextHop": "me"}}]}})"),
       "policies.p.terms[0].set.nextHop: \"me\" is not \"self\", \"peer\" or an address"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "set": {"asPathPrepend": 0}}]}})"),
       "policies.p.terms[0].set.asPathPrepend: 0 is not allowed (1..32)"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "set": {"community": {"add": ["65000:*"]}}}]}})"),
       "policies.p.terms[0].set.community.add[0]: \"65000:*\": \"*\" is not a number 0..65535"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "set": {"addMed": 4294967296}}]}})"),
       "policies.p.terms[0].set.addMed: 4294967296 is not allowed (-4294967295..4294967295)"},
      {with(R"("originate": [{"blackhole": true}])"), "originate[0].prefix: missing"},
      {with(R"("originate": [{"prefix": "10.0.0.0/8", "communities": ["x"]}])"),
       "originate[0].communities[0]: \"x\" is not a community (expected 2 fields separated by ':')"},
      {with(R"("fib": {"tabel": 5})"), "fib.tabel: unknown key (did you mean \"table\"?)"},
      {with(R"("fib": {"protocol": 256})"), "fib.protocol: 256 is not allowed (0..255)"},
      {with(R"("log": {"level": "loud"})"), "log.level: " + log::parse_level("loud").error().message},
      {with(R"("log": {"format": "xml"})"), "log.format: " + log::parse_format("xml").error().message},
      {with(R"("http": {"listen": "nowhere"})"), "http.listen: " + ip::Endpoint::parse("nowhere").error().message},
      {with(R"("control": {"socket": ""})"), "control.socket: must not be empty"},
  };
  for (const auto& [json, message] : cases) {
    CAPTURE(json);
    CHECK(error(json) == message);
  }
}

TEST_CASE("config: validation errors name the path and the problem") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"speaker": {}})", "speaker.routerId: missing (the BGP Identifier is never guessed)"},
      {R"({"speaker": {"routerId": "0.0.0.0"}})",
       "speaker.routerId: 0.0.0.0 is not a BGP Identifier (a non-zero IPv4 address)"},
      {R"({"speaker": {"routerId": "fd00::1"}})",
       "speaker.routerId: fd00::1 is not a BGP Identifier (a non-zero IPv4 address)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "asNumber": 0}})",
       "speaker.asNumber: 0 is not allowed (1..4294967294, not AS_TRANS 23456 or the reserved 65535)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "asNumber": 23456}})",
       "speaker.asNumber: 23456 is not allowed (1..4294967294, not AS_TRANS 23456 or the reserved 65535)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "holdTime": 2}})", "speaker.holdTime: 2 is not allowed (0 or 3..65535)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "holdTime": 0, "keepaliveTime": 5}})",
       "speaker.keepaliveTime: not allowed with holdTime 0 (no KEEPALIVEs are sent)"},
      {R"({"speaker": {"routerId": "10.0.0.1", "keepaliveTime": 31}})",
       "speaker.keepaliveTime: 31 is more than a third of holdTime 90"},
      {R"({"speaker": {"routerId": "10.0.0.1", "clusterId": "fd00::1"}})",
       "speaker.clusterId: fd00::1 is not an IPv4 address"},
      {R"({"speaker": {"routerId": "10.0.0.1", "listenAddresses": ["10.0.0.1", "10.0.0.1"]}})",
       "speaker.listenAddresses[1]: 10.0.0.1 is listed twice"},
      {neighbor(R"("holdTime": 2)"), "neighbors[0].holdTime: 2 is not allowed (0 or 3..65535)"},
      {with(R"("neighbors": [{"address": "10.0.0.2", "asNumber": 1}, {"address": "10.0.0.3", "asNumber": 1},
                             {"address": "10.0.0.4", "asNumber": 1, "holdTime": 2}])"),
       "neighbors[2].holdTime: 2 is not allowed (0 or 3..65535)"},
      {neighbor(R"("holdTime": 9, "keepaliveTime": 4)"), "neighbors[0].keepaliveTime: 4 is more than a third of holdTime 9"},
      {neighbor(R"("keepaliveTime": 31)"), "neighbors[0].keepaliveTime: 31 is more than a third of speaker.holdTime 90"},
      {with(R"("neighbors": [{"address": "0.0.0.0", "asNumber": 1}])"),
       "neighbors[0].address: 0.0.0.0 is not a neighbour address"},
      {with(R"("neighbors": [{"address": "10.0.0.2", "asNumber": 1}, {"address": "10.0.0.2", "asNumber": 2}])"),
       "neighbors[1].address: 10.0.0.2 is also neighbors[0]'s"},
      {R"({"speaker": {"routerId": "10.0.0.1", "listenAddresses": ["10.0.0.2"]},
           "neighbors": [{"address": "10.0.0.2", "asNumber": 1}]})",
       "neighbors[0].address: 10.0.0.2 is one of speaker.listenAddresses (a speaker does not peer with itself)"},
      {with(R"("neighbors": [{"address": "10.0.0.2", "asNumber": 65535}])"),
       "neighbors[0].asNumber: 65535 is not allowed (1..4294967294, not AS_TRANS 23456 or the reserved 65535)"},
      {neighbor(R"("localAsNumber": 0)"),
       "neighbors[0].localAsNumber: 0 is not allowed (1..4294967294, not AS_TRANS 23456 or the reserved 65535)"},
      {neighbor(R"("passive": true, "connectRetryTime": 5)"),
       "neighbors[0].connectRetryTime: a passive neighbour is never connected to"},
      {neighbor(R"("password": "0123456789012345678901234567890123456789012345678901234567890123456789012345678901")"),
       "neighbors[0].password: the key is longer than 80 bytes (the kernel's TCP MD5 limit)"},
      {neighbor(R"("ttlSecurity": 1, "multihop": 2)"),
       "neighbors[0]: ttlSecurity and multihop are exclusive (GTSM sends TTL 255 and accepts neighbours up to "
       "ttlSecurity hops away)"},
      {neighbor(R"("sourceAddress": "fd00::1")"),
       "neighbors[0].sourceAddress: fd00::1 is not an IPv4 address like the neighbour's"},
      {with(R"("neighbors": [{"address": "10.0.0.2", "asNumber": 65001, "routeReflectorClient": true}])"),
       "neighbors[0].routeReflectorClient: route reflection needs iBGP (asNumber 65001 is not the local AS 64512)"},
      {neighbor(R"("routeReflectorClient": true, "localAsNumber": 65002)"),
       "neighbors[0].routeReflectorClient: route reflection needs iBGP (asNumber 64512 is not the local AS 65002)"},
      {neighbor(R"("clusterId": "10.0.0.9")"), "neighbors[0].clusterId: only for a routeReflectorClient"},
      {neighbor(R"("routeReflectorClient": true, "clusterId": "fd00::9")"),
       "neighbors[0].clusterId: fd00::9 is not an IPv4 address"},
      {neighbor(R"("nextHopSelfIpv6": "10.0.0.1")"), "neighbors[0].nextHopSelfIpv6: 10.0.0.1 is not an IPv6 address"},
      {neighbor(R"("families": ["ipv4-unicast", "ipv4-unicast"])"),
       "neighbors[0].families[1]: ipv4-unicast is listed twice"},
      {neighbor(R"("families": ["ipv4-unicast", "ipv6-unicast"])"),
       "neighbors[0].families[1]: ipv6-unicast over an IPv4 session needs nextHopSelfIpv6"},
      {neighbor(R"("addPath": {"receive": ["ipv6-unicast"]})"),
       "neighbors[0].addPath.receive[0]: ipv6-unicast is not one of the neighbour's families"},
      {neighbor(R"("gracefulRestart": false, "restartTime": 60)"),
       "neighbors[0].restartTime: graceful restart is off for this neighbour"},
      {neighbor(R"("importPolicy": ["nope"])"), "neighbors[0].importPolicy[0]: no policy named \"nope\""},
      {neighbor(R"("exportPolicy": "p")",
                R"("policies": {"p": {"terms": [{"action": "accept", "set": {"nextHop": "peer"}}]}})"),
       "neighbors[0].exportPolicy[0]: policy \"p\" sets nextHop \"peer\", which applies only on import"},
      {neighbor(R"("importPolicy": "p")",
                R"("policies": {"p": {"terms": [{"action": "accept", "set": {"nextHop": "self"}}]}})"),
       "neighbors[0].importPolicy[0]: policy \"p\" sets nextHop \"self\", which applies only on export"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"prefixList": "x"}}]}})"),
       "policies.p.terms[0].match.prefixList[0]: no prefix list named \"x\""},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"asPath": {"regex": "(65000"}}}]}})"),
       "policies.p.terms[0].match.asPath.regex: " + policy::AsPathRegex::compile("(65000").error().message},
      {with(R"("policies": {"p": {"terms": [{"action": "reject", "set": {"med": 1}}]}})"),
       "policies.p.terms[0].set: a rejecting term's modifications would be thrown away"},
      {with(R"("policies": {"p": {"terms": [{"action": "accept", "match": {"peerType": "local"}}]}})"),
       "policies.p.terms[0].match.peerType: \"local\" is not a kind of neighbour (it is a routeSource)"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24"}, {"prefix": "10.0.0.0/24"}])"),
       "listenRanges[1].prefix: 10.0.0.0/24 is also listenRanges[0]'s"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24", "template": {"routeReflectorClient": true}}])"),
       "listenRanges[0].template.routeReflectorClient: route reflection needs iBGP, so a fixed asNumber equal to the "
       "local AS"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24", "template": {"sourceAddress": "fd00::1"}}])"),
       "listenRanges[0].template.sourceAddress: fd00::1 is not an IPv4 address like the neighbour's"},
      {with(R"("listenRanges": [{"prefix": "10.0.0.0/24", "template": {"exportPolicy": "x"}}])"),
       "listenRanges[0].template.exportPolicy[0]: no policy named \"x\""},
      {with(R"("originate": [{"prefix": "10.0.0.0/8"}, {"prefix": "10.0.0.0/8"}])"),
       "originate[1].prefix: 10.0.0.0/8 is also originate[0]'s"},
      {with(R"("originate": [{"prefix": "10.0.0.0/8", "blackhole": true, "nextHop": "10.0.0.1"}])"),
       "originate[0]: blackhole and nextHop are exclusive"},
      {with(R"("originate": [{"prefix": "10.0.0.0/8", "nextHop": "fd00::1"}])"),
       "originate[0].nextHop: fd00::1 is not an IPv4 address like the prefix"},
      {with(R"("originate": [{"prefix": "10.0.0.0/8", "install": true}])"),
       "originate[0].install: needs blackhole or a nextHop (the kernel route must point somewhere)"},
      {with(R"("fib": {"table": 255})"),
       "fib.table: 255 is not allowed (1..4294967295, not 255: the kernel's local table)"},
      {with(R"("fib": {"table": 0})"), "fib.table: 0 is not allowed (1..4294967295, not 255: the kernel's local table)"},
      {with(R"("fib": {"protocol": 4})"),
       "fib.protocol: 4 is not allowed (5..255: 0..4 are the kernel's own and static routes, which bgpd would then "
       "sweep away)"},
      {with(R"("control": {"socket": "bgpd.ctl"})"), "control.socket: must be an absolute path"},
  };
  for (const auto& [json, message] : cases) {
    CAPTURE(json);
    CHECK(error(json) == message);
  }
}

TEST_CASE("config: password files are read relative to the file and must not be empty") {
  auto c = parse_config(neighbor(R"("passwordFile": "empty.key")"), options({{"/keys/empty.key", "\n"}}));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message == "neighbors[0].passwordFile: /keys/empty.key is empty");
  auto abs = parse_config(neighbor(R"("passwordFile": "/etc/k")"), options({{"/etc/k", "key\r\n"}}));
  REQUIRE(abs.ok());
  CHECK(abs->neighbors[0].password == "key");
  // The default reader: a missing file names the path and the reason.
  CHECK(load_config_file("/nonexistent/bgpd.json").error().message ==
        "cannot read /nonexistent/bgpd.json: No such file or directory");
}

TEST_CASE("config: the session of a neighbour") {
  Config c = parse(with(R"("neighbors": [
      {"address": "10.0.0.2", "asNumber": 65001, "localAsNumber": 65100, "holdTime": 30, "passive": true,
       "families": ["ipv4-unicast", "ipv6-unicast"], "nextHopSelfIpv6": "fd00::1", "restartTime": 200,
       "addPath": {"send": ["ipv4-unicast"], "receive": ["ipv4-unicast", "ipv6-unicast"]},
       "extendedMessages": false, "routeRefresh": false, "defaultPolicy": "accept"},
      {"address": "fd00::2", "asNumber": 64512, "gracefulRestart": false, "connectRetryTime": 9}])"));
  SessionConfig s = session_config(c, c.neighbors[0], ip::Family::v4);
  CHECK(s.local_as == 65100u);
  CHECK(s.local_identifier == address("10.0.0.1"));
  CHECK(s.peer_as == 65001u);
  CHECK(s.hold_time == 30);
  CHECK_FALSE(s.keepalive_time);
  CHECK(s.passive);
  CHECK(s.capabilities.multiprotocol == std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast});
  CHECK_FALSE(s.capabilities.route_refresh);
  CHECK_FALSE(s.capabilities.enhanced_route_refresh);  // it builds on route refresh
  CHECK_FALSE(s.capabilities.extended_message);
  REQUIRE(s.capabilities.graceful_restart);
  CHECK(*s.capabilities.graceful_restart ==
        GracefulRestart{false, false, 200, {{kIpv4Unicast, false}, {kIpv6Unicast, false}}});
  CHECK(s.capabilities.add_path ==
        std::vector<AddPathFamily>{{kIpv4Unicast, AddPathMode::both}, {kIpv6Unicast, AddPathMode::receive}});
  CHECK(validate(s).ok());

  SessionConfig v6 = session_config(c, c.neighbors[1], ip::Family::v6);
  CHECK(v6.local_as == 64512u);
  CHECK(v6.hold_time == 90);
  CHECK(v6.connect_retry_time == std::chrono::seconds(9));
  CHECK(v6.capabilities.multiprotocol == std::vector<AfiSafi>{kIpv6Unicast});
  CHECK(v6.capabilities.route_refresh);
  CHECK(v6.capabilities.enhanced_route_refresh);
  CHECK(v6.capabilities.extended_message);
  CHECK_FALSE(v6.capabilities.graceful_restart);
  CHECK(validate(v6).ok());

  // Restarting with the FIB kept: R bit, and F bits for every family.
  MappingOptions restarting;
  restarting.restarting = true;
  auto gr = session_config(c, c.neighbors[0], ip::Family::v4, restarting).capabilities.graceful_restart;
  CHECK(gr->restart_state);
  CHECK(gr->families == std::vector<GracefulRestart::Family>{{kIpv4Unicast, true}, {kIpv6Unicast, true}});
  c.fib.keep_on_exit = false;
  gr = session_config(c, c.neighbors[0], ip::Family::v4, restarting).capabilities.graceful_restart;
  CHECK(gr->restart_state);
  CHECK(gr->families == std::vector<GracefulRestart::Family>{{kIpv4Unicast, false}, {kIpv6Unicast, false}});

  // A speaker-wide KEEPALIVE time too long for a neighbour's shorter hold time gives way.
  Config k = parse(R"({"speaker": {"routerId": "10.0.0.1", "keepaliveTime": 20},
                       "neighbors": [{"address": "10.0.0.2", "asNumber": 1, "holdTime": 9},
                                     {"address": "10.0.0.3", "asNumber": 1}]})");
  CHECK_FALSE(session_config(k, k.neighbors[0], ip::Family::v4).keepalive_time);
  CHECK(session_config(k, k.neighbors[1], ip::Family::v4).keepalive_time == 20);
}

TEST_CASE("config: the RIB's view of a neighbour, with RFC 8212 defaults") {
  Config c = parse(with(R"("neighbors": [
      {"address": "10.0.0.2", "asNumber": 65001},
      {"address": "10.0.0.3", "asNumber": 65001, "defaultPolicy": "accept"},
      {"address": "10.0.0.4", "asNumber": 64512, "routeReflectorClient": true, "clusterId": "1.1.1.1",
       "nextHopMode": "self", "allowOwnAs": 2, "addPath": {"send": ["ipv4-unicast"], "select": "best", "limit": 3}},
      {"address": "10.0.0.5", "asNumber": 65001, "importPolicy": "in", "defaultExportPolicy": "accept"},
      {"address": "10.0.0.6", "asNumber": 64512, "defaultImportPolicy": "reject"}],
    "policies": {"in": {"terms": [{"match": {"prefixes": ["10.9.0.0/16"]}, "action": "accept"}]}})"));
  auto library = policy::PolicyLibrary::compile(c.policy);
  REQUIRE(library.ok());
  auto peer = [&](std::size_t i) {
    auto p = peer_info(c, c.neighbors[i], *library);
    REQUIRE_MESSAGE(p.ok(), p.error().message);
    return std::move(*p);
  };
  rib::RouteAttributes attrs;
  auto import = [&](const rib::PeerInfo& p, std::string_view pfx) {
    rib::RouteEditor editor(attrs);
    ip::Prefix x = prefix(pfx);
    return p.import_policy(rib::ImportRoute{kIpv4Unicast, x, 1, p}, editor);
  };

  // eBGP, no policy: both directions refuse everything.
  rib::PeerInfo ebgp = peer(0);
  CHECK(ebgp.remote_as == 65001u);
  REQUIRE(ebgp.import_policy);
  REQUIRE(ebgp.export_policy);
  CHECK(import(ebgp, "10.0.0.0/8") == rib::PolicyVerdict::reject);
  // eBGP with defaultPolicy accept: no hooks.
  rib::PeerInfo opted_out = peer(1);
  CHECK_FALSE(opted_out.import_policy);
  CHECK_FALSE(opted_out.export_policy);
  // iBGP reflector client: no hooks, and the RIB knobs.
  rib::PeerInfo client = peer(2);
  CHECK_FALSE(client.import_policy);
  CHECK(client.route_reflector_client);
  CHECK(client.cluster_id == address("1.1.1.1"));
  CHECK(client.next_hop == rib::NextHopMode::self);
  CHECK(client.allow_own_as == 2);
  CHECK(client.add_path_select == rib::AddPathSelect::best_n);
  CHECK(client.add_path_limit == 3);
  CHECK(client.graceful_restart);
  // eBGP with an import policy: what it accepts goes, the rest falls to the RFC 8212 reject;
  // export has an explicit accept default.
  rib::PeerInfo with_policy = peer(3);
  CHECK(import(with_policy, "10.9.0.0/16") == rib::PolicyVerdict::accept);
  CHECK(import(with_policy, "10.9.1.0/24") == rib::PolicyVerdict::reject);  // the policy's own default: reject
  CHECK_FALSE(with_policy.export_policy);
  // iBGP with an explicit reject default.
  rib::PeerInfo strict = peer(4);
  REQUIRE(strict.import_policy);
  CHECK(import(strict, "10.0.0.0/8") == rib::PolicyVerdict::reject);
  CHECK_FALSE(strict.export_policy);

  // The speaker-wide opt-out.
  c.speaker.ebgp_requires_policy = false;
  CHECK_FALSE(peer(0).import_policy);
}

TEST_CASE("config: the speaker's settings: RIB, listeners, neighbours, ranges, originated routes") {
  Config c = parse(R"({
    "speaker": {"routerId": "10.0.0.1", "asNumber": 65000, "clusterId": "9.9.9.9", "listenAddresses": ["10.0.0.1", "fd00::1"],
                "listenPort": 0, "defaultLocalPref": 50, "alwaysCompareMed": true, "missingMedWorst": true,
                "multipath": {"enabled": false, "maxPaths": 4, "relax": true}, "gracefulRestart": {"deferralTime": 30}},
    "neighbors": [{"address": "10.0.0.2", "asNumber": 65001, "shutdown": true, "defaultPolicy": "accept"},
                  {"address": "10.0.0.3", "asNumber": 65001, "defaultPolicy": "accept", "password": "pw", "multihop": 3,
                   "sourceAddress": "10.0.0.1", "port": 1179, "nextHopSelfIpv6": "fd00::1",
                   "families": ["ipv4-unicast", "ipv6-unicast"],
                   "maxPrefix": {"limit": 10, "action": "stop"}}],
    "listenRanges": [{"prefix": "10.1.0.0/16", "template": {"holdTime": 30, "defaultPolicy": "accept"}}],
    "originate": [{"prefix": "10.244.0.0/26", "blackhole": true, "install": true,
                   "communities": ["65000:2", "65000:1", "65000:2"], "largeCommunities": ["1:2:3"],
                   "localPref": 10, "med": 5},
                  {"prefix": "192.0.2.0/24", "nextHop": "10.0.0.99"}]})");
  MappingOptions restarting;
  restarting.restarting = true;
  auto s = speaker_settings(c, restarting);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  CHECK(s->rib.speaker.local_as == 65000u);
  CHECK(s->rib.speaker.router_id == address("10.0.0.1"));
  CHECK(s->rib.speaker.cluster_id == address("9.9.9.9"));
  CHECK(s->rib.decision.default_local_pref == 50u);
  CHECK(s->rib.decision.always_compare_med);
  CHECK(s->rib.decision.missing_med_worst);
  CHECK(s->rib.decision.max_paths == 1);  // multipath off
  CHECK(s->rib.decision.multipath_relax);
  CHECK(s->rib.restarting);
  CHECK(s->selection_deferral == std::chrono::seconds(30));
  CHECK(s->listen == std::vector<ip::Endpoint>{{address("10.0.0.1"), 0}, {address("fd00::1"), 0}});

  REQUIRE(s->neighbors.size() == 1);  // the shut-down one does not run
  const NeighborSettings& n = s->neighbors[0];
  CHECK(n.address == address("10.0.0.3"));
  CHECK(n.peer.address == address("10.0.0.3"));
  CHECK(n.md5_password == "pw");
  CHECK(n.ttl == 3);
  CHECK_FALSE(n.gtsm_hops);
  CHECK(n.source_address == address("10.0.0.1"));
  CHECK(n.port == 1179);
  CHECK(n.next_hop_self_ipv6 == address("fd00::1"));
  CHECK(n.max_prefix == MaxPrefix{10, MaxPrefix::Action::stop, std::chrono::seconds(60)});
  CHECK(n.session.capabilities.graceful_restart->restart_state);
  CHECK(validate(n.session).ok());

  REQUIRE(s->listen_ranges.size() == 1);
  CHECK(s->listen_ranges[0].range == prefix("10.1.0.0/16"));
  CHECK(s->listen_ranges[0].neighbor.session.hold_time == 30);
  CHECK(s->listen_ranges[0].neighbor.session.passive);
  CHECK_FALSE(s->listen_ranges[0].neighbor.session.peer_as);  // any AS

  REQUIRE(s->originate.size() == 2);
  const rib::RouteAttributes& a = s->originate[0].attributes;
  CHECK(s->originate[0].prefix == prefix("10.244.0.0/26"));
  CHECK(a.path.origin == Origin::igp);
  CHECK(a.path.as_path == AsPath{});
  CHECK(a.path.communities == std::vector<Community>{(65000u << 16) | 1, (65000u << 16) | 2});
  CHECK(a.path.large_communities == std::vector<LargeCommunity>{{1, 2, 3}});
  CHECK(a.path.local_pref == 10u);
  CHECK(a.path.multi_exit_disc == 5u);
  CHECK_FALSE(a.next_hop);  // this speaker's on each session
  CHECK(s->originate[1].attributes.next_hop == address("10.0.0.99"));
}

TEST_CASE("config: a dynamic neighbour's settings") {
  Config c = parse(with(R"("listenRanges": [{"prefix": "10.1.0.0/16", "template": {"importPolicy": "in"}},
                                            {"prefix": "10.2.0.0/16", "asNumber": 64512}],
                           "policies": {"in": {"defaultAction": "next"}})"));
  auto library = policy::PolicyLibrary::compile(c.policy);
  REQUIRE(library.ok());
  // Any AS: as an eBGP peer until its OPEN says otherwise.
  auto unknown = dynamic_neighbor_settings(c, 0, address("10.1.2.3"), *library);
  REQUIRE(unknown.ok());
  CHECK(unknown->address == address("10.1.2.3"));
  CHECK(unknown->peer.address == address("10.1.2.3"));
  CHECK(unknown->peer.remote_as == 0u);
  CHECK(unknown->peer.export_policy);  // RFC 8212: no export policy, eBGP assumed
  // The OPEN said iBGP: the policy falls through to accept, and export has no hook.
  auto internal = dynamic_neighbor_settings(c, 0, address("10.1.2.3"), *library, {}, 64512u);
  REQUIRE(internal.ok());
  CHECK(internal->peer.remote_as == 64512u);
  CHECK(internal->session.peer_as == 64512u);
  CHECK_FALSE(internal->peer.export_policy);
  CHECK(dynamic_neighbor_settings(c, 1, address("10.1.2.3"), *library).error().message ==
        "10.1.2.3 is not inside listen range 10.2.0.0/16");
  CHECK(dynamic_neighbor_settings(c, 1, address("10.2.0.9"), *library, {}, 65001u).error().message ==
        "AS 65001 is not listen range 10.2.0.0/16's AS 64512");
  CHECK(dynamic_neighbor_settings(c, 2, address("10.2.0.9"), *library).error().message == "no listen range 2");
}

TEST_CASE("config diff: nothing changed touches nothing") {
  Config c = example("node-tor.json");
  CHECK(diff(c, c).empty());
  Config r = example("route-reflector.json");
  CHECK(diff(r, r).empty());
}

TEST_CASE("config diff: neighbours added, removed, reset and updated") {
  const std::string base = R"({"speaker": {"routerId": "10.0.0.1"},
    "neighbors": [{"address": "10.0.0.2", "asNumber": 65001, "importPolicy": "in", "defaultExportPolicy": "accept"},
                  {"address": "10.0.0.3", "asNumber": 64512},
                  {"address": "10.0.0.4", "asNumber": 64512, "holdTime": 30}],
    "prefixLists": {"l": ["10.0.0.0/8"]},
    "policies": {"in": {"terms": [{"match": {"prefixList": "l"}, "action": "accept"}]}, "other": {}}})";
  Config before = parse(base);
  auto edit = [&](std::string_view from, std::string_view to) {
    std::string text = base;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return parse(text);
  };
  auto only = [](const ConfigDiff& d) {
    REQUIRE(d.neighbors.size() == 1);
    return d.neighbors[0];
  };

  // A session knob: reset, naming it.
  ConfigDiff d = diff(before, edit(R"("holdTime": 30)", R"("holdTime": 60)"));
  CHECK(only(d) == NeighborChange{address("10.0.0.4"), ChangeKind::reset, {"holdTime"}, false, false});
  CHECK(d.speaker_reset.empty());

  // The speaker's hold time: reset for the neighbours that inherit it, not for 10.0.0.4.
  d = diff(before, edit(R"("routerId": "10.0.0.1")", R"("routerId": "10.0.0.1", "holdTime": 60)"));
  REQUIRE(d.neighbors.size() == 2);
  CHECK(d.neighbors[0] == NeighborChange{address("10.0.0.2"), ChangeKind::reset, {"speaker.holdTime"}, false, false});
  CHECK(d.neighbors[1] == NeighborChange{address("10.0.0.3"), ChangeKind::reset, {"speaker.holdTime"}, false, false});

  // The content of a policy in use: updated in place, policy changed; others untouched.
  d = diff(before, edit(R"("action": "accept"}]})", R"("action": "accept", "set": {"med": 5}}]})"));
  CHECK(only(d) == NeighborChange{address("10.0.0.2"), ChangeKind::updated, {"importPolicy"}, true, true});
  // The prefix list it uses: the same.
  d = diff(before, edit(R"(["10.0.0.0/8"])", R"(["10.0.0.0/9"])"));
  CHECK(only(d) == NeighborChange{address("10.0.0.2"), ChangeKind::updated, {"importPolicy"}, true, true});
  // A policy nobody uses: nothing.
  CHECK(diff(before, edit(R"("other": {})", R"("other": {"defaultAction": "accept"})")).empty());

  // Description and prefix limit: updated, no policy change.
  d = diff(before, edit(R"("asNumber": 64512})", R"("asNumber": 64512, "description": "x", "maxPrefix": {"limit": 5}})"));
  CHECK(only(d) == NeighborChange{address("10.0.0.3"), ChangeKind::updated, {"description", "maxPrefix"}, false, false});

  // RIB knobs: updated.
  d = diff(before, edit(R"("asNumber": 64512})", R"("asNumber": 64512, "routeReflectorClient": true, "nextHopMode": "self"})"));
  CHECK(only(d) == NeighborChange{address("10.0.0.3"), ChangeKind::updated, {"routeReflectorClient", "nextHopMode"}, false, false});

  // A session and a RIB knob together: reset (the RIB's part comes with it).
  d = diff(before, edit(R"("asNumber": 64512})", R"("asNumber": 64512, "password": "x", "allowOwnAs": 1})"));
  CHECK(only(d) == NeighborChange{address("10.0.0.3"), ChangeKind::reset, {"password", "allowOwnAs"}, false, false});

  // Shutdown: reset (the new settings leave it out).
  d = diff(before, edit(R"("asNumber": 64512})", R"("asNumber": 64512, "shutdown": true})"));
  CHECK(only(d) == NeighborChange{address("10.0.0.3"), ChangeKind::reset, {"shutdown"}, false, false});

  // Added and removed.
  d = diff(before, edit(R"({"address": "10.0.0.3", "asNumber": 64512},)", R"({"address": "10.0.0.9", "asNumber": 64512},)"));
  REQUIRE(d.neighbors.size() == 2);
  CHECK(d.neighbors[0] == NeighborChange{address("10.0.0.3"), ChangeKind::removed, {}, false, false});
  CHECK(d.neighbors[1] == NeighborChange{address("10.0.0.9"), ChangeKind::added, {}, false, false});

  // RFC 8212 opt-out for the speaker: only the eBGP neighbour's import changes (its export
  // has an explicit default).
  d = diff(before, edit(R"("routerId": "10.0.0.1")", R"("routerId": "10.0.0.1", "ebgpRequiresPolicy": false)"));
  CHECK(only(d) == NeighborChange{address("10.0.0.2"), ChangeKind::updated, {"speaker.ebgpRequiresPolicy"}, true, true});

  // The export side alone: exports run again, the peer is not asked for its routes.
  d = diff(before, edit(R"("defaultExportPolicy": "accept")", R"("exportPolicy": "other")"));
  CHECK(only(d) ==
        NeighborChange{address("10.0.0.2"), ChangeKind::updated, {"exportPolicy", "defaultExportPolicy"}, true, false});
  // Both sides through the speaker's RFC 8212 switch: the field is named once.
  Config plain = parse(R"({"speaker": {"routerId": "10.0.0.1"}, "neighbors": [{"address": "10.0.0.2", "asNumber": 65001}]})");
  Config opted = parse(R"({"speaker": {"routerId": "10.0.0.1", "ebgpRequiresPolicy": false},
                           "neighbors": [{"address": "10.0.0.2", "asNumber": 65001}]})");
  CHECK(only(diff(plain, opted)) ==
        NeighborChange{address("10.0.0.2"), ChangeKind::updated, {"speaker.ebgpRequiresPolicy"}, true, true});

  // The speaker's identity: every session.
  d = diff(before, edit(R"("routerId": "10.0.0.1")", R"("routerId": "10.0.0.9", "asNumber": 65000)"));
  CHECK(d.speaker_reset == std::vector<std::string>{"speaker.asNumber", "speaker.routerId"});

  // Graceful restart time inherited: a capability, so a reset.
  d = diff(before, edit(R"("routerId": "10.0.0.1")", R"("routerId": "10.0.0.1", "gracefulRestart": {"restartTime": 60})"));
  CHECK(d.neighbors.size() == 3);
  CHECK(d.neighbors[0].fields == std::vector<std::string>{"speaker.gracefulRestart.restartTime"});
}

TEST_CASE("config diff: speaker, ranges, originated routes, FIB and daemon") {
  const std::string base = R"({"speaker": {"routerId": "10.0.0.1"},
    "listenRanges": [{"prefix": "10.1.0.0/16", "asNumber": 64512}, {"prefix": "10.2.0.0/16"}],
    "originate": [{"prefix": "10.244.0.0/26", "blackhole": true}, {"prefix": "10.244.1.0/26"}]})";
  Config before = parse(base);
  auto edit = [&](std::string_view from, std::string_view to) {
    std::string text = base;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return parse(text);
  };
  const std::string speaker = R"("routerId": "10.0.0.1")";

  ConfigDiff d = diff(before, edit(speaker, speaker + R"(, "multipath": {"maxPaths": 4}, "alwaysCompareMed": true)"));
  CHECK(d.decision_changed);
  CHECK(d.speaker_reset.empty());
  CHECK(d.neighbors.empty());
  CHECK(diff(before, edit(speaker, speaker + R"(, "defaultLocalPref": 7)")).speaker_reset ==
        std::vector<std::string>{"speaker.defaultLocalPref"});
  d = diff(before, edit(speaker, speaker + R"(, "listenPort": 1179)"));
  CHECK(d.listen_changed);
  CHECK(d.listen_ranges.empty());
  CHECK(diff(before, edit(speaker, speaker + R"(, "gracefulRestart": {"deferralTime": 60})")).speaker_other ==
        std::vector<std::string>{"speaker.gracefulRestart.deferralTime"});

  d = diff(before, edit(R"({"prefix": "10.2.0.0/16"})", R"({"prefix": "10.2.0.0/16", "maxPeers": 5,
                                                            "template": {"description": "n"}})"));
  REQUIRE(d.listen_ranges.size() == 1);
  CHECK(d.listen_ranges[0] == RangeChange{prefix("10.2.0.0/16"), ChangeKind::updated, {"description", "maxPeers"}, false, false});
  d = diff(before, edit(R"({"prefix": "10.2.0.0/16"})", R"({"prefix": "10.2.0.0/16", "asNumber": 65001})"));
  CHECK(d.listen_ranges[0] == RangeChange{prefix("10.2.0.0/16"), ChangeKind::reset, {"asNumber"}, false, false});
  d = diff(before, edit(R"({"prefix": "10.2.0.0/16"})", R"({"prefix": "10.3.0.0/16"})"));
  REQUIRE(d.listen_ranges.size() == 2);
  CHECK(d.listen_ranges[0].kind == ChangeKind::removed);
  CHECK(d.listen_ranges[1] == RangeChange{prefix("10.3.0.0/16"), ChangeKind::added, {}, false, false});

  d = diff(before, edit(R"({"prefix": "10.244.0.0/26", "blackhole": true}, {"prefix": "10.244.1.0/26"})",
                        R"({"prefix": "10.244.0.0/26", "blackhole": true, "install": true}, {"prefix": "10.244.2.0/26"})"));
  CHECK(d.originate_changed == std::vector<ip::Prefix>{prefix("10.244.0.0/26")});
  CHECK(d.originate_removed == std::vector<ip::Prefix>{prefix("10.244.1.0/26")});
  CHECK(d.originate_added == std::vector<ip::Prefix>{prefix("10.244.2.0/26")});
  CHECK(d.neighbors.empty());

  d = diff(before, parse(base.substr(0, base.size() - 1) + R"(, "fib": {"metric": 20, "ecmp": false},
                                                             "log": {"level": "debug"}, "control": {"socket": "/x"}})"));
  CHECK(d.fib == std::vector<std::string>{"fib.metric", "fib.ecmp"});
  CHECK(d.daemon == std::vector<std::string>{"control.socket", "log.level"});
}
