// bgpd's FIB writer against a real kernel, in namespaces made for the test: thousands of
// routes installed and read back (by dump and by `ip route`), a restart with another
// desired set (mark and sweep, other owners untouched), ECMP, blackholes, a refused
// gateway that becomes reachable, IPv4 via IPv6, and both ways of exiting.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/netlink/netns.hpp"
#include "base/netlink/route_table.hpp"
#include "bgpd/fib/fib_writer.hpp"
#include "tests/support/namespaces.hpp"

using namespace sluice;
using namespace sluice::bgp::fib;
using namespace std::chrono_literals;
using netlink::Route;
using netlink::RouteType;
using sluice::testing::TestNetns;
using sluice::testing::VethPair;

namespace {

constexpr std::uint32_t kTable = 100;

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }
ip::Prefix P(std::string_view s) { return *ip::Prefix::parse(s); }
std::vector<ip::Address> As(std::initializer_list<std::string_view> list) {
  std::vector<ip::Address> out;
  for (auto s : list) out.push_back(A(s));
  return out;
}
ip::Prefix host_route(int i) {
  return *ip::Prefix::make(
      ip::Address::v4({10, static_cast<std::uint8_t>(100 + i / 65536), static_cast<std::uint8_t>(i / 256 % 256),
                       static_cast<std::uint8_t>(i % 256)}),
      32);
}

// A namespace with a veth (both ends inside) addressed 192.0.2.1/24 and fd00:2::1/64: the
// gateways 192.0.2.x and fd00:2::x are on link.
struct Host {
  TestNetns ns{"fib"};
  VethPair veth{&ns, "fib0", &ns, "fib1"};
  Host() {
    ns.exec_checked({"ip", "addr", "add", "192.0.2.1/24", "dev", "fib0"});
    ns.exec_checked({"ip", "-6", "addr", "add", "fd00:2::1/64", "dev", "fib0", "nodad"});
  }
  std::vector<Route> ours() const {
    auto netns = netlink::Netns::open(ns.name());
    REQUIRE(netns.ok());
    auto socket = netlink::NetlinkSocket::open_in(*netns);
    REQUIRE(socket.ok());
    auto routes = netlink::dump_routes(*socket, netlink::RouteFilter{std::nullopt, kTable, kBgpdRouteProtocol});
    REQUIRE_MESSAGE(routes.ok(), routes.error().message);
    return *routes;
  }
  // `ip route` lines for our protocol in our table, both families (a family whose table
  // was never created shows nothing).
  std::vector<std::string> shown() const {
    std::vector<std::string> lines;
    for (const char* family : {"-4", "-6"}) {
      auto result =
          ns.exec({"ip", family, "route", "show", "table", std::to_string(kTable), "proto", std::to_string(kBgpdRouteProtocol)});
      if (!result.ok() && result.output.find("table does not exist") != std::string::npos) continue;
      REQUIRE_MESSAGE(result.ok(), result.output);
      std::istringstream out(result.output);
      for (std::string line; std::getline(out, line);) {
        if (!line.empty() && line[0] != '\t' && line[0] != ' ') lines.push_back(line);
      }
    }
    return lines;
  }
};

FibWriterOptions options() {
  FibWriterOptions o;
  o.fib.table = kTable;
  o.fib.metric = 20;
  o.fib.retry = {200ms, 400ms, 2.0, 0.0};
  o.fib.verify_spacing = 50ms;
  o.first_sync_timeout = 1h;  // the tests say when
  o.exit_timeout = 10s;
  return o;
}

// A writer on its own loop, for one namespace.
struct Writer {
  boost::asio::io_context io;
  metrics::Registry registry;
  FibMetrics metrics{registry};
  std::unique_ptr<FibWriter> writer;

