#include "base/ip/address.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace sluice::ip {
namespace {

Error v4_error(std::string_view text, std::string_view why) {
  return Error{fmt::format("invalid IPv4 address \"{}\": {}", text, why)};
}
Error v6_error(std::string_view text, std::string_view why) {
  return Error{fmt::format("invalid IPv6 address \"{}\": {}", text, why)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a dotted quad; on failure returns the reason only (callers add the frame).
Result<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  if (text.empty()) return Error{"empty address"};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i]) && text[i] != '.') {
      return Error{fmt::format("unexpected character '{}' at offset {}", text[i], i)};
    }
  }
  std::size_t octets = static_cast<std::size_t>(std::count(text.begin(), text.end(), '.')) + 1;
  if (octets != 4) {
    return Error{fmt::format("expected 4 dot-separated octets, found {}", octets)};
  }
  std::size_t start = 0;
  for (int n = 0; n < 4; ++n) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view octet = text.substr(start, end - start);
    if (octet.empty()) return Error{fmt::format("octet {} is empty", n + 1)};
    if (octet.size() > 1 && octet[0] == '0') {
      return Error{fmt::format("octet {} (\"{}\") has a leading zero, which is ambiguous (octal?)",
                               n + 1, octet)};
    }
    if (octet.size() > 3) return Error{fmt::format("octet {} (\"{}\") is greater than 255", n + 1, octet)};
    unsigned value = 0;
    for (char c : octet) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 255) return Error{fmt::format("octet {} (\"{}\") is greater than 255", n + 1, octet)};
    out[static_cast<std::size_t>(n)] = static_cast<std::uint8_t>(value);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string_view to_string(Family family) { return family == Family::v4 ? "IPv4" : "IPv6"; }

Address Address::v4(std::uint32_t host_order) {
  return v4({static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
             static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)});
}

Address Address::v4(std::array<std::uint8_t, 4> octets) {
  Address a;
  a.family_ = Family::v4;
  std::copy(octets.begin(), octets.end(), a.bytes_.begin());
  return a;
}

Address Address::v6(std::array<std::uint8_t, 16> octets) {
  Address a;
  a.family_ = Family::v6;
  a.bytes_ = octets;
  return a;
}

std::optional<Address> Address::from_bytes(std::span<const std::uint8_t> bytes) {
  Address a;
  if (bytes.size() == 4) {
    a.family_ = Family::v4;
  } else if (bytes.size() == 16) {
    a.family_ = Family::v6;
  } else {
    return std::nullopt;
  }
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

Result<Address> Address::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_v6(text);
  return parse_v4(text);
}

Result<Address> Address::parse_v4(std::string_view text) {
  auto octets = parse_dotted_quad(text);
  if (!octets) return v4_error(text, octets.error().message);
  return v4(*octets);
}

Result<Address> Address::parse_v6(std::string_view text) {
  if (text.empty()) return v6_error(text, "empty address");
  if (auto zone = text.find('%'); zone != std::string_view::npos) {
    return v6_error(text, fmt::format("zone index \"{}\" is not allowed here", text.substr(zone)));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (hex_value(c) < 0 && c != ':' && c != '.') {
      return v6_error(text, fmt::format("unexpected character '{}' at offset {}", c, i));
    }
  }
  if (text.find(":::") != std::string_view::npos) return v6_error(text, "\":::\" is not valid");
  std::size_t gap = text.find("::");
  if (gap != std::string_view::npos && text.find("::", gap + 1) != std::string_view::npos) {
    return v6_error(text, "\"::\" may appear only once");
  }

  // Parse one side of the "::" into 16-bit groups; a dotted quad may end the last side.
  std::array<std::uint16_t, 8> groups{};
  auto parse_side = [&](std::string_view side, bool last_side, int& count,
                        std::array<std::uint16_t, 8>& into) -> Status {
    count = 0;
    if (side.empty()) return {};
    std::size_t start = 0;
    while (true) {
      std::size_t end = side.find(':', start);
      std::string_view group = side.substr(start, end == std::string_view::npos ? side.npos : end - start);
      bool final_group = end == std::string_view::npos;
      if (group.empty()) return Error{"empty group (a single ':' at the start or end?)"};
      if (group.find('.') != std::string_view::npos) {
        if (!final_group || !last_side) return Error{"an embedded IPv4 address may only end the address"};
        auto quad = parse_dotted_quad(group);
        if (!quad) return quad.error().context(fmt::format("embedded IPv4 \"{}\"", group));
        if (count + 2 > 8) return Error{"too many groups"};
        into[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(((*quad)[0] << 8) | (*quad)[1]);
        into[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(((*quad)[2] << 8) | (*quad)[3]);
        return {};
      }
      if (group.size() > 4) return Error{fmt::format("group \"{}\" has more than 4 hex digits", group)};
      if (count == 8) return Error{"too many groups"};
      unsigned value = 0;
      for (char c : group) value = value * 16 + static_cast<unsigned>(hex_value(c));
      into[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(value);
      if (final_group) return {};
      start = end + 1;
    }
  };

  if (gap == std::string_view::npos) {
    int count = 0;
    if (auto s = parse_side(text, true, count, groups); !s) return v6_error(text, s.error().message);
    if (count != 8) return v6_error(text, fmt::format("expected 8 groups, found {} (and no \"::\")", count));
  } else {
    std::array<std::uint16_t, 8> head{}, tail{};
    int head_count = 0, tail_count = 0;
    if (auto s = parse_side(text.substr(0, gap), false, head_count, head); !s) {
      return v6_error(text, s.error().message);
    }
    if (auto s = parse_side(text.substr(gap + 2), true, tail_count, tail); !s) {
      return v6_error(text, s.error().message);
    }
    if (head_count + tail_count > 7) {
      return v6_error(text, fmt::format("\"::\" must stand for at least one group, but {} groups are given",
                                        head_count + tail_count));
    }
    std::copy_n(head.begin(), head_count, groups.begin());
    std::copy_n(tail.begin(), tail_count, groups.begin() + (8 - tail_count));
  }
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i]);
  }
  return v6(bytes);
}

