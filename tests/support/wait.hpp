// Bounded waiting: every loop in a test that waits for something has a deadline.
#pragma once

#include <chrono>
#include <functional>

namespace sluice::testing {

// Polls `ready` until it returns true (true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace sluice::testing
