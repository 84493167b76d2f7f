// The FIB writer's shell against a fake kernel on its worker thread: inputs that arrive
// while a batch is blocked in the kernel coalesce, the first-sync timeout, a failed read
// retried, and stopping with a batch in flight.
#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "bgpd/fib/fib_writer.hpp"

using namespace sluice;
using namespace sluice::bgp::fib;
using namespace std::chrono_literals;
using netlink::Route;
using netlink::RouteChange;
using netlink::RouteChangeKind;

namespace {

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }
ip::Prefix P(std::string_view s) { return *ip::Prefix::parse(s); }

// Runs on the writer's worker thread; the test thread inspects it under the lock. A
// closed gate holds every apply() until opened.
class FakeKernel final : public FibKernel {
 public:
  struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    bool gate_open = true;
    bool blocked = false;  // an apply() is waiting at the gate
    int dump_failures = 0;  // the next dumps that fail
    std::map<ip::Prefix, Route> routes;
    std::vector<std::vector<RouteChange>> batches;
    int dumps = 0;
  };
  explicit FakeKernel(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<std::vector<Route>> dump() override {
    std::lock_guard lock(shared_->mutex);
    ++shared_->dumps;
    if (shared_->dump_failures > 0) {
      --shared_->dump_failures;
      return Error{"route dump refused"};
    }
    std::vector<Route> out;
    for (const auto& [prefix, r] : shared_->routes) out.push_back(r);
    return out;
  }

  Result<netlink::RouteBatchReport> apply(std::span<const RouteChange> changes) override {
    std::unique_lock lock(shared_->mutex);
    shared_->blocked = true;
    shared_->cv.notify_all();
    // Bounded: a test that forgets to open the gate fails instead of hanging.
    shared_->cv.wait_for(lock, 10s, [&] { return shared_->gate_open; });
    shared_->blocked = false;
    shared_->batches.emplace_back(changes.begin(), changes.end());
    netlink::RouteBatchReport report;
    for (const auto& c : changes) {
      if (c.kind == RouteChangeKind::remove) {
        shared_->routes.erase(c.route.destination);
      } else {
        shared_->routes[c.route.destination] = c.route.normalized();
      }
      report.outcomes.emplace_back();
    }
    return report;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

FibWriterOptions options() {
  FibWriterOptions o;
  o.fib.table = 100;
  o.fib.metric = 20;
  o.fib.retry = {20ms, 40ms, 2.0, 0.0};
  o.fib.verify_spacing = 10ms;
  o.first_sync_timeout = 1h;
  return o;
}

struct Rig {
  boost::asio::io_context io;
  std::shared_ptr<FakeKernel::Shared> kernel = std::make_shared<FakeKernel::Shared>();
  std::unique_ptr<FibWriter> writer;

  explicit Rig(FibWriterOptions o = options())
      : writer(std::make_unique<FibWriter>(io.get_executor(), o, std::make_unique<FakeKernel>(kernel))) {}

  bool run_until(const std::function<bool()>& done, Clock::duration limit = 10s) {
    auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) {
      io.restart();
      io.run_for(2ms);
    }
    return done();
  }
  template <class F>
  auto locked(F&& f) {
    std::lock_guard lock(kernel->mutex);
    return f(*kernel);
  }
  void set_gate(bool open) {
    {
      std::lock_guard lock(kernel->mutex);
      kernel->gate_open = open;
    }
    kernel->cv.notify_all();
  }
};

}  // namespace

TEST_CASE("fib writer: inputs arriving while a batch is in the kernel coalesce into the next batch") {
  FibWriterOptions o = options();
  o.fib.batches_in_flight = 1;  // a second batch would take the prefixes' first states
  Rig rig(o);
  rig.set_gate(false);
  rig.writer->set_bgp_route(P("10.0.0.0/24"), std::vector{A("192.0.2.2")});
  rig.writer->start();
  REQUIRE(rig.run_until([&] { return rig.locked([](auto& k) { return k.blocked; }); }));

  // The first batch is held in the kernel. Meanwhile every prefix flaps, and ends on the
  // gateway of the last round.
  for (int round = 0; round < 11; ++round) {
    for (int i = 0; i < 100; ++i) {
      auto gateway = A(fmt::format("192.0.2.{}", 2 + round));
      rig.writer->set_bgp_route(P(fmt::format("10.1.{}.0/24", i)), std::span(&gateway, 1));
      if (round % 2) rig.writer->set_bgp_route(P(fmt::format("10.1.{}.0/24", i)), {});
    }
    rig.io.restart();
    rig.io.poll();  // the loop keeps running while the worker is blocked
  }
  CHECK(rig.writer->fib().job_in_flight());
  CHECK(rig.writer->fib().stats().pending == 101);
  rig.set_gate(true);
  REQUIRE(rig.run_until([&] { return rig.writer->in_sync() && rig.writer->fib().stats().pending == 0; }));

  auto batches = rig.locked([](auto& k) { return k.batches; });
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].size() == 1);
  REQUIRE(batches[1].size() == 100);  // one write per prefix, in its final state
  for (const auto& c : batches[1]) {
    CHECK(c.kind == RouteChangeKind::add);
    CHECK(c.route.nexthops.at(0).gateway == A("192.0.2.12"));
  }
}

