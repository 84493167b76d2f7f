#include "bgpd/policy/community.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace sluice::bgp::policy {
namespace {

struct WellKnown {
  std::string_view name;
  Community value;
};
constexpr std::array<WellKnown, 5> kWellKnown{{
    {"no-export", kNoExport},
    {"no-advertise", kNoAdvertise},
    {"no-export-subconfed", kNoExportSubconfed},
    {"blackhole", kBlackhole},
    {"graceful-shutdown", kGracefulShutdown},
}};

std::optional<Community> well_known(std::string_view text) {
  for (const auto& w : kWellKnown) {
    if (w.name == text) return w.value;
  }
  return std::nullopt;
}

// One decimal field, no sign, no leading zeros (so "010" is not read as octal by one tool
// and decimal by another), at most `max`. nullopt for "*" when wildcards are allowed.
Result<std::optional<std::uint32_t>> field(std::string_view text, std::uint32_t max, bool wildcard,
                                           std::string_view whole) {
  if (wildcard && text == "*") return std::optional<std::uint32_t>{};
  if (text.empty()) return Error{fmt::format("\"{}\": empty field", whole)};
  if (text.size() > 1 && text[0] == '0') return Error{fmt::format("\"{}\": leading zero in \"{}\"", whole, text)};
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v > max) {
    return Error{fmt::format("\"{}\": \"{}\" is not a number 0..{}", whole, text, max)};
  }
  return std::optional<std::uint32_t>{static_cast<std::uint32_t>(v)};
}

// Splits on ':' into exactly `n` fields.
template <std::size_t N>
Result<std::array<std::string_view, N>> split(std::string_view text, std::string_view what) {
  std::array<std::string_view, N> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < N; ++i) {
    std::size_t colon = text.find(':', start);
    bool last = i + 1 == N;
    if (last != (colon == std::string_view::npos)) {
      return Error{fmt::format("\"{}\" is not a {} (expected {} fields separated by ':')", text, what, N)};
    }
    parts[i] = text.substr(start, last ? std::string_view::npos : colon - start);
    start = colon + 1;
  }
  return parts;
}

template <class T>
std::string opt(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string("*");
}

Result<CommunityPattern> community_pattern(std::string_view text, bool wildcard) {
  if (auto w = well_known(text)) {
    return CommunityPattern{static_cast<std::uint16_t>(*w >> 16), static_cast<std::uint16_t>(*w & 0xffff)};
  }
  auto parts = split<2>(text, "community");
  if (!parts) return parts.error();
  auto high = field((*parts)[0], 0xffff, wildcard, text);
  if (!high) return high.error();
  auto low = field((*parts)[1], 0xffff, wildcard, text);
  if (!low) return low.error();
  CommunityPattern p;
  if (*high) p.high = static_cast<std::uint16_t>(**high);
  if (*low) p.low = static_cast<std::uint16_t>(**low);
  return p;
}

Result<LargeCommunityPattern> large_pattern(std::string_view text, bool wildcard) {
  auto parts = split<3>(text, "large community");
  if (!parts) return parts.error();
  LargeCommunityPattern p;
  std::optional<std::uint32_t>* out[3] = {&p.global_administrator, &p.local_data_part_1, &p.local_data_part_2};
  for (std::size_t i = 0; i < 3; ++i) {
    auto v = field((*parts)[i], 0xffffffffu, wildcard, text);
    if (!v) return v.error();
    *out[i] = *v;
  }
  return p;
}

}  // namespace

Result<Community> parse_community(std::string_view text) {
  auto p = community_pattern(text, false);
  if (!p) return p.error();
  return static_cast<Community>((std::uint32_t{*p->high} << 16) | *p->low);
}

std::string to_string(Community community) {
  for (const auto& w : kWellKnown) {
    if (w.value == community) return std::string(w.name);
  }
  return fmt::format("{}:{}", community >> 16, community & 0xffff);
}

Result<LargeCommunity> parse_large_community(std::string_view text) {
  auto p = large_pattern(text, false);
  if (!p) return p.error();
  return LargeCommunity{*p->global_administrator, *p->local_data_part_1, *p->local_data_part_2};
}

std::string to_string(const LargeCommunity& c) {
  return fmt::format("{}:{}:{}", c.global_administrator, c.local_data_part_1, c.local_data_part_2);
}

Result<CommunityPattern> parse_community_pattern(std::string_view text) { return community_pattern(text, true); }

Result<LargeCommunityPattern> parse_large_community_pattern(std::string_view text) {
  return large_pattern(text, true);
}

std::string to_string(const CommunityPattern& p) {
  if (p.high && p.low) return to_string(static_cast<Community>((std::uint32_t{*p.high} << 16) | *p.low));
  return fmt::format("{}:{}", opt(p.high), opt(p.low));
}

std::string to_string(const LargeCommunityPattern& p) {
  return fmt::format("{}:{}:{}", opt(p.global_administrator), opt(p.local_data_part_1), opt(p.local_data_part_2));
}

}  // namespace sluice::bgp::policy
