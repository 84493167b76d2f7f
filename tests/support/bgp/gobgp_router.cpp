#include "tests/support/bgp/gobgp_router.hpp"

#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"
#include "tests/support/wait.hpp"

namespace sluice::testing::bgp {
namespace {

// Each namespace has its own loopback, so one port serves every instance.
constexpr std::uint16_t kApiPort = 50051;

std::optional<std::uint32_t> uint_member(const rapidjson::Value& object, const char* member) {
  const auto* value = json::find(object, member);
  if (value && value->IsUint()) return value->GetUint();
  return std::nullopt;
}

void read_attribute(const rapidjson::Value& attribute, SeenRoute& route) {
  auto type = uint_member(attribute, "type");
  if (!type) return;
  switch (*type) {
    case 1: {  // ORIGIN
      static constexpr const char* kOrigins[] = {"igp", "egp", "incomplete"};
      if (auto value = uint_member(attribute, "value"); value && *value < 3) route.origin = kOrigins[*value];
      break;
    }
    case 2: {  // AS_PATH
      const auto* segments = json::find(attribute, "as_paths");
      if (!segments || !segments->IsArray()) break;
      for (const auto& segment : segments->GetArray()) {
        const auto* asns = json::find(segment, "asns");
        if (!asns || !asns->IsArray()) continue;
        for (const auto& asn : asns->GetArray()) {
          if (asn.IsUint()) route.as_path.push_back(asn.GetUint());
        }
      }
      break;
    }
    case 3:     // NEXT_HOP
    case 14: {  // MP_REACH_NLRI
      const auto* hop = json::find(attribute, "nexthop");
      if (hop && hop->IsString()) route.next_hops = {hop->GetString()};
      break;
    }
    case 4:
      route.med = uint_member(attribute, "metric");
      break;
    case 5:
      route.local_pref = uint_member(attribute, "value");
      break;
    case 8: {  // COMMUNITIES, as 32-bit numbers
      const auto* list = json::find(attribute, "communities");
      if (!list || !list->IsArray()) break;
      for (const auto& value : list->GetArray()) {
        if (value.IsUint()) route.communities.push_back(fmt::format("{}:{}", value.GetUint() >> 16, value.GetUint() & 0xffff));
      }
      break;
    }
    case 9: {  // ORIGINATOR_ID
      const auto* id = json::find(attribute, "value");
      if (id && id->IsString()) route.originator_id = id->GetString();
      break;
    }
    case 10: {  // CLUSTER_LIST
      const auto* list = json::find(attribute, "value");
      if (!list || !list->IsArray()) break;
      for (const auto& id : list->GetArray()) {
        if (id.IsString()) route.cluster_list.emplace_back(id.GetString());
      }
      break;
    }
    case 32: {  // LARGE_COMMUNITY
      const auto* list = json::find(attribute, "value");
      if (!list || !list->IsArray()) break;
      for (const auto& value : list->GetArray()) {
        auto a = uint_member(value, "ASN");
        auto b = uint_member(value, "LocalData1");
        auto c = uint_member(value, "LocalData2");
        if (a && b && c) route.large_communities.push_back(fmt::format("{}:{}:{}", *a, *b, *c));
      }
      break;
    }
    default:
      break;
  }
}

std::string state_name(std::uint32_t state) {
  static constexpr const char* kNames[] = {"Unknown", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm",
                                           "Established"};
  return state < 7 ? kNames[state] : "Unknown";
}

}  // namespace

std::vector<SeenRoute> parse_gobgp_routes(std::string_view text) {
  auto document = json::parse(text);
  if (!document) throw std::runtime_error("GoBGP's JSON does not parse: " + document.error().message);
  std::vector<SeenRoute> out;
  if (!document->IsObject()) return out;
  for (const auto& entry : document->GetObject()) {
    if (!entry.value.IsArray()) continue;
    for (const auto& path : entry.value.GetArray()) {
      SeenRoute route;
      route.prefix = entry.name.GetString();
      const auto* best = json::find(path, "best");
      route.best = best && best->IsBool() && best->GetBool();
      if (const auto* attributes = json::find(path, "attrs"); attributes && attributes->IsArray()) {
        for (const auto& attribute : attributes->GetArray()) read_attribute(attribute, route);
      }
      out.push_back(std::move(route));
    }
  }
  return out;
}

GobgpRouter::GobgpRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config)
    : ns_(ns), dir_(std::move(dir)), config_(dir_ / "gobgpd.toml"), log_(dir_ / "gobgpd.log"), api_port_(kApiPort) {
  write_text_file(config_, config);
  start();
}

GobgpRouter::~GobgpRouter() { stop(); }

void GobgpRouter::start() {
  process_.emplace(Subprocess::start({"ip", "netns", "exec", ns_.name(), "gobgpd", "-f", config_.string(),
                                      "--api-hosts", fmt::format("127.0.0.1:{}", api_port_), "--pprof-disable",
                                      "--log-plain"},
                                     log_));
  bool ready = wait_until([&] { return gobgp({"global"}).ok() || !process_->running(); }, std::chrono::seconds(15),
                          std::chrono::milliseconds(100));
  if (!ready || !process_->running()) throw std::runtime_error("gobgpd did not start; its log:\n" + read_text_file(log_));
}

void GobgpRouter::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void GobgpRouter::kill() {
  if (process_) process_->kill();
  process_.reset();
}

CommandResult GobgpRouter::gobgp(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"ip", "netns", "exec", ns_.name(), "gobgp", "-p", std::to_string(api_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run(argv, std::chrono::seconds(10));
  // The client reports API errors as JSON with status 0 in -j mode.
  if (result.ok() && result.output.starts_with("{\"error\"")) result.exit_code = 1;
  return result;
}

std::string GobgpRouter::gobgp_checked(const std::vector<std::string>& args) const {
  auto result = gobgp(args);
  if (!result.ok()) {
    std::string command;
    for (const auto& arg : args) command += " " + arg;
    throw std::runtime_error("gobgp" + command + " failed: " + result.output);
  }
  return result.output;
}

std::string GobgpRouter::bgp_state(std::string_view neighbor) const {
  auto result = gobgp({"neighbor", std::string(neighbor), "-j"});
  auto document = json::parse(result.output);
  if (!result.ok() || !document) return {};
  const auto* state = json::find(*document, "state");
  if (!state) return {};
  auto session = uint_member(*state, "session_state");
  return session ? state_name(*session) : std::string();
}

std::vector<SeenRoute> GobgpRouter::routes(std::string_view family) const {
  return parse_gobgp_routes(gobgp_checked({"global", "rib", "-a", std::string(family), "-j"}));
}

std::vector<SeenRoute> GobgpRouter::received_from(std::string_view neighbor, std::string_view family) const {
  return parse_gobgp_routes(gobgp_checked({"neighbor", std::string(neighbor), "adj-in", "-a", std::string(family), "-j"}));
}

}  // namespace sluice::testing::bgp