  Writer(const Host& host, FibWriterOptions o = options()) {
    auto kernel = NetlinkFibKernel::open(o.fib, host.ns.name());
    REQUIRE_MESSAGE(kernel.ok(), kernel.error().message);
    writer = std::make_unique<FibWriter>(io.get_executor(), o, std::move(*kernel), &metrics);
  }
  // Runs the loop until `done` holds (bounded).
  bool run_until(const std::function<bool()>& done, Clock::duration limit = 30s) {
    auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) {
      io.restart();
      io.run_for(5ms);
    }
    return done();
  }
  // Until the kernel matches and the read-back after the last write is done.
  bool settle() {
    return run_until([&] {
      return writer->in_sync() && !writer->fib().job_in_flight() && writer->fib().stats().pending == 0 &&
             writer->fib().next_wakeup() > Clock::now() + 1s;
    });
  }
  void stop(ExitMode mode) {
    bool stopped = false;
    writer->stop(mode, [&] { stopped = true; });
    REQUIRE(run_until([&] { return stopped; }));
  }
};

double gauge(const metrics::Registry& registry, std::string_view name) {
  double value = -1;
  registry.for_each_family([&](const metrics::FamilyBase& family) {
    if (family.name() != name) return;
    static_cast<const metrics::Family<metrics::Gauge>&>(family).for_each(
        [&](const std::vector<std::string>&, const metrics::Gauge& g) { value = g.value(); });
  });
  return value;
}

std::set<std::string> texts(const std::vector<Route>& routes) {
  std::set<std::string> out;
  for (const auto& r : routes) {
    Route shown = r.normalized();
    for (auto& n : shown.nexthops) n.ifindex = 0;  // the kernel's resolution, not ours
    out.insert(shown.to_string());
  }
  return out;
}

}  // namespace

TEST_CASE("fib writer: thousands of routes land in the kernel in batches and read back equal") {
  Host host;
  Writer w(host);
  constexpr int kRoutes = 5000;
  std::set<std::string> want;
  for (int i = 0; i < kRoutes; ++i) {
    auto gateway = A(fmt::format("192.0.2.{}", 2 + i % 50));
    w.writer->set_bgp_route(host_route(i), std::span(&gateway, 1));
    want.insert(fmt::format("{} via {} table 100 proto 201 metric 20", host_route(i).to_string(), gateway.to_string()));
  }
  for (int i = 0; i < 200; ++i) {
    auto prefix = P(fmt::format("fd00:100:{:x}::/64", i));
    w.writer->set_bgp_route(prefix, As({"fd00:2::2"}));
    want.insert(fmt::format("{} via fd00:2::2 table 100 proto 201 metric 20", prefix.to_string()));
  }
  bool first_in_sync = false;
  w.writer->on_first_in_sync([&] { first_in_sync = true; });
  w.writer->start();
  REQUIRE(w.settle());
  CHECK(first_in_sync);

  CHECK(texts(host.ours()) == want);
  auto shown = host.shown();
  CHECK(shown.size() == want.size());
  CHECK(std::find(shown.begin(), shown.end(), "10.100.0.7 via 192.0.2.9 dev fib0 metric 20 ") != shown.end());
  const auto& s = w.writer->fib().stats();
  CHECK(s.installed == want.size());
  CHECK(s.writes == want.size());
  CHECK(s.write_failures == 0);
  CHECK(s.verify_mismatches == 0);
  CHECK(s.dumps >= 2);  // the first read and the read-back
  CHECK(gauge(w.registry, "sluice_bgp_fib_routes_installed") == static_cast<double>(want.size()));
  CHECK(gauge(w.registry, "sluice_bgp_fib_pending_changes") == 0);
}

