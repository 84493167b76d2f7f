#include "bgpd/rib/attribute_set.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace sluice::bgp::rib {
namespace {

// Which fields a packed set holds, in the order they follow the presence word.
enum Field : std::uint16_t {
  kNextHop = 1 << 0,
  kLinkLocalNextHop = 1 << 1,
  kOrigin = 1 << 2,
  kAsPath = 1 << 3,
  kPathNextHop = 1 << 4,
  kMed = 1 << 5,
  kLocalPref = 1 << 6,
  kAtomicAggregate = 1 << 7,
  kAggregator = 1 << 8,
  kCommunities = 1 << 9,
  kOriginatorId = 1 << 10,
  kClusterList = 1 << 11,
  kLargeCommunities = 1 << 12,
  kUnknown = 1 << 13,
};

class Packer {
 public:
  explicit Packer(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { append(&v, sizeof v); }
  void u32(std::uint32_t v) { append(&v, sizeof v); }
  void count(std::size_t n) {
    do {
      const auto low = static_cast<std::uint8_t>(n & 0x7f);
      n >>= 7;
      u8(n ? static_cast<std::uint8_t>(low | 0x80) : low);
    } while (n);
  }
  void address(const ip::Address& a) {
    u8(static_cast<std::uint8_t>(a.family()));
    append(a.bytes().data(), a.bytes().size());
  }
  void append(const void* data, std::size_t n) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), bytes, bytes + n);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

// Reads what Packer wrote. The bytes never come from outside the process, so a read past
// the end is a bug: it asserts, and yields zeros rather than reading beyond.
class Unpacker {
 public:
  explicit Unpacker(std::span<const std::uint8_t> in) : in_(in) {}

