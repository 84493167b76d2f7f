#include "bgpd/bgpctl/bgpctl.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/ip/prefix.hpp"
#include "base/json/json.hpp"
#include "base/text/table.hpp"

namespace sluice::bgp::bgpctl {
namespace {

std::string request_json(const std::vector<std::pair<std::string, std::string>>& members) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [k, v] : members) {
    w.Key(k.c_str());
    w.String(v.c_str());
  }
  w.EndObject();
  return buffer.GetString();
}

std::string str(const rapidjson::Value& v, const char* key) {
  const auto* m = json::find(v, key);
  return m && m->IsString() ? m->GetString() : "";
}

std::uint64_t num(const rapidjson::Value& v, const char* key) {
  const auto* m = json::find(v, key);
  return m && m->IsUint64() ? m->GetUint64() : 0;
}

bool flag(const rapidjson::Value& v, const char* key) {
  const auto* m = json::find(v, key);
  return m && m->IsBool() && m->GetBool();
}

// The array at `key`, or an empty one: an answer missing a member renders as empty rather
// than taking bgpctl down (a bgpd of another version may send less).
const rapidjson::Value& array(const rapidjson::Value& v, const char* key) {
  static const rapidjson::Value empty(rapidjson::kArrayType);
  const auto* m = json::find(v, key);
  return m && m->IsArray() ? *m : empty;
}

std::string duration(std::uint64_t seconds) {
  if (seconds < 3600) return fmt::format("{:02}:{:02}", seconds / 60, seconds % 60);
  if (seconds < 86400) return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return fmt::format("{}d{:02}h", seconds / 86400, seconds / 3600 % 24);
}

std::string render_summary(const rapidjson::Value& answer) {
  std::string out = fmt::format("BGP router ID {}, local AS {}; Loc-RIB: {} IPv4 and {} IPv6 prefixes\n\n",
                                str(answer, "routerID"), num(answer, "localAS"), num(answer, "ipv4Prefixes"),
                                num(answer, "ipv6Prefixes"));
  text::Table table({"NEIGHBOR", "AS", "STATE", "FOR", "RECEIVED", "ACCEPTED", "ADVERTISED", "FLAPS", "LAST ERROR"});
  for (std::size_t c : {1u, 4u, 5u, 6u, 7u}) table.align(c, text::Table::Align::right);
  for (const auto& p : array(answer, "peers").GetArray()) {
    std::string error;
    if (const auto* e = json::find(p, "lastError"); e && e->IsObject()) {
      error = str(*e, "kind");
      if (const auto* d = json::find(*e, "detail"); d && d->IsString() && d->GetStringLength() > 0)
        error += ": " + std::string(d->GetString());
    }
    std::string name = str(p, "address");
    if (flag(p, "dynamic")) name += " (dynamic)";
    table.add_row({name, std::to_string(num(p, "remoteAS")), str(p, "state"), duration(num(p, "stateSeconds")),
                   std::to_string(num(p, "prefixesReceived")), std::to_string(num(p, "prefixesAccepted")),
                   std::to_string(num(p, "prefixesAdvertised")), std::to_string(num(p, "flaps")), error});
  }
  return out + table.render();
}

