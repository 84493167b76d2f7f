#include "bgpd/session/connect_retry_backoff.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <utility>

namespace sluice::bgp {

Status validate(const BackoffConfig& config) {
  if (config.base.count() <= 0) return Error{"backoff base must be positive"};
  if (config.cap < config.base) return Error{"backoff cap must not be below the base"};
  if (config.cap > std::chrono::hours(24)) return Error{"backoff cap must be at most a day"};
  if (!(config.jitter >= 0.0 && config.jitter < 1.0)) return Error{"backoff jitter must be in [0, 1)"};
  return {};
}

ConnectRetryBackoff::ConnectRetryBackoff(BackoffConfig config, RandomSource random)
    : config_(config), random_(std::move(random)) {
  assert(validate(config_).ok());
  assert(random_);
}

std::chrono::milliseconds ConnectRetryBackoff::ceiling() const {
  // Doubling stops at the cap, so no shift can overflow.
  auto delay = config_.base;
  for (std::uint32_t i = 0; i < failures_ && delay < config_.cap; ++i) delay *= 2;
  return std::min(delay, config_.cap);
}

std::chrono::milliseconds ConnectRetryBackoff::next_delay() {
  const auto full = ceiling();
  if (failures_ < std::numeric_limits<std::uint32_t>::max()) ++failures_;
  double r = random_();
  if (!(r >= 0.0)) r = 0.0;  // also catches NaN
  r = std::min(r, 1.0);
  const auto cut =
      static_cast<std::chrono::milliseconds::rep>(std::floor(static_cast<double>(full.count()) * config_.jitter * r));
  return full - std::chrono::milliseconds(cut);
}

ConnectRetryBackoff::RandomSource seeded_random_source(std::uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace sluice::bgp
