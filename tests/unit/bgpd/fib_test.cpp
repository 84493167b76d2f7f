// The FIB core against a model kernel: the difference as batches, coalescing while a
// batch is out, ECMP, blackholes, refusals and retries, sweep gating, exit, and the feed
// from the Loc-RIB.
#include <doctest/doctest.h>

#include <cerrno>
#include <map>
#include <set>

#include <fmt/format.h>

#include "bgpd/fib/fib.hpp"
#include "bgpd/fib/next_hop_sets.hpp"
#include "bgpd/fib/rib_feed.hpp"
#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::fib;
using namespace std::chrono_literals;
using netlink::NextHop;
using netlink::Route;
using netlink::RouteChange;
using netlink::RouteChangeKind;
using netlink::RouteType;

namespace {

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }
ip::Prefix P(std::string_view s) { return *ip::Prefix::parse(s); }
std::vector<ip::Address> As(std::initializer_list<std::string_view> list) {
  std::vector<ip::Address> out;
  for (auto s : list) out.push_back(A(s));
  return out;
}

constexpr std::uint32_t kTable = 100;
constexpr std::uint32_t kMetric = 20;

FibConfig config() {
  FibConfig c;
  c.table = kTable;
  c.metric = kMetric;
  c.batch_size = 1000;
  c.retry = {1000ms, 8000ms, 2.0, 0.0};  // no jitter: exact retry times
  c.resync_interval = 30s;
  c.verify_spacing = 1s;
  return c;
}

const Clock::time_point t0 = Clock::time_point{} + 1000h;

// The kernel as the FIB sees it: keys are (prefix, metric) in one table; add refuses an
// existing key whatever its protocol, replace overwrites, delete names the protocol.
// Gateways in 192.0.2.0/24 or fd00:2::/64 resolve to device 2; others are unreachable.
// Reads come back as the kernel reports them: devices filled in, single next hops
// without weight, IPv6 blackholes "dev lo", IPv6 metric 0 as 1024.
struct ModelKernel {
  std::map<std::pair<ip::Prefix, std::uint32_t>, Route> routes;
  std::size_t batches = 0;
  std::size_t changes = 0;

  static std::uint32_t stored_metric(const Route& r) { return key_of(r).metric; }

  std::optional<int> resolve(NextHop& n) const {
    if (!n.gateway) return std::nullopt;
    if (P("192.0.2.0/24").contains(*n.gateway) || P("fd00:2::/64").contains(*n.gateway)) {
      if (n.ifindex == 0) n.ifindex = 2;
      return std::nullopt;
    }
    return ENETUNREACH;
  }

  netlink::RouteChangeOutcome apply_one(const RouteChange& c) {
    Route r = c.route.normalized();
    auto key = std::make_pair(r.destination, r.metric);
    auto it = routes.find(key);
    if (c.kind == RouteChangeKind::remove) {
      if (it == routes.end() || (r.protocol != 0 && it->second.protocol != r.protocol)) return {ESRCH, ""};
      routes.erase(it);
      return {};
    }
    if (c.kind == RouteChangeKind::add && it != routes.end()) return {EEXIST, ""};
    for (auto& n : r.nexthops) {
      if (auto e = resolve(n)) return {*e, "Nexthop has invalid gateway"};
    }
    if (r.nexthops.size() == 1) r.nexthops[0].weight = 1;
    if (r.type != RouteType::unicast && r.destination.family() == ip::Family::v6) r.nexthops = {NextHop{std::nullopt, 1, false, 1}};
    routes[key] = r;
    return {};
  }

  netlink::RouteBatchReport apply(const std::vector<RouteChange>& batch) {
    ++batches;
    changes += batch.size();
    netlink::RouteBatchReport report;
    for (const auto& c : batch) report.outcomes.push_back(apply_one(c));
    return report;
  }

  // Every route of every protocol in every table: the core must filter what is not its own.
  std::vector<Route> dump() const {
    std::vector<Route> out;
    for (const auto& [key, r] : routes) out.push_back(r);
    return out;
  }

  void put(Route r) { routes[{r.destination, stored_metric(r)}] = r.normalized(); }
  const Route* find(std::string_view prefix, std::uint32_t metric = kMetric) const {
    auto it = routes.find({P(prefix), metric});
    return it == routes.end() ? nullptr : &it->second;
  }
  std::size_t ours() const {
    std::size_t n = 0;
    for (const auto& [key, r] : routes) n += r.protocol == kBgpdRouteProtocol && r.table == kTable;
    return n;
  }
};

