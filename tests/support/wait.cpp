#include "tests/support/wait.hpp"

#include <thread>

namespace sluice::testing {

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace sluice::testing
