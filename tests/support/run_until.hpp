// Runs an Asio loop in short slices until a condition holds or a deadline passes: how
// in-process tests wait for sessions and routes without a timing assertion.
#pragma once

#include <utility>  // boost/asio (1.74) uses std::exchange without including it

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace sluice::testing {

// True as soon as `done` holds (checked after each slice), false once `timeout` passed.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
    if (done()) return true;
  }
  return false;
}

}  // namespace sluice::testing
