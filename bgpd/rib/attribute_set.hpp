// Interned route attributes: each distinct set of attributes the RIB holds exists once,
// immutable, reference-counted and packed into one small allocation, so a million routes
// that share attributes share one object and comparing two routes' attributes is
// comparing two pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/rib/set_arena.hpp"

namespace sluice::bgp::rib {

// What a route carries besides its prefix. The next hop lives here for every family
// (NEXT_HOP for IPv4, MP_REACH_NLRI for IPv6), so `path.next_hop` stays empty.
struct RouteAttributes {
  PathAttributes path;
  // nullopt: this speaker (a route it originates); exports put its own address there.
  std::optional<ip::Address> next_hop;
  std::optional<ip::Address> link_local_next_hop;  // IPv6 only (RFC 2545 §3)

  std::size_t hash() const;
  friend bool operator==(const RouteAttributes&, const RouteAttributes&) = default;
};

// The packed form of RouteAttributes an AttributeSet keeps: a presence word, then each
// present field in a fixed order (addresses as family and octets, counts and AS numbers as
// LEB128, other numbers as four octets). It is a private in-memory form, not the wire's: the same value always
// packs to the same bytes, so equality is a memcmp and the hash is over the bytes. A
// typical set is 30 to 60 bytes this way, where a RouteAttributes is 260 bytes plus a heap
// block per AS_PATH segment and per list.
void pack_attributes(const RouteAttributes& value, std::vector<std::uint8_t>& out);
RouteAttributes unpack_attributes(std::span<const std::uint8_t> packed);
std::uint64_t hash_packed(std::span<const std::uint8_t> packed);

class AttributeStore;

// What route selection reads of a set besides ORIGIN and the AS_PATH length.
struct SelectionFacts {
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> multi_exit_disc;
  // The AS the route was learned from (RFC 4271 §9.1.2.2 c): the first AS of the path
  // outside confederation segments, 0 when there is none.
  std::uint32_t neighbor_as = 0;
  bool has_originator_id = false;
  std::uint32_t originator_id_v4 = 0;  // 0 when absent or not IPv4
  std::uint32_t cluster_list_length = 0;
};

// One interned RouteAttributes: its packed bytes, the AS_PATH length and ORIGIN. The rest
// of what route selection reads comes off the bytes in one pass (selection_facts()):
// only prefixes with several paths are compared, and 24 bytes of header per set instead
// of 40 is 9 MB over the 566k sets of a million prefixes.
class AttributeSet {
 public:
  AttributeSet(const AttributeSet&) = delete;
  AttributeSet& operator=(const AttributeSet&) = delete;

  // The attributes, unpacked (a copy: for rewriting, policy and display, not per route).
  RouteAttributes value() const { return unpack_attributes(packed()); }
  std::span<const std::uint8_t> packed() const {
    return {reinterpret_cast<const std::uint8_t*>(this + 1), packed_size_};
  }
  std::uint32_t references() const { return references_; }
  // A number no other set alive has (its place in the store's arena), never 0.
  std::uint32_t id() const { return ref_; }

  std::optional<Origin> origin() const;
  // RFC 4271 §9.1.2.2 a: AS_SET counts one, confederation segments nothing.
  std::uint32_t as_path_length() const { return as_path_length_; }
  SelectionFacts selection_facts() const;
  // RouteAttributes::next_hop, read from the front of the packed bytes.
  std::optional<ip::Address> next_hop() const;

 private:
  friend class AttributeStore;
  friend class AttrRef;
  AttributeSet(const RouteAttributes& value, std::size_t packed_size, SetArena::Ref ref, AttributeStore* store);

  static constexpr std::uint8_t kHasOrigin = 1;
  // The count saturates: a set referenced 2^32 - 1 times (prefixes × peers, all with one
  // set) is kept for good rather than wrapped to 0 and freed while in use.
  static constexpr std::uint32_t kPinned = ~std::uint32_t{0};
  void add_reference() {
    if (references_ != kPinned) ++references_;
  }
  // True when that was the last reference.
  bool remove_reference() { return references_ != kPinned && --references_ == 0; }