TEST_CASE("fib writer: with two batches out, a prefix is in one at a time and ends in its last state") {
  Rig rig;
  rig.set_gate(false);
  rig.writer->set_bgp_route(P("10.0.0.0/24"), std::vector{A("192.0.2.2")});
  rig.writer->start();
  REQUIRE(rig.run_until([&] { return rig.locked([](auto& k) { return k.blocked; }); }));
  for (int round = 0; round < 11; ++round) {
    for (int i = 0; i < 100; ++i) {
      auto gateway = A(fmt::format("192.0.2.{}", 2 + round));
      rig.writer->set_bgp_route(P(fmt::format("10.1.{}.0/24", i)), std::span(&gateway, 1));
    }
    rig.io.restart();
    rig.io.poll();
  }
  rig.set_gate(true);
  REQUIRE(rig.run_until([&] { return rig.writer->in_sync() && rig.writer->fib().stats().pending == 0; }));
  auto batches = rig.locked([](auto& k) { return k.batches; });
  // The first batch, the second planned while the first was held, and the final states.
  REQUIRE(batches.size() == 3);
  CHECK(batches[1].size() == 100);
  CHECK(batches[1][0].route.nexthops.at(0).gateway == A("192.0.2.2"));
  REQUIRE(batches[2].size() == 100);
  for (const auto& c : batches[2]) CHECK(c.route.nexthops.at(0).gateway == A("192.0.2.12"));
  auto routes = rig.locked([](auto& k) { return k.routes; });
  CHECK(routes.at(P("10.1.99.0/24")).nexthops.at(0).gateway == A("192.0.2.12"));
}

TEST_CASE("fib writer: without a complete RIB view in time, it sweeps anyway") {
  FibWriterOptions o = options();
  o.first_sync_timeout = 50ms;
  Rig rig(o);
  Route stale;
  stale.destination = P("10.2.0.0/24");
  stale.table = 100;
  stale.protocol = kBgpdRouteProtocol;
  stale.metric = 20;
  stale.nexthops.push_back({A("192.0.2.2"), 2, false, 1});
  rig.kernel->routes[stale.destination] = stale;
  const auto started = std::chrono::steady_clock::now();
  rig.writer->start();
  // The stale route goes (counted once it is acknowledged), and not before the timeout:
  // the RIB never said its view was complete. (Whether the first read ends before the
  // timeout is up to the scheduler, so the order of the two is not checked.)
  REQUIRE(rig.run_until([&] { return rig.writer->fib().stats().swept == 1; }));
  CHECK(std::chrono::steady_clock::now() - started >= o.first_sync_timeout);
  CHECK(rig.locked([](auto& k) { return k.routes.empty(); }));
  CHECK(rig.writer->fib().sweep_allowed());
}

TEST_CASE("fib writer: a failed read is retried; stopping waits for the batch in flight") {
  Rig rig;
  rig.kernel->dump_failures = 2;
  rig.writer->set_static_route(P("10.3.0.0/26"), StaticRoute{});
  rig.writer->start();
  REQUIRE(rig.run_until([&] { return rig.writer->in_sync(); }));
  CHECK(rig.locked([](auto& k) { return k.dumps; }) >= 3);
  CHECK(rig.writer->fib().stats().dump_failures == 2);

  rig.set_gate(false);
  rig.writer->set_static_route(P("10.3.0.64/26"), StaticRoute{});
  REQUIRE(rig.run_until([&] { return rig.locked([](auto& k) { return k.blocked; }); }));
  bool stopped = false;
  rig.writer->stop([&] { stopped = true; });  // the options' on_exit: keep
  rig.writer->set_static_route(P("10.3.0.128/26"), StaticRoute{});  // ignored from now on
  rig.run_until([&] { return stopped; }, 50ms);
  CHECK_FALSE(stopped);  // the batch is still in the kernel
  rig.set_gate(true);
  REQUIRE(rig.run_until([&] { return stopped; }));
  CHECK(rig.locked([](auto& k) { return k.routes.size(); }) == 2);
}

TEST_CASE("fib writer: destroyed with a batch in the kernel, it waits for it and leaves cleanly") {
  Rig rig;
  rig.set_gate(false);
  rig.writer->set_static_route(P("10.4.0.0/26"), StaticRoute{});
  rig.writer->start();
  REQUIRE(rig.run_until([&] { return rig.locked([](auto& k) { return k.blocked; }); }));
  std::thread opener([&] {
    std::this_thread::sleep_for(20ms);
    rig.set_gate(true);
  });
  rig.writer.reset();  // joins the worker
  opener.join();
  rig.io.restart();
  rig.io.poll();  // the batch's completion finds the writer gone and does nothing
  CHECK(rig.locked([](auto& k) { return k.routes.size(); }) == 1);
}
