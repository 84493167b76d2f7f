#include "tests/support/bgp/seen_route.hpp"

namespace sluice::testing::bgp {

std::vector<SeenRoute> paths_for(const std::vector<SeenRoute>& routes, const std::string& prefix) {
  std::vector<SeenRoute> out;
  for (const auto& route : routes) {
    if (route.prefix == prefix) out.push_back(route);
  }
  return out;
}

std::optional<SeenRoute> best_for(const std::vector<SeenRoute>& routes, const std::string& prefix) {
  for (const auto& route : routes) {
    if (route.prefix == prefix && route.best) return route;
  }
  return std::nullopt;
}

}  // namespace sluice::testing::bgp
