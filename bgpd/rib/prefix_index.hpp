// PrefixIndex: the prefixes of one address family's table, each under a small dense
// number (EntryIndex) that stays the same while the prefix is present, so per-prefix and
// per-peer state can live in plain arrays indexed by it.
//
// Cost for a million IPv4 prefixes: 5 bytes of packed key each plus an open-addressing
// table of 8-byte slots (index and hash tag) kept between 53% and 80% full (it grows by
// half), 16 MB in all. A PrefixTrie<V> costs a heap node of ~60 bytes per prefix, an
// unordered_map an allocation per prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/ip/prefix.hpp"

namespace sluice::bgp::rib {

using EntryIndex = std::uint32_t;

class PrefixIndex {
 public:
  explicit PrefixIndex(ip::Family family);

  ip::Family family() const { return family_; }

  std::optional<EntryIndex> find(const ip::Prefix& prefix) const;
  // The index of `prefix`, added when absent (then `added` is set). The prefix must be
  // of this index's family.
  EntryIndex insert(const ip::Prefix& prefix, bool& added);
  // Starts loading the memory a lookup of `prefix` will touch: callers with a batch of
  // prefixes call it a few ahead, so the cache misses of many lookups overlap.
  void prefetch(const ip::Prefix& prefix) const;
  // Forgets the prefix at `index`; the index may be handed out again.
  void erase(EntryIndex index);

  bool contains(EntryIndex index) const;
  ip::Prefix prefix(EntryIndex index) const;

  std::size_t size() const { return size_; }
  // One past the highest index handed out so far: per-index arrays size themselves to it.
  EntryIndex index_limit() const { return next_index_; }
  std::size_t memory_bytes() const;

 private:
  struct Slot {
    std::uint32_t entry_plus_one = 0;  // 0: empty
    std::uint32_t tag = 0;             // the hash's upper 32 bits, which also give the home slot
  };
  struct Key {
    std::uint8_t bytes[17];  // network address, then length
  };
  static constexpr std::size_t kKeysPerChunk = 1 << 14;
  static constexpr std::uint8_t kFreeLength = 0xff;

  Key pack(const ip::Prefix& prefix) const;
  std::uint64_t hash(const std::uint8_t* key) const;
  std::uint8_t* key_at(EntryIndex index);
  const std::uint8_t* key_at(EntryIndex index) const;
  // Multiply-shift maps the tag onto any table size, so the table can grow by half.
  std::size_t home(std::uint32_t tag) const { return (std::uint64_t{tag} * slots_.size()) >> 32; }
  std::size_t after(std::size_t slot) const { return slot + 1 == slots_.size() ? 0 : slot + 1; }
  std::size_t distance(std::size_t from, std::size_t to) const {
    return to >= from ? to - from : to + slots_.size() - from;
  }
  // The slot holding `key`, or the empty slot where it would go.
  std::size_t probe(const std::uint8_t* key, std::uint32_t tag) const;
  void grow();

  ip::Family family_;
  std::size_t stride_;  // key bytes per prefix: 5 for IPv4, 17 for IPv6
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<std::uint8_t[]>> key_chunks_;
  std::vector<EntryIndex> free_;
  EntryIndex next_index_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sluice::bgp::rib
