#include "bgpd/rib/adj_rib_out.hpp"

#include <algorithm>
#include <limits>

#include "bgpd/codec/nlri.hpp"

namespace sluice::bgp::rib {
namespace {

constexpr std::uint32_t kNoFit = std::numeric_limits<std::uint32_t>::max();

std::size_t index_home(std::uint32_t id, std::size_t slots) {
  return static_cast<std::size_t>((std::uint64_t{id} * 0x9e3779b97f4a7c15ull) >> 32) & (slots - 1);
}

// The Withdrawn Routes Length and Total Path Attribute Length fields.
constexpr std::size_t kUpdateFixedLength = kHeaderLength + 2 + 2;
// An MP_UNREACH_NLRI attribute without NLRI: flags, type, two-octet length, AFI, SAFI.
constexpr std::size_t kMpUnreachOverhead = 4 + 3;

}  // namespace

AdjRibOut::AdjRibOut(AfiSafi family, PeerId peer, const PeerSession& session, const PeerTable& peers, LocRib& rib,
                     AttributeStore& store)
    : family_(family),
      peer_(peer),
      session_(session),
      peers_(peers),
      rib_(rib),
      exporter_(family, peer, session, peers, store, rib.options().default_local_pref),
      store_(store),
      add_path_(session.send_context.has_add_path(family)),
      max_length_(session.send_context.max_message_length()) {}

AdjRibOut::~AdjRibOut() {
  for (std::size_t i = 0; i < sent_.capacity(); ++i) store_.drop(sent_[i]);
  round_bits_.for_each([this](EntryIndex i) { rib_.release(i); });
  held_bits_.for_each([this](EntryIndex i) { rib_.release(i); });
}

void AdjRibOut::set_bit(IndexBits& bits, EntryIndex i, bool on) {
  if (on) {
    bits.set(i, rib_.index_limit());
  } else {
    bits.reset(i);
  }
}

bool AdjRibOut::has_sent(EntryIndex i) const {
  if (add_path_) return sent_paths_.count(i) != 0;
  return i < sent_.capacity() && sent_[i] != 0;
}

void AdjRibOut::mark(EntryIndex i) {
  if (dirty(i)) return;
  set_bit(dirty_bits_, i, true);
  ++dirty_count_;
  if (!held(i)) {
    set_bit(held_bits_, i, true);
    rib_.retain(i);
  }
}

void AdjRibOut::settle(EntryIndex i) {
  if (!held(i) || dirty(i) || has_sent(i)) return;
  set_bit(held_bits_, i, false);
  rib_.release(i);
}

void AdjRibOut::on_changes(std::span<const EntryIndex> batch) {
  for (EntryIndex i : batch) {
    if (add_path_ || rib_.selection_changed(i)) mark(i);
  }
}

void AdjRibOut::refresh_all() {
  rib_.for_each([this](EntryIndex i) { mark(i); });
}

void AdjRibOut::resend_all() {
  if (add_path_) {
    sent_paths_.clear();
  } else {
    for (std::size_t i = 0; i < sent_.capacity(); ++i) {
      store_.drop(sent_[i]);
      sent_[i] = 0;
    }
  }
  advertised_count_ = 0;
  held_bits_.for_each([this](EntryIndex i) { settle(i); });
  refresh_all();
}

void AdjRibOut::request_end_of_rib() {
  end_of_rib_requested_ = true;
}

bool AdjRibOut::has_pending() const {
  return in_round_ || dirty_count_ > 0 || end_of_rib_requested_ || end_of_rib_after_round_;
}

AttrRef AdjRibOut::advertised(EntryIndex index, std::uint32_t path_id) const {
  if (!add_path_) return index < sent_.capacity() ? store_.get(sent_[index]) : AttrRef{};
  auto it = sent_paths_.find(index);
  if (it == sent_paths_.end()) return {};
  for (const auto& sent : it->second) {
    if (sent.path_id == path_id) return sent.attributes;
  }
  return {};
}

void AdjRibOut::record_sent(const Item& item, const AttrRef& attributes) {
  if (!add_path_) {
    sent_.grow_to(rib_.index_limit());
    std::uint32_t& slot = sent_[item.entry];
    if (slot && !attributes) --advertised_count_;
    if (!slot && attributes) ++advertised_count_;
    const std::uint32_t held = store_.hold(attributes);
    store_.drop(slot);
    slot = held;
  } else {
    auto& list = sent_paths_[item.entry];
    auto it = std::find_if(list.begin(), list.end(), [&](const SentPath& s) { return s.path_id == item.path_id; });
    if (it != list.end() && attributes) {
      it->attributes = attributes;
    } else if (it != list.end()) {
      list.erase(it);
      --advertised_count_;
    } else if (attributes) {
      list.push_back(SentPath{item.path_id, attributes});
      ++advertised_count_;
    }
    if (list.empty()) sent_paths_.erase(item.entry);
  }
  settle(item.entry);
}

void AdjRibOut::desired(EntryIndex i, Desired& out) {
  out.clear();
  const Path* best = rib_.best(i);
  if (!best) return;
  if (!add_path_) {
    if (AttrRef attributes = exporter_.export_path(*best, rib_, i)) out.push_back(SentPath{0, std::move(attributes)});
    return;
  }
  const PeerInfo& info = peers_.info(peer_);
  std::span<const Path> paths = rib_.paths(i);
  if (info.add_path_select == AddPathSelect::multipath) paths = rib_.multipath(i);
  if (info.add_path_select == AddPathSelect::best_n) {
    paths = paths.first(std::min<std::size_t>(paths.size(), std::max<std::uint16_t>(info.add_path_limit, 1)));
  }
  for (const Path& path : paths) {
    if (AttrRef attributes = exporter_.export_path(path, rib_, i)) {
      out.push_back(SentPath{path.local_id(), std::move(attributes)});
    }
  }
}

Update AdjRibOut::update_for(const AttributeSet& attributes) const {
  RouteAttributes value = attributes.value();
  Update update;
  update.attributes = std::move(value.path);
  if (family_ == kIpv4Unicast) {
    update.attributes.next_hop = value.next_hop;
  } else {
    update.mp_reach = MpReachNlri{family_, {}, {}};
    if (value.next_hop) update.mp_reach->next_hops.push_back(*value.next_hop);
    if (value.link_local_next_hop) update.mp_reach->next_hops.push_back(*value.link_local_next_hop);
  }
  return update;
}

std::optional<std::size_t> AdjRibOut::base_size(const AttrRef& attributes) const {
  const Update probe = update_for(*attributes);
  std::vector<std::uint8_t> bytes;
  Writer w(bytes);
  if (!encode_path_attributes(probe, session_.send_context, w).ok()) return std::nullopt;
  // MP_REACH_NLRI's length field grows to two octets once its NLRI pass 255 octets.
  const std::size_t size = kUpdateFixedLength + bytes.size() + (family_ == kIpv4Unicast ? 0 : 1);
  const std::size_t largest_nlri = (add_path_ ? 4 : 0) + 1 + (family_ == kIpv4Unicast ? 4 : 16);
  if (size + largest_nlri > max_length_) return std::nullopt;
  return size;
}

std::optional<std::size_t> AdjRibOut::bucket_for(const AttrRef& attributes) {
  // The bucket keeps the set alive for the round, so its id stays a valid key.
  const std::uint32_t id = attributes->id();
  if ((buckets_.size() + 1) * 2 > bucket_index_.size()) {
    std::vector<std::uint64_t> old(std::max<std::size_t>(64, bucket_index_.size() * 2));
    old.swap(bucket_index_);
    for (std::uint64_t slot : old) {
      if (slot == 0) continue;
      std::size_t i = index_home(static_cast<std::uint32_t>(slot >> 32), bucket_index_.size());
      while (bucket_index_[i] != 0) i = (i + 1) & (bucket_index_.size() - 1);
      bucket_index_[i] = slot;
    }
  }
  std::size_t i = index_home(id, bucket_index_.size());
  while (bucket_index_[i] != 0 && (bucket_index_[i] >> 32) != id) i = (i + 1) & (bucket_index_.size() - 1);
  if (bucket_index_[i] == 0) {
    const auto size = base_size(attributes);
    buckets_.push_back(Bucket{attributes, size ? static_cast<std::uint32_t>(*size) : kNoFit});
    bucket_index_[i] = std::uint64_t{id} << 32 | (buckets_.size() - 1);
  }
  const std::size_t bucket = static_cast<std::uint32_t>(bucket_index_[i]);
  if (buckets_[bucket].base_size == kNoFit) return std::nullopt;
  return bucket;
}

void AdjRibOut::group_staged() {
  // A counting sort: each bucket's count, then its start, then the prefixes in place.
  for (std::uint32_t b : staged_buckets_) ++buckets_[b].end;
  std::uint32_t start = 0;
  for (Bucket& bucket : buckets_) {
    bucket.begin = bucket.next = start;
    start += bucket.end;
    bucket.end = bucket.begin;
  }
  order_.resize(staged_buckets_.size());
  if (add_path_) order_path_ids_.resize(staged_buckets_.size());
  for (std::size_t k = 0; k < staged_buckets_.size(); ++k) {
    Bucket& bucket = buckets_[staged_buckets_[k]];
    const Item item = staged_.at(k);
    if (add_path_) order_path_ids_[bucket.end] = item.path_id;
    order_[bucket.end++] = item.entry;
  }
  // Staging memory goes back after a large round (a peer coming up takes the whole table).
  staged_buckets_.clear();
  staged_ = Items{};
  if (staged_buckets_.capacity() > 65536) std::vector<std::uint32_t>().swap(staged_buckets_);
}

void AdjRibOut::clear_bucket_index() {
  if (bucket_index_.size() > 65536) {
    std::vector<std::uint64_t>().swap(bucket_index_);
    return;
  }
  // Newest first: each key's probe run then holds only older keys, still in place.
  for (auto b = buckets_.rbegin(); b != buckets_.rend(); ++b) {
    const std::uint32_t id = b->attributes->id();
    std::size_t i = index_home(id, bucket_index_.size());
    while ((bucket_index_[i] >> 32) != id) i = (i + 1) & (bucket_index_.size() - 1);
    bucket_index_[i] = 0;
  }
}

void AdjRibOut::stage() {
  in_round_ = true;
  if (end_of_rib_requested_) {
    end_of_rib_requested_ = false;
    end_of_rib_after_round_ = true;
  }
  if (dirty_count_ > 0) dirty_bits_.for_each([this](EntryIndex i) { stage_entry(i); });
  group_staged();
}

void AdjRibOut::stage_entry(EntryIndex i) {
  set_bit(dirty_bits_, i, false);
  --dirty_count_;
  desired(i, scratch_);
  if (!add_path_ && scratch_.size() == 1 && i < sent_.capacity() && sent_[i] == scratch_.front().attributes->id()) {
    settle(i);  // the peer has it already (so it fits): no bucket, no size to work out
    return;
  }
  auto& buckets = scratch_buckets_;
  buckets.clear();
  for (auto it = scratch_.begin(); it != scratch_.end();) {
    if (auto b = bucket_for(it->attributes)) {
      buckets.push_back(*b);
      ++it;
    } else {
      ++unsendable_count_;
      it = scratch_.erase(it);
    }
  }
  bool staged = false;
  if (!add_path_) {
    const AttrRef current = i < sent_.capacity() ? store_.get(sent_[i]) : AttrRef{};
    const AttrRef want = scratch_.empty() ? AttrRef{} : scratch_.front().attributes;
    if (want != current) {
      if (want) {
        staged_buckets_.push_back(static_cast<std::uint32_t>(buckets.front()));
        staged_.push(Item{i, 0}, false);
      } else {
        withdrawals_.push(Item{i, 0}, false);
      }
      staged = true;
    }
  } else {
    auto sent = sent_paths_.find(i);
    if (sent != sent_paths_.end()) {
      for (const auto& old : sent->second) {
        bool wanted = std::any_of(scratch_.begin(), scratch_.end(),
                                  [&](const SentPath& want) { return want.path_id == old.path_id; });
        if (!wanted) {
          withdrawals_.push(Item{i, old.path_id}, true);
          staged = true;
        }
      }
    }
    for (std::size_t k = 0; k < scratch_.size(); ++k) {
      if (advertised(i, scratch_[k].path_id) == scratch_[k].attributes) continue;
      staged_buckets_.push_back(static_cast<std::uint32_t>(buckets[k]));
      staged_.push(Item{i, scratch_[k].path_id}, true);
      staged = true;
    }
  }
  if (staged) {
    rib_.retain(i);
    set_bit(round_bits_, i, true);
  } else {
    settle(i);
  }
}

std::size_t AdjRibOut::nlri_bytes(const Nlri& nlri) const {
  return nlri_size(nlri, add_path_);
}

std::optional<Update> AdjRibOut::take_withdrawals() {
  Items& items = withdrawals_;
  if (items.done()) return std::nullopt;
  Update update;
  std::size_t size = kUpdateFixedLength;
  std::vector<Nlri>* list = &update.withdrawn_routes;
  if (family_ != kIpv4Unicast) {
    update.mp_unreach = MpUnreachNlri{family_, {}};
    list = &update.mp_unreach->withdrawn_routes;
    size += kMpUnreachOverhead;
  }
  for (; !items.done(); ++items.next) {
    const Item item = items.at(items.next);
    if (dirty(item.entry)) continue;  // changed again: the next round has its newest state
    Nlri nlri{rib_.prefix(item.entry), item.path_id};
    const std::size_t bytes = nlri_bytes(nlri);
    if (size + bytes > max_length_) break;
    list->push_back(nlri);
    size += bytes;
    record_sent(item, AttrRef{});
  }
  if (list->empty()) return std::nullopt;
  return update;
}

std::optional<Update> AdjRibOut::take_announcements(Bucket& bucket) {
  if (bucket.next >= bucket.end) return std::nullopt;
  Update update = update_for(*bucket.attributes);
  std::vector<Nlri>* list = family_ == kIpv4Unicast ? &update.nlri : &update.mp_reach->nlri;
  std::size_t size = bucket.base_size;
  for (; bucket.next < bucket.end; ++bucket.next) {
    const Item item{order_[bucket.next], add_path_ ? order_path_ids_[bucket.next] : 0};
    if (dirty(item.entry)) continue;
    Nlri nlri{rib_.prefix(item.entry), item.path_id};
    const std::size_t bytes = nlri_bytes(nlri);
    if (size + bytes > max_length_) break;
    list->push_back(nlri);
    size += bytes;
    record_sent(item, bucket.attributes);
  }
  if (list->empty()) return std::nullopt;
  return update;
}

void AdjRibOut::end_round() {
  round_bits_.for_each([this](EntryIndex i) { rib_.release(i); });
  round_bits_.clear();
  withdrawals_ = Items{};
  clear_bucket_index();
  buckets_.clear();
  order_.clear();
  order_path_ids_.clear();
  if (buckets_.capacity() > 16384) std::vector<Bucket>().swap(buckets_);
  if (order_.capacity() > 65536) {
    std::vector<EntryIndex>().swap(order_);
    std::vector<std::uint32_t>().swap(order_path_ids_);
  }
  next_bucket_ = 0;
  in_round_ = false;
}

std::optional<Update> AdjRibOut::next_update() {
  while (true) {
    if (!in_round_) {
      if (dirty_count_ > 0) {
        stage();
      } else if (end_of_rib_requested_) {
        end_of_rib_requested_ = false;
        return Update::end_of_rib(family_);
      } else {
        return std::nullopt;
      }
    }
    if (auto update = take_withdrawals()) return update;
    while (next_bucket_ < buckets_.size()) {
      if (auto update = take_announcements(buckets_[next_bucket_])) return update;
      ++next_bucket_;
    }
    end_round();
    if (end_of_rib_after_round_) {
      end_of_rib_after_round_ = false;
      return Update::end_of_rib(family_);
    }
  }
}

}  // namespace sluice::bgp::rib
