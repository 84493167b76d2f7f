// An IPv4 or IPv6 address as a value: strict parsing, RFC 5952 formatting, bit access
// and the small arithmetic that block ordinals and sub-block iteration need.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::ip {

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

constexpr int bit_length(Family family) { return family == Family::v4 ? 32 : 128; }
std::string_view to_string(Family family);

class Address {
 public:
  // 0.0.0.0
  constexpr Address() = default;

  static Address v4(std::uint32_t host_order);
  static Address v4(std::array<std::uint8_t, 4> octets);
  static Address v6(std::array<std::uint8_t, 16> octets);
  // From network-order bytes: 4 bytes make IPv4, 16 make IPv6, any other size fails.
  static std::optional<Address> from_bytes(std::span<const std::uint8_t> bytes);

  // Accepts exactly the canonical dotted-quad for IPv4 (no leading zeros, no short
  // forms) and RFC 4291 text for IPv6 (with "::" and a trailing dotted quad, no zone).
  static Result<Address> parse(std::string_view text);
  static Result<Address> parse_v4(std::string_view text);
  static Result<Address> parse_v6(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::v4; }
  bool is_v6() const { return family_ == Family::v6; }
  int bit_length() const { return ip::bit_length(family_); }

  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  std::span<const std::uint8_t> bytes() const {
    return {bytes_.data(), is_v4() ? std::size_t{4} : std::size_t{16}};
  }
  // IPv4 only: the address as a host-order integer.
  std::uint32_t to_v4_uint() const;

  // Bit i counted from the most significant (bit 0 is the top bit of the first byte).
  bool bit(int i) const { return (bytes_[i / 8] >> (7 - i % 8)) & 1; }
  // The first `length` bits kept, the rest cleared.
  Address masked(int length) const;
  // The first `length` bits kept, the rest set (the last address of a prefix).
  Address filled(int length) const;
  bool host_bits_zero(int length) const { return masked(length) == *this; }
  // Number of leading bits this address shares with `other` (same family).
  int common_bits(const Address& other) const;

  // this + 2^(bit_length-1-bit_index); nullopt on overflow past the family's end.
  std::optional<Address> plus_power_of_two(int bit_index) const;
  // this + n; nullopt on overflow.
  std::optional<Address> plus(std::uint64_t n) const;
  // (this - base) when it fits in 64 bits and this >= base; nullopt otherwise.
  std::optional<std::uint64_t> minus(const Address& base) const;

  // RFC 5952 canonical text (lower case, longest zero run compressed, mapped IPv4 dotted).
  std::string to_string() const;

  // IPv4 sorts before IPv6; within a family, numeric order.
  friend auto operator<=>(const Address&, const Address&) = default;
  friend bool operator==(const Address&, const Address&) = default;

  std::size_t hash() const;

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4; the rest stay zero
};

}  // namespace sluice::ip

template <>
struct std::hash<sluice::ip::Address> {
  std::size_t operator()(const sluice::ip::Address& a) const noexcept { return a.hash(); }
};
