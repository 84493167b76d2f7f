#include "bgpd/rib/loc_rib.hpp"

#include <algorithm>
#include <cassert>

#include "bgpd/codec/nlri.hpp"

namespace sluice::bgp::rib {
namespace {

ip::Family family_of(AfiSafi family) {
  const auto* descriptor = find_address_family(family);
  return descriptor ? descriptor->family : ip::Family::v4;
}

// A batch of a million prefixes (a full table arriving) should not keep its 4 MB for good.
void clear_and_trim(std::vector<EntryIndex>& v) {
  v.clear();
  if (v.capacity() > 65536) v.shrink_to_fit();
}

}  // namespace

LocRib::LocRib(AfiSafi family, const PeerTable& peers, AttributeStore& store, DecisionOptions options,
               NextHopResolver resolver)
    : family_(family),
      peers_(peers),
      store_(store),
      options_(options),
      resolver_(std::move(resolver)),
      index_(family_of(family)) {
  static_assert(sizeof(Entry) == 20, "a million prefixes should cost 20 MB of entries");
}

LocRib::~LocRib() {
  for (EntryIndex i = 0; i < index_.index_limit(); ++i) {
    for (const Path& path : mutable_paths(entries_[i])) store_.drop(path.attributes_id());
  }
}

void LocRib::set_options(DecisionOptions options) {
  options_ = options;
  reevaluate_all();
}

void LocRib::set_resolver(NextHopResolver resolver) {
  resolver_ = std::move(resolver);
  reevaluate_all();
}

std::span<Path> LocRib::mutable_paths(Entry& entry) {
  if (entry.path_count == 0) return {};
  if (entry.path_count == 1) return {&entry.first, 1};
  return overflow_[entry.first.path_id()];
}

std::span<const Path> LocRib::paths(EntryIndex index) const {
  if (index >= index_.index_limit()) return {};
  const Entry& entry = entries_[index];
  if (entry.path_count == 0) return {};
  if (entry.path_count == 1) return {&entry.first, 1};
  return overflow_[entry.first.path_id()];
}

const Path* LocRib::best(EntryIndex index) const {
  auto all = paths(index);
  if (all.empty() || !all.front().selected()) return nullptr;
  return &all.front();
}

std::span<const Path> LocRib::multipath(EntryIndex index) const {
  auto all = paths(index);
  const std::size_t limit = std::min<std::size_t>(all.size(), entries_[index].multipath_count);
  std::size_t n = 0;
  while (n < limit && all[n].selected()) ++n;
  return all.first(n);
}

void LocRib::add_path(Entry& entry, Path path) {
  if (entry.path_count == 0) {
    entry.first = std::move(path);
  } else if (entry.path_count == 1) {
    std::uint32_t slot = 0;
    if (!free_overflow_.empty()) {
      slot = free_overflow_.back();
      free_overflow_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(overflow_.size());
      overflow_.emplace_back();
    }
    auto& list = overflow_[slot];
    list.reserve(2);
    list.push_back(std::move(entry.first));
    list.push_back(std::move(path));
    entry.first = Path(kLocalPeer, slot, 0, 0);
  } else {
    overflow_[entry.first.path_id()].push_back(std::move(path));
  }
  ++entry.path_count;
}

void LocRib::remove_path(EntryIndex index, std::size_t position) {
  Entry& entry = entries_[index];
  const Path& path = mutable_paths(entry)[position];
  const bool selected = path.selected();
  count_peer(path.peer(), -1, path.stale() ? -1 : 0);
  store_.drop(path.attributes_id());
  if (entry.path_count == 1) {
    entry.first = Path{};
  } else if (entry.path_count == 2) {
    const std::uint32_t slot = entry.first.path_id();
    auto& list = overflow_[slot];
    entry.first = std::move(list[1 - position]);
    std::vector<Path>().swap(list);
    free_overflow_.push_back(slot);
  } else {
    auto& list = overflow_[entry.first.path_id()];
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(position));
  }
  --entry.path_count;
  --path_count_;
  if (entry.path_count == 0) --prefix_count_;
  touch(index, selected);
}

std::uint16_t LocRib::free_local_id(Entry& entry) {
  auto all = mutable_paths(entry);
  for (std::uint16_t id = 1; id <= Path::kMaxLocalId; ++id) {
    if (std::none_of(all.begin(), all.end(), [id](const Path& p) { return p.local_id() == id; })) return id;
  }
  return 0;
}

