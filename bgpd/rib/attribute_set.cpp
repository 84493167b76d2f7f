#include "bgpd/rib/attribute_set.hpp"

#include <utility>

namespace sluice::bgp::rib {
namespace {

std::uint32_t first_as(const PathAttributes& path) {
  if (!path.as_path) return 0;
  for (const auto& segment : path.as_path->segments) {
    if (segment.is_confed()) continue;  // RFC 5065: the neighbour is outside the confederation
    if (!segment.asns.empty()) return segment.asns.front();
  }
  return 0;
}

}  // namespace

std::size_t RouteAttributes::hash() const {
  std::size_t h = path.hash();
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  mix(next_hop ? next_hop->hash() : 0x5bd1e995u);
  mix(link_local_next_hop ? link_local_next_hop->hash() : 0x27d4eb2fu);
  return h;
}

AttributeSet::AttributeSet(RouteAttributes value, std::size_t hash, AttributeStore* store)
    : value_(std::move(value)), hash_(hash), store_(store) {
  as_path_length_ = value_.path.as_path ? static_cast<std::uint32_t>(value_.path.as_path->length()) : 0;
  neighbor_as_ = first_as(value_.path);
}

AttrRef AttributeStore::intern(const RouteAttributes& value) {
  if (auto it = sets_.find(value); it != sets_.end()) return AttrRef(it->get());
  return intern(RouteAttributes(value));
}

AttrRef AttributeStore::intern(RouteAttributes&& value) {
  const std::size_t hash = value.hash();
  if (auto it = sets_.find(value); it != sets_.end()) return AttrRef(it->get());
  // The constructor is private to the store, so make_unique cannot reach it.
  auto [it, inserted] = sets_.insert(std::unique_ptr<AttributeSet>(new AttributeSet(std::move(value), hash, this)));
  return AttrRef(it->get());
}

void AttributeStore::erase(AttributeSet* set) {
  if (auto it = sets_.find(set); it != sets_.end()) sets_.erase(it);
}

}  // namespace sluice::bgp::rib
