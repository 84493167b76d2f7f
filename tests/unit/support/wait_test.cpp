#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;

TEST_CASE("bounded waits end on success or at the deadline") {
  int calls = 0;
  CHECK(sluice::testing::wait_until([&] { return ++calls == 3; }, 5s, 1ms));
  CHECK(calls == 3);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(sluice::testing::wait_until([] { return false; }, 50ms, 5ms));
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
}

TEST_CASE("free ports are distinct") {
  auto a = sluice::testing::free_tcp_port();
  auto b = sluice::testing::free_tcp_port();
  CHECK(a != 0);
  CHECK(a != b);
}
