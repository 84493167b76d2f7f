// Runs a coroutine to completion on an io_context, for command-line tools, tests and
// start-up code that have no event loop of their own. Whatever the coroutine uses
// must be bound to the same io_context.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace sluice {

template <class T>
T run_blocking(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  io.restart();
  io.run();
  return std::move(*out);
}

}  // namespace sluice
