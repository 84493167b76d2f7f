// Interned next-hop lists: the routes learned through one peer (or one ECMP group) share
// one list named by a 32-bit id, so the FIB's per-prefix state stays a few bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_set>
#include <vector>

#include "base/netlink/route.hpp"

namespace sluice::bgp::fib {

class NextHopSets {
 public:
  using Id = std::uint32_t;
  static constexpr Id kEmpty = 0;  // the empty list; never counted, never freed

  NextHopSets();
  NextHopSets(const NextHopSets&) = delete;
  NextHopSets& operator=(const NextHopSets&) = delete;

  // The id of `hops` once sorted and with duplicates merged, retained once for the caller.
  Id intern(std::vector<netlink::NextHop> hops);
  void retain(Id id);
  void release(Id id);
  // Points `field` at `id` (already retained by the caller), releasing what it held.
  void assign(Id& field, Id id) {
    Id old = field;
    field = id;
    release(old);
  }

  std::span<const netlink::NextHop> get(Id id) const { return entries_[id].hops; }
  // Lists alive, the empty one excluded.
  std::size_t size() const { return entries_.size() - 1 - free_.size(); }

 private:
  struct Entry {
    std::vector<netlink::NextHop> hops;
    std::size_t hash = 0;
    std::uint32_t references = 0;
  };
  struct Hash {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    std::size_t operator()(Id id) const { return (*entries)[id].hash; }
    std::size_t operator()(const std::vector<netlink::NextHop>& hops) const;
  };
  struct Equal {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    bool operator()(Id a, Id b) const { return a == b; }
    bool operator()(Id a, const std::vector<netlink::NextHop>& b) const { return (*entries)[a].hops == b; }
    bool operator()(const std::vector<netlink::NextHop>& a, Id b) const { return a == (*entries)[b].hops; }
  };

  std::vector<Entry> entries_;
  std::vector<Id> free_;
  std::unordered_set<Id, Hash, Equal> index_;
};

}  // namespace sluice::bgp::fib
