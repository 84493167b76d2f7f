#include "base/time/rfc3339.hpp"

#include <cstdint>
#include <cstdio>

namespace sluice::timefmt {
namespace {

using namespace std::chrono;

std::string format(TimePoint t, bool micro) {
  const auto since = t.time_since_epoch();
  auto secs = floor<seconds>(since);
  const auto day = floor<days>(secs);
  const year_month_day ymd{sys_days{day}};
  const hh_mm_ss hms{secs - day};
  char buffer[40];
  int n = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                        static_cast<int>(hms.seconds().count()));
  std::string out(buffer, static_cast<std::size_t>(n));
  if (micro) {
    const auto us = duration_cast<microseconds>(since - secs).count();
    n = std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(us));
    out.append(buffer, static_cast<std::size_t>(n));
  }
  out.push_back('Z');
  return out;
}

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, int width, int& out) {
  if (pos + static_cast<std::size_t>(width) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(width);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string format_rfc3339(TimePoint t) { return format(t, false); }
std::string format_rfc3339_micro(TimePoint t) { return format(t, true); }

Result<TimePoint> parse_rfc3339(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error{"invalid RFC 3339 time \"" + std::string(text) + "\": " + std::string(why)};
  };
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, mo) || !expect(text, pos, '-') ||
      !digits(text, pos, 2, d))
    return bad("expected a date YYYY-MM-DD");
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return bad("expected 'T' after the date");
  ++pos;
  if (!digits(text, pos, 2, h) || !expect(text, pos, ':') || !digits(text, pos, 2, mi) || !expect(text, pos, ':') ||
      !digits(text, pos, 2, s))
    return bad("expected a time hh:mm:ss");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such date");
  if (h > 23 || mi > 59 || s > 60) return bad("time of day out of range");
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("expected digits after '.'");
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    int oh = 0, om = 0;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) || oh > 23 || om > 59)
      return bad("expected an offset ±hh:mm");
    offset = hours(oh) + minutes(om);
    if (negative) offset = -offset;
  } else {
    return bad("expected 'Z' or an offset");
  }
  if (pos != text.size()) return bad("unexpected text after the time");
  // In seconds first: a time point counts nanoseconds and reaches only the years
  // 1678 to 2261; later or earlier years are refused rather than overflowed.
  const sys_seconds utc = sys_days{ymd} + hours(h) + minutes(mi) + seconds(s) - offset;
  constexpr auto kLimit = duration_cast<seconds>(TimePoint::duration::max()).count() - 1;
  if (utc.time_since_epoch().count() > kLimit || utc.time_since_epoch().count() < -kLimit)
    return bad("out of the representable range (years 1678 to 2261)");
  return TimePoint(duration_cast<TimePoint::duration>(utc.time_since_epoch()) + fraction);
}

}  // namespace sluice::timefmt