Route ours(std::string_view prefix, std::initializer_list<std::string_view> gateways, std::uint32_t metric = kMetric) {
  Route r;
  r.destination = P(prefix);
  r.table = kTable;
  r.protocol = kBgpdRouteProtocol;
  r.metric = metric;
  for (auto g : gateways) r.nexthops.push_back({A(g), 2, false, 1});
  return r;
}

// Runs one job against the kernel; returns its kind, or nullopt when there was none.
std::optional<FibJob::Kind> step(Fib& fib, ModelKernel& kernel, Clock::time_point now) {
  auto job = fib.next_job(now);
  if (!job) return std::nullopt;
  if (job->kind == FibJob::Kind::dump) {
    fib.dump_done(kernel.dump(), now);
  } else {
    fib.apply_done(kernel.apply(job->changes), now);
  }
  return job->kind;
}

// Runs jobs until the core has nothing to do at `now`; returns how many ran.
int drive(Fib& fib, ModelKernel& kernel, Clock::time_point now) {
  int jobs = 0;
  for (; jobs < 10000 && step(fib, kernel, now); ++jobs) {
  }
  return jobs;
}

Fib make_fib(FibConfig c = config()) { return Fib(c, [] { return 0.0; }); }

}  // namespace

TEST_CASE("fib: nothing is written before the kernel has been read; then the difference") {
  Fib fib = make_fib();
  ModelKernel kernel;
  fib.set_bgp_route(P("10.1.0.0/24"), As({"192.0.2.2"}));
  fib.set_bgp_route(P("10.1.1.0/24"), As({"192.0.2.3"}));
  fib.set_bgp_route(P("fd00:10::/64"), As({"fd00:2::2"}));

  auto first = fib.next_job(t0);
  REQUIRE(first);
  CHECK(first->kind == FibJob::Kind::dump);
  CHECK_FALSE(fib.next_job(t0));  // one job at a time
  // The kernel already holds one of them, exactly, and one through another gateway.
  kernel.put(ours("10.1.0.0/24", {"192.0.2.2"}));
  kernel.put(ours("10.1.1.0/24", {"192.0.2.9"}));
  fib.dump_done(kernel.dump(), t0);
  CHECK(fib.stats().installed == 2);

  auto job = fib.next_job(t0);
  REQUIRE(job);
  REQUIRE(job->kind == FibJob::Kind::apply);
  REQUIRE(job->changes.size() == 2);
  std::map<ip::Prefix, RouteChange> by_prefix;
  for (const auto& c : job->changes) by_prefix.emplace(c.route.destination, c);
  const RouteChange& replace = by_prefix.at(P("10.1.1.0/24"));
  CHECK(replace.kind == RouteChangeKind::replace);  // ours already: overwrite in place
  CHECK(replace.route.to_string() == "10.1.1.0/24 via 192.0.2.3 table 100 proto 201 metric 20");
  const RouteChange& add = by_prefix.at(P("fd00:10::/64"));
  CHECK(add.kind == RouteChangeKind::add);
  CHECK(add.route.to_string() == "fd00:10::/64 via fd00:2::2 table 100 proto 201 metric 20");
  CHECK(fib.stats().pending == 2);
  fib.apply_done(kernel.apply(job->changes), t0);

  CHECK(fib.in_sync());
  CHECK(fib.stats().installed == 3);
  CHECK(fib.stats().desired == 3);
  CHECK(fib.stats().writes == 2);
  CHECK(fib.stats().pending == 0);
  CHECK(kernel.find("10.1.1.0/24")->nexthops[0].gateway == A("192.0.2.3"));
  CHECK(fib.desired(P("10.1.0.0/24"))->to_string() == "10.1.0.0/24 via 192.0.2.2 table 100 proto 201 metric 20");
  CHECK(fib.installed(P("fd00:10::/64")).has_value());
  CHECK_FALSE(fib.desired(P("10.9.0.0/24")).has_value());
}

