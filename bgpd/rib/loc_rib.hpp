// LocRib: one address family's table. It holds every path every peer announced (after
// import policy: the Adj-RIBs-In live here, tagged by peer, as in BIRD, so a route costs
// one table slot however many views it belongs to), runs the decision process in batches,
// and reports the prefixes whose selection changed.
//
// Storage per prefix: the packed key and hash slot of PrefixIndex, and a 20-byte entry
// holding the first path inline; prefixes with several paths keep them in a side vector.
// Changes only mark the prefix dirty; process() ranks each dirty prefix once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "bgpd/codec/types.hpp"
#include "bgpd/rib/chunked_array.hpp"
#include "bgpd/rib/decision.hpp"
#include "bgpd/rib/path.hpp"
#include "bgpd/rib/peer_info.hpp"
#include "bgpd/rib/prefix_index.hpp"

namespace sluice::bgp::rib {

// The interior cost to reach a next hop, nullopt when it cannot be reached (RFC 4271
// §9.1.2.1). Injected, so the RIB needs no routing table of its own; empty: everything is
// reachable at cost 0.
using NextHopResolver = std::function<std::optional<std::uint32_t>(const ip::Address& next_hop)>;

class LocRib {
 public:
  // `store` interns the attributes announced here, and must outlive the table.
  LocRib(AfiSafi family, const PeerTable& peers, AttributeStore& store, DecisionOptions options = {},
         NextHopResolver resolver = {});
  ~LocRib();
  LocRib(const LocRib&) = delete;
  LocRib& operator=(const LocRib&) = delete;

  AfiSafi family() const { return family_; }
  const DecisionOptions& options() const { return options_; }
  // New options or a new resolver re-rank every prefix at the next process().
  void set_options(DecisionOptions options);
  void set_resolver(NextHopResolver resolver);

  // ---- The Adj-RIB-In side: paths as peers announce them.
  // Adds the path (peer, path_id) to `prefix`, or replaces its attributes (an implicit
  // withdraw), and clears its stale mark. Ignores a prefix of another family.
  void announce(const ip::Prefix& prefix, PeerId peer, std::uint32_t path_id, AttrRef attributes);
  // A hint before announce() or withdraw() of `prefix`, a few prefixes ahead.
  void prefetch(const ip::Prefix& prefix) const { index_.prefetch(prefix); }
  // Returns whether the path was there.
  bool withdraw(const ip::Prefix& prefix, PeerId peer, std::uint32_t path_id);
  // Graceful restart (RFC 4724 §4.2): marks every path of `peer` stale; returns how many
  // paths of the peer are stale afterwards.
  std::size_t mark_stale(PeerId peer);
  // Removes the stale paths of `peer`; returns how many went.
  std::size_t sweep_stale(PeerId peer);
  // Removes every path of `peer`; returns how many went.
  std::size_t remove_peer(PeerId peer);
  // Re-ranks at the next process() every prefix with a path from `peer` (its router id or
  // kind changed), or every prefix.
  void reevaluate_peer(PeerId peer);
  void reevaluate_all();

  std::size_t peer_path_count(PeerId peer) const { return peer < peer_paths_.size() ? peer_paths_[peer] : 0; }
  std::size_t peer_stale_count(PeerId peer) const { return peer < peer_stale_.size() ? peer_stale_[peer] : 0; }

  // ---- Decision, in batches.
  bool has_pending() const { return !dirty_.empty(); }
  // Ranks every prefix changed since the last call and returns them. The span, and
  // selection_changed() for its entries, stay valid until the next call.
  std::span<const EntryIndex> process();
  // Whether the last process() changed the best path or the multipath set of `index`
  // (which path, or its attributes). Any change at all is worth a look for add-path.
  bool selection_changed(EntryIndex index) const { return (entries_[index].flags & kSelectionChanged) != 0; }

  // ---- Reading.
  std::optional<EntryIndex> find(const ip::Prefix& prefix) const { return index_.find(prefix); }
  bool contains(EntryIndex index) const { return index_.contains(index); }
  ip::Prefix prefix(EntryIndex index) const { return index_.prefix(index); }
  // The prefix's paths, best first once processed.
  std::span<const Path> paths(EntryIndex index) const;
  // A path's attributes.
  AttrRef attributes(const Path& path) const { return store_.get(path.attributes_id()); }
  const AttributeSet& attribute_set(const Path& path) const { return *store_.find(path.attributes_id()); }
  // The best path, or nullptr (no path, none resolvable, or not decided yet).
  const Path* best(EntryIndex index) const;
  // The best path and the other paths forming its multipath set; empty without a best.
  std::span<const Path> multipath(EntryIndex index) const;
  // The decision facts of each path in paths() order, with the step at which each lost to
  // the best ("why best" for bgpctl).
  std::vector<Candidate> explain(EntryIndex index) const;

  // Calls visit(EntryIndex) for every prefix that has paths.
  template <class F>
  void for_each(F&& visit) const {
    for (EntryIndex i = 0; i < index_.index_limit(); ++i) {
      if (entries_[i].path_count > 0) visit(i);
    }
  }

  std::size_t prefix_count() const { return prefix_count_; }
  std::size_t path_count() const { return path_count_; }
  EntryIndex index_limit() const { return index_.index_limit(); }
  std::size_t memory_bytes() const;

  // ---- Entry lifetime. Per-peer state indexed by EntryIndex (an Adj-RIB-Out that still
  // has to withdraw a prefix) holds a reference so the index is not reused meanwhile.
  void retain(EntryIndex index);
  void release(EntryIndex index);

 private:
  // 20 bytes. With two paths or more they live in overflow_, and `first` is a placeholder
  // whose path_id is their slot there.
  struct Entry {
    Path first;
    std::uint16_t path_count = 0;
    std::uint16_t multipath_count = 0;
    std::uint16_t references = 0;
    std::uint8_t flags = 0;
  };
  static constexpr std::uint8_t kDirty = 1;              // in dirty_
  static constexpr std::uint8_t kInBatch = 2;            // in batch_
  static constexpr std::uint8_t kSelectionTouched = 4;   // a selected path changed or went
  static constexpr std::uint8_t kSelectionChanged = 8;   // the last batch's verdict

  std::span<Path> mutable_paths(Entry& entry);
  void add_path(Entry& entry, Path path);
  void remove_path(EntryIndex index, std::size_t position);
  std::uint16_t free_local_id(Entry& entry);
  void touch(EntryIndex index, bool selection);
  void decide(EntryIndex index);
  PathSource source_of(const Path& path) const;
  void maybe_free(EntryIndex index);
  void count_peer(PeerId peer, int paths, int stale);
  template <class Remove>
  std::size_t remove_where(PeerId peer, Remove&& remove);

  AfiSafi family_;
  const PeerTable& peers_;
  AttributeStore& store_;
  DecisionOptions options_;
  NextHopResolver resolver_;
  PrefixIndex index_;
  ChunkedArray<Entry> entries_;
  std::vector<std::vector<Path>> overflow_;
  std::vector<std::uint32_t> free_overflow_;
  std::vector<EntryIndex> dirty_;
  std::vector<EntryIndex> batch_;
  std::vector<std::uint32_t> peer_paths_;
  std::vector<std::uint32_t> peer_stale_;
  std::size_t prefix_count_ = 0;
  std::size_t path_count_ = 0;
  // Scratch for decide(), kept to avoid an allocation per prefix.
  std::vector<Candidate> candidates_;
  std::vector<std::pair<PeerId, std::uint32_t>> selected_before_;
};

}  // namespace sluice::bgp::rib
