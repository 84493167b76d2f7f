#include "bgpd/control/control_api.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/json/json.hpp"
#include "bgpd/policy/as_path_regex.hpp"
#include "bgpd/policy/community.hpp"

namespace sluice::bgp {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void string(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void number(JsonWriter& w, std::string_view key, std::uint64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Uint64(value);
}
void boolean(JsonWriter& w, std::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}

std::string_view message_name(std::size_t type) {
  switch (type) {
    case 1: return "open";
    case 2: return "update";
    case 3: return "notification";
    case 4: return "keepalive";
    case 5: return "routeRefresh";
    default: return "";
  }
}

void write_peer(JsonWriter& w, const PeerStatus& s, bool detail) {
  const auto now = std::chrono::steady_clock::now();
  w.StartObject();
  string(w, "address", s.address.to_string());
  if (!s.description.empty()) string(w, "description", s.description);
  boolean(w, "dynamic", s.dynamic);
  string(w, "state", to_string(s.state));
  number(w, "stateSeconds", static_cast<std::uint64_t>(
                                std::chrono::duration_cast<std::chrono::seconds>(now - s.state_since).count()));
  number(w, "remoteAS", s.remote_as);
  number(w, "localAS", s.local_as);
  if (s.router_id) string(w, "routerID", s.router_id->to_string());
  number(w, "prefixesReceived", s.prefixes_received);
  number(w, "prefixesAccepted", s.prefixes_accepted);
  number(w, "prefixesAdvertised", s.prefixes_advertised);
  number(w, "prefixesRejected", s.prefixes_rejected);
  number(w, "flaps", s.flaps);
  if (s.last_down) {
    w.Key("lastError");
    w.StartObject();
    string(w, "kind", to_string(s.last_down->kind));
    if (!s.last_down->detail.empty()) string(w, "detail", s.last_down->detail);
    if (s.last_down->notification) {
      number(w, "code", s.last_down->notification->code);
      number(w, "subcode", s.last_down->notification->subcode);
    }
    w.EndObject();
  }
  if (detail) {
    if (s.local_endpoint) string(w, "local", s.local_endpoint->to_string());
    if (s.remote_endpoint) string(w, "remote", s.remote_endpoint->to_string());
    boolean(w, "gracefulRestartPending", s.graceful_restart_pending);
    for (const auto* side : {"messagesIn", "messagesOut"}) {
      const auto& counts = std::string_view(side) == "messagesIn" ? s.counters.messages_in : s.counters.messages_out;
      w.Key(side);
      w.StartObject();
      for (std::size_t t = 1; t < counts.size(); ++t) number(w, message_name(t), counts[t]);
      w.EndObject();
    }
    number(w, "updatesTreatedAsWithdraw", s.counters.updates_treated_as_withdraw);
    if (s.negotiated) {
      const auto& n = *s.negotiated;
      w.Key("session");
      w.StartObject();
      number(w, "holdTime", n.hold_time);
      number(w, "keepaliveTime", n.keepalive_time);
      boolean(w, "external", n.external);
      boolean(w, "fourOctetAS", n.four_octet_as);
      boolean(w, "routeRefresh", n.route_refresh);
      boolean(w, "enhancedRouteRefresh", n.enhanced_route_refresh);
      boolean(w, "extendedMessages", n.extended_message);
      boolean(w, "gracefulRestart", n.peer_graceful_restart.has_value());
      w.Key("families");
      w.StartArray();
      for (const auto& f : n.families) {
        const std::string text = to_string(f);
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      }
      w.EndArray();
      w.Key("addPath");
      w.StartArray();
      for (const auto& a : n.add_path) {
        w.StartObject();
        string(w, "family", to_string(a.afi_safi));
        string(w, "mode", a.mode == AddPathMode::send ? "send" : a.mode == AddPathMode::receive ? "receive" : "both");
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
  }
  w.EndObject();
}

std::string peer_name(const Speaker& speaker, rib::PeerId id) {
  if (id == rib::kLocalPeer) return "local";
  const auto& peers = speaker.rib().peers();
  return peers.contains(id) ? peers.info(id).address.to_string() : "peer " + std::to_string(id);
}

void write_path(JsonWriter& w, const Speaker& speaker, const rib::Path& path, bool best, bool multipath) {
  const rib::RouteAttributes v = speaker.rib().attributes().get(path.attributes_id())->value();
  w.StartObject();
  string(w, "from", peer_name(speaker, path.peer()));
  boolean(w, "best", best);
  boolean(w, "multipath", multipath);
  boolean(w, "stale", path.stale());
  if (path.path_id() != 0) number(w, "pathID", path.path_id());
  if (v.next_hop) string(w, "nextHop", v.next_hop->to_string());
  string(w, "asPath", v.path.as_path ? policy::as_path_text(*v.path.as_path) : std::string());
  if (v.path.origin)
    string(w, "origin", *v.path.origin == Origin::igp ? "igp" : *v.path.origin == Origin::egp ? "egp" : "incomplete");
  if (v.path.local_pref) number(w, "localPref", *v.path.local_pref);
  if (v.path.multi_exit_disc) number(w, "med", *v.path.multi_exit_disc);
  if (!v.path.communities.empty()) {
    w.Key("communities");
    w.StartArray();
    for (auto c : v.path.communities) {
      const std::string text = policy::to_string(c);
      w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    w.EndArray();
  }
  // RFC 4456: what a route reflector added, so a reflected route can be told from a direct one.
  if (v.path.originator_id) string(w, "originatorID", v.path.originator_id->to_string());
  if (!v.path.cluster_list.empty()) {
    w.Key("clusterList");
    w.StartArray();
    for (const auto& id : v.path.cluster_list) {
      const std::string text = id.to_string();
      w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    w.EndArray();
  }
  if (!v.path.large_communities.empty()) {
    w.Key("largeCommunities");
    w.StartArray();
    for (const auto& c : v.path.large_communities) {
      const std::string text = policy::to_string(c);
      w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    w.EndArray();
  }
  w.EndObject();
}

std::string error_answer(std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  boolean(w, "ok", false);
  string(w, "error", message);
  w.EndObject();
  return buffer.GetString();
}

std::string_view member(const rapidjson::Value& request, std::string_view name) {
  const auto* v = json::find(request, name);
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
}

}  // namespace

std::string handle_control_request(Speaker& speaker, std::string_view request_text) {
  auto request = json::parse(request_text);
  if (!request || !request->IsObject()) return error_answer("the request is not a JSON object");
  const std::string_view command = member(*request, "command");
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  if (command == "summary") {
    const auto& identity = speaker.settings().rib.speaker;
    w.StartObject();
    boolean(w, "ok", true);
    number(w, "localAS", identity.local_as);
    string(w, "routerID", identity.router_id.to_string());
    for (const auto family : {kIpv4Unicast, kIpv6Unicast}) {
      const auto* table = speaker.rib().loc_rib(family);
      const std::uint64_t prefixes = table ? table->prefix_count() : 0;
      number(w, family == kIpv4Unicast ? "ipv4Prefixes" : "ipv6Prefixes", prefixes);
    }
    w.Key("peers");
    w.StartArray();
    for (const auto& s : speaker.peers()) write_peer(w, s, false);
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
  }
  if (command == "neighbor") {
    auto address = ip::Address::parse(member(*request, "address"));
    if (!address) return error_answer("neighbor: " + address.error().message);
    const Peer* peer = speaker.peer(*address);
    if (!peer) return error_answer("no neighbour " + address->to_string());
    w.StartObject();
    boolean(w, "ok", true);
    w.Key("neighbor");
    write_peer(w, peer->status(), true);
    w.EndObject();
    return buffer.GetString();
  }
  if (command == "routes") {
    const std::string_view family_text = member(*request, "family");
    AfiSafi family = kIpv4Unicast;
    if (family_text == "ipv6") {
      family = kIpv6Unicast;
    } else if (!family_text.empty() && family_text != "ipv4") {
      return error_answer("routes: family must be ipv4 or ipv6, not \"" + std::string(family_text) + "\"");
    }
    std::optional<ip::Prefix> within;
    if (auto text = member(*request, "prefix"); !text.empty()) {
      auto parsed = ip::Prefix::parse_address_or_prefix(text);
      if (!parsed) return error_answer("routes: " + parsed.error().message);
      within = *parsed;
      if (within->family() != (family == kIpv4Unicast ? ip::Family::v4 : ip::Family::v6))
        family = within->family() == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast;
    }
    std::optional<rib::PeerId> from;
    if (auto text = member(*request, "peer"); !text.empty()) {
      auto address = ip::Address::parse(text);
      if (!address) return error_answer("routes: " + address.error().message);
      const Peer* peer = speaker.peer(*address);
      if (!peer) return error_answer("no neighbour " + address->to_string());
      from = peer->id();
    }
    const auto* table = speaker.rib().loc_rib(family);
    w.StartObject();
    boolean(w, "ok", true);
    w.Key("routes");
    w.StartArray();
    if (table) {
      std::vector<std::pair<ip::Prefix, rib::EntryIndex>> entries;
      table->for_each([&](rib::EntryIndex i) {
        const ip::Prefix prefix = table->prefix(i);
        if (within && !within->contains(prefix) && !prefix.contains(*within)) return;
        entries.emplace_back(prefix, i);
      });
      std::sort(entries.begin(), entries.end());
      for (const auto& [prefix, index] : entries) {
        const auto* best = table->best(index);
        const auto multipath = table->multipath(index);
        bool any = false;
        for (const auto& path : table->paths(index))
          if (!from || path.peer() == *from) any = true;
        if (!any) continue;
        w.StartObject();
        string(w, "prefix", prefix.to_string());
        w.Key("paths");
        w.StartArray();
        for (const auto& path : table->paths(index)) {
          if (from && path.peer() != *from) continue;
          const bool is_best = best == &path;
          const bool in_multipath = std::any_of(multipath.begin(), multipath.end(),
                                                [&](const rib::Path& m) { return &m == &path; });
          write_path(w, speaker, path, is_best, in_multipath);
        }
        w.EndArray();
        w.EndObject();
      }
    }
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
  }
  return error_answer("unknown command \"" + std::string(command) + "\" (summary, neighbor, routes)");
}

}  // namespace sluice::bgp