void LocRib::count_peer(PeerId peer, int paths, int stale) {
  if (peer >= peer_paths_.size()) {
    peer_paths_.resize(peer + 1u, 0);
    peer_stale_.resize(peer + 1u, 0);
  }
  peer_paths_[peer] = static_cast<std::uint32_t>(static_cast<int>(peer_paths_[peer]) + paths);
  peer_stale_[peer] = static_cast<std::uint32_t>(static_cast<int>(peer_stale_[peer]) + stale);
}

void LocRib::touch(EntryIndex index, bool selection) {
  Entry& entry = entries_[index];
  if (selection) entry.flags |= kSelectionTouched;
  if (!(entry.flags & kDirty)) {
    entry.flags |= kDirty;
    dirty_.push_back(index);
  }
}

void LocRib::announce(const ip::Prefix& prefix, PeerId peer, std::uint32_t path_id, AttrRef attributes) {
  if (prefix.family() != index_.family() || !attributes) return;
  bool added = false;
  const EntryIndex index = index_.insert(prefix, added);
  if (added) entries_.grow_to(index_.index_limit());
  Entry& entry = entries_[index];
  for (Path& path : mutable_paths(entry)) {
    if (!path.same_origin(peer, path_id)) continue;
    if (path.stale()) {
      path.set_stale(false);
      count_peer(peer, 0, -1);
    }
    if (path.attributes_id() == attributes->id()) return;  // a refresh of what we have
    store_.drop(path.attributes_id());
    path.set_attributes_id(store_.hold(attributes));
    touch(index, path.selected());
    return;
  }
  const std::uint16_t local_id = free_local_id(entry);
  if (local_id == 0) {
    maybe_free(index);  // kMaxLocalId paths already: the table cannot name another
    return;
  }
  add_path(entry, Path(peer, path_id, local_id, store_.hold(attributes)));
  count_peer(peer, 1, 0);
  ++path_count_;
  if (entry.path_count == 1) ++prefix_count_;
  touch(index, false);
}

bool LocRib::withdraw(const ip::Prefix& prefix, PeerId peer, std::uint32_t path_id) {
  auto index = index_.find(prefix);
  if (!index) return false;
  auto all = mutable_paths(entries_[*index]);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].same_origin(peer, path_id)) {
      remove_path(*index, i);
      return true;
    }
  }
  return false;
}

std::size_t LocRib::mark_stale(PeerId peer) {
  if (peer_path_count(peer) == peer_stale_count(peer)) return peer_stale_count(peer);
  for_each([&](EntryIndex i) {
    for (Path& path : mutable_paths(entries_[i])) {
      if (path.peer() == peer && !path.stale()) {
        path.set_stale(true);
        count_peer(peer, 0, 1);
      }
    }
  });
  return peer_stale_count(peer);
}

template <class Remove>
std::size_t LocRib::remove_where(PeerId peer, Remove&& remove) {
  std::size_t removed = 0;
  for_each([&](EntryIndex i) {
    // Backwards, so removing one path does not move those still to visit.
    for (std::size_t k = entries_[i].path_count; k-- > 0;) {
      const Path& path = mutable_paths(entries_[i])[k];
      if (path.peer() == peer && remove(path)) {
        remove_path(i, k);
        ++removed;
      }
    }
  });
  return removed;
}

std::size_t LocRib::sweep_stale(PeerId peer) {
  if (peer_stale_count(peer) == 0) return 0;
  return remove_where(peer, [](const Path& path) { return path.stale(); });
}

std::size_t LocRib::remove_peer(PeerId peer) {
  if (peer_path_count(peer) == 0) return 0;
  return remove_where(peer, [](const Path&) { return true; });
}

void LocRib::reevaluate_peer(PeerId peer) {
  if (peer_path_count(peer) == 0) return;
  for_each([&](EntryIndex i) {
    auto all = mutable_paths(entries_[i]);
    if (std::any_of(all.begin(), all.end(), [peer](const Path& p) { return p.peer() == peer; })) touch(i, false);
  });
}

void LocRib::reevaluate_all() {
  for_each([&](EntryIndex i) { touch(i, false); });
}

