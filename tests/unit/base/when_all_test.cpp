#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/asio/run_blocking.hpp"
#include "base/asio/sleep.hpp"
#include "base/asio/when_all.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

boost::asio::awaitable<int> after(std::chrono::milliseconds delay, int value, std::vector<int>& finished) {
  co_await sleep_for(delay);
  finished.push_back(value);
  co_return value;
}

boost::asio::awaitable<std::string> at_once(std::string text) { co_return text; }

}  // namespace

TEST_CASE("when_all: the tasks run at once, and their results come back in order") {
  boost::asio::io_context io;
  std::vector<int> finished;
  auto slow = after(60ms, 1, finished);
  auto fast = after(10ms, 2, finished);
  auto now = at_once("three");
  auto [a, b, c] = run_blocking(io, when_all(std::move(slow), std::move(fast), std::move(now)));
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(c == "three");
  CHECK(finished == std::vector<int>{2, 1});  // the one passed second finished first: they overlapped
}

TEST_CASE("when_all: tasks that finish at once") {
  boost::asio::io_context io;
  auto one = at_once("a");
  auto two = at_once("b");
  auto [x, y] = run_blocking(io, when_all(std::move(one), std::move(two)));
  CHECK(x + y == "ab");
}