TEST_CASE("fib writer: a restart with another desired set sweeps ours only after the first sync") {
  Host host;
  // Routes of other owners: another protocol in our table, our protocol in another table.
  host.ns.exec_checked({"ip", "route", "add", "10.99.0.0/24", "via", "192.0.2.2", "table", "100", "proto", "static"});
  host.ns.exec_checked({"ip", "route", "add", "10.99.1.0/24", "via", "192.0.2.2", "table", "101", "proto", "201"});
  {
    Writer before(host);
    for (int i = 0; i < 3000; ++i) before.writer->set_bgp_route(host_route(i), As({"192.0.2.2"}));
    before.writer->set_static_route(P("10.200.0.0/26"), StaticRoute{});
    before.writer->start();
    REQUIRE(before.settle());
    before.stop(ExitMode::keep);
  }
  CHECK(host.ours().size() == 3001);  // kept across the restart

  Writer after(host);
  // The new run wants the second half, through another gateway, and a new block.
  for (int i = 1500; i < 4000; ++i) after.writer->set_bgp_route(host_route(i), As({"192.0.2.3"}));
  after.writer->set_static_route(P("10.200.0.64/26"), StaticRoute{});
  after.writer->start();
  REQUIRE(after.settle());
  // Before the RIB is complete nothing is removed: the old half and the old block stay.
  CHECK(host.ours().size() == 4002);
  CHECK(after.writer->fib().stats().swept == 0);

  after.writer->first_sync_done();
  REQUIRE(after.settle());
  auto routes = host.ours();
  CHECK(routes.size() == 2501);
  std::set<std::string> want;
  for (int i = 1500; i < 4000; ++i) {
    want.insert(fmt::format("{} via 192.0.2.3 table 100 proto 201 metric 20", host_route(i).to_string()));
  }
  want.insert("blackhole 10.200.0.64/26 table 100 proto 201 metric 20");
  CHECK(texts(routes) == want);
  CHECK(after.writer->fib().stats().swept == 1501);
  // The other owners' routes are untouched.
  CHECK(host.ns.exec_checked({"ip", "route", "show", "table", "100", "proto", "static"}).find("10.99.0.0/24") !=
        std::string::npos);
  CHECK(host.ns.exec_checked({"ip", "route", "show", "table", "101"}).find("10.99.1.0/24") != std::string::npos);
}

TEST_CASE("fib writer: ECMP routes carry every next hop; blackholes and IPv4 via IPv6 read back equal") {
  Host host;
  Writer w(host);
  w.writer->set_bgp_route(P("10.50.0.0/24"), As({"192.0.2.4", "192.0.2.2", "192.0.2.3"}));
  w.writer->set_bgp_route(P("fd00:50::/64"), As({"fd00:2::3", "fd00:2::2"}));
  w.writer->set_bgp_route(P("10.51.0.0/24"), As({"fd00:2::2"}));  // RFC 8950
  w.writer->set_static_route(P("10.52.0.0/26"), StaticRoute{RouteType::blackhole, {}});
  w.writer->set_static_route(P("fd00:52::/122"), StaticRoute{RouteType::blackhole, {}});
  w.writer->set_static_route(P("10.53.0.0/24"), StaticRoute{RouteType::unreachable, {}});
  w.writer->start();
  REQUIRE(w.settle());

  std::string v4 = host.ns.exec_checked({"ip", "route", "show", "table", "100", "10.50.0.0/24"});
  for (auto gateway : {"192.0.2.2", "192.0.2.3", "192.0.2.4"}) {
    CHECK_MESSAGE(v4.find(fmt::format("nexthop via {} dev fib0 weight 1", gateway)) != std::string::npos, v4);
  }
  std::string v6 = host.ns.exec_checked({"ip", "-6", "route", "show", "table", "100", "fd00:50::/64"});
  for (auto gateway : {"fd00:2::2", "fd00:2::3"}) {
    CHECK_MESSAGE(v6.find(fmt::format("nexthop via {} dev fib0 weight 1", gateway)) != std::string::npos, v6);
  }
  std::string via = host.ns.exec_checked({"ip", "route", "show", "table", "100", "10.51.0.0/24"});
  CHECK_MESSAGE(via.find("via inet6 fd00:2::2 dev fib0") != std::string::npos, via);
  auto shown = host.shown();
  CHECK(std::find(shown.begin(), shown.end(), "blackhole 10.52.0.0/26 metric 20 ") != shown.end());
  CHECK(std::find(shown.begin(), shown.end(), "unreachable 10.53.0.0/24 metric 20 ") != shown.end());
  CHECK(shown.size() == 6);

  // Read back over several verifications and a resync: nothing is rewritten.
  auto writes = w.writer->fib().stats().writes;
  w.writer->set_bgp_route(P("10.54.0.0/24"), As({"192.0.2.2"}));  // one more write, one more read-back
  REQUIRE(w.settle());
  CHECK(w.writer->fib().stats().writes == writes + 1);
  CHECK(w.writer->fib().stats().verify_mismatches == 0);

  // One member leaves the ECMP set: the route is replaced whole.
  w.writer->set_bgp_route(P("10.50.0.0/24"), As({"192.0.2.2", "192.0.2.4"}));
  REQUIRE(w.settle());
  v4 = host.ns.exec_checked({"ip", "route", "show", "table", "100", "10.50.0.0/24"});
  CHECK(v4.find("192.0.2.3") == std::string::npos);
  CHECK(v4.find("nexthop via 192.0.2.4") != std::string::npos);
}