TEST_CASE("fib: changes made while a batch is out coalesce into one write per prefix") {
  Fib fib = make_fib();
  ModelKernel kernel;
  drive(fib, kernel, t0);  // the first read
  fib.set_bgp_route(P("10.2.0.0/24"), As({"192.0.2.2"}));
  fib.set_bgp_route(P("10.2.1.0/24"), As({"192.0.2.2"}));
  auto job = fib.next_job(t0);
  REQUIRE(job);
  REQUIRE(job->changes.size() == 2);

  // In flight: 10.2.0.0/24 flaps a thousand times and ends on a new gateway; 10.2.1.0/24
  // flaps and ends where the batch out puts it; 10.2.2.0/24 comes and goes.
  for (int i = 0; i < 1000; ++i) {
    fib.withdraw_bgp_route(P("10.2.0.0/24"));
    fib.set_bgp_route(P("10.2.0.0/24"), As({i % 2 ? "192.0.2.3" : "192.0.2.4"}));
    fib.set_bgp_route(P("10.2.1.0/24"), As({"192.0.2.9"}));
    fib.set_bgp_route(P("10.2.1.0/24"), As({"192.0.2.2"}));
    fib.set_bgp_route(P("10.2.2.0/24"), As({"192.0.2.2"}));
    fib.withdraw_bgp_route(P("10.2.2.0/24"));
  }
  CHECK_FALSE(fib.next_job(t0));  // both are in the batch out: they wait for it
  fib.apply_done(kernel.apply(job->changes), t0);

  auto next = fib.next_job(t0);
  REQUIRE(next);
  REQUIRE(next->changes.size() == 1);  // only the prefix whose final state differs
  CHECK(next->changes[0].kind == RouteChangeKind::replace);
  CHECK(next->changes[0].route.to_string() == "10.2.0.0/24 via 192.0.2.3 table 100 proto 201 metric 20");
  fib.apply_done(kernel.apply(next->changes), t0);
  CHECK_FALSE(fib.next_job(t0));
  CHECK(kernel.batches == 2);
  CHECK(kernel.changes == 3);
  CHECK(fib.in_sync());
}

TEST_CASE("fib: batches are bounded, and every prefix is written once") {
  FibConfig c = config();
  c.batch_size = 4096;
  Fib fib = make_fib(c);
  ModelKernel kernel;
  for (int i = 0; i < 10000; ++i) {
    fib.set_bgp_route(*ip::Prefix::make(ip::Address::v4({10, 50, static_cast<std::uint8_t>(i / 256),
                                                         static_cast<std::uint8_t>(i % 256)}),
                                        32),
                      As({"192.0.2.2"}));
  }
  CHECK(fib.stats().pending == 10000);
  std::vector<std::size_t> sizes;
  while (auto job = fib.next_job(t0)) {
    if (job->kind == FibJob::Kind::dump) {
      fib.dump_done(kernel.dump(), t0);
      continue;
    }
    sizes.push_back(job->changes.size());
    fib.apply_done(kernel.apply(job->changes), t0);
  }
  CHECK(sizes == std::vector<std::size_t>{4096, 4096, 1808});
  CHECK(kernel.ours() == 10000);
  CHECK(fib.stats().installed == 10000);
}

TEST_CASE("fib: ECMP sets are one route with every next hop, read back as equal") {
  Fib fib = make_fib();
  ModelKernel kernel;
  // Unsorted, with a duplicate: the set is what counts.
  fib.set_bgp_route(P("10.3.0.0/24"), As({"192.0.2.4", "192.0.2.2", "192.0.2.3", "192.0.2.2"}));
  drive(fib, kernel, t0);
  const Route* r = kernel.find("10.3.0.0/24");
  REQUIRE(r);
  REQUIRE(r->nexthops.size() == 3);
  CHECK(r->nexthops[0].gateway == A("192.0.2.2"));
  CHECK(r->nexthops[2].gateway == A("192.0.2.4"));
  CHECK(r->nexthops[1].ifindex == 2);  // resolved by the kernel

  // The verification read sees devices the core never named: still equal, nothing rewritten.
  std::size_t changes = kernel.changes;
  CHECK(drive(fib, kernel, t0 + 1s) == 1);  // the read only
  CHECK(kernel.changes == changes);
  CHECK(fib.stats().verify_mismatches == 0);

  // A member leaves the set: the route is replaced whole.
  fib.set_bgp_route(P("10.3.0.0/24"), As({"192.0.2.2", "192.0.2.4"}));
  drive(fib, kernel, t0 + 2s);
  CHECK(kernel.find("10.3.0.0/24")->nexthops.size() == 2);
  // The same set in another order is no change.
  changes = kernel.changes;
  fib.set_bgp_route(P("10.3.0.0/24"), As({"192.0.2.4", "192.0.2.2"}));
  drive(fib, kernel, t0 + 3s);
  CHECK(kernel.changes == changes);

  // Static ECMP with weights: weights are compared for multipath routes.
  StaticRoute weighted{RouteType::unicast, {{A("192.0.2.2"), 0, false, 3}, {A("192.0.2.3"), 0, false, 1}}};
  fib.set_static_route(P("10.3.1.0/24"), weighted);
  drive(fib, kernel, t0 + 4s);
  CHECK(kernel.find("10.3.1.0/24")->nexthops[0].weight == 3);
  kernel.routes[{P("10.3.1.0/24"), kMetric}].nexthops[0].weight = 1;  // someone else rewrote it
  drive(fib, kernel, t0 + 40s);  // the resync notices and repairs it
  CHECK(kernel.find("10.3.1.0/24")->nexthops[0].weight == 3);
}

