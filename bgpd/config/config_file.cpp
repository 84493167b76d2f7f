#include "bgpd/config/config_file.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "bgpd/config/json_reader.hpp"
#include "bgpd/policy/community.hpp"
#include "bgpd/policy/prefix_set.hpp"
#include "k8s-client/resources/codec.hpp"

namespace sluice::bgp::config {
namespace {

using json::Errors;
using json::Object;

constexpr std::size_t kMaxPasswordFileSize = 4096;

// Keys a neighbour and a listen range's template share; a neighbour adds its identity
// and the connection knobs a dynamic neighbour (always passive) cannot have.
constexpr std::string_view kSharedNeighborKeys[] = {
    "localAsNumber", "description", "holdTime", "keepaliveTime", "password", "passwordFile", "ttlSecurity",
    "multihop", "sourceAddress", "port", "routeReflectorClient", "clusterId", "nextHopMode", "nextHopSelfIpv4",
    "nextHopSelfIpv6", "addPath", "allowOwnAs", "families", "gracefulRestart", "restartTime", "routeRefresh",
    "enhancedRouteRefresh", "extendedMessages", "maxPrefix", "importPolicy", "exportPolicy", "defaultPolicy",
    "defaultImportPolicy", "defaultExportPolicy"};
constexpr std::string_view kNeighborOnlyKeys[] = {"address", "asNumber", "passive", "shutdown", "connectRetryTime"};

template <std::size_t N, std::size_t M>
constexpr std::array<std::string_view, N + M> concat(const std::string_view (&a)[N], const std::string_view (&b)[M]) {
  std::array<std::string_view, N + M> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = a[i];
  for (std::size_t i = 0; i < M; ++i) out[N + i] = b[i];
  return out;
}
constexpr auto kNeighborKeys = concat(kNeighborOnlyKeys, kSharedNeighborKeys);

Result<AfiSafi> family(std::string_view text) {
  if (auto f = parse_family(text)) return *f;
  return Error{fmt::format("\"{}\" is not a family (\"ipv4-unicast\" or \"ipv6-unicast\")", text.substr(0, 64))};
}

Result<std::string> name(std::string_view text) { return std::string(text); }

void require(const Object& o, std::string_view key) {
  if (o.valid() && o.errors().ok() && !o.has(key)) o.errors().fail(o.at(key), "missing");
}

std::optional<rib::PolicyVerdict> verdict(const Object& o, std::string_view key) {
  if (auto c = o.choice(key, {"accept", "reject"})) return *c == 0 ? rib::PolicyVerdict::accept : rib::PolicyVerdict::reject;
  return std::nullopt;
}

std::string strip_newline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

void parse_add_path(const Object& parent, AddPathConfig& out) {
  const rapidjson::Value* v = parent.get("addPath");
  if (!v) return;
  Object o(*v, parent.at("addPath"), {"send", "receive", "select", "limit"}, parent.errors());
  o.list("send", out.send, family);
  o.list("receive", out.receive, family);
  if (auto c = o.choice("select", {"all", "multipath", "best"})) {
    out.select = *c == 0 ? rib::AddPathSelect::all : *c == 1 ? rib::AddPathSelect::multipath : rib::AddPathSelect::best_n;
  }
  if (o.has("limit") && out.select != rib::AddPathSelect::best_n) {
    o.errors().fail(o.at("limit"), "only with select \"best\"");
  }
  o.read("limit", out.limit, 1, 255);
}

void parse_max_prefix(const Object& parent, std::optional<MaxPrefixConfig>& out) {
  const rapidjson::Value* v = parent.get("maxPrefix");
  if (!v) return;
  Object o(*v, parent.at("maxPrefix"), {"limit", "action", "restartAfter"}, parent.errors());
  require(o, "limit");
  MaxPrefixConfig m;
  o.read("limit", m.limit, 1, 4294967295);
  if (auto c = o.choice("action", {"warn", "restart", "stop"})) {
    m.action = *c == 0 ? MaxPrefixAction::warn : *c == 1 ? MaxPrefixAction::restart : MaxPrefixAction::stop;
  }
  if (o.has("restartAfter") && m.action != MaxPrefixAction::restart) {
    o.errors().fail(o.at("restartAfter"), "only with action \"restart\"");
  }
  o.read("restartAfter", m.restart_after, 1, 65535);
  if (o.errors().ok()) out = m;
}

void parse_neighbor_fields(const Object& o, NeighborConfig& n, const ParseOptions& options) {
  Errors& errors = o.errors();
  o.read("localAsNumber", n.local_as_number, 0, 4294967295);
  o.read("description", n.description);
  o.read("holdTime", n.hold_time, 0, 65535, "0 or 3..65535");
  o.read("keepaliveTime", n.keepalive_time, 1, 65535);
  if (o.has("password") && o.has("passwordFile")) errors.fail(o.path(), "password and passwordFile are exclusive");
  o.read("password", n.password);
  o.read("passwordFile", n.password_file);
  o.read("ttlSecurity", n.ttl_security, 1, 254);
  o.read("multihop", n.multihop, 1, 255);
  o.read("sourceAddress", n.source_address);
  o.read("port", n.port, 1, 65535);
  o.read("routeReflectorClient", n.route_reflector_client);
  o.read("clusterId", n.cluster_id);
  if (auto c = o.choice("nextHopMode", {"auto", "self", "unchanged"})) {
    n.next_hop_mode = *c == 0 ? rib::NextHopMode::automatic : *c == 1 ? rib::NextHopMode::self : rib::NextHopMode::unchanged;
  }
  o.read("nextHopSelfIpv4", n.next_hop_self_ipv4);
  o.read("nextHopSelfIpv6", n.next_hop_self_ipv6);
  parse_add_path(o, n.add_path);
  o.read("allowOwnAs", n.allow_own_as, 0, kMaxAllowOwnAs);
  o.list("families", n.families, family);
  if (const auto* f = o.get("families"); f && f->IsArray() && f->Empty()) errors.fail(o.at("families"), "must not be empty");
  o.read("gracefulRestart", n.graceful_restart);
  o.read("restartTime", n.restart_time, 0, kMaxRestartTime);
  o.read("routeRefresh", n.route_refresh);
  o.read("enhancedRouteRefresh", n.enhanced_route_refresh);
  o.read("extendedMessages", n.extended_messages);
  parse_max_prefix(o, n.max_prefix);
  o.list("importPolicy", n.import_policies, name);
  o.list("exportPolicy", n.export_policies, name);
  if (auto both = verdict(o, "defaultPolicy")) n.default_import = n.default_export = *both;
  if (auto v = verdict(o, "defaultImportPolicy")) n.default_import = *v;
  if (auto v = verdict(o, "defaultExportPolicy")) n.default_export = *v;

  if (n.password_file && errors.ok()) {
    std::string path = *n.password_file;
    if (path.front() != '/' && !options.base_directory.empty()) path = options.base_directory + "/" + path;
    auto text = options.read_file ? options.read_file(path) : read_text_file(path, kMaxPasswordFileSize);
    if (!text) return errors.fail(o.at("passwordFile"), text.error().message);
    n.password = strip_newline(std::move(*text));
    if (n.password->empty()) errors.fail(o.at("passwordFile"), fmt::format("{} is empty", path));
  }
}

NeighborConfig parse_neighbor(const rapidjson::Value& v, const std::string& path, Errors& errors,
                              const ParseOptions& options) {
  NeighborConfig n;
  Object o(v, path, kNeighborKeys, errors);
  require(o, "address");
  o.read("address", n.address);
  require(o, "asNumber");
  o.read("asNumber", n.as_number, 0, 4294967295);
  o.read("passive", n.passive);
  o.read("shutdown", n.shutdown);
  o.read("connectRetryTime", n.connect_retry_time, 1, 65535);
  parse_neighbor_fields(o, n, options);
  return n;
}

ListenRangeConfig parse_listen_range(const rapidjson::Value& v, const std::string& path, Errors& errors,
                                     const ParseOptions& options) {
  ListenRangeConfig r;
  Object o(v, path, {"prefix", "asNumber", "maxPeers", "template"}, errors);
  require(o, "prefix");
  o.read("prefix", r.prefix);
  o.read("asNumber", r.as_number, 0, 4294967295);
  o.read("maxPeers", r.max_peers, 1, rib::kMaxPeerId);
  if (const rapidjson::Value* t = o.get("template")) {
    Object to(*t, o.at("template"), kSharedNeighborKeys, errors);
    parse_neighbor_fields(to, r.neighbor, options);
  }
  r.neighbor.as_number = r.as_number;
  r.neighbor.passive = true;  // a dynamic neighbour only ever answers
  return r;
}

void parse_speaker(const rapidjson::Value& v, SpeakerConfig& s, Errors& errors) {
  Object o(v, "speaker",
           {"asNumber", "routerId", "listenAddresses", "listenPort", "clusterId", "holdTime", "keepaliveTime",
            "connectRetryTime", "gracefulRestart", "multipath", "defaultLocalPref", "alwaysCompareMed",
            "missingMedWorst", "ebgpRequiresPolicy"},
           errors);
  o.read("asNumber", s.as_number, 0, 4294967295);
  o.read("routerId", s.router_id);
  o.list("listenAddresses", s.listen_addresses, [](std::string_view t) { return ip::Address::parse(t); });
  o.read("listenPort", s.listen_port, 0, 65535);
  o.read("clusterId", s.cluster_id);
  o.read("holdTime", s.hold_time, 0, 65535, "0 or 3..65535");
  o.read("keepaliveTime", s.keepalive_time, 1, 65535);
  o.read("connectRetryTime", s.connect_retry_time, 1, 65535);
  if (const rapidjson::Value* g = o.get("gracefulRestart")) {
    Object gr(*g, o.at("gracefulRestart"), {"enabled", "restartTime", "deferralTime"}, errors);
    gr.read("enabled", s.graceful_restart.enabled);
    gr.read("restartTime", s.graceful_restart.restart_time, 0, kMaxRestartTime);
    gr.read("deferralTime", s.graceful_restart.deferral_time, 1, 65535);
  }
  if (const rapidjson::Value* m = o.get("multipath")) {
    Object mp(*m, o.at("multipath"), {"enabled", "maxPaths", "relax"}, errors);
    mp.read("enabled", s.multipath.enabled);
    mp.read("maxPaths", s.multipath.max_paths, 1, 256);
    mp.read("relax", s.multipath.relax);
  }
  o.read("defaultLocalPref", s.default_local_pref, 0, 4294967295);
  o.read("alwaysCompareMed", s.always_compare_med);
  o.read("missingMedWorst", s.missing_med_worst);
  o.read("ebgpRequiresPolicy", s.ebgp_requires_policy);
}

// ---- policies ---------------------------------------------------------------------------

Result<policy::PrefixMatch> prefix_entry(const rapidjson::Value& v, const std::string& path, Errors& errors) {
  policy::PrefixMatch m;
  if (v.IsString()) {
    auto p = ip::Prefix::parse(std::string_view(v.GetString(), v.GetStringLength()));
    if (!p) return Error{fmt::format("{}: {}", path, p.error().message)};
    m.prefix = *p;
    m.ge = m.le = static_cast<std::uint8_t>(p->length());
    return m;
  }
  Object o(v, path, {"prefix", "ge", "le"}, errors);
  require(o, "prefix");
  o.read("prefix", m.prefix);
  std::optional<std::uint8_t> ge, le;
  o.read("ge", ge, 0, 128);
  o.read("le", le, 0, 128);
  if (!errors.ok()) return errors.first();
  const auto length = static_cast<std::uint8_t>(m.prefix.length());
  const auto bits = static_cast<std::uint8_t>(m.prefix.network().bit_length());
  // As in FRR and Cisco prefix lists: ge alone reaches to the longest prefix, le alone
  // starts from the entry's own length.
  m.ge = ge.value_or(length);
  m.le = le.value_or(ge ? bits : length);
  if (auto s = policy::validate(m); !s) return Error{fmt::format("{}: {}", path, s.error().message)};
  return m;
}

void parse_prefix_entries(const rapidjson::Value& array, const std::string& path, std::vector<policy::PrefixMatch>& out,
                          Errors& errors) {
  for (rapidjson::SizeType i = 0; i < array.Size() && errors.ok(); ++i) {
    auto e = prefix_entry(array[i], json::index(path, i), errors);
    if (!e) return errors.fail(e.error());
    out.push_back(*e);
  }
}

template <class Pattern, class Parse>
void parse_community_match(const Object& parent, std::string_view key, std::optional<policy::CommunitySetMatch<Pattern>>& out,
                           Parse parse) {
  const rapidjson::Value* v = parent.get(key);
  if (!v) return;
  Object o(*v, parent.at(key), {"anyOf", "allOf"}, parent.errors());
  policy::CommunitySetMatch<Pattern> m;
  o.list("anyOf", m.any_of, parse);
  o.list("allOf", m.all_of, parse);
  if (o.errors().ok() && m.any_of.empty() && m.all_of.empty()) {
    return o.errors().fail(o.path(), "needs anyOf or allOf");
  }
  out = std::move(m);
}

policy::Match parse_match(const rapidjson::Value& v, const std::string& path, Errors& errors) {
  policy::Match m;
  Object o(v, path,
           {"prefixList", "prefixes", "family", "neighbor", "peerType", "routeSource", "asPath", "community",
            "largeCommunity", "not"},
           errors);
  o.list("prefixList", m.prefix_lists, name);
  if (const rapidjson::Value* a = o.array("prefixes")) parse_prefix_entries(*a, o.at("prefixes"), m.prefixes, errors);
  o.list("family", m.families, family);
  o.list("neighbor", m.neighbors, [](std::string_view t) { return ip::Prefix::parse_address_or_prefix(t); });
  auto kind = [](std::string_view t) -> Result<policy::PeerKind> {
    if (auto k = policy::parse_peer_kind(t)) return *k;
    return Error{fmt::format("\"{}\" is not one of \"ebgp\", \"ibgp\", \"rr-client\", \"local\"", t.substr(0, 64))};
  };
  o.list("peerType", m.peer_types, kind);
  o.list("routeSource", m.route_sources, kind);
  if (const rapidjson::Value* a = o.get("asPath")) {
    Object ap(*a, o.at("asPath"), {"contains", "originAs", "neighborAs", "length", "regex"}, errors);
    policy::AsPathMatch am;
    ap.integers("contains", am.contains, 0, 4294967295);
    ap.integers("originAs", am.origin_as, 0, 4294967295);
    ap.integers("neighborAs", am.neighbor_as, 0, 4294967295);
    if (const rapidjson::Value* l = ap.get("length")) {
      Object len(*l, ap.at("length"), {"min", "max"}, errors);
      len.read("min", am.min_length, 0, 4294967295);
      len.read("max", am.max_length, 0, 4294967295);
    }
    ap.read("regex", am.regex);
    m.as_path = std::move(am);
  }
  parse_community_match<policy::CommunityPattern>(o, "community", m.communities, policy::parse_community_pattern);
  parse_community_match<policy::LargeCommunityPattern>(o, "largeCommunity", m.large_communities,
                                                       policy::parse_large_community_pattern);
  if (const rapidjson::Value* n = o.get("not")) m.negated.push_back(parse_match(*n, o.at("not"), errors));
  return m;
}

template <class Value, class Pattern, class ParseValue, class ParsePattern>
void parse_community_edit(const Object& parent, std::string_view key,
                          std::optional<policy::CommunityEdit<Value, Pattern>>& out, ParseValue parse_value,
                          ParsePattern parse_pattern) {
  const rapidjson::Value* v = parent.get(key);
  if (!v) return;
  Object o(*v, parent.at(key), {"replace", "remove", "add"}, parent.errors());
  policy::CommunityEdit<Value, Pattern> e;
  if (o.has("replace")) {
    std::vector<Value> replace;
    o.list("replace", replace, parse_value);
    e.replace = std::move(replace);
  }
  o.list("remove", e.remove, parse_pattern);
  o.list("add", e.add, parse_value);
  out = std::move(e);
}

policy::Actions parse_actions(const rapidjson::Value& v, const std::string& path, Errors& errors) {
  policy::Actions a;
  Object o(v, path, {"localPref", "med", "addMed", "nextHop", "asPathPrepend", "community", "largeCommunity"}, errors);
  o.read("localPref", a.local_pref, 0, 4294967295);
  o.read("med", a.med, 0, 4294967295);
  o.read("addMed", a.add_med, -4294967295, 4294967295);
  std::optional<std::string> next_hop;
  o.read("nextHop", next_hop);
  if (next_hop && errors.ok()) {
    using K = policy::NextHopAction::Kind;
    if (*next_hop == "self") {
      a.next_hop = policy::NextHopAction{K::self, {}};
    } else if (*next_hop == "peer") {
      a.next_hop = policy::NextHopAction{K::peer, {}};
    } else if (auto address = ip::Address::parse(*next_hop)) {
      a.next_hop = policy::NextHopAction{K::address, *address};
    } else {
      errors.fail(o.at("nextHop"), fmt::format("\"{}\" is not \"self\", \"peer\" or an address", next_hop->substr(0, 64)));
    }
  }
  if (const rapidjson::Value* p = o.get("asPathPrepend")) {
    policy::Prepend prepend;
    if (p->IsObject()) {
      Object po(*p, o.at("asPathPrepend"), {"count", "asNumber"}, errors);
      po.read("count", prepend.count, 1, policy::kMaxPrepend);
      po.read("asNumber", prepend.asn, 0, 4294967295);
    } else {
      o.read("asPathPrepend", prepend.count, 1, policy::kMaxPrepend);
    }
    a.prepend = prepend;
  }
  parse_community_edit(o, "community", a.communities, policy::parse_community, policy::parse_community_pattern);
  parse_community_edit(o, "largeCommunity", a.large_communities, policy::parse_large_community,
                       policy::parse_large_community_pattern);
  return a;
}

policy::Action action(const Object& o, std::string_view key) {
  if (auto c = o.choice(key, {"accept", "reject", "next"})) {
    return *c == 0 ? policy::Action::accept : *c == 1 ? policy::Action::reject : policy::Action::next;
  }
  return policy::Action::reject;
}

policy::Policy parse_policy(const rapidjson::Value& v, const std::string& path, Errors& errors) {
  policy::Policy p;
  Object o(v, path, {"terms", "defaultAction"}, errors);
  if (const rapidjson::Value* terms = o.array("terms")) {
    for (rapidjson::SizeType i = 0; i < terms->Size() && errors.ok(); ++i) {
      const std::string where = json::index(o.at("terms"), i);
      Object t((*terms)[i], where, {"name", "match", "set", "action"}, errors);
      policy::Term term;
      t.read("name", term.name);
      if (const rapidjson::Value* m = t.get("match")) term.match = parse_match(*m, t.at("match"), errors);
      if (const rapidjson::Value* s = t.get("set")) term.set = parse_actions(*s, t.at("set"), errors);
      require(t, "action");
      term.action = action(t, "action");
      p.terms.push_back(std::move(term));
    }
  }
  if (o.has("defaultAction")) p.default_action = action(o, "defaultAction");
  return p;
}

// An object keyed by name: each name checked, each value read by `read`.
template <class T, class Read>
void named(const rapidjson::Value* v, std::string_view path, std::map<std::string, T, std::less<>>& out, Errors& errors,
           Read read) {
  if (!v || !errors.ok()) return;
  if (!v->IsObject()) return errors.fail(path, fmt::format("expected an object, got {}", json::type_name(*v)));
  for (auto m = v->MemberBegin(); m != v->MemberEnd() && errors.ok(); ++m) {
    std::string key(m->name.GetString(), m->name.GetStringLength());
    if (!policy::valid_name(key)) {
      std::string shown;
      for (char c : key.substr(0, 64)) shown.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
      return errors.fail(path, fmt::format("\"{}\" is not a valid name (1..63 letters, digits, '-', '_' or '.', "
                                           "starting with a letter or digit)",
                                           shown));
    }
    if (out.count(key)) return errors.fail(json::join(path, key), "given twice");
    T value = read(m->value, json::join(path, key));
    out.emplace(std::move(key), std::move(value));
  }
}

// ---- the rest ---------------------------------------------------------------------------

OriginateConfig parse_originate(const rapidjson::Value& v, const std::string& path, Errors& errors) {
  OriginateConfig r;
  Object o(v, path, {"prefix", "blackhole", "nextHop", "communities", "largeCommunities", "localPref", "med", "install"},
           errors);
  require(o, "prefix");
  o.read("prefix", r.prefix);
  o.read("blackhole", r.blackhole);
  o.read("nextHop", r.next_hop);
  o.list("communities", r.communities, policy::parse_community);
  o.list("largeCommunities", r.large_communities, policy::parse_large_community);
  o.read("localPref", r.local_pref, 0, 4294967295);
  o.read("med", r.med, 0, 4294967295);
  o.read("install", r.install);
  return r;
}

void parse_fib(const rapidjson::Value& v, FibConfig& f, Errors& errors) {
  Object o(v, "fib", {"enabled", "table", "protocol", "metric", "keepOnExit", "ecmp"}, errors);
  o.read("enabled", f.enabled);
  o.read("table", f.table, 0, 4294967295);
  o.read("protocol", f.protocol, 0, 255);
  o.read("metric", f.metric, 0, 4294967295);
  o.read("keepOnExit", f.keep_on_exit);
  o.read("ecmp", f.ecmp);
}

void parse_daemon(const Object& root, DaemonConfig& d, Errors& errors) {
  if (const rapidjson::Value* c = root.get("control")) {
    Object o(*c, "control", {"socket"}, errors);
    o.read("socket", d.control_socket);
  }
  if (const rapidjson::Value* l = root.get("log")) {
    Object o(*l, "log", {"level", "format"}, errors);
    std::optional<std::string> level, format;
    o.read("level", level);
    o.read("format", format);
    if (level && errors.ok()) {
      if (auto parsed = log::parse_level(*level)) d.log_level = *parsed;
      else errors.fail(o.at("level"), parsed.error().message);
    }
    if (format && errors.ok()) {
      if (auto parsed = log::parse_format(*format)) d.log_format = *parsed;
      else errors.fail(o.at("format"), parsed.error().message);
    }
  }
  if (const rapidjson::Value* h = root.get("http")) {
    Object o(*h, "http", {"listen"}, errors);
    std::optional<std::string> listen;
    o.read("listen", listen);
    if (listen && errors.ok()) {
      if (auto parsed = ip::Endpoint::parse(*listen)) d.http_listen = *parsed;
      else errors.fail(o.at("listen"), parsed.error().message);
    }
  }
}

}  // namespace

Result<std::string> read_text_file(const std::string& path, std::size_t max_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_size) return Error{fmt::format("{} is larger than {} bytes", path, max_size)};
  }
  if (in.bad()) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  return text;
}