std::string render_neighbor(const rapidjson::Value& n) {
  std::string out = fmt::format("Neighbor {}{}, remote AS {}, local AS {}\n", str(n, "address"),
                                str(n, "description").empty() ? "" : " (" + str(n, "description") + ")",
                                num(n, "remoteAS"), num(n, "localAS"));
  out += fmt::format("  State {} for {}", str(n, "state"), duration(num(n, "stateSeconds")));
  if (!str(n, "routerID").empty()) out += fmt::format(", router ID {}", str(n, "routerID"));
  out += "\n";
  if (!str(n, "local").empty()) out += fmt::format("  Connection {} -> {}\n", str(n, "local"), str(n, "remote"));
  if (const auto* s = json::find(n, "session"); s && s->IsObject()) {
    std::string families;
    for (const auto& f : array(*s, "families").GetArray())
      if (f.IsString()) families += (families.empty() ? "" : ", ") + std::string(f.GetString());
    out += fmt::format("  Hold time {} s, keepalive {} s, {}; families {}\n", num(*s, "holdTime"),
                       num(*s, "keepaliveTime"), flag(*s, "external") ? "eBGP" : "iBGP", families);
    std::string caps;
    for (const char* c : {"fourOctetAS", "routeRefresh", "enhancedRouteRefresh", "extendedMessages", "gracefulRestart"})
      if (flag(*s, c)) caps += (caps.empty() ? "" : ", ") + std::string(c);
    for (const auto& a : array(*s, "addPath").GetArray())
      caps += (caps.empty() ? "" : ", ") + fmt::format("addPath {} {}", str(a, "family"), str(a, "mode"));
    out += fmt::format("  Capabilities: {}\n", caps.empty() ? "none" : caps);
  }
  out += fmt::format("  Prefixes: {} received, {} accepted, {} rejected, {} advertised\n", num(n, "prefixesReceived"),
                     num(n, "prefixesAccepted"), num(n, "prefixesRejected"), num(n, "prefixesAdvertised"));
  text::Table messages({"MESSAGES", "OPEN", "UPDATE", "NOTIFICATION", "KEEPALIVE", "ROUTE-REFRESH"});
  for (std::size_t c = 1; c < 6; ++c) messages.align(c, text::Table::Align::right);
  for (const char* side : {"messagesIn", "messagesOut"}) {
    const auto* m = json::find(n, side);
    if (!m || !m->IsObject()) continue;
    messages.add_row({std::string(side) == "messagesIn" ? "received" : "sent", std::to_string(num(*m, "open")),
                      std::to_string(num(*m, "update")), std::to_string(num(*m, "notification")),
                      std::to_string(num(*m, "keepalive")), std::to_string(num(*m, "routeRefresh"))});
  }
  out += "\n" + messages.render();
  out += fmt::format("\n  Flaps {}", num(n, "flaps"));
  if (const auto* e = json::find(n, "lastError"); e && e->IsObject()) {
    out += fmt::format("; last error {}", str(*e, "kind"));
    if (!str(*e, "detail").empty()) out += ": " + str(*e, "detail");
  }
  return out + "\n";
}

std::string render_routes(const rapidjson::Value& answer) {
  text::Table table({"PREFIX", "", "FROM", "NEXT HOP", "AS PATH", "LOCAL PREF", "MED", "COMMUNITIES"});
  table.align(5, text::Table::Align::right).align(6, text::Table::Align::right);
  for (const auto& r : array(answer, "routes").GetArray()) {
    bool first = true;
    for (const auto& p : array(r, "paths").GetArray()) {
      std::string mark = flag(p, "best") ? "*>" : flag(p, "multipath") ? "*=" : "*";
      if (flag(p, "stale")) mark += "S";
      std::string communities;
      for (const char* key : {"communities", "largeCommunities"})
        if (const auto* c = json::find(p, key); c && c->IsArray())
          for (const auto& v : c->GetArray())
            if (v.IsString()) communities += (communities.empty() ? "" : " ") + std::string(v.GetString());
      const auto* lp = json::find(p, "localPref");
      const auto* med = json::find(p, "med");
      table.add_row({first ? str(r, "prefix") : "", mark, str(p, "from"), str(p, "nextHop"), str(p, "asPath"),
                     lp && lp->IsUint64() ? std::to_string(lp->GetUint64()) : "",
                     med && med->IsUint64() ? std::to_string(med->GetUint64()) : "",
                     communities});
      first = false;
    }
  }
  if (table.empty()) return "No routes.\n";
  return table.render() + "\n*> best, *= multipath (ECMP), S stale (graceful restart)\n";
}

}  // namespace

std::string usage() {
  return R"(Usage: bgpctl [--socket PATH] [-o table|json] COMMAND

Asks the running bgpd over its control socket.

Commands:
  summary                      every neighbour: AS, state and for how long, prefixes, flaps, last error
  neighbor ADDRESS             one neighbour in detail: the session negotiated, message counts
  routes [--prefix PREFIX] [--peer ADDRESS] [--family ipv4|ipv6]
                               the Loc-RIB: every path of each prefix (or those inside or holding
                               PREFIX, or from one neighbour), best path and ECMP set marked

Flags:
  --socket PATH                bgpd's control socket (default /run/sluice/bgpd.sock; env BGPCTL_SOCKET)
  -o, --output table|json      tables (default) or bgpd's JSON answer as it is
  -h, --help                   this text

Exit status: 0 done, 1 bgpd could not be reached or refused the request, 2 bad arguments.
)";
}

