#include "base/retry/backoff.hpp"

#include <algorithm>
#include <random>

namespace sluice::retry {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> uniform)
    : policy_(policy), uniform_(std::move(uniform)) {}

std::chrono::milliseconds Backoff::next() {
  double cap = static_cast<double>(policy_.max.count());
  current_ = current_ == 0 ? static_cast<double>(policy_.initial.count()) : current_ * policy_.multiplier;
  current_ = std::min(current_, cap);
  ++failures_;
  double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  double delay = current_ * (1.0 - jitter * std::clamp(uniform_(), 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

std::function<double()> Backoff::default_uniform() {
  return [engine = std::minstd_rand(std::random_device{}())]() mutable {
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

}  // namespace sluice::retry
