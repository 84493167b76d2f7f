#include "bgpd/rib/adj_rib_out.hpp"

#include <algorithm>
#include <limits>

#include "bgpd/codec/nlri.hpp"

namespace sluice::bgp::rib {
namespace {

constexpr std::size_t kNoFit = std::numeric_limits<std::size_t>::max();

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
      add_path_(session.send_context.has_add_path(family)),
      max_length_(session.send_context.max_message_length()) {}

AdjRibOut::~AdjRibOut() {
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
  return i < sent_.capacity() && static_cast<bool>(sent_[i]);
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
    for (std::size_t i = 0; i < sent_.capacity(); ++i) sent_[i].reset();
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
  if (!add_path_) return index < sent_.capacity() ? sent_[index] : AttrRef{};
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
    AttrRef& slot = sent_[item.entry];
    if (slot && !attributes) --advertised_count_;
    if (!slot && attributes) ++advertised_count_;
    slot = attributes;
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
  auto it = bucket_index_.find(attributes.get());
  if (it == bucket_index_.end()) {
    auto size = base_size(attributes);
    // The bucket keeps the set alive for the round, so its address stays a valid key.
    buckets_.push_back(Bucket{attributes, size.value_or(kNoFit), {}});
    it = bucket_index_.emplace(attributes.get(), buckets_.size() - 1).first;
  }
  if (buckets_[it->second].base_size == kNoFit) return std::nullopt;
  return it->second;
}

void AdjRibOut::stage() {
  in_round_ = true;
  if (end_of_rib_requested_) {
    end_of_rib_requested_ = false;
    end_of_rib_after_round_ = true;
  }
  if (dirty_count_ > 0) dirty_bits_.for_each([this](EntryIndex i) { stage_entry(i); });
}

void AdjRibOut::stage_entry(EntryIndex i) {
  set_bit(dirty_bits_, i, false);
  --dirty_count_;
  desired(i, scratch_);
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
    const AttrRef current = i < sent_.capacity() ? sent_[i] : AttrRef{};
    const AttrRef want = scratch_.empty() ? AttrRef{} : scratch_.front().attributes;
    if (want != current) {
      if (want) {
        buckets_[buckets.front()].items.push(Item{i, 0}, false);
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
      buckets_[buckets[k]].items.push(Item{i, scratch_[k].path_id}, true);
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
  Items& items = bucket.items;
  if (items.done()) return std::nullopt;
  Update update = update_for(*bucket.attributes);
  std::vector<Nlri>* list = family_ == kIpv4Unicast ? &update.nlri : &update.mp_reach->nlri;
  std::size_t size = bucket.base_size;
  for (; !items.done(); ++items.next) {
    const Item item = items.at(items.next);
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
  buckets_.clear();
  bucket_index_.clear();
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
