#include "tests/support/bgp/exabgp_speaker.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"

namespace sluice::testing::bgp {
namespace {

// [[65000, 7], [1, 2, 3]] -> "65000:7", "1:2:3".
std::vector<std::string> colon_joined(const rapidjson::Value* list) {
  std::vector<std::string> out;
  if (!list || !list->IsArray()) return out;
  for (const auto& item : list->GetArray()) {
    if (!item.IsArray()) continue;
    std::string text;
    for (const auto& part : item.GetArray()) {
      if (!part.IsUint()) continue;
      if (!text.empty()) text += ':';
      text += std::to_string(part.GetUint());
    }
    out.push_back(text);
  }
  return out;
}

// Calls `visit` with each JSON message of `lines` that arrived on `session` (every one when
// `session` is empty); acknowledgements and other text are skipped.
template <typename Visit>
void each_message(const std::string& lines, std::string_view session, Visit&& visit) {
  for (std::string_view line : split_lines(lines)) {
    if (!line.starts_with("{")) continue;  // "done" acknowledgements
    auto document = json::parse(line);
    if (!document) continue;
    if (!session.empty()) {
      const auto* neighbor = json::find(*document, "neighbor");
      const auto* address = neighbor ? json::find(*neighbor, "address") : nullptr;
      const auto* local = address ? json::find(*address, "local") : nullptr;
      if (!local || !local->IsString() || std::string_view(local->GetString()) != session) continue;
    }
    visit(*document);
  }
}

bool is_type(const rapidjson::Value& message, std::string_view type) {
  const auto* value = json::find(message, "type");
  return value && value->IsString() && std::string_view(value->GetString()) == type;
}

bool session_down(const rapidjson::Value& message) {
  if (!is_type(message, "state")) return false;
  const auto* neighbor = json::find(message, "neighbor");
  const auto* state = neighbor ? json::find(*neighbor, "state") : nullptr;
  return state && state->IsString() && std::string_view(state->GetString()) == "down";
}

const rapidjson::Value* update_of(const rapidjson::Value& message) {
  if (!is_type(message, "update")) return nullptr;
  const auto* neighbor = json::find(message, "neighbor");
  const auto* body = neighbor ? json::find(*neighbor, "message") : nullptr;
  return body ? json::find(*body, "update") : nullptr;
}

// Calls withdrawn(prefix) for each withdrawn prefix of `update`, then
// announced(prefix, next hop) for each announced one.
template <typename Withdrawn, typename Announced>
void each_nlri(const rapidjson::Value& update, Withdrawn&& withdrawn, Announced&& announced) {
  if (const auto* withdraw = json::find(update, "withdraw"); withdraw && withdraw->IsObject()) {
    for (const auto& family : withdraw->GetObject()) {
      if (!family.value.IsArray()) continue;
      for (const auto& nlri : family.value.GetArray()) {
        const auto* prefix = json::find(nlri, "nlri");
        if (prefix && prefix->IsString()) withdrawn(std::string(prefix->GetString()));
      }
    }
  }
  const auto* announce = json::find(update, "announce");
  if (!announce || !announce->IsObject()) return;
  for (const auto& family : announce->GetObject()) {
    if (!family.value.IsObject()) continue;
    for (const auto& by_next_hop : family.value.GetObject()) {
      if (!by_next_hop.value.IsArray()) continue;
      for (const auto& nlri : by_next_hop.value.GetArray()) {
        const auto* prefix = json::find(nlri, "nlri");
        if (prefix && prefix->IsString()) announced(std::string(prefix->GetString()), by_next_hop.name.GetString());
      }
    }
  }
}

}  // namespace

std::vector<SeenRoute> fold_exabgp_updates(const std::string& lines, std::string_view session) {
  std::vector<SeenRoute> routes;
  auto erase = [&](const std::string& prefix) {
    std::erase_if(routes, [&](const SeenRoute& route) { return route.prefix == prefix; });
  };
  each_message(lines, session, [&](const rapidjson::Value& message) {
    if (session_down(message)) routes.clear();
    const auto* update = update_of(message);
    if (!update) return;
    SeenRoute shape;
    if (const auto* attribute = json::find(*update, "attribute")) {
      if (const auto* origin = json::find(*attribute, "origin"); origin && origin->IsString()) {
        shape.origin = origin->GetString();
      }
      if (const auto* path = json::find(*attribute, "as-path"); path && path->IsArray()) {
        for (const auto& asn : path->GetArray()) {
          if (asn.IsUint()) shape.as_path.push_back(asn.GetUint());
        }
      }
      if (const auto* med = json::find(*attribute, "med"); med && med->IsUint()) shape.med = med->GetUint();
      if (const auto* pref = json::find(*attribute, "local-preference"); pref && pref->IsUint()) {
        shape.local_pref = pref->GetUint();
      }
      shape.communities = colon_joined(json::find(*attribute, "community"));
      shape.large_communities = colon_joined(json::find(*attribute, "large-community"));
    }
    each_nlri(*update, erase, [&](const std::string& prefix, const std::string& next_hop) {
      erase(prefix);
      SeenRoute route = shape;
      route.prefix = prefix;
      route.next_hops = {next_hop};
      routes.push_back(std::move(route));
    });
  });
  return routes;
}

std::vector<SeenNotification> exabgp_notifications(const std::string& lines, std::string_view session) {
  std::vector<SeenNotification> out;
  each_message(lines, session, [&](const rapidjson::Value& message) {
    const auto* neighbor = json::find(message, "neighbor");
    const auto* notification = neighbor ? json::find(*neighbor, "notification") : nullptr;
    // ExaBGP 4.0 nested it in "message"; 4.2 puts it beside.
    const auto* body = neighbor ? json::find(*neighbor, "message") : nullptr;
    if (!notification && body) notification = json::find(*body, "notification");
    if (!notification) return;
    const auto* code = json::find(*notification, "code");
    const auto* subcode = json::find(*notification, "subcode");
    if (!code || !code->IsUint() || !subcode || !subcode->IsUint()) return;
    SeenNotification seen{code->GetUint(), subcode->GetUint(), {}};
    if (const auto* data = json::find(*notification, "data"); data && data->IsString()) {
      std::string_view hex = data->GetString();
      if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
      for (char c : hex) seen.data += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.push_back(std::move(seen));
  });
  return out;
}

std::map<std::string, std::string> exabgp_attributes_of(const std::string& lines, std::string_view prefix,
                                                        std::string_view session) {
  std::map<std::string, std::string> standing;
  each_message(lines, session, [&](const rapidjson::Value& message) {
    if (session_down(message)) standing.clear();
    const auto* update = update_of(message);
    if (!update) return;
    each_nlri(
        *update,
        [&](const std::string& withdrawn) {
          if (withdrawn == prefix) standing.clear();
        },
        [&](const std::string& announced, const std::string&) {
          if (announced != prefix) return;
          standing.clear();
          const auto* attribute = json::find(*update, "attribute");
          if (!attribute || !attribute->IsObject()) return;
          for (const auto& member : attribute->GetObject()) {
            standing[member.name.GetString()] =
                member.value.IsString() ? std::string(member.value.GetString()) : json::serialize(member.value);
          }
        });
  });
  return standing;
}

ExabgpSpeaker::ExabgpSpeaker(const TestNetns& ns, std::filesystem::path dir, const std::string& neighbors)
    : ns_(ns),
      dir_(std::move(dir)),
      commands_(dir_ / "exabgp.commands"),
      received_(dir_ / "exabgp.received"),
      log_(dir_ / "exabgp.log") {
  write_text_file(commands_, "");
  write_text_file(received_, "");
  // The API process: commands come from following the file (tail stops with the process,
  // so an ExaBGP that dies leaves nothing behind); what ExaBGP receives is appended.
  auto script = dir_ / "exabgp-api.sh";
  write_text_file(script, fmt::format("#!/bin/sh\ntail -n +1 -F --pid=$$ '{}' &\nexec cat >> '{}'\n", commands_.string(),
                                      received_.string()));
  ::chmod(script.c_str(), 0755);
  auto config = dir_ / "exabgp.conf";
  write_text_file(config, fmt::format("process sluice-test {{\n  run {};\n  encoder json;\n}}\n{}", script.string(),
                                      neighbors));
  process_.emplace(Subprocess::start({"ip", "netns", "exec", ns_.name(), "env", "exabgp.tcp.bind=",
                                      "exabgp.daemon.user=root", "exabgp.log.destination=stdout",
                                      "exabgp.api.ack=false", "exabgp", config.string()},
                                     log_));
}

ExabgpSpeaker::~ExabgpSpeaker() { stop(); }

void ExabgpSpeaker::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void ExabgpSpeaker::command(const std::string& line) {
  std::ofstream out(commands_, std::ios::app);
  out << line << '\n';
  if (!out.flush()) throw std::runtime_error("cannot append to " + commands_.string());
}

std::vector<SeenRoute> ExabgpSpeaker::routes(std::string_view session) const {
  return fold_exabgp_updates(read_text_file(received_), session);
}

std::vector<SeenNotification> ExabgpSpeaker::notifications_received(std::string_view session) const {
  return exabgp_notifications(read_text_file(received_), session);
}

std::size_t ExabgpSpeaker::updates_received(std::string_view session) const {
  std::size_t count = 0;
  each_message(read_text_file(received_), session, [&](const rapidjson::Value& message) {
    if (is_type(message, "update")) ++count;
  });
  return count;
}

std::map<std::string, std::string> ExabgpSpeaker::attributes_of(std::string_view prefix,
                                                                std::string_view session) const {
  return exabgp_attributes_of(read_text_file(received_), prefix, session);
}

}  // namespace sluice::testing::bgp