TEST_CASE("fib writer: an unreachable gateway is refused with the kernel's words and installed once reachable") {
  Host host;
  Writer w(host);
  w.writer->set_bgp_route(P("10.60.0.0/24"), As({"198.51.100.1"}));
  w.writer->set_bgp_route(P("10.60.1.0/24"), As({"192.0.2.2"}));
  w.writer->set_local_addresses(As({"192.0.2.1"}));
  w.writer->set_bgp_route(P("10.60.2.0/26"), As({"192.0.2.1"}));  // through ourselves: ours, not installed
  w.writer->start();
  REQUIRE(w.run_until([&] { return w.writer->fib().stats().failing == 1 && w.writer->fib().stats().installed == 1; }));
  auto failures = w.writer->fib().failures();
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].prefix == P("10.60.0.0/24"));
  CHECK(failures[0].error == ENETUNREACH);
  CHECK_FALSE(failures[0].kernel_message.empty());
  MESSAGE("kernel said: " << failures[0].to_string());

  // The gateway's subnet appears on a link: the next retry installs the route.
  host.ns.exec_checked({"ip", "addr", "add", "198.51.100.2/24", "dev", "fib0"});
  REQUIRE(w.run_until([&] { return w.writer->fib().stats().failing == 0; }, 10s));
  REQUIRE(w.settle());
  auto shown = host.shown();
  CHECK(std::find(shown.begin(), shown.end(), "10.60.0.0/24 via 198.51.100.1 dev fib0 metric 20 ") != shown.end());
  CHECK(shown.size() == 2);
  CHECK(w.writer->fib().stats().write_failures >= 1);
}

TEST_CASE("fib writer: stopping removes our routes, or keeps them") {
  Host host;
  host.ns.exec_checked({"ip", "route", "add", "10.99.0.0/24", "via", "192.0.2.2", "table", "100", "proto", "static"});
  {
    Writer w(host);
    for (int i = 0; i < 2000; ++i) w.writer->set_bgp_route(host_route(i), As({"192.0.2.2"}));
    w.writer->start();
    REQUIRE(w.settle());
    w.stop(ExitMode::keep);
  }
  CHECK(host.ours().size() == 2000);
  {
    // A new run that stops before its first sync, removing: every route of ours goes.
    Writer w(host);
    w.writer->set_bgp_route(host_route(5000), As({"192.0.2.2"}));
    w.writer->start();
    REQUIRE(w.settle());
    CHECK(host.ours().size() == 2001);
    w.stop(ExitMode::remove);
  }
  CHECK(host.ours().empty());
  CHECK(host.ns.exec_checked({"ip", "route", "show", "table", "100"}).find("10.99.0.0/24") != std::string::npos);
}