TEST_CASE("fib: blackholes and statics override BGP, and read back equal") {
  Fib fib = make_fib();
  ModelKernel kernel;
  fib.set_bgp_route(P("10.4.0.0/26"), As({"192.0.2.2"}));
  fib.set_static_route(P("10.4.0.0/26"), StaticRoute{});  // a block of ours: blackhole
  fib.set_static_route(P("fd00:4::/122"), StaticRoute{RouteType::blackhole, {}});
  fib.set_static_route(P("10.4.1.0/24"), StaticRoute{RouteType::unreachable, {}});
  // A unicast static without next hops installs nothing.
  fib.set_static_route(P("10.4.2.0/24"), StaticRoute{RouteType::unicast, {}});
  drive(fib, kernel, t0);
  CHECK(kernel.find("10.4.0.0/26")->type == RouteType::blackhole);
  CHECK(kernel.find("fd00:4::/122")->type == RouteType::blackhole);
  CHECK(kernel.find("fd00:4::/122")->nexthops.size() == 1);  // "dev lo", as IPv6 reports it
  CHECK(kernel.find("10.4.1.0/24")->type == RouteType::unreachable);
  CHECK_FALSE(kernel.find("10.4.2.0/24"));

  // Read back: no differences for the blackholes.
  std::size_t changes = kernel.changes;
  drive(fib, kernel, t0 + 1s);
  CHECK(kernel.changes == changes);
  CHECK(fib.stats().verify_mismatches == 0);

  // The block is released: the BGP route beneath takes over.
  fib.remove_static_route(P("10.4.0.0/26"));
  drive(fib, kernel, t0 + 2s);
  CHECK(kernel.find("10.4.0.0/26")->type == RouteType::unicast);
  CHECK(kernel.find("10.4.0.0/26")->nexthops[0].gateway == A("192.0.2.2"));

  // The config's whole set replaces the old one.
  fib.replace_static_routes({{P("10.4.3.0/26"), StaticRoute{}}});
  drive(fib, kernel, t0 + 3s);
  CHECK(kernel.find("10.4.3.0/26"));
  CHECK_FALSE(kernel.find("10.4.1.0/24"));
  CHECK_FALSE(kernel.find("fd00:4::/122"));
  CHECK(fib.stats().desired == 2);
}

TEST_CASE("fib: sweeping waits for the RIB's first complete view") {
  Fib fib = make_fib();
  ModelKernel kernel;
  // Left by the previous run: ours, ours at an old metric, and routes of others.
  kernel.put(ours("10.5.0.0/24", {"192.0.2.2"}));
  kernel.put(ours("10.5.1.0/24", {"192.0.2.2"}));
  kernel.put(ours("10.5.2.0/24", {"192.0.2.2"}, 50));
  Route felix = ours("10.5.3.0/24", {"192.0.2.2"});
  felix.protocol = 202;
  kernel.put(felix);
  Route other_table = ours("10.5.4.0/24", {"192.0.2.2"});
  other_table.table = 254;
  kernel.put(other_table);

  fib.set_bgp_route(P("10.5.0.0/24"), As({"192.0.2.2"}));
  drive(fib, kernel, t0);
  // Nothing removed yet: the RIB may not have heard of 10.5.1.0/24 so far.
  CHECK(kernel.routes.size() == 5);
  CHECK(fib.stats().installed == 2);
  CHECK(fib.in_sync());  // as far as it may go before the sweep

  // A prefix this run wanted and then withdrew goes at once, sweep or not.
  fib.set_bgp_route(P("10.5.1.0/24"), As({"192.0.2.2"}));
  fib.withdraw_bgp_route(P("10.5.1.0/24"));
  drive(fib, kernel, t0 + 1s);
  CHECK_FALSE(kernel.find("10.5.1.0/24"));
  CHECK(fib.stats().swept == 0);  // it was wanted: not a sweep

  // Now the RIB is complete: the stray at metric 50 goes; other owners' routes stay.
  fib.first_sync_done();
  drive(fib, kernel, t0 + 2s);
  CHECK_FALSE(kernel.find("10.5.2.0/24", 50));
  CHECK(kernel.find("10.5.0.0/24"));
  CHECK(kernel.find("10.5.3.0/24"));
  CHECK(kernel.routes.size() == 3);
  CHECK(fib.stats().swept == 1);
  CHECK(fib.in_sync());
}

