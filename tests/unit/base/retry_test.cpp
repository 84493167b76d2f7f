#include <doctest/doctest.h>

#include "base/retry/backoff.hpp"
#include "base/retry/token_bucket.hpp"

using namespace sluice::retry;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles up to its cap, jitter only shortens, and reset starts over") {
  double draw = 0.0;
  Backoff backoff({100ms, 1000ms, 2.0, 0.5}, [&] { return draw; });
  CHECK(backoff.next() == 100ms);
  CHECK(backoff.next() == 200ms);
  CHECK(backoff.next() == 400ms);
  CHECK(backoff.next() == 800ms);
  CHECK(backoff.next() == 1000ms);
  CHECK(backoff.next() == 1000ms);
  CHECK(backoff.failures() == 6);
  draw = 0.999999;  // the most jitter: half the delay
  CHECK(backoff.next() == 500ms);
  backoff.reset();
  draw = 0.5;
  CHECK(backoff.next() == 75ms);
}

TEST_CASE("backoff stays within its bounds for any random draw") {
  Backoff backoff({10ms, 250ms, 3.0, 1.0});
  for (int i = 0; i < 1000; ++i) {
    auto d = backoff.next();
    CHECK(d >= 0ms);
    CHECK(d <= 250ms);
  }
}

TEST_CASE("token bucket: a burst passes at once, then requests are spaced at the rate") {
  TokenBucket::Clock::time_point t0{};
  TokenBucket bucket(10.0, 3, t0);
  CHECK(bucket.reserve(t0) == 0ms);
  CHECK(bucket.reserve(t0) == 0ms);
  CHECK(bucket.reserve(t0) == 0ms);
  // Empty: each next caller waits one more interval (100 ms at 10 qps), in order.
  CHECK(bucket.reserve(t0) == 100ms);
  CHECK(bucket.reserve(t0) == 200ms);
  // Time refills the bucket, but never beyond the burst.
  auto later = t0 + 10s;
  CHECK(bucket.reserve(later) == 0ms);
  CHECK(bucket.reserve(later) == 0ms);
  CHECK(bucket.reserve(later) == 0ms);
  CHECK(bucket.reserve(later) == 100ms);
}

TEST_CASE("token bucket with qps <= 0 never delays") {
  TokenBucket::Clock::time_point t0{};
  TokenBucket bucket(0, 1, t0);
  for (int i = 0; i < 100; ++i) CHECK(bucket.reserve(t0) == 0ms);
}