  std::uint8_t u8() {
    std::uint8_t v = 0;
    take(&v, 1);
    return v;
  }
  std::uint16_t u16() {
    std::uint16_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  std::size_t count() {
    std::size_t n = 0;
    for (int shift = 0;; shift += 7) {
      const std::uint8_t b = u8();
      n |= std::size_t{static_cast<std::uint8_t>(b & 0x7f)} << shift;
      if (!(b & 0x80) || shift > 56) return n;
    }
  }
  ip::Address address() {
    if (u8() == static_cast<std::uint8_t>(ip::Family::v4)) {
      std::array<std::uint8_t, 4> octets{};
      take(octets.data(), octets.size());
      return ip::Address::v4(octets);
    }
    std::array<std::uint8_t, 16> octets{};
    take(octets.data(), octets.size());
    return ip::Address::v6(octets);
  }
  void skip(std::size_t n) { at_ = std::min(at_ + n, in_.size()); }
  void skip_address() { skip(u8() == static_cast<std::uint8_t>(ip::Family::v4) ? 4 : 16); }
  void take(void* data, std::size_t n) {
    if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not see
    assert(at_ + n <= in_.size());
    if (at_ + n > in_.size()) {
      at_ = in_.size();
      return;
    }
    std::memcpy(data, in_.data() + at_, n);
    at_ += n;
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

std::uint64_t mix64(std::uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

}  // namespace

void pack_attributes(const RouteAttributes& value, std::vector<std::uint8_t>& out) {
  out.clear();
  const PathAttributes& p = value.path;
  std::uint16_t fields = 0;
  if (value.next_hop) fields |= kNextHop;
  if (value.link_local_next_hop) fields |= kLinkLocalNextHop;
  if (p.origin) fields |= kOrigin;
  if (p.as_path) fields |= kAsPath;
  if (p.next_hop) fields |= kPathNextHop;
  if (p.multi_exit_disc) fields |= kMed;
  if (p.local_pref) fields |= kLocalPref;
  if (p.atomic_aggregate) fields |= kAtomicAggregate;
  if (p.aggregator) fields |= kAggregator;
  if (!p.communities.empty()) fields |= kCommunities;
  if (p.originator_id) fields |= kOriginatorId;
  if (!p.cluster_list.empty()) fields |= kClusterList;
  if (!p.large_communities.empty()) fields |= kLargeCommunities;
  if (!p.unknown.empty()) fields |= kUnknown;

  Packer w(out);
  w.u16(fields);
  if (value.next_hop) w.address(*value.next_hop);
  if (value.link_local_next_hop) w.address(*value.link_local_next_hop);
  if (p.origin) w.u8(static_cast<std::uint8_t>(*p.origin));
  if (p.as_path) {
    w.count(p.as_path->segments.size());
    for (const auto& segment : p.as_path->segments) {
      w.u8(static_cast<std::uint8_t>(segment.type));
      w.count(segment.asns.size());
      for (std::uint32_t asn : segment.asns) w.count(asn);  // LEB128: most take 2 or 3 octets
    }
  }
  if (p.next_hop) w.address(*p.next_hop);
  if (p.multi_exit_disc) w.u32(*p.multi_exit_disc);
  if (p.local_pref) w.u32(*p.local_pref);
  if (p.aggregator) {
    w.u32(p.aggregator->asn);
    w.address(p.aggregator->address);
  }
  if (!p.communities.empty()) {
    w.count(p.communities.size());
    w.append(p.communities.data(), p.communities.size() * sizeof(Community));
  }
  if (p.originator_id) w.address(*p.originator_id);
  if (!p.cluster_list.empty()) {
    w.count(p.cluster_list.size());
    for (const auto& id : p.cluster_list) w.address(id);
  }
  if (!p.large_communities.empty()) {
    w.count(p.large_communities.size());
    for (const auto& c : p.large_communities) {
      w.u32(c.global_administrator);
      w.u32(c.local_data_part_1);
      w.u32(c.local_data_part_2);
    }
  }
  if (!p.unknown.empty()) {
    w.count(p.unknown.size());
    for (const auto& raw : p.unknown) {
      w.u8(raw.type_code);
      w.count(raw.value.size());
      w.append(raw.value.data(), raw.value.size());
    }
  }
}

RouteAttributes unpack_attributes(std::span<const std::uint8_t> packed) {
  RouteAttributes value;
  PathAttributes& p = value.path;
  Unpacker r(packed);
  const std::uint16_t fields = r.u16();
  if (fields & kNextHop) value.next_hop = r.address();
  if (fields & kLinkLocalNextHop) value.link_local_next_hop = r.address();
  if (fields & kOrigin) p.origin = static_cast<Origin>(r.u8());
  if (fields & kAsPath) {
    p.as_path.emplace();
    p.as_path->segments.resize(r.count());
    for (auto& segment : p.as_path->segments) {
      segment.type = static_cast<AsPathSegmentType>(r.u8());
      segment.asns.resize(r.count());
      for (auto& asn : segment.asns) asn = static_cast<std::uint32_t>(r.count());
    }
  }
  if (fields & kPathNextHop) p.next_hop = r.address();
  if (fields & kMed) p.multi_exit_disc = r.u32();
  if (fields & kLocalPref) p.local_pref = r.u32();
  p.atomic_aggregate = (fields & kAtomicAggregate) != 0;
  if (fields & kAggregator) {
    const std::uint32_t asn = r.u32();
    p.aggregator = Aggregator{asn, r.address()};
  }
  if (fields & kCommunities) {
    p.communities.resize(r.count());
    r.take(p.communities.data(), p.communities.size() * sizeof(Community));
  }
  if (fields & kOriginatorId) p.originator_id = r.address();
  if (fields & kClusterList) {
    p.cluster_list.resize(r.count());
    for (auto& id : p.cluster_list) id = r.address();
  }
  if (fields & kLargeCommunities) {
    p.large_communities.resize(r.count());
    for (auto& c : p.large_communities) {
      c.global_administrator = r.u32();
      c.local_data_part_1 = r.u32();
      c.local_data_part_2 = r.u32();
    }
  }
  if (fields & kUnknown) {
    p.unknown.resize(r.count());
    for (auto& raw : p.unknown) {
      raw.type_code = r.u8();
      raw.value.resize(r.count());
      r.take(raw.value.data(), raw.value.size());
    }
  }
  return value;
}

std::uint64_t hash_packed(std::span<const std::uint8_t> packed) {
  std::uint64_t h = 0x3c6ef372fe94f82bull ^ packed.size();
  std::size_t i = 0;
  for (; i + 8 <= packed.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, packed.data() + i, 8);
    h = (h ^ word) * 0x9fb21c651e98df25ull;
    h ^= h >> 28;
  }
  if (i < packed.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, packed.data() + i, packed.size() - i);
    h = (h ^ word) * 0x9fb21c651e98df25ull;
  }
  return mix64(h);
}

std::size_t RouteAttributes::hash() const {
  std::size_t h = path.hash();
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  mix(next_hop ? next_hop->hash() : 0x5bd1e995u);
  mix(link_local_next_hop ? link_local_next_hop->hash() : 0x27d4eb2fu);
  return h;
}

AttributeSet::AttributeSet(const RouteAttributes& value, std::size_t packed_size, SetArena::Ref ref,
                           AttributeStore* store)
    : store_(store), packed_size_(static_cast<std::uint32_t>(packed_size)), ref_(ref) {
  const PathAttributes& p = value.path;
  as_path_length_ = static_cast<std::uint16_t>(std::min<std::size_t>(p.as_path ? p.as_path->length() : 0, 0xffff));
  if (p.origin) {
    flags_ |= kHasOrigin;
    origin_ = static_cast<std::uint8_t>(*p.origin);
  }
}

static_assert(sizeof(AttributeSet) == 24, "the header every interned set pays");

std::optional<Origin> AttributeSet::origin() const {
  if (!(flags_ & kHasOrigin)) return std::nullopt;
  return static_cast<Origin>(origin_);
}

SelectionFacts AttributeSet::selection_facts() const {
  SelectionFacts facts;
  Unpacker r(packed());
  const std::uint16_t fields = r.u16();
  if (fields & kNextHop) r.skip_address();
  if (fields & kLinkLocalNextHop) r.skip_address();
  if (fields & kOrigin) r.skip(1);
  if (fields & kAsPath) {
    for (std::size_t segments = r.count(); segments > 0; --segments) {
      const auto type = static_cast<AsPathSegmentType>(r.u8());
      std::size_t n = r.count();
      const bool confed = type == AsPathSegmentType::as_confed_sequence || type == AsPathSegmentType::as_confed_set;
      for (; n > 0; --n) {
        const auto asn = static_cast<std::uint32_t>(r.count());
        // RFC 5065: the neighbour is outside the confederation.
        if (facts.neighbor_as == 0 && !confed) facts.neighbor_as = asn;
      }
    }
  }
  if (fields & kPathNextHop) r.skip_address();
  if (fields & kMed) facts.multi_exit_disc = r.u32();
  if (fields & kLocalPref) facts.local_pref = r.u32();
  if (fields & kAggregator) {
    r.skip(4);
    r.skip_address();
  }
  if (fields & kCommunities) r.skip(r.count() * sizeof(Community));
  if (fields & kOriginatorId) {
    facts.has_originator_id = true;
    const ip::Address id = r.address();
    facts.originator_id_v4 = id.is_v4() ? id.to_v4_uint() : 0;
  }
  if (fields & kClusterList) facts.cluster_list_length = static_cast<std::uint32_t>(r.count());
  return facts;
}

std::optional<ip::Address> AttributeSet::next_hop() const {
  Unpacker r(packed());
  if (!(r.u16() & kNextHop)) return std::nullopt;
  return r.address();
}

AttributeStore::~AttributeStore() {
  // The sets are plain bytes in the arena; a set still referenced now is a bug (the RIB
  // declares the store first so that it goes last).
  assert(size_ == 0);
}

std::size_t AttributeStore::probe(std::span<const std::uint8_t> packed, std::uint32_t tag) const {
  for (std::size_t i = home(tag);; i = after(i)) {
    const Slot& slot = slots_[i];
    if (slot.ref == 0) return i;
    if (slot.tag != tag) continue;
    const auto other = set_at(slot.ref).packed();
    if (other.size() == packed.size() && std::memcmp(other.data(), packed.data(), packed.size()) == 0) return i;
  }
}

AttrRef AttributeStore::intern(const RouteAttributes& value) {
  pack_attributes(value, scratch_);
  const auto tag = static_cast<std::uint32_t>(hash_packed(scratch_) >> 32);
  const std::size_t at = probe(scratch_, tag);
  if (slots_[at].ref != 0) return AttrRef(const_cast<AttributeSet*>(&set_at(slots_[at].ref)));
  return insert(at, value, tag);
}

std::uint32_t AttributeStore::hold(const AttrRef& ref) {
  if (!ref) return 0;
  const_cast<AttributeSet*>(ref.get())->add_reference();
  return ref->id();
}

AttrRef AttributeStore::get(std::uint32_t id) const {
  if (id == 0) return {};
  return AttrRef(const_cast<AttributeSet*>(&set_at(id)));
}

void AttributeStore::drop(std::uint32_t id) {
  if (id == 0) return;
  AttrRef last = get(id);
  // `last` now carries the held reference, and gives it back as it goes (never the last
  // here, since `last` itself holds one).
  const_cast<AttributeSet*>(last.get())->remove_reference();
}

AttrRef AttributeStore::insert(std::size_t at, const RouteAttributes& value, std::uint32_t tag) {
  // At most 80% full: linear probing stays short below that (and the table grows by half,
  // so it is 53% to 80% full: 5.7 MB of slots at 566k sets where doubling at 3/4 gave 8.4).
  if ((size_ + 1) * 5 > slots_.size() * 4) {
    grow();
    at = home(tag);
    while (slots_[at].ref != 0) at = after(at);
  }
  const SetArena::Ref ref = arena_.allocate(sizeof(AttributeSet) + scratch_.size());
  auto* set = ::new (arena_.at(ref)) AttributeSet(value, scratch_.size(), ref, this);
  std::memcpy(reinterpret_cast<std::uint8_t*>(set + 1), scratch_.data(), scratch_.size());
  slots_[at] = Slot{ref, tag};
  ++size_;
  return AttrRef(set);
}

void AttributeStore::grow() {
  std::vector<Slot> old(slots_.size() + slots_.size() / 2);
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.ref == 0) continue;
    std::size_t i = home(slot.tag);
    while (slots_[i].ref != 0) i = after(i);
    slots_[i] = slot;
  }
}

void AttributeStore::erase(AttributeSet* set) {
  const SetArena::Ref ref = set->ref_;
  const std::size_t bytes = sizeof(AttributeSet) + set->packed().size();
  std::size_t hole = home(static_cast<std::uint32_t>(hash_packed(set->packed()) >> 32));
  while (slots_[hole].ref != ref) {
    if (slots_[hole].ref == 0) return;  // not ours (cannot happen)
    hole = after(hole);
  }
  // Backward-shift deletion: pull later members of the probe run into the hole when that
  // does not move them before their home slot. No tombstones, so lookups stay short.
  const std::size_t size = slots_.size();
  for (std::size_t next = after(hole); slots_[next].ref != 0; next = after(next)) {
    const std::size_t from_home = (next + size - home(slots_[next].tag)) % size;
    const std::size_t from_hole = (next + size - hole) % size;
    if (from_home >= from_hole) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  --size_;
  set->~AttributeSet();
  arena_.free(ref, bytes);
}

}  // namespace sluice::bgp::rib