TEST_CASE("fib: mark and sweep after a restart with a different desired set") {
  ModelKernel kernel;
  {
    Fib before = make_fib();
    for (auto p : {"10.6.0.0/24", "10.6.1.0/24", "10.6.2.0/24"}) before.set_bgp_route(P(p), As({"192.0.2.2"}));
    drive(before, kernel, t0);
    before.begin_exit(ExitMode::keep);
    CHECK(before.exit_done());
  }
  CHECK(kernel.ours() == 3);
  Fib after = make_fib();
  after.set_bgp_route(P("10.6.1.0/24"), As({"192.0.2.3"}));
  after.set_bgp_route(P("10.6.3.0/24"), As({"192.0.2.2"}));
  drive(after, kernel, t0 + 1h);
  CHECK(kernel.ours() == 4);  // changed and added, nothing removed
  after.first_sync_done();
  drive(after, kernel, t0 + 1h);
  CHECK(kernel.ours() == 2);
  CHECK(kernel.find("10.6.1.0/24")->nexthops[0].gateway == A("192.0.2.3"));
  CHECK(kernel.find("10.6.3.0/24"));
  CHECK(after.stats().swept == 2);
}

TEST_CASE("fib: refused routes are reported with the kernel's words and retried with backoff") {
  Fib fib = make_fib();
  ModelKernel kernel;
  fib.set_bgp_route(P("10.7.0.0/24"), As({"198.51.100.1"}));  // not on any link
  fib.set_bgp_route(P("10.7.1.0/24"), As({"192.0.2.2"}));
  drive(fib, kernel, t0);
  CHECK(kernel.find("10.7.1.0/24"));
  CHECK(fib.stats().failing == 1);
  CHECK(fib.stats().write_failures == 1);
  auto failures = fib.failures();
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].to_string() == "add 10.7.0.0/24: Network is unreachable (kernel: Nexthop has invalid gateway), attempt 1");
  auto events = fib.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FibEvent::Kind::failed);
  CHECK(events[0].text == failures[0].to_string());

  // Not retried before its time (1 s, then 2 s, 4 s, 8 s, 8 s: no jitter in this test).
  auto wake = fib.next_wakeup();
  REQUIRE(wake);
  CHECK(*wake == t0 + 1s);
  std::size_t changes = kernel.changes;
  drive(fib, kernel, t0 + 999ms);
  CHECK(kernel.changes == changes);
  Clock::time_point now = t0 + 1s;
  for (auto gap : {2s, 4s, 8s, 8s}) {
    drive(fib, kernel, now);
    CHECK(fib.failures()[0].retry_at == now + gap);
    now += gap;
  }
  CHECK(fib.failures()[0].attempts == 5);
  CHECK(fib.take_events().empty());  // the same refusal again is not news

  // The gateway becomes reachable (here: the route moves to one that is).
  fib.set_bgp_route(P("10.7.0.0/24"), As({"192.0.2.7"}));
  drive(fib, kernel, now);
  CHECK(fib.stats().failing == 0);
  CHECK(kernel.find("10.7.0.0/24"));
  events = fib.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FibEvent::Kind::recovered);
  CHECK(events[0].text == "add 10.7.0.0/24: done after 5 failed attempts");

  // A failing route that is withdrawn is no longer retried.
  fib.set_bgp_route(P("10.7.2.0/24"), As({"198.51.100.1"}));
  drive(fib, kernel, now);
  CHECK(fib.stats().failing == 1);
  fib.withdraw_bgp_route(P("10.7.2.0/24"));
  drive(fib, kernel, now);
  CHECK(fib.stats().failing == 0);
}

TEST_CASE("fib: a key held by another protocol is left alone and retried") {
  Fib fib = make_fib();
  ModelKernel kernel;
  Route felix = ours("10.8.0.0/24", {"192.0.2.9"});
  felix.protocol = 202;
  kernel.put(felix);
  fib.set_bgp_route(P("10.8.0.0/24"), As({"192.0.2.2"}));
  drive(fib, kernel, t0);
  CHECK(kernel.find("10.8.0.0/24")->protocol == 202);  // not overwritten
  REQUIRE(fib.failures().size() == 1);
  CHECK(fib.failures()[0].error == EEXIST);
  // The other owner removes it; the retry installs ours.
  kernel.routes.clear();
  drive(fib, kernel, t0 + 1s);
  CHECK(kernel.find("10.8.0.0/24")->protocol == kBgpdRouteProtocol);
  CHECK(fib.in_sync());
}

TEST_CASE("fib: many refusals make a few log events and a summary") {
  Fib fib = make_fib();
  ModelKernel kernel;
  for (int i = 0; i < 100; ++i) fib.set_bgp_route(P(fmt::format("10.9.{}.0/24", i)), As({"198.51.100.1"}));
  drive(fib, kernel, t0);
  auto events = fib.take_events();
  REQUIRE(events.size() == 9);
  CHECK(events.back().text == "and 92 more routes refused");
}

