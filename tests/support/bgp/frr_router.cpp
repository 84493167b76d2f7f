#include "tests/support/bgp/frr_router.hpp"

#include <chrono>
#include <stdexcept>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"
#include "tests/support/wait.hpp"

namespace sluice::testing::bgp {
namespace {

constexpr const char* kBgpd = "/usr/lib/frr/bgpd";

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::vector<std::string> string_list(const rapidjson::Value& object, const char* member) {
  std::vector<std::string> out;
  const rapidjson::Value* holder = json::find(object, member);
  if (!holder || !holder->IsObject()) return out;
  const rapidjson::Value* list = json::find(*holder, "list");
  if (!list || !list->IsArray()) return out;
  for (const auto& item : list->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString());
  }
  return out;
}

}  // namespace

std::vector<SeenRoute> parse_frr_routes(std::string_view text) {
  auto document = json::parse(text);
  if (!document) throw std::runtime_error("FRR's JSON does not parse: " + document.error().message);
  std::vector<SeenRoute> out;
  const rapidjson::Value* routes = json::find(*document, "routes");
  if (!routes || !routes->IsObject()) return out;
  for (const auto& entry : routes->GetObject()) {
    if (!entry.value.IsArray()) continue;
    // The first element describes the prefix; the paths follow, each with next hops.
    for (const auto& path : entry.value.GetArray()) {
      if (!path.IsObject() || !json::find(path, "nexthops")) continue;
      SeenRoute route;
      route.prefix = entry.name.GetString();
      route.best = false;
      if (const auto* best = json::find(path, "bestpath"); best && best->IsObject()) {
        const auto* overall = json::find(*best, "overall");
        route.best = overall && overall->IsBool() && overall->GetBool();
      }
      const auto* multipath = json::find(path, "multipath");
      route.multipath = multipath && multipath->IsBool() && multipath->GetBool();
      const auto* stale = json::find(path, "stale");
      route.stale = stale && stale->IsBool() && stale->GetBool();
      // 0 when the path came without an identifier.
      if (const auto* id = json::find(path, "addpathRxId"); id && id->IsUint() && id->GetUint() != 0)
        route.path_id = id->GetUint();
      if (const auto* originator = json::find(path, "originatorId"); originator && originator->IsString())
        route.originator_id = originator->GetString();
      route.cluster_list = string_list(path, "clusterList");
      for (const auto& hop : (*json::find(path, "nexthops")).GetArray()) {
        const auto* ip = json::find(hop, "ip");
        // IPv6 paths list the global address, then the link-local one: keep the first.
        if (ip && ip->IsString() && route.next_hops.empty()) route.next_hops.emplace_back(ip->GetString());
      }
      if (const auto* as_path = json::find(path, "aspath"); as_path && as_path->IsObject()) {
        if (const auto* segments = json::find(*as_path, "segments"); segments && segments->IsArray()) {
          for (const auto& segment : segments->GetArray()) {
            const auto* list = json::find(segment, "list");
            if (!list || !list->IsArray()) continue;
            for (const auto& asn : list->GetArray()) {
              if (asn.IsUint()) route.as_path.push_back(asn.GetUint());
            }
          }
        }
      }
      route.communities = string_list(path, "community");
      route.large_communities = string_list(path, "largeCommunity");
      if (const auto* pref = json::find(path, "locPrf"); pref && pref->IsUint()) route.local_pref = pref->GetUint();
      if (const auto* med = json::find(path, "metric"); med && med->IsUint()) route.med = med->GetUint();
      if (const auto* origin = json::find(path, "origin"); origin && origin->IsString()) {
        route.origin = lower(origin->GetString());
      }
      out.push_back(std::move(route));
    }
  }
  return out;
}

FrrRouter::FrrRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config)
    : ns_(ns), dir_(std::move(dir)), config_(dir_ / "bgpd.conf"), log_(dir_ / "frr.log") {
  write_text_file(config_, config);
  start();
}

FrrRouter::~FrrRouter() { stop(); }

void FrrRouter::start() {
  // -Z: no zebra, so no kernel routes and no next-hop tracking; -S: stay root. The vty
  // socket goes in our directory, and -P 0 keeps the vty off TCP.
  process_.emplace(Subprocess::start({"ip", "netns", "exec", ns_.name(), kBgpd, "-Z", "-S", "-f", config_.string(),
                                      "-i", (dir_ / "bgpd.pid").string(), "--vty_socket", dir_.string(), "-P", "0",
                                      "--log", "stdout"},
                                     log_));
  bool ready = wait_until([&] { return vtysh({"show bgp summary"}).ok() || !process_->running(); },
                          std::chrono::seconds(10));
  if (!ready || !process_->running()) throw std::runtime_error("FRR bgpd did not start; its log:\n" + read_text_file(log_));
}

void FrrRouter::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void FrrRouter::kill() {
  if (process_) process_->kill();
  process_.reset();
}

CommandResult FrrRouter::vtysh(const std::vector<std::string>& commands) const {
  std::vector<std::string> argv{"vtysh", "--vty_socket", dir_.string(), "-d", "bgpd"};
  for (const auto& command : commands) {
    argv.emplace_back("-c");
    argv.push_back(command);
  }
  auto result = run(argv, std::chrono::seconds(10));
  // vtysh exits 0 even for a rejected command; it prints "% ..." instead.
  if (result.ok() && result.output.starts_with("% ")) result.exit_code = 1;
  return result;
}

void FrrRouter::configure(const std::vector<std::string>& commands) const {
  std::vector<std::string> all{"configure terminal"};
  all.insert(all.end(), commands.begin(), commands.end());
  auto result = vtysh(all);
  if (!result.ok() || result.output.find("% ") != std::string::npos) {
    throw std::runtime_error("vtysh configure failed: " + result.output);
  }
}

std::string FrrRouter::bgp_state(std::string_view neighbor) const {
  auto result = vtysh({"show bgp neighbors " + std::string(neighbor) + " json"});
  auto document = json::parse(result.output);
  if (!result.ok() || !document) return {};
  const auto* peer = json::find(*document, neighbor);
  if (!peer || !peer->IsObject()) return {};
  const auto* state = json::find(*peer, "bgpState");
  return state && state->IsString() ? state->GetString() : std::string();
}

std::string FrrRouter::last_reset(std::string_view neighbor) const {
  auto result = vtysh({"show bgp neighbors " + std::string(neighbor) + " json"});
  auto document = json::parse(result.output);
  if (!result.ok() || !document) return {};
  const auto* peer = json::find(*document, neighbor);
  if (!peer || !peer->IsObject()) return {};
  const auto* reason = json::find(*peer, "lastResetDueTo");
  return reason && reason->IsString() ? reason->GetString() : std::string();
}

std::vector<SeenRoute> FrrRouter::routes(std::string_view family) const {
  auto result = vtysh({"show bgp " + std::string(family) + " unicast json detail"});
  if (!result.ok()) throw std::runtime_error("vtysh show bgp failed: " + result.output);
  return parse_frr_routes(result.output);
}

}  // namespace sluice::testing::bgp
