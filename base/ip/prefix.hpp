// An IP prefix (network address + length): parsing with precise errors, containment,
// overlap, ordering, hashing and lazy iteration over the sub-blocks of a pool.
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip/address.hpp"
#include "base/result.hpp"

namespace sluice::ip {

class SubprefixRange;

class Prefix {
 public:
  // 0.0.0.0/0
  Prefix() = default;

  // Fails when length is out of range or host bits are set.
  static Result<Prefix> make(const Address& network, int length);
  // The /32 or /128 holding exactly this address.
  static Prefix host(const Address& address);

  // "10.0.0.0/24", "fd00::/64". Host bits must be zero: a network is required.
  static Result<Prefix> parse(std::string_view text);
  // Like parse, but an address with host bits set ("10.0.0.7/24", as `ip addr` shows
  // an interface address) is accepted and masked to its network.
  static Result<Prefix> parse_masking(std::string_view text);
  // A prefix, or a bare address taken as its host prefix ("10.0.0.1" -> 10.0.0.1/32).
  static Result<Prefix> parse_address_or_prefix(std::string_view text);

  const Address& network() const { return network_; }
  int length() const { return length_; }
  Family family() const { return network_.family(); }
  int host_bits() const { return network_.bit_length() - length_; }
  Address last_address() const { return network_.filled(length_); }
  bool is_host() const { return host_bits() == 0; }

  bool contains(const Address& address) const;
  // True when `other` lies inside this prefix (equal prefixes contain each other).
  bool contains(const Prefix& other) const;
  bool overlaps(const Prefix& other) const;

  // The address at `ordinal` inside this prefix; nullopt when the ordinal is outside.
  std::optional<Address> address_at(std::uint64_t ordinal) const;
  // The ordinal of `address` inside this prefix; nullopt when outside or not 64-bit addressable.
  std::optional<std::uint64_t> ordinal_of(const Address& address) const;
  // Number of addresses, or nullopt when it exceeds 2^63.
  std::optional<std::uint64_t> size() const;

  // Every sub-prefix of length `sub_length` in address order (length <= sub_length <= bit
  // length). Lazy: a /64 split into /122s is iterated, never materialised.
  SubprefixRange subprefixes(int sub_length) const;

  std::string to_string() const;

  // Ordered by family, then network address, then length (shorter first).
  friend auto operator<=>(const Prefix&, const Prefix&) = default;
  friend bool operator==(const Prefix&, const Prefix&) = default;

  std::size_t hash() const { return network_.hash() * 31 + static_cast<std::size_t>(length_); }

 private:
  friend class SubprefixRange;
  Prefix(const Address& network, int length) : network_(network), length_(static_cast<std::uint8_t>(length)) {}
  static Result<Prefix> parse_impl(std::string_view text, bool mask_host_bits);

  Address network_;
  std::uint8_t length_ = 0;
};

class SubprefixRange {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Prefix;
    using difference_type = std::ptrdiff_t;
    using pointer = const Prefix*;
    using reference = const Prefix&;

    iterator() = default;
    reference operator*() const { return current_; }
    pointer operator->() const { return &current_; }
    iterator& operator++();
    iterator operator++(int) {
      iterator copy = *this;
      ++*this;
      return copy;
    }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.done_ == b.done_ && (a.done_ || a.current_ == b.current_);
    }

   private:
    friend class SubprefixRange;
    iterator(const Prefix& parent, const Prefix& current, bool done) : parent_(parent), current_(current), done_(done) {}
    Prefix parent_;
    Prefix current_;
    bool done_ = true;
  };

  iterator begin() const { return iterator(parent_, first_, false); }
  iterator end() const { return iterator(); }
  // Number of sub-prefixes, or nullopt when it exceeds 2^63.
  std::optional<std::uint64_t> count() const;

 private:
  friend class Prefix;
  SubprefixRange(const Prefix& parent, const Prefix& first) : parent_(parent), first_(first) {}
  Prefix parent_;
  Prefix first_;
};

}  // namespace sluice::ip

template <>
struct std::hash<sluice::ip::Prefix> {
  std::size_t operator()(const sluice::ip::Prefix& p) const noexcept { return p.hash(); }
};
