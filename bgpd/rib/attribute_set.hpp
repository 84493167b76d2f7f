// Interned route attributes: each distinct set of attributes the RIB holds exists once,
// immutable and reference-counted, so a million routes that share attributes share one
// object and comparing two routes' attributes is comparing two pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/codec/attributes.hpp"

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

class AttributeStore;

// One interned RouteAttributes, with the values route selection reads on every comparison
// computed once.
class AttributeSet {
 public:
  const RouteAttributes& value() const { return value_; }
  const PathAttributes& path() const { return value_.path; }
  std::size_t hash() const { return hash_; }
  // RFC 4271 §9.1.2.2 a: AS_SET counts one, confederation segments nothing.
  std::uint32_t as_path_length() const { return as_path_length_; }
  // The AS the route was learned from (§9.1.2.2 c): the first AS of the path, 0 when empty.
  std::uint32_t neighbor_as() const { return neighbor_as_; }
  std::uint32_t references() const { return references_; }

 private:
  friend class AttributeStore;
  friend class AttrRef;
  AttributeSet(RouteAttributes value, std::size_t hash, AttributeStore* store);

  RouteAttributes value_;
  std::size_t hash_;
  AttributeStore* store_;
  std::uint32_t references_ = 0;
  std::uint32_t as_path_length_ = 0;
  std::uint32_t neighbor_as_ = 0;
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
    if (set_) ++set_->references_;
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

  AttrRef intern(const RouteAttributes& value);
  AttrRef intern(RouteAttributes&& value);
  // Distinct sets alive.
  std::size_t size() const { return size_; }

 private:
  friend class AttrRef;
  // Open addressing with linear probing over (set, hash) pairs, at most 3/4 full, with
  // backward-shift deletion: 16 bytes a slot instead of a node allocation per set, and a
  // lookup that compares attributes only on a full hash match.
  struct Slot {
    std::unique_ptr<AttributeSet> set;
    std::size_t hash = 0;
  };
  // The slot holding attributes equal to `value`, or the empty slot where they would go.
  std::size_t probe(const RouteAttributes& value, std::size_t hash) const;
  std::size_t home(std::size_t hash) const { return (hash * 0x9e3779b97f4a7c15ull) >> shift_; }
  AttrRef insert(std::size_t at, RouteAttributes&& value, std::size_t hash);
  void grow();
  void erase(AttributeSet* set);

  std::vector<Slot> slots_ = std::vector<Slot>(64);
  int shift_ = 64 - 6;  // home() maps a hash onto the 2^(64 - shift_) slots
  std::size_t size_ = 0;
};

inline void AttrRef::release() {
  if (set_ && --set_->references_ == 0) set_->store_->erase(set_);
}

}  // namespace sluice::bgp::rib
