#include "bgpd/rib/prefix_index.hpp"

#include <array>
#include <cassert>
#include <cstring>

namespace sluice::bgp::rib {
namespace {

// MurmurHash3's finaliser: every input bit reaches every output bit.
std::uint64_t fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace

PrefixIndex::PrefixIndex(ip::Family family)
    : family_(family), stride_(family == ip::Family::v4 ? 5 : 17), slots_(16) {}

PrefixIndex::Key PrefixIndex::pack(const ip::Prefix& prefix) const {
  assert(prefix.family() == family_);
  Key key{};
  auto bytes = prefix.network().bytes();
  std::memcpy(key.bytes, bytes.data(), bytes.size());
  key.bytes[stride_ - 1] = static_cast<std::uint8_t>(prefix.length());
  return key;
}

std::uint64_t PrefixIndex::hash(const std::uint8_t* key) const {
  if (stride_ == 5) {
    std::uint32_t address = 0;
    std::memcpy(&address, key, 4);
    return fmix64((std::uint64_t{address} << 8) | key[4]);
  }
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, key, 8);
  std::memcpy(&low, key + 8, 8);
  return fmix64(high ^ fmix64(low ^ (std::uint64_t{key[16]} << 56 | 0x9e3779b97f4a7c15ull)));
}

std::uint8_t* PrefixIndex::key_at(EntryIndex index) {
  return key_chunks_[index / kKeysPerChunk].get() + (index % kKeysPerChunk) * stride_;
}
const std::uint8_t* PrefixIndex::key_at(EntryIndex index) const {
  return key_chunks_[index / kKeysPerChunk].get() + (index % kKeysPerChunk) * stride_;
}

std::size_t PrefixIndex::probe(const std::uint8_t* key, std::uint32_t tag) const {
  std::size_t i = home(tag);
  while (true) {
    const Slot& slot = slots_[i];
    if (slot.entry_plus_one == 0) return i;
    if (slot.tag == tag && std::memcmp(key_at(slot.entry_plus_one - 1), key, stride_) == 0) return i;
    i = after(i);
  }
}

std::optional<EntryIndex> PrefixIndex::find(const ip::Prefix& prefix) const {
  if (prefix.family() != family_) return std::nullopt;
  const Key key = pack(prefix);
  const auto tag = static_cast<std::uint32_t>(hash(key.bytes) >> 32);
  const Slot& slot = slots_[probe(key.bytes, tag)];
  if (slot.entry_plus_one == 0) return std::nullopt;
  return slot.entry_plus_one - 1;
}

void PrefixIndex::prefetch(const ip::Prefix& prefix) const {
  if (prefix.family() != family_) return;
  const Key key = pack(prefix);
  __builtin_prefetch(&slots_[home(static_cast<std::uint32_t>(hash(key.bytes) >> 32))]);
}

EntryIndex PrefixIndex::insert(const ip::Prefix& prefix, bool& added) {
  const Key key = pack(prefix);
  const auto tag = static_cast<std::uint32_t>(hash(key.bytes) >> 32);
  std::size_t at = probe(key.bytes, tag);
  if (slots_[at].entry_plus_one != 0) {
    added = false;
    return slots_[at].entry_plus_one - 1;
  }
  added = true;
  // Keep the table at most 80% full: linear probing stays short below that.
  if ((size_ + 1) * 5 > slots_.size() * 4) {
    grow();
    at = probe(key.bytes, tag);
  }
  EntryIndex index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = next_index_++;
    if (index / kKeysPerChunk >= key_chunks_.size()) {
      key_chunks_.push_back(std::make_unique<std::uint8_t[]>(kKeysPerChunk * stride_));
    }
  }
  std::memcpy(key_at(index), key.bytes, stride_);
  slots_[at] = Slot{index + 1, tag};
  ++size_;
  return index;
}

void PrefixIndex::erase(EntryIndex index) {
  if (!contains(index)) return;
  std::uint8_t* key = key_at(index);
  const auto tag = static_cast<std::uint32_t>(hash(key) >> 32);
  std::size_t hole = probe(key, tag);
  assert(slots_[hole].entry_plus_one == index + 1);
  // Backward-shift deletion: pull later members of the probe run into the hole when that
  // does not move them before their home slot. No tombstones, so lookups stay short.
  std::size_t next = hole;
  while (true) {
    next = after(next);
    if (slots_[next].entry_plus_one == 0) break;
    if (distance(home(slots_[next].tag), next) >= distance(hole, next)) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  key[stride_ - 1] = kFreeLength;
  free_.push_back(index);
  --size_;
}

bool PrefixIndex::contains(EntryIndex index) const {
  return index < next_index_ && key_at(index)[stride_ - 1] != kFreeLength;
}

ip::Prefix PrefixIndex::prefix(EntryIndex index) const {
  assert(contains(index));
  const std::uint8_t* key = key_at(index);
  const int length = key[stride_ - 1];
  ip::Address address;
  if (family_ == ip::Family::v4) {
    address = ip::Address::v4(std::array<std::uint8_t, 4>{key[0], key[1], key[2], key[3]});
  } else {
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), key, 16);
    address = ip::Address::v6(bytes);
  }
  // Keys are packed from valid prefixes, so this cannot fail.
  return *ip::Prefix::make(address, length);
}

void PrefixIndex::grow() {
  std::vector<Slot> old(slots_.size() + slots_.size() / 2);
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.entry_plus_one == 0) continue;
    std::size_t i = home(slot.tag);
    while (slots_[i].entry_plus_one != 0) i = after(i);
    slots_[i] = slot;
  }
}

std::size_t PrefixIndex::memory_bytes() const {
  return slots_.size() * sizeof(Slot) + key_chunks_.size() * kKeysPerChunk * stride_ + free_.capacity() * sizeof(EntryIndex);
}

}  // namespace sluice::bgp::rib
