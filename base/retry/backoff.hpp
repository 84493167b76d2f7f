// Exponential backoff with jitter, as plain arithmetic: the caller owns the clock and the
// random source, so retry schedules are testable without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace sluice::retry {

struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{30'000};
  double multiplier = 2.0;
  // Each delay is drawn uniformly from [delay * (1 - jitter), delay]: retries from many
  // clients that failed together spread out instead of arriving together again.
  double jitter = 0.5;
};

class Backoff {
 public:
  // `uniform` returns a value in [0, 1); injected for tests.
  explicit Backoff(BackoffPolicy policy, std::function<double()> uniform = default_uniform());

  // The delay before the next attempt; grows with every call up to policy.max.
  std::chrono::milliseconds next();
  // After a success: the next failure starts again from policy.initial.
  void reset() { current_ = 0; }
  std::uint32_t failures() const { return failures_; }

  static std::function<double()> default_uniform();

 private:
  BackoffPolicy policy_;
  std::function<double()> uniform_;
  double current_ = 0;  // the un-jittered delay last used, in ms; 0 before the first
  std::uint32_t failures_ = 0;
};

}  // namespace sluice::retry
