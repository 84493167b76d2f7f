#include "tests/support/bgp/exabgp_speaker.hpp"

#include <sys/stat.h>

#include <algorithm>
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

}  // namespace

std::vector<SeenRoute> fold_exabgp_updates(const std::string& lines) {
  std::vector<SeenRoute> routes;
  auto erase = [&](const std::string& prefix) {
    std::erase_if(routes, [&](const SeenRoute& route) { return route.prefix == prefix; });
  };
  for (std::string_view line : split_lines(lines)) {
    if (!line.starts_with("{")) continue;  // "done" acknowledgements
    auto document = json::parse(line);
    if (!document) continue;
    const auto* type = json::find(*document, "type");
    if (!type || !type->IsString()) continue;
    if (std::string_view(type->GetString()) == "state") {
      const auto* neighbor = json::find(*document, "neighbor");
      const auto* state = neighbor ? json::find(*neighbor, "state") : nullptr;
      if (state && state->IsString() && std::string_view(state->GetString()) == "down") routes.clear();
      continue;
    }
    if (std::string_view(type->GetString()) != "update") continue;
    const auto* neighbor = json::find(*document, "neighbor");
    const auto* message = neighbor ? json::find(*neighbor, "message") : nullptr;
    const auto* update = message ? json::find(*message, "update") : nullptr;
    if (!update) continue;
    if (const auto* withdraw = json::find(*update, "withdraw"); withdraw && withdraw->IsObject()) {
      for (const auto& family : withdraw->GetObject()) {
        if (!family.value.IsArray()) continue;
        for (const auto& nlri : family.value.GetArray()) {
          const auto* prefix = json::find(nlri, "nlri");
          if (prefix && prefix->IsString()) erase(prefix->GetString());
        }
      }
    }
    const auto* announce = json::find(*update, "announce");
    if (!announce || !announce->IsObject()) continue;
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
    for (const auto& family : announce->GetObject()) {
      if (!family.value.IsObject()) continue;
      for (const auto& by_next_hop : family.value.GetObject()) {
        if (!by_next_hop.value.IsArray()) continue;
        for (const auto& nlri : by_next_hop.value.GetArray()) {
          const auto* prefix = json::find(nlri, "nlri");
          if (!prefix || !prefix->IsString()) continue;
          erase(prefix->GetString());
          SeenRoute route = shape;
          route.prefix = prefix->GetString();
          route.next_hops = {by_next_hop.name.GetString()};
          routes.push_back(std::move(route));
        }
      }
    }
  }
  return routes;
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

std::vector<SeenRoute> ExabgpSpeaker::routes() const { return fold_exabgp_updates(read_text_file(received_)); }

std::vector<SeenNotification> ExabgpSpeaker::notifications_received() const {
  std::vector<SeenNotification> out;
  for (std::string_view line : split_lines(read_text_file(received_))) {
    if (!line.starts_with("{")) continue;
    auto document = json::parse(line);
    if (!document) continue;
    const auto* neighbor = json::find(*document, "neighbor");
    const auto* message = neighbor ? json::find(*neighbor, "message") : nullptr;
    const auto* notification = message ? json::find(*message, "notification") : nullptr;
    if (!notification) continue;
    const auto* code = json::find(*notification, "code");
    const auto* subcode = json::find(*notification, "subcode");
    if (code && code->IsUint() && subcode && subcode->IsUint()) out.push_back({code->GetUint(), subcode->GetUint()});
  }
  return out;
}

std::size_t ExabgpSpeaker::updates_received() const {
  std::size_t count = 0;
  for (std::string_view line : split_lines(read_text_file(received_))) {
    if (line.find("\"type\": \"update\"") != std::string_view::npos) ++count;
  }
  return count;
}

}  // namespace sluice::testing::bgp
