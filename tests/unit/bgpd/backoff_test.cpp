// The idle hold backoff: exponential growth from the base to the cap, jitter within
// RFC 4271 §10's 0.75..1.0 band, and reset.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "bgpd/session/connect_retry_backoff.hpp"

using namespace sluice::bgp;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

ConnectRetryBackoff::RandomSource sequence(const std::vector<double>& values) {
  auto at = std::make_shared<std::size_t>(0);
  return [values, at] { return values[(*at)++ % values.size()]; };
}

ConnectRetryBackoff no_jitter(BackoffConfig config = {}) {
  return ConnectRetryBackoff(config, [] { return 0.0; });
}

}  // namespace

TEST_CASE("backoff: doubles from the base up to the cap") {
  auto b = no_jitter();
  std::vector<ms> delays;
  delays.reserve(7);
  for (int i = 0; i < 7; ++i) delays.push_back(b.next_delay());
  CHECK(delays == std::vector<ms>{5s, 10s, 20s, 30s, 30s, 30s, 30s});
  CHECK(b.failures() == 7);
}

TEST_CASE("backoff: a cap that is not a power-of-two multiple of the base") {
  BackoffConfig config;
  config.base = 300ms;
  config.cap = 1000ms;
  auto b = no_jitter(config);
  std::vector<ms> delays;
  delays.reserve(4);
  for (int i = 0; i < 4; ++i) delays.push_back(b.next_delay());
  CHECK(delays == std::vector<ms>{300ms, 600ms, 1000ms, 1000ms});
}

TEST_CASE("backoff: base equal to cap never grows") {
  BackoffConfig config;
  config.base = 2s;
  config.cap = 2s;
  auto b = no_jitter(config);
  CHECK(b.next_delay() == 2s);
  CHECK(b.next_delay() == 2s);
}

TEST_CASE("backoff: many failures neither overflow nor pass the cap") {
  BackoffConfig config;
  config.base = 1ms;
  config.cap = 24h;
  auto b = no_jitter(config);
  ms last{0};
  for (int i = 0; i < 200; ++i) {
    auto d = b.next_delay();
    CHECK(d >= last);
    CHECK(d <= config.cap);
    last = d;
  }
  CHECK(last == config.cap);
}

TEST_CASE("backoff: jitter stays within 0.75..1.0 of the delay") {
  SUBCASE("the extremes of the random source") {
    ConnectRetryBackoff low(BackoffConfig{}, [] { return 0.0; });
    ConnectRetryBackoff high(BackoffConfig{}, [] { return std::nextafter(1.0, 0.0); });
    CHECK(low.next_delay() == 5000ms);
    CHECK(high.next_delay() == 3751ms);  // 5000 less floor(1249.99..)
  }
  SUBCASE("a seeded source, across growth and cap") {
    ConnectRetryBackoff b(BackoffConfig{}, seeded_random_source(42));
    ms min_seen = ms::max();
    ms max_seen = ms::min();
    for (int round = 0; round < 50; ++round) {
      b.reset();
      for (int i = 0; i < 6; ++i) {
        const ms ceiling = b.ceiling();
        const ms d = b.next_delay();
        CHECK(d <= ceiling);
        CHECK(d * 4 >= ceiling * 3);
        if (ceiling == 30s) {
          min_seen = std::min(min_seen, d);
          max_seen = std::max(max_seen, d);
        }
      }
    }
    // The jitter really varies: the capped delays spread over most of the band.
    CHECK(max_seen - min_seen > 5s);
  }
  SUBCASE("a configured jitter fraction") {
    BackoffConfig config;
    config.jitter = 0.5;
    ConnectRetryBackoff b(config, sequence({0.5}));
    CHECK(b.next_delay() == 3750ms);
  }
  SUBCASE("no jitter") {
    BackoffConfig config;
    config.jitter = 0.0;
    ConnectRetryBackoff b(config, sequence({0.9}));
    CHECK(b.next_delay() == 5s);
  }
  SUBCASE("values outside [0, 1) are clamped") {
    ConnectRetryBackoff b(BackoffConfig{}, sequence({-1.0, 7.0, std::numeric_limits<double>::quiet_NaN()}));
    CHECK(b.next_delay() == 5s);
    CHECK(b.next_delay() == 7500ms);  // 10 s at the bottom of the band
    CHECK(b.next_delay() == 20s);
  }
}

TEST_CASE("backoff: reset returns to the base") {
  auto b = no_jitter();
  b.next_delay();
  b.next_delay();
  CHECK(b.ceiling() == 20s);
  b.reset();
  CHECK(b.failures() == 0);
  CHECK(b.ceiling() == 5s);
  CHECK(b.next_delay() == 5s);
}

TEST_CASE("backoff: seeded sources repeat, copies share the generator") {
  auto a = seeded_random_source(7);
  auto b = seeded_random_source(7);
  for (int i = 0; i < 5; ++i) CHECK(a() == b());
  auto c = a;
  const double from_c = c();
  CHECK(a() != from_c);
  for (int i = 0; i < 100; ++i) {
    const double r = a();
    CHECK(r >= 0.0);
    CHECK(r < 1.0);
  }
}

TEST_CASE("backoff: what validate refuses") {
  CHECK(validate(BackoffConfig{}).ok());
  BackoffConfig c;
  c.base = 0ms;
  CHECK_FALSE(validate(c).ok());
  c = {};
  c.cap = 1s;  // below the 5 s base
  CHECK_FALSE(validate(c).ok());
  c = {};
  c.cap = std::chrono::hours(25);
  CHECK_FALSE(validate(c).ok());
  c = {};
  c.jitter = -0.1;
  CHECK_FALSE(validate(c).ok());
  c.jitter = 1.0;
  CHECK_FALSE(validate(c).ok());
  c.jitter = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(validate(c).ok());
}