TEST_CASE("fib: next hops that are our own addresses are not installed") {
  Fib fib = make_fib();
  ModelKernel kernel;
  fib.set_local_addresses(As({"192.0.2.1", "fd00:2::1"}));
  fib.set_bgp_route(P("10.10.0.0/26"), As({"192.0.2.1"}));                // our own block, reflected back
  fib.set_bgp_route(P("10.10.1.0/24"), As({"192.0.2.1", "192.0.2.2"}));   // ECMP with ourselves in it
  fib.set_bgp_route(P("fd00:10::/64"), As({"fd00:2::1"}));
  drive(fib, kernel, t0);
  CHECK_FALSE(kernel.find("10.10.0.0/26"));
  CHECK_FALSE(kernel.find("fd00:10::/64"));
  REQUIRE(kernel.find("10.10.1.0/24"));
  CHECK(kernel.find("10.10.1.0/24")->nexthops.size() == 1);
  CHECK(fib.in_sync());

  // The address moves away from this host: the routes through it are installed.
  fib.set_local_addresses(As({"192.0.2.5"}));
  drive(fib, kernel, t0 + 1s);
  CHECK(kernel.find("10.10.0.0/26"));
  CHECK(kernel.find("10.10.1.0/24")->nexthops.size() == 2);
}

TEST_CASE("fib: an IPv4 route through an IPv6 next hop, and IPv6 metric 0") {
  FibConfig c = config();
  c.metric = 0;
  Fib fib = make_fib(c);
  ModelKernel kernel;
  fib.set_bgp_route(P("10.11.0.0/24"), As({"fd00:2::2"}));
  fib.set_bgp_route(P("fd00:11::/64"), As({"fd00:2::2"}));
  drive(fib, kernel, t0);
  CHECK(kernel.find("10.11.0.0/24", 0)->nexthops[0].gateway == A("fd00:2::2"));
  CHECK(kernel.find("fd00:11::/64", 1024));  // stored as 1024 ...
  std::size_t changes = kernel.changes;
  drive(fib, kernel, t0 + 1s);
  CHECK(kernel.changes == changes);  // ... and read back as ours, not as a stray
  fib.first_sync_done();
  drive(fib, kernel, t0 + 2s);
  CHECK(kernel.changes == changes);
}

TEST_CASE("fib: a failed socket means reading the kernel again before writing") {
  Fib fib = make_fib();
  ModelKernel kernel;
  drive(fib, kernel, t0);
  fib.set_bgp_route(P("10.12.0.0/24"), As({"192.0.2.2"}));
  auto job = fib.next_job(t0);
  REQUIRE(job);
  kernel.apply(job->changes);  // it did land, but the answer was lost
  fib.apply_done(Error{"netlink receive failed: no buffer space"}, t0);
  auto events = fib.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FibEvent::Kind::batch_failed);
  CHECK(fib.stats().pending == 1);
  CHECK_FALSE(fib.next_job(t0 + 500ms));  // backoff before the read
  auto next = fib.next_job(t0 + 1s);
  REQUIRE(next);
  CHECK(next->kind == FibJob::Kind::dump);
  fib.dump_done(kernel.dump(), t0 + 1s);
  CHECK_FALSE(fib.next_job(t0 + 1s));  // the read shows it there: nothing to write
  CHECK(fib.in_sync());

  // A failed read is retried with backoff too.
  auto resync = fib.next_job(t0 + 31s);
  REQUIRE(resync);
  CHECK(resync->kind == FibJob::Kind::dump);
  fib.dump_done(Error{"route dump refused"}, t0 + 31s);
  CHECK(fib.stats().dump_failures == 1);
  CHECK(*fib.next_wakeup() == t0 + 32s);
}

TEST_CASE("fib: the read-back finds routes that vanished or changed after the write") {
  Fib fib = make_fib();
  ModelKernel kernel;
  fib.set_bgp_route(P("10.13.0.0/24"), As({"192.0.2.2"}));
  fib.set_bgp_route(P("10.13.1.0/24"), As({"192.0.2.2"}));
  drive(fib, kernel, t0);
  CHECK(*fib.next_wakeup() == t0 + 1s);  // the verification read
  kernel.routes.erase({P("10.13.0.0/24"), kMetric});  // someone deleted it meanwhile
  drive(fib, kernel, t0 + 1s);
  CHECK(fib.stats().verify_mismatches == 1);
  CHECK_FALSE(kernel.find("10.13.0.0/24"));  // not rewritten in a tight loop ...
  CHECK(fib.stats().failing == 1);
  drive(fib, kernel, t0 + 2s);
  CHECK(kernel.find("10.13.0.0/24"));  // ... but after a backoff
  CHECK(fib.stats().failing == 0);

  // Drift found by the periodic resync (not written since): repaired at once.
  kernel.routes.erase({P("10.13.1.0/24"), kMetric});
  drive(fib, kernel, t0 + 40s);
  CHECK(kernel.find("10.13.1.0/24"));
  CHECK(fib.stats().verify_mismatches == 1);
}

