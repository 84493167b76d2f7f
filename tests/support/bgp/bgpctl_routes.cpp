#include "tests/support/bgp/bgpctl_routes.hpp"

#include <charconv>
#include <stdexcept>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"

namespace sluice::testing::bgp {
namespace {

std::vector<std::string> strings(const rapidjson::Value& object, const char* member) {
  std::vector<std::string> out;
  const auto* list = json::find(object, member);
  if (!list || !list->IsArray()) return out;
  for (const auto& item : list->GetArray())
    if (item.IsString()) out.emplace_back(item.GetString());
  return out;
}

std::optional<std::uint32_t> uint_member(const rapidjson::Value& object, const char* member) {
  const auto* value = json::find(object, member);
  if (value && value->IsUint()) return value->GetUint();
  return std::nullopt;
}

}  // namespace

std::vector<SeenRoute> parse_bgpctl_routes(std::string_view text) {
  auto document = json::parse(text);
  if (!document) throw std::runtime_error("bgpctl's JSON does not parse: " + document.error().message);
  std::vector<SeenRoute> out;
  const auto* routes = json::find(*document, "routes");
  if (!routes || !routes->IsArray()) return out;
  for (const auto& entry : routes->GetArray()) {
    const auto* prefix = json::find(entry, "prefix");
    const auto* paths = json::find(entry, "paths");
    if (!prefix || !prefix->IsString() || !paths || !paths->IsArray()) continue;
    for (const auto& path : paths->GetArray()) {
      SeenRoute route;
      route.prefix = prefix->GetString();
      const auto* best = json::find(path, "best");
      route.best = best && best->IsBool() && best->GetBool();
      const auto* multipath = json::find(path, "multipath");
      route.multipath = multipath && multipath->IsBool() && multipath->GetBool();
      const auto* stale = json::find(path, "stale");
      route.stale = stale && stale->IsBool() && stale->GetBool();
      route.path_id = uint_member(path, "pathID");
      if (const auto* originator = json::find(path, "originatorID"); originator && originator->IsString())
        route.originator_id = originator->GetString();
      route.cluster_list = strings(path, "clusterList");
      if (const auto* hop = json::find(path, "nextHop"); hop && hop->IsString()) route.next_hops = {hop->GetString()};
      if (const auto* as_path = json::find(path, "asPath"); as_path && as_path->IsString()) {
        for (auto word : split_words(as_path->GetString())) {
          std::uint32_t asn = 0;
          auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), asn);
          if (ec == std::errc() && end == word.data() + word.size()) route.as_path.push_back(asn);
        }
      }
      if (const auto* origin = json::find(path, "origin"); origin && origin->IsString()) route.origin = origin->GetString();
      route.local_pref = uint_member(path, "localPref");
      route.med = uint_member(path, "med");
      route.communities = strings(path, "communities");
      route.large_communities = strings(path, "largeCommunities");
      out.push_back(std::move(route));
    }
  }
  return out;
}

}  // namespace sluice::testing::bgp