  AttributeStore* store_;
  std::uint32_t references_ = 0;
  std::uint32_t packed_size_;
  SetArena::Ref ref_;  // where the store's arena keeps it
  std::uint16_t as_path_length_ = 0;  // saturates; a 64 kB UPDATE holds at most 16k ASes
  std::uint8_t origin_ = 0;
  std::uint8_t flags_ = 0;
  // The packed bytes follow the object, in the same piece of the arena.
};

// Shared ownership of an AttributeSet (an intrusive pointer); empty means "no attributes".
// Equal attributes are the same set, so == compares pointers.
class AttrRef {
 public:
  AttrRef() = default;
  AttrRef(const AttrRef& other) : set_(other.set_) { retain(); }
  AttrRef(AttrRef&& other) noexcept : set_(other.set_) { other.set_ = nullptr; }
  AttrRef& operator=(const AttrRef& other) {
    if (set_ != other.set_) {
      AttrRef copy(other);
      swap(copy);
    }
    return *this;
  }
  AttrRef& operator=(AttrRef&& other) noexcept {
    AttrRef moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~AttrRef() { release(); }

  void reset() {
    release();
    set_ = nullptr;
  }
  void swap(AttrRef& other) noexcept { std::swap(set_, other.set_); }

  const AttributeSet* get() const { return set_; }
  const AttributeSet& operator*() const { return *set_; }
  const AttributeSet* operator->() const { return set_; }
  explicit operator bool() const { return set_ != nullptr; }
  friend bool operator==(const AttrRef& a, const AttrRef& b) { return a.set_ == b.set_; }

 private:
  friend class AttributeStore;
  explicit AttrRef(AttributeSet* set) : set_(set) { retain(); }
  void retain() {
    if (set_) set_->add_reference();
  }
  void release();

  AttributeSet* set_ = nullptr;
};

// The intern table. It must outlive every AttrRef it hands out (the RIB declares it first).
class AttributeStore {
 public:
  AttributeStore() = default;
  AttributeStore(const AttributeStore&) = delete;
  AttributeStore& operator=(const AttributeStore&) = delete;
  ~AttributeStore();

  AttrRef intern(const RouteAttributes& value);

  // A reference held by number, for tables with one per prefix (an Adj-RIB-Out's sets as
  // sent: 4 bytes a prefix instead of an 8-byte AttrRef). hold() takes a reference and
  // names it by the set's id (0 for an empty AttrRef), get() is the set of a held id, and
  // drop() gives the reference back.
  std::uint32_t hold(const AttrRef& ref);
  AttrRef get(std::uint32_t id) const;
  void drop(std::uint32_t id);
  // The set of a held id without taking a reference; null for 0.
  const AttributeSet* find(std::uint32_t id) const { return id == 0 ? nullptr : &set_at(id); }

  // Distinct sets alive.
  std::size_t size() const { return size_; }
  // The arena's blocks and the table, as allocated.
  std::size_t memory_bytes() const { return arena_.memory_bytes() + slots_.capacity() * sizeof(Slot); }

 private:
  friend class AttrRef;
  // Open addressing with linear probing, at most 80% full, with backward-shift deletion.
  // A slot is the set's arena reference and the upper half of its hash (which also gives
  // its home slot): 8 bytes, and a lookup reads a set only on a full tag match.
  struct Slot {
    SetArena::Ref ref = 0;  // 0: empty
    std::uint32_t tag = 0;
  };
  const AttributeSet& set_at(SetArena::Ref ref) const { return *static_cast<const AttributeSet*>(arena_.at(ref)); }
  // The slot holding a set packed as `packed`, or the empty slot where it would go.
  std::size_t probe(std::span<const std::uint8_t> packed, std::uint32_t tag) const;
  std::size_t home(std::uint32_t tag) const { return (std::uint64_t{tag} * slots_.size()) >> 32; }
  std::size_t after(std::size_t slot) const { return slot + 1 == slots_.size() ? 0 : slot + 1; }
  AttrRef insert(std::size_t at, const RouteAttributes& value, std::uint32_t tag);
  void grow();
  void erase(AttributeSet* set);

  SetArena arena_;
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  std::size_t size_ = 0;
  std::vector<std::uint8_t> scratch_;  // the value being interned, packed
};

inline void AttrRef::release() {
  if (set_ && set_->remove_reference()) set_->store_->erase(set_);
}

}  // namespace sluice::bgp::rib