TEST_CASE("fib: on exit routes are kept, or removed") {
  SUBCASE("keep: nothing more is handed out, once the batch out is back") {
    Fib fib = make_fib();
    ModelKernel kernel;
    fib.set_bgp_route(P("10.14.0.0/24"), As({"192.0.2.2"}));
    drive(fib, kernel, t0);
    fib.set_bgp_route(P("10.14.1.0/24"), As({"192.0.2.2"}));
    auto job = fib.next_job(t0);
    REQUIRE(job);
    fib.begin_exit(ExitMode::keep);
    CHECK_FALSE(fib.exit_done());
    fib.apply_done(kernel.apply(job->changes), t0);
    CHECK(fib.exit_done());
    fib.set_bgp_route(P("10.14.2.0/24"), As({"192.0.2.2"}));  // ignored now
    CHECK_FALSE(fib.next_job(t0 + 1h));
    CHECK_FALSE(fib.next_wakeup());
    CHECK(kernel.ours() == 2);
  }
  SUBCASE("remove: every route of ours goes, read first, sweep or not, and others stay") {
    Fib fib = make_fib();
    ModelKernel kernel;
    kernel.put(ours("10.14.9.0/24", {"192.0.2.2"}));  // from a previous run, never swept
    Route felix = ours("10.14.8.0/24", {"192.0.2.2"});
    felix.protocol = 202;
    kernel.put(felix);
    fib.set_bgp_route(P("10.14.0.0/24"), As({"192.0.2.2"}));
    fib.set_static_route(P("10.14.1.0/26"), StaticRoute{});
    fib.set_bgp_route(P("10.14.2.0/24"), As({"198.51.100.1"}));  // refused, waiting for a retry
    drive(fib, kernel, t0);
    CHECK(kernel.ours() == 3);
    fib.begin_exit(ExitMode::remove);
    CHECK_FALSE(fib.exit_done());
    drive(fib, kernel, t0);  // no waiting for spacing or backoff
    CHECK(fib.exit_done());
    CHECK(kernel.ours() == 0);
    CHECK(kernel.find("10.14.8.0/24"));
    CHECK(fib.stats().installed == 0);
  }
}

TEST_CASE("fib: resync and retry times drive next_wakeup") {
  Fib fib = make_fib();
  ModelKernel kernel;
  CHECK(*fib.next_wakeup() == Clock::time_point{});  // the first read, now
  drive(fib, kernel, t0);
  CHECK(*fib.next_wakeup() == t0 + 30s);  // nothing written: only the resync
  CHECK(drive(fib, kernel, t0 + 29s) == 0);
  CHECK(drive(fib, kernel, t0 + 30s) == 1);
  CHECK(fib.stats().dumps == 2);
  CHECK(fib.stats().last_sync == 0s);
}

TEST_CASE("next-hop sets are interned and freed with their last user") {
  NextHopSets sets;
  auto a = sets.intern({{A("192.0.2.3"), 0, false, 1}, {A("192.0.2.2"), 0, false, 1}});
  auto b = sets.intern({{A("192.0.2.2"), 0, false, 1}, {A("192.0.2.3"), 0, false, 1}, {A("192.0.2.3"), 0, false, 1}});
  CHECK(a == b);
  CHECK(sets.size() == 1);
  CHECK(sets.get(a).size() == 2);
  CHECK(sets.get(a)[0].gateway == A("192.0.2.2"));
  CHECK(sets.intern({}) == NextHopSets::kEmpty);
  sets.release(a);
  CHECK(sets.size() == 1);
  sets.release(b);
  CHECK(sets.size() == 0);
  auto c = sets.intern({{A("192.0.2.9"), 0, false, 1}});
  CHECK(c == a);  // the slot is reused
  NextHopSets::Id field = c;
  sets.assign(field, NextHopSets::kEmpty);
  CHECK(sets.size() == 0);
}