PathSource LocRib::source_of(const Path& path) const {
  PathSource source;
  const PeerId peer = path.peer();
  source.locally_originated = peer == kLocalPeer;
  if (peer == kLocalPeer || peers_.contains(peer)) {
    source.external = peers_.external(peer);
    source.router_id = peers_.router_id(peer);
    if (peer != kLocalPeer) source.peer_address = peers_.info(peer).address;
  }
  source.path_id = path.path_id();
  source.igp_cost = 0;
  if (resolver_) {
    if (const auto next_hop = attribute_set(path).next_hop()) source.igp_cost = resolver_(*next_hop);
  }
  return source;
}

void LocRib::decide(EntryIndex index) {
  Entry& entry = entries_[index];
  const bool touched = (entry.flags & kSelectionTouched) != 0;
  entry.flags &= static_cast<std::uint8_t>(~kSelectionTouched);
  auto all = mutable_paths(entry);
  bool changed = touched;

  if (all.size() <= 1) {
    const bool selected_before = !all.empty() && all.front().selected();
    bool selected = false;
    if (!all.empty()) {
      selected = source_of(all.front()).igp_cost.has_value();
      all.front().set_selected(selected);
    }
    changed = changed || selected != selected_before || entry.multipath_count != (selected ? 1 : 0);
    entry.multipath_count = selected ? 1 : 0;
  } else {
    selected_before_.clear();
    for (const Path& path : all) {
      if (path.selected()) selected_before_.emplace_back(path.peer(), path.path_id());
    }
    candidates_.clear();
    for (std::size_t i = 0; i < all.size(); ++i) {
      candidates_.push_back(make_candidate(attribute_set(all[i]), source_of(all[i]), options_));
      candidates_.back().tag = static_cast<std::uint32_t>(i);
    }
    const std::size_t multipath = rank(candidates_, options_);
    std::vector<Path> ordered;
    ordered.reserve(all.size());
    for (const Candidate& c : candidates_) ordered.push_back(std::move(all[c.tag]));
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      ordered[i].set_selected(i < multipath);
      all[i] = std::move(ordered[i]);
    }
    if (!changed) {
      changed = selected_before_.size() != multipath;
      for (std::size_t i = 0; !changed && i < multipath; ++i) {
        changed = selected_before_[i] != std::make_pair(all[i].peer(), all[i].path_id());
      }
    }
    entry.multipath_count = static_cast<std::uint16_t>(multipath);
  }
  if (changed) entry.flags |= kSelectionChanged;
}

std::span<const EntryIndex> LocRib::process() {
  for (EntryIndex i : batch_) {
    entries_[i].flags &= static_cast<std::uint8_t>(~(kInBatch | kSelectionChanged));
    maybe_free(i);
  }
  clear_and_trim(batch_);
  batch_.swap(dirty_);
  for (EntryIndex i : batch_) {
    Entry& entry = entries_[i];
    entry.flags = static_cast<std::uint8_t>((entry.flags & ~kDirty) | kInBatch);
    decide(i);
  }
  return batch_;
}

std::vector<Candidate> LocRib::explain(EntryIndex index) const {
  std::vector<Candidate> out;
  auto all = paths(index);
  for (std::size_t i = 0; i < all.size(); ++i) {
    out.push_back(make_candidate(attribute_set(all[i]), source_of(all[i]), options_));
    out.back().tag = static_cast<std::uint32_t>(i);
  }
  rank(out, options_);
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.tag < b.tag; });
  return out;
}

void LocRib::retain(EntryIndex index) {
  assert(index_.contains(index));
  ++entries_[index].references;
}

void LocRib::release(EntryIndex index) {
  assert(entries_[index].references > 0);
  --entries_[index].references;
  maybe_free(index);
}

void LocRib::maybe_free(EntryIndex index) {
  Entry& entry = entries_[index];
  if (entry.path_count != 0 || entry.references != 0 || (entry.flags & (kDirty | kInBatch))) return;
  if (!index_.contains(index)) return;
  index_.erase(index);
  entry = Entry{};
}

std::size_t LocRib::memory_bytes() const {
  std::size_t bytes = index_.memory_bytes() + entries_.memory_bytes();
  bytes += overflow_.capacity() * sizeof(std::vector<Path>) + free_overflow_.capacity() * sizeof(std::uint32_t);
  for (const auto& list : overflow_) bytes += list.capacity() * sizeof(Path);
  bytes += (dirty_.capacity() + batch_.capacity()) * sizeof(EntryIndex);
  return bytes;
}

}  // namespace sluice::bgp::rib
