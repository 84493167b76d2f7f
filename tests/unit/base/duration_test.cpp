#include <doctest/doctest.h>

#include "base/config/duration.hpp"

using namespace std::chrono_literals;
using sluice::config::format_duration;
using sluice::config::parse_duration;

TEST_CASE("durations parse") {
  CHECK(*parse_duration("250ms") == 250ms);
  CHECK(*parse_duration("90s") == 90s);
  CHECK(*parse_duration("15m") == 15min);
  CHECK(*parse_duration("1h30m") == 90min);
  CHECK(*parse_duration("0s") == 0ms);
}

TEST_CASE("bad durations get precise errors") {
  CHECK(parse_duration("").error().message == "invalid duration \"\": empty");
  CHECK(parse_duration("30").error().message ==
        "invalid duration \"30\": missing unit after the number (use ms, s, m or h, e.g. \"30s\")");
  CHECK(parse_duration("5d").error().message == "invalid duration \"5d\": unknown unit \"d\" (use ms, s, m or h)");
  CHECK(parse_duration("s").error().message == "invalid duration \"s\": expected a number at offset 0");
  CHECK(parse_duration("-5s").error().message == "invalid duration \"-5s\": expected a number at offset 0");
  CHECK(parse_duration("99999999999999999999h").error().message == "invalid duration \"99999999999999999999h\": too large");
}

TEST_CASE("durations format back to what parses") {
  for (auto d : {0ms, 250ms, 90000ms, 5400000ms, 3723004ms}) CHECK(*parse_duration(format_duration(d)) == d);
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(1500ms) == "1s500ms");
}
