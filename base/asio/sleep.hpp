// A timer wait as one co_await, on the calling coroutine's executor.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice {

// Returns at once for a zero or negative delay. Cancellation ends the wait early.
inline boost::asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration delay) {
  if (delay <= std::chrono::steady_clock::duration::zero()) co_return;
  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer timer(executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace sluice
