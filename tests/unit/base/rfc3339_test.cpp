#include <doctest/doctest.h>

#include "base/time/rfc3339.hpp"

using namespace sluice;
using namespace std::chrono;

TEST_CASE("RFC 3339: formats UTC with and without microseconds") {
  const timefmt::TimePoint t = sys_days{year{2026} / 12 / 6} + hours(4) + minutes(5) + seconds(6) + microseconds(123456);
  CHECK(timefmt::format_rfc3339(t) == "2026-12-06T04:05:06Z");
  CHECK(timefmt::format_rfc3339_micro(t) == "2026-12-06T04:05:06.123456Z");
  CHECK(timefmt::format_rfc3339(timefmt::TimePoint{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("RFC 3339: parses what Kubernetes writes, offsets and fractions included") {
  const timefmt::TimePoint t = sys_days{year{2026} / 12 / 6} + hours(4) + minutes(5) + seconds(6);
  CHECK(*timefmt::parse_rfc3339("2026-12-06T04:05:06Z") == t);
  CHECK(*timefmt::parse_rfc3339("2026-12-06T05:35:06+01:30") == t);
  CHECK(*timefmt::parse_rfc3339("2026-12-05T23:05:06-05:00") == t);
  CHECK(*timefmt::parse_rfc3339("2026-12-06T04:05:06.5Z") == t + milliseconds(500));
  CHECK(*timefmt::parse_rfc3339("2026-12-06T04:05:06.123456789Z") == t + nanoseconds(123456789));
  CHECK(*timefmt::parse_rfc3339(timefmt::format_rfc3339_micro(t + microseconds(42))) == t + microseconds(42));
}

TEST_CASE("RFC 3339: refuses malformed text with the reason") {
  CHECK(timefmt::parse_rfc3339("2026-02-30T00:00:00Z").error().message ==
        "invalid RFC 3339 time \"2026-02-30T00:00:00Z\": no such date");
  CHECK(timefmt::parse_rfc3339("2026-12-06 04:05:06Z").error().message ==
        "invalid RFC 3339 time \"2026-12-06 04:05:06Z\": expected 'T' after the date");
  CHECK(timefmt::parse_rfc3339("2026-12-06T04:05:06").error().message ==
        "invalid RFC 3339 time \"2026-12-06T04:05:06\": expected 'Z' or an offset");
  CHECK(timefmt::parse_rfc3339("2026-12-06T24:05:06Z").error().message ==
        "invalid RFC 3339 time \"2026-12-06T24:05:06Z\": time of day out of range");
  CHECK(!timefmt::parse_rfc3339("2026-12-06T04:05:06.Z"));
  CHECK(!timefmt::parse_rfc3339("2026-12-06T04:05:06Zjunk"));
  CHECK(!timefmt::parse_rfc3339(""));
  CHECK(timefmt::parse_rfc3339("9650-01-01T00:00:00Z").error().message ==
        "invalid RFC 3339 time \"9650-01-01T00:00:00Z\": out of the representable range (years 1678 to 2261)");
  CHECK(!timefmt::parse_rfc3339("0001-01-01T00:00:00Z"));
  CHECK(timefmt::parse_rfc3339("2261-12-31T23:59:59Z").ok());
}
