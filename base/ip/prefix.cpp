#include "base/ip/prefix.hpp"

#include <cassert>

#include <fmt/format.h>

namespace sluice::ip {

Result<Prefix> Prefix::make(const Address& network, int length) {
  if (length < 0 || length > network.bit_length()) {
    return Error{fmt::format("prefix length {} is out of range 0-{} for {}", length, network.bit_length(),
                             ip::to_string(network.family()))};
  }
  if (!network.host_bits_zero(length)) {
    return Error{fmt::format("{}/{} has host bits set (the network is {}/{})", network.to_string(), length,
                             network.masked(length).to_string(), length)};
  }
  return Prefix(network, length);
}

Prefix Prefix::host(const Address& address) { return Prefix(address, address.bit_length()); }

Result<Prefix> Prefix::parse(std::string_view text) { return parse_impl(text, false); }
Result<Prefix> Prefix::parse_masking(std::string_view text) { return parse_impl(text, true); }

Result<Prefix> Prefix::parse_address_or_prefix(std::string_view text) {
  if (text.find('/') != std::string_view::npos) return parse(text);
  auto address = Address::parse(text);
  if (!address) return address.error();
  return host(*address);
}

Result<Prefix> Prefix::parse_impl(std::string_view text, bool mask_host_bits) {
  auto fail = [&](std::string_view why) { return Error{fmt::format("invalid prefix \"{}\": {}", text, why)}; };
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return fail("missing \"/length\"");
  auto address = Address::parse(text.substr(0, slash));
  if (!address) return fail(address.error().message);

  std::string_view length_text = text.substr(slash + 1);
  if (length_text.empty()) return fail("missing prefix length after '/'");
  for (char c : length_text) {
    if (c < '0' || c > '9') return fail(fmt::format("prefix length \"{}\" is not a decimal number", length_text));
  }
  if (length_text.size() > 1 && length_text[0] == '0') {
    return fail(fmt::format("prefix length \"{}\" has a leading zero", length_text));
  }
  int max = address->bit_length();
  if (length_text.size() > 3) return fail(fmt::format("prefix length {} exceeds {}", length_text, max));
  int length = 0;
  for (char c : length_text) length = length * 10 + (c - '0');
  if (length > max) return fail(fmt::format("prefix length {} exceeds {}", length, max));

  if (!address->host_bits_zero(length)) {
    if (mask_host_bits) return Prefix(address->masked(length), length);
    return fail(fmt::format("host bits are set (the network is {}/{})", address->masked(length).to_string(),
                            length));
  }
  return Prefix(*address, length);
}

bool Prefix::contains(const Address& address) const {
  return address.family() == family() && address.masked(length_) == network_;
}

bool Prefix::contains(const Prefix& other) const {
  return other.family() == family() && other.length_ >= length_ && other.network_.masked(length_) == network_;
}

bool Prefix::overlaps(const Prefix& other) const { return contains(other) || other.contains(*this); }

std::optional<Address> Prefix::address_at(std::uint64_t ordinal) const {
  if (host_bits() < 64 && ordinal >= (std::uint64_t{1} << host_bits())) return std::nullopt;
  return network_.plus(ordinal);
}

std::optional<std::uint64_t> Prefix::ordinal_of(const Address& address) const {
  if (!contains(address)) return std::nullopt;
  return address.minus(network_);
}

std::optional<std::uint64_t> Prefix::size() const {
  if (host_bits() > 63) return std::nullopt;
  return std::uint64_t{1} << host_bits();
}

SubprefixRange Prefix::subprefixes(int sub_length) const {
  assert(sub_length >= length_ && sub_length <= network_.bit_length());
  return SubprefixRange(*this, Prefix(network_, sub_length));
}

std::string Prefix::to_string() const { return fmt::format("{}/{}", network_.to_string(), length_); }

std::optional<std::uint64_t> SubprefixRange::count() const {
  int bits = first_.length() - parent_.length();
  if (bits > 63) return std::nullopt;
  return std::uint64_t{1} << bits;
}

SubprefixRange::iterator& SubprefixRange::iterator::operator++() {
  // A sub-prefix of length L steps by 2^(bits-L): add one at bit L-1.
  std::optional<Address> next;
  if (current_.length() > 0) next = current_.network().plus_power_of_two(current_.length() - 1);
  if (!next || !parent_.contains(*next)) {
    done_ = true;
  } else {
    current_ = Prefix(*next, current_.length());
  }
  return *this;
}

}  // namespace sluice::ip
