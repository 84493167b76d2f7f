#include <doctest/doctest.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "base/lifecycle/shutdown.hpp"

TEST_CASE("SIGTERM and SIGINT reach the shutdown handler through the event loop") {
  for (int sig : {SIGTERM, SIGINT}) {
    boost::asio::io_context io;
    int seen = 0;
    sluice::lifecycle::ShutdownSignals signals(io, [&](int s) {
      seen = s;
      io.stop();  // what a daemon does once it has closed its sessions
    });
    boost::asio::post(io, [sig] { std::raise(sig); });
    io.run_for(std::chrono::seconds(5));
    CHECK(seen == sig);
  }
}
