// Runs several coroutines at once on the calling coroutine's executor and resumes when
// all have finished, with their results in order: independent reads in one round trip
// instead of one after another. Each task runs to completion even if another fails
// (results are values here, never exceptions).
//
// g++ 12: build the awaitables as named locals and pass them with std::move (a temporary
// awaitable inside the co_await expression can be destroyed twice).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <chrono>
#include <memory>
#include <optional>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice {

template <class... T>
boost::asio::awaitable<std::tuple<T...>> when_all(boost::asio::awaitable<T>... tasks) {
  auto executor = co_await boost::asio::this_coro::executor;
  struct State {
    explicit State(const boost::asio::any_io_executor& e) : done(e, std::chrono::steady_clock::time_point::max()) {}
    std::tuple<std::optional<T>...> results;
    std::size_t left = sizeof...(T);
    boost::asio::steady_timer done;
  };
  auto state = std::make_shared<State>(executor);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (boost::asio::co_spawn(
         executor,
         [state, task = std::move(tasks)]() mutable -> boost::asio::awaitable<void> {
           std::get<I>(state->results).emplace(co_await std::move(task));
           if (--state->left == 0) state->done.cancel();
         },
         boost::asio::detached),
     ...);
  }(std::index_sequence_for<T...>{});
  if (state->left > 0) {
    boost::system::error_code ignored;
    co_await state->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  }
  co_return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<T...>(std::move(*std::get<I>(state->results))...);
  }(std::index_sequence_for<T...>{});
}

}  // namespace sluice