Result<Invocation> parse_arguments(const std::vector<std::string>& args) {
  Invocation inv;
  std::vector<std::string> positional;
  std::string prefix, peer, family;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> Result<std::string> {
      const auto eq = a.find('=');
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= args.size()) return Error{"flag " + flag + " needs a value"};
      return args[++i];
    };
    auto is = [&](std::string_view flag) { return a == flag || a.starts_with(std::string(flag) + "="); };
    if (a == "-h" || a == "--help") {
      inv.help = true;
    } else if (is("--socket")) {
      auto v = value("--socket");
      if (!v) return v.error();
      inv.socket = *v;
    } else if (is("-o") || is("--output")) {
      auto v = value(a.starts_with("-o") && !a.starts_with("--") ? "-o" : "--output");
      if (!v) return v.error();
      if (*v != "json" && *v != "table") return Error{"--output must be table or json, not \"" + *v + "\""};
      inv.json = *v == "json";
    } else if (is("--prefix")) {
      auto v = value("--prefix");
      if (!v) return v.error();
      if (auto p = ip::Prefix::parse_address_or_prefix(*v); !p) return Error{"--prefix: " + p.error().message};
      prefix = *v;
    } else if (is("--peer")) {
      auto v = value("--peer");
      if (!v) return v.error();
      if (auto p = ip::Address::parse(*v); !p) return Error{"--peer: " + p.error().message};
      peer = *v;
    } else if (is("--family")) {
      auto v = value("--family");
      if (!v) return v.error();
      if (*v != "ipv4" && *v != "ipv6") return Error{"--family must be ipv4 or ipv6, not \"" + *v + "\""};
      family = *v;
    } else if (a.starts_with("-") && a != "-") {
      return Error{"unknown flag " + a + " (see bgpctl --help)"};
    } else {
      positional.push_back(a);
    }
  }
  if (inv.help) return inv;
  if (positional.empty()) return Error{"no command given (summary, neighbor, routes; see bgpctl --help)"};
  inv.command = positional[0];
  if (inv.command == "summary") {
    if (positional.size() > 1) return Error{"summary takes no argument, got \"" + positional[1] + "\""};
    inv.request = request_json({{"command", "summary"}});
  } else if (inv.command == "neighbor" || inv.command == "neighbour") {
    inv.command = "neighbor";
    if (positional.size() != 2) return Error{"neighbor needs one address"};
    if (auto a = ip::Address::parse(positional[1]); !a) return Error{"neighbor: " + a.error().message};
    inv.request = request_json({{"command", "neighbor"}, {"address", positional[1]}});
  } else if (inv.command == "routes") {
    if (positional.size() > 1) return Error{"routes takes flags only, got \"" + positional[1] + "\""};
    std::vector<std::pair<std::string, std::string>> members{{"command", "routes"}};
    if (!family.empty()) members.emplace_back("family", family);
    if (!prefix.empty()) members.emplace_back("prefix", prefix);
    if (!peer.empty()) members.emplace_back("peer", peer);
    inv.request = request_json(members);
  } else {
    return Error{"unknown command \"" + inv.command + "\" (summary, neighbor, routes)"};
  }
  if ((!prefix.empty() || !peer.empty() || !family.empty()) && inv.command != "routes")
    return Error{"--prefix, --peer and --family go with routes"};
  return inv;
}

Result<std::string> render(const Invocation& invocation, const std::string& answer) {
  auto doc = json::parse(answer);
  if (!doc || !doc->IsObject()) return Error{"bgpd sent an answer that is not JSON: " + answer};
  if (const auto* ok = json::find(*doc, "ok"); !ok || !ok->IsBool() || !ok->GetBool())
    return Error{"bgpd: " + str(*doc, "error")};
  if (invocation.json) return answer + "\n";
  if (invocation.command == "summary") return render_summary(*doc);
  if (invocation.command == "neighbor") {
    const auto* neighbor = json::find(*doc, "neighbor");
    if (!neighbor || !neighbor->IsObject()) return Error{"bgpd's answer has no neighbor: " + answer};
    return render_neighbor(*neighbor);
  }
  return render_routes(*doc);
}

}  // namespace sluice::bgp::bgpctl
