#include "bgpd/rib/attribute_set.hpp"

#include <utility>
#include <vector>

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

std::size_t AttributeStore::probe(const RouteAttributes& value, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(hash);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.set || (slot.hash == hash && slot.set->value() == value)) return i;
  }
}

AttrRef AttributeStore::intern(const RouteAttributes& value) {
  const std::size_t hash = value.hash();
  const std::size_t at = probe(value, hash);
  if (slots_[at].set) return AttrRef(slots_[at].set.get());
  return insert(at, RouteAttributes(value), hash);
}

AttrRef AttributeStore::intern(RouteAttributes&& value) {
  const std::size_t hash = value.hash();
  const std::size_t at = probe(value, hash);
  if (slots_[at].set) return AttrRef(slots_[at].set.get());
  return insert(at, std::move(value), hash);
}

AttrRef AttributeStore::insert(std::size_t at, RouteAttributes&& value, std::size_t hash) {
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    grow();
    const std::size_t mask = slots_.size() - 1;
    at = home(hash);
    while (slots_[at].set) at = (at + 1) & mask;
  }
  // The constructor is private to the store, so make_unique cannot reach it.
  slots_[at] = Slot{std::unique_ptr<AttributeSet>(new AttributeSet(std::move(value), hash, this)), hash};
  ++size_;
  return AttrRef(slots_[at].set.get());
}

void AttributeStore::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  --shift_;
  const std::size_t mask = slots_.size() - 1;
  for (Slot& slot : old) {
    if (!slot.set) continue;
    std::size_t i = home(slot.hash);
    while (slots_[i].set) i = (i + 1) & mask;
    slots_[i] = std::move(slot);
  }
}

void AttributeStore::erase(AttributeSet* set) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = home(set->hash());
  while (slots_[hole].set.get() != set) {
    if (!slots_[hole].set) return;  // not ours (cannot happen)
    hole = (hole + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole when that
  // does not move them before their home slot. No tombstones, so lookups stay short.
  for (std::size_t next = (hole + 1) & mask; slots_[next].set; next = (next + 1) & mask) {
    const std::size_t from_home = (next - home(slots_[next].hash)) & mask;
    const std::size_t from_hole = (next - hole) & mask;
    if (from_home >= from_hole) {
      std::swap(slots_[hole], slots_[next]);  // the set being erased moves on with the hole
      hole = next;
    }
  }
  slots_[hole] = Slot{};  // deletes the set
  --size_;
}

}  // namespace sluice::bgp::rib
