#include "tests/interop/lab.hpp"

#include <algorithm>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"

namespace sluice::testing::interop {

Link::Link(const TestNetns& a, std::string a_name, const TestNetns& b, std::string b_name, int subnet)
    : subnet_(subnet), veth_(&a, std::move(a_name), &b, std::move(b_name)) {
  a.exec_checked({"ip", "addr", "add", a_v4() + "/24", "dev", veth_.a()});
  b.exec_checked({"ip", "addr", "add", b_v4() + "/24", "dev", veth_.b()});
  a.exec_checked({"ip", "addr", "add", a_v6() + "/64", "dev", veth_.a(), "nodad"});
  b.exec_checked({"ip", "addr", "add", b_v6() + "/64", "dev", veth_.b(), "nodad"});
}

std::vector<std::string> kernel_routes(const TestNetns& ns, int protocol, bool ipv6) {
  std::vector<std::string> out;
  auto listed = ns.exec({"ip", "-j", ipv6 ? "-6" : "-4", "route", "show", "proto", std::to_string(protocol)});
  if (!listed.ok()) return out;
  auto document = json::parse(listed.output);
  if (!document || !document->IsArray()) return out;
  for (const auto& route : document->GetArray()) {
    const auto* dst = json::find(route, "dst");
    if (!dst || !dst->IsString()) continue;
    std::string line = dst->GetString();
    const auto* type = json::find(route, "type");
    if (type && type->IsString() && std::string_view(type->GetString()) == "blackhole") {
      out.push_back(line + " blackhole");
      continue;
    }
    std::vector<std::string> hops;
    if (const auto* gateway = json::find(route, "gateway"); gateway && gateway->IsString()) hops.emplace_back(gateway->GetString());
    if (const auto* nexthops = json::find(route, "nexthops"); nexthops && nexthops->IsArray()) {
      for (const auto& hop : nexthops->GetArray()) {
        if (const auto* gateway = json::find(hop, "gateway"); gateway && gateway->IsString()) {
          hops.emplace_back(gateway->GetString());
        }
      }
    }
    std::sort(hops.begin(), hops.end());
    std::string joined;
    for (const auto& hop : hops) joined += (joined.empty() ? "" : ",") + hop;
    out.push_back(line + " via " + joined);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string substitute(std::string text, std::vector<std::pair<std::string, std::string>> values) {
  // Longer names first, so "$TOR" does not eat the start of "$TOR6".
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : values) {
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size()))
      text.replace(at, name.size(), value);
  }
  return text;
}

std::string log_text(const std::string& path) { return bgp::read_text_file(path); }

}  // namespace sluice::testing::interop
