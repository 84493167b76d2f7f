// A token bucket (rate `qps`, capacity `burst`) as plain arithmetic over a caller-given
// clock: how long a caller must wait before its request may go out.
#pragma once

#include <chrono>

namespace sluice::retry {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // qps <= 0 disables the limit.
  TokenBucket(double qps, int burst, Clock::time_point now);

  // Takes one token, borrowing against the future when the bucket is empty, and returns
  // how long the caller must wait before using it (zero when a token was there).
  // Borrowing keeps callers in arrival order: each waits behind the ones before it.
  Clock::duration reserve(Clock::time_point now);

 private:
  double qps_;
  double burst_;
  double tokens_;  // may go negative: tokens promised to waiting callers
  Clock::time_point last_;
};

}  // namespace sluice::retry
