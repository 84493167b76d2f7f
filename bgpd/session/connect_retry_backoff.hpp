// How long a peer stays in Idle after a failure before the session is started again:
// exponential backoff from a base to a cap, with jitter, reset once a session has stayed
// up (RFC 4271 §8.1.1 DampPeerOscillations and §10 jitter; BIRD's "error wait time").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "base/result.hpp"

namespace sluice::bgp {

struct BackoffConfig {
  // Calico renders "error wait time 5,30" for BIRD: the first wait and the longest.
  std::chrono::milliseconds base{std::chrono::seconds(5)};
  std::chrono::milliseconds cap{std::chrono::seconds(30)};
  // Each delay is shortened by up to this fraction: RFC 4271 §10 suggests a random
  // factor between 0.75 and 1.0, so peers that failed together do not retry together.
  double jitter = 0.25;
  friend bool operator==(const BackoffConfig&, const BackoffConfig&) = default;
};

// base > 0, base <= cap <= one day, 0 <= jitter < 1.
Status validate(const BackoffConfig& config);

class ConnectRetryBackoff {
 public:
  // Uniform in [0, 1); values outside are clamped. Injected so tests control the jitter.
  using RandomSource = std::function<double()>;

  // `config` must be valid and `random` non-empty.
  ConnectRetryBackoff(BackoffConfig config, RandomSource random);

  // The wait before the next attempt: base * 2^failures, at most cap, less the jitter.
  // Counts one more failure.
  std::chrono::milliseconds next_delay();
  // The next delay before jitter.
  std::chrono::milliseconds ceiling() const;
  // Back to the base delay (a session stayed up, or an operator restarted it).
  void reset() { failures_ = 0; }
  std::uint32_t failures() const { return failures_; }
  const BackoffConfig& config() const { return config_; }

 private:
  BackoffConfig config_;
  RandomSource random_;
  std::uint32_t failures_ = 0;
};

// A RandomSource over a seeded Mersenne Twister; copies share the generator.
ConnectRetryBackoff::RandomSource seeded_random_source(std::uint64_t seed);

}  // namespace sluice::bgp