TEST_CASE("rib feed: best paths and ECMP sets from the Loc-RIB") {
  using namespace sluice::bgp::rib;
  using namespace sluice::bgp::rib::testing;
  AttributeStore store;
  PeerTable peers(rib::testing::config().speaker);
  auto add_peer = [&](std::string_view address_text, std::uint32_t as, std::string_view router_id) {
    PeerInfo info = peer(address_text, as);
    info.router_id = address(router_id);
    return *peers.add(info);
  };
  PeerId a = add_peer("192.0.2.1", 65001, "1.1.1.1");
  PeerId b = add_peer("192.0.2.3", 65001, "3.3.3.3");
  LocRib table(kIpv4Unicast, peers, store);
  DecisionOptions options;
  options.max_paths = 4;
  table.set_options(options);
  Fib fib = make_fib();
  ModelKernel kernel;

  auto batch = [&] {
    auto changed = table.process();
    apply_best_paths(fib, table, changed);
  };
  table.announce(P("10.20.0.0/24"), a, 0, store.intern(route("192.0.2.2", {65001})));
  table.announce(P("10.20.0.0/24"), b, 0, store.intern(route("192.0.2.4", {65001})));
  table.announce(P("10.20.1.0/24"), a, 0, store.intern(route("192.0.2.2", {65001})));
  // Originated here (no next hop): ours, nothing for the kernel from BGP.
  table.announce(P("10.20.2.0/26"), kLocalPeer, 0, store.intern(RouteAttributes{path(), std::nullopt, std::nullopt}));
  batch();
  drive(fib, kernel, t0);
  REQUIRE(kernel.find("10.20.0.0/24"));
  CHECK(kernel.find("10.20.0.0/24")->nexthops.size() == 2);
  CHECK(kernel.find("10.20.1.0/24"));
  CHECK_FALSE(kernel.find("10.20.2.0/26"));

  table.withdraw(P("10.20.0.0/24"), b, 0);
  table.withdraw(P("10.20.1.0/24"), a, 0);
  batch();
  drive(fib, kernel, t0 + 1s);
  CHECK(kernel.find("10.20.0.0/24")->nexthops.size() == 1);
  CHECK_FALSE(kernel.find("10.20.1.0/24"));

  // A FIB that starts after the RIB loads the whole table.
  Fib late = make_fib();
  load_table(late, table);
  CHECK(late.desired(P("10.20.0.0/24"))->nexthops.size() == 1);
  CHECK_FALSE(late.desired(P("10.20.2.0/26")));
  CHECK(selected_next_hops(table, *table.find(P("10.20.0.0/24"))) == As({"192.0.2.2"}));

  // With ECMP off only the best path's next hop is installed.
  table.announce(P("10.20.3.0/24"), a, 0, store.intern(route("192.0.2.2", {65001})));
  table.announce(P("10.20.3.0/24"), b, 0, store.intern(route("192.0.2.4", {65001})));
  auto changed = table.process();
  CHECK(selected_next_hops(table, *table.find(P("10.20.3.0/24"))).size() == 2);
  apply_best_paths(fib, table, changed, false);
  REQUIRE(fib.desired(P("10.20.3.0/24")));
  CHECK(fib.desired(P("10.20.3.0/24"))->nexthops.size() == 1);
  CHECK(fib.desired(P("10.20.3.0/24"))->nexthops[0].gateway ==
        table.attributes(table.multipath(*table.find(P("10.20.3.0/24")))[0])->value().next_hop);
}

TEST_CASE("fib: the next batch is planned while one is out, without the prefixes in it") {
  Fib fib = make_fib();
  ModelKernel kernel;
  drive(fib, kernel, t0);
  fib.set_bgp_route(P("10.30.0.0/24"), As({"192.0.2.2"}));
  auto first = fib.next_job(t0);
  REQUIRE(first);
  fib.set_bgp_route(P("10.30.0.0/24"), As({"192.0.2.3"}));  // changed while out
  fib.set_bgp_route(P("10.30.1.0/24"), As({"192.0.2.2"}));
  auto second = fib.next_job(t0);
  REQUIRE(second);  // two batches out at once ...
  REQUIRE(second->changes.size() == 1);
  CHECK(second->changes[0].route.destination == P("10.30.1.0/24"));  // ... never the same prefix
  fib.set_bgp_route(P("10.30.2.0/24"), As({"192.0.2.2"}));
  CHECK_FALSE(fib.next_job(t0));  // and no third
  CHECK(fib.stats().pending == 4);  // 10.30.0.0/24 counts twice: written now, and again after
  fib.apply_done(kernel.apply(first->changes), t0);
  auto third = fib.next_job(t0);
  REQUIRE(third);
  REQUIRE(third->changes.size() == 2);  // the changed prefix's turn, and the new one
  CHECK(third->changes[0].route.to_string() == "10.30.2.0/24 via 192.0.2.2 table 100 proto 201 metric 20");
  CHECK(third->changes[1].route.to_string() == "10.30.0.0/24 via 192.0.2.3 table 100 proto 201 metric 20");
  fib.apply_done(kernel.apply(second->changes), t0);
  fib.apply_done(kernel.apply(third->changes), t0);
  CHECK(kernel.find("10.30.0.0/24")->nexthops[0].gateway == A("192.0.2.3"));
  CHECK(fib.in_sync());
}