std::uint32_t Address::to_v4_uint() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) | (std::uint32_t{bytes_[2]} << 8) |
         std::uint32_t{bytes_[3]};
}

Address Address::masked(int length) const {
  Address out = *this;
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(length - i * 8, 0, 8);
    out.bytes_[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(0xff00u >> keep);
  }
  return out;
}

Address Address::filled(int length) const {
  Address out = *this;
  int bytes = is_v4() ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    int keep = std::clamp(length - i * 8, 0, 8);
    out.bytes_[static_cast<std::size_t>(i)] |= static_cast<std::uint8_t>(0xffu >> keep);
  }
  return out;
}

int Address::common_bits(const Address& other) const {
  int bytes = is_v4() ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    auto diff = static_cast<std::uint8_t>(bytes_[static_cast<std::size_t>(i)] ^ other.bytes_[static_cast<std::size_t>(i)]);
    if (diff != 0) return i * 8 + std::countl_zero(diff);
  }
  return bytes * 8;
}

std::optional<Address> Address::plus_power_of_two(int bit_index) const {
  Address out = *this;
  int byte = bit_index / 8;
  unsigned carry = 1u << (7 - bit_index % 8);
  for (int i = byte; i >= 0 && carry != 0; --i) {
    unsigned sum = out.bytes_[static_cast<std::size_t>(i)] + carry;
    out.bytes_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  if (carry != 0) return std::nullopt;
  return out;
}

std::optional<Address> Address::plus(std::uint64_t n) const {
  Address out = *this;
  int last = (is_v4() ? 4 : 16) - 1;
  unsigned __int128 carry = n;
  for (int i = last; i >= 0 && carry != 0; --i) {
    unsigned __int128 sum = out.bytes_[static_cast<std::size_t>(i)] + (carry & 0xff);
    out.bytes_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  if (carry != 0) return std::nullopt;
  return out;
}

std::optional<std::uint64_t> Address::minus(const Address& base) const {
  if (family_ != base.family_ || *this < base) return std::nullopt;
  int bytes = is_v4() ? 4 : 16;
  // Subtract byte-wise into a 128-bit value, then check it fits.
  unsigned __int128 a = 0, b = 0;
  for (int i = 0; i < bytes; ++i) {
    a = (a << 8) | bytes_[static_cast<std::size_t>(i)];
    b = (b << 8) | base.bytes_[static_cast<std::size_t>(i)];
  }
  unsigned __int128 diff = a - b;
  if (diff > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return static_cast<std::uint64_t>(diff);
}

std::string Address::to_string() const {
  if (is_v4()) return fmt::format("{}.{}.{}.{}", bytes_[0], bytes_[1], bytes_[2], bytes_[3]);

  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>((bytes_[2 * i] << 8) | bytes_[2 * i + 1]);

  // IPv4-mapped addresses (::ffff:0:0/96) keep their dotted tail (RFC 5952 §5).
  bool mapped = std::all_of(groups.begin(), groups.begin() + 5, [](auto g) { return g == 0; }) && groups[5] == 0xffff;
  if (mapped) return fmt::format("::ffff:{}.{}.{}.{}", bytes_[12], bytes_[13], bytes_[14], bytes_[15]);

  // Longest run of two or more zero groups; the first one on a tie (RFC 5952 §4.2).
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = -1;

  std::string out;
  out.reserve(39);
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", groups[static_cast<std::size_t>(i)]);
  }
  return out;
}

std::size_t Address::hash() const {
  std::uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, bytes_.data(), 8);
  std::memcpy(&lo, bytes_.data() + 8, 8);
  // splitmix-style mixing of both halves and the family.
  std::uint64_t h = hi * 0x9e3779b97f4a7c15ULL ^ (lo + 0xbf58476d1ce4e5b9ULL + (hi << 6) + (hi >> 2));
  h ^= static_cast<std::uint64_t>(family_);
  h ^= h >> 31;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 29;
  return static_cast<std::size_t>(h);
}

}  // namespace sluice::ip
