#include "base/config/duration.hpp"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace sluice::config {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto fail = [&](std::string_view why) { return Error{fmt::format("invalid duration \"{}\": {}", text, why)}; };
  if (text.empty()) return fail("empty");
  std::int64_t total = 0;
  std::size_t i = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 2;
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      int digit = text[i] - '0';
      if (number > (kMax - digit) / 10) return fail("too large");  // checked before it can overflow
      number = number * 10 + digit;
      ++i;
    }
    if (i == start) return fail(fmt::format("expected a number at offset {}", start));
    std::size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t scale = 0;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = std::int64_t{60} * 1000;
    else if (unit == "h") scale = std::int64_t{3600} * 1000;
    else if (unit.empty()) return fail("missing unit after the number (use ms, s, m or h, e.g. \"30s\")");
    else return fail(fmt::format("unknown unit \"{}\" (use ms, s, m or h)", unit));
    if (number > kMax / scale || total > kMax - number * scale) return fail("too large");
    total += number * scale;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds value) {
  std::int64_t ms = value.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  std::int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += fmt::format("{}h", h);
  if (m) out += fmt::format("{}m", m);
  if (s) out += fmt::format("{}s", s);
  if (rest) out += fmt::format("{}ms", rest);
  return out;
}

}  // namespace sluice::config