Result<Config> parse_config(std::string_view text, const ParseOptions& options) {
  // k8s-client's parser: bounded nesting, valid UTF-8, numbers RapidJSON would misread
  // refused or rewritten.
  auto document = k8s::parse_json(text);
  if (!document) return document.error();
  Config config;
  Errors errors;
  Object root(*document, "",
              {"speaker", "neighbors", "listenRanges", "prefixLists", "policies", "originate", "fib", "control", "log",
               "http"},
              errors);
  require(root, "speaker");
  if (const rapidjson::Value* s = root.get("speaker")) parse_speaker(*s, config.speaker, errors);
  if (const rapidjson::Value* a = root.array("neighbors")) {
    for (rapidjson::SizeType i = 0; i < a->Size() && errors.ok(); ++i) {
      config.neighbors.push_back(parse_neighbor((*a)[i], json::index("neighbors", i), errors, options));
    }
  }
  if (const rapidjson::Value* a = root.array("listenRanges")) {
    for (rapidjson::SizeType i = 0; i < a->Size() && errors.ok(); ++i) {
      config.listen_ranges.push_back(parse_listen_range((*a)[i], json::index("listenRanges", i), errors, options));
    }
  }
  named(root.get("prefixLists"), "prefixLists", config.policy.prefix_lists, errors,
        [&](const rapidjson::Value& v, const std::string& path) {
          policy::PrefixList list;
          if (!v.IsArray()) {
            errors.fail(path, fmt::format("expected an array, got {}", json::type_name(v)));
          } else {
            parse_prefix_entries(v, path, list.entries, errors);
          }
          return list;
        });
  named(root.get("policies"), "policies", config.policy.policies, errors,
        [&](const rapidjson::Value& v, const std::string& path) { return parse_policy(v, path, errors); });
  if (const rapidjson::Value* a = root.array("originate")) {
    for (rapidjson::SizeType i = 0; i < a->Size() && errors.ok(); ++i) {
      config.originate.push_back(parse_originate((*a)[i], json::index("originate", i), errors));
    }
  }
  if (const rapidjson::Value* f = root.get("fib")) parse_fib(*f, config.fib, errors);
  parse_daemon(root, config.daemon, errors);
  if (!errors.ok()) return errors.first();
  if (auto s = validate(config); !s) return s.error();
  return config;
}

Result<Config> load_config_file(const std::string& path) {
  auto text = read_text_file(path, 16 * 1024 * 1024);
  if (!text) return text.error();
  ParseOptions options;
  const auto slash = path.rfind('/');
  options.base_directory = slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
  auto config = parse_config(*text, options);
  if (!config) return config.error().context(path);
  return config;
}

}  // namespace sluice::bgp::config
