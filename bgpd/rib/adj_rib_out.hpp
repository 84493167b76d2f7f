// AdjRibOut: what was advertised to one peer in one family, and the UPDATEs that bring the
// peer from that to what the Loc-RIB now says.
//
// Changes only mark prefixes (one bit each). When the session can take more,
// next_update() works in rounds: it takes every marked prefix (in table order), works out what the
// peer should have (the best path, or several paths under add-path, through the Exporter),
// drops those already advertised that way, and groups the rest by outbound attribute set.
// Then it hands out UPDATEs: withdrawals first, then each group's prefixes packed into as
// few messages as the negotiated maximum size allows (4096, or 65535 with RFC 8654). A
// prefix that changes again while its round is being sent is skipped and goes in the next
// round with its newest state, so flapping routes cost nothing extra. End-of-RIB follows
// the round that holds everything marked before it was requested.
//
// Per prefix it keeps the advertised attribute set (a 4-byte id) and two bits, and 12 bytes
// while a round holds it (16 with add-path), plus 24 bytes per attribute set in the round;
// add-path sessions keep a small vector per advertised prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "bgpd/codec/update.hpp"
#include "bgpd/rib/chunked_array.hpp"
#include "bgpd/rib/export.hpp"
#include "bgpd/rib/index_bits.hpp"
#include "bgpd/rib/loc_rib.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

class AdjRibOut {
 public:
  AdjRibOut(AfiSafi family, PeerId peer, const PeerSession& session, const PeerTable& peers, LocRib& rib,
            AttributeStore& store);
  ~AdjRibOut();
  AdjRibOut(const AdjRibOut&) = delete;
  AdjRibOut& operator=(const AdjRibOut&) = delete;

  AfiSafi family() const { return family_; }
  PeerId peer() const { return peer_; }
  // Several paths per prefix, each under its Path Identifier (RFC 7911 send negotiated).
  bool add_path() const { return add_path_; }

  // Marks the prefixes of a Loc-RIB batch that may concern this peer: those whose
  // selection changed, or, with add-path, any that changed.
  void on_changes(std::span<const EntryIndex> batch);
  // Marks every prefix (session up, policy or configuration change); only differences
  // from what was advertised go out.
  void refresh_all();
  // Forgets what was advertised and marks every prefix: the peer asked for the whole
  // table again (ROUTE-REFRESH).
  void resend_all();
  // End-of-RIB (RFC 4724 §2) goes out after everything marked so far.
  void request_end_of_rib();
  // The export rewrite of some peer changed.
  void clear_export_cache() { exporter_.clear_cache(); }

  bool has_pending() const;
  // The next UPDATE toward the peer, nullopt when it is in sync. Each one encodes (with
  // the session's send context) within the maximum message size.
  std::optional<Update> next_update();

  // What the peer was last sent for the prefix at `index`: the attributes of the path
  // under `path_id` (0 without add-path), or an empty AttrRef.
  AttrRef advertised(EntryIndex index, std::uint32_t path_id = 0) const;
  // Paths the peer currently holds from us.
  std::size_t advertised_count() const { return advertised_count_; }
  // Routes left out because their attributes alone do not fit in one UPDATE.
  std::size_t unsendable_count() const { return unsendable_count_; }

 private:
  struct Item {
    EntryIndex entry;
    std::uint32_t path_id;
  };
  // Prefixes of a round that go out the same way. Path identifiers are only stored for
  // add-path, so a round of a million prefixes costs 4 MB.
  struct Items {
    std::vector<EntryIndex> entries;
    std::vector<std::uint32_t> path_ids;
    std::size_t next = 0;

    void push(const Item& item, bool add_path) {
      entries.push_back(item.entry);
      if (add_path) path_ids.push_back(item.path_id);
    }
    bool done() const { return next >= entries.size(); }
    Item at(std::size_t i) const { return Item{entries[i], path_ids.empty() ? 0 : path_ids[i]}; }
  };
  // Prefixes of a round that go out with one attribute set: order_[begin, end), of which
  // those before `next` went already. A vector and a map node per set made a round that
  // holds a full table (a peer coming up) cost about 150 bytes per set.
  struct Bucket {
    AttrRef attributes;
    std::uint32_t base_size = 0;  // the UPDATE with these attributes and no NLRI; kNoFit: too big
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::uint32_t next = 0;
  };
  struct SentPath {
    std::uint32_t path_id;
    AttrRef attributes;
  };
  using Desired = std::vector<SentPath>;

  bool dirty(EntryIndex i) const { return dirty_bits_.test(i); }
  bool held(EntryIndex i) const { return held_bits_.test(i); }
  void set_bit(IndexBits& bits, EntryIndex i, bool on);
  void mark(EntryIndex i);
  void settle(EntryIndex i);
  bool has_sent(EntryIndex i) const;
  void record_sent(const Item& item, const AttrRef& attributes);
  void desired(EntryIndex i, Desired& out);
  void stage();
  void stage_entry(EntryIndex i);
  // The bucket's index in buckets_; nullopt when the attributes alone do not fit an UPDATE.
  std::optional<std::size_t> bucket_for(const AttrRef& attributes);
  std::optional<std::size_t> base_size(const AttrRef& attributes) const;
  // Groups what stage() staged by bucket, into order_.
  void group_staged();
  void clear_bucket_index();
  // An UPDATE carrying `attributes` (the next hop in NEXT_HOP or MP_REACH_NLRI), no NLRI.
  Update update_for(const AttributeSet& attributes) const;
  std::optional<Update> take_withdrawals();
  std::optional<Update> take_announcements(Bucket& bucket);
  void end_round();
  std::size_t nlri_bytes(const Nlri& nlri) const;

  AfiSafi family_;
  PeerId peer_;
  const PeerSession& session_;
  const PeerTable& peers_;
  LocRib& rib_;
  Exporter exporter_;
  AttributeStore& store_;
  bool add_path_;
  std::size_t max_length_;

  ChunkedArray<std::uint32_t> sent_;  // without add-path: a set id held in store_, 0: none
  std::unordered_map<EntryIndex, std::vector<SentPath>> sent_paths_;  // with add-path
  IndexBits dirty_bits_;
  IndexBits held_bits_;  // this holds a LocRib reference on the entry
  std::size_t dirty_count_ = 0;

  // The round being sent.
  bool in_round_ = false;
  IndexBits round_bits_;  // each holds a LocRib reference until the round ends
  Items withdrawals_;
  std::vector<Bucket> buckets_;
  // While staging: each announcement's bucket, prefix and (add-path) path id, in table order.
  std::vector<std::uint32_t> staged_buckets_;
  Items staged_;
  // Then: the announcements grouped by bucket, as the buckets point into them.
  std::vector<EntryIndex> order_;
  std::vector<std::uint32_t> order_path_ids_;  // add-path only
  // The bucket of each attribute set: open addressing on AttributeSet::id(), at most half
  // full; a slot is id << 32 | bucket, 0 when empty.
  std::vector<std::uint64_t> bucket_index_;
  std::size_t next_bucket_ = 0;

  bool end_of_rib_requested_ = false;
  bool end_of_rib_after_round_ = false;
  std::size_t advertised_count_ = 0;
  std::size_t unsendable_count_ = 0;
  Desired scratch_;
  std::vector<std::size_t> scratch_buckets_;
};

}  // namespace sluice::bgp::rib
