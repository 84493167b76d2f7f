// The netlink layer against a real kernel: namespaces and veths created for the test,
// routes written in batches, read back, replaced, refused and removed.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "base/netlink/links.hpp"
#include "base/netlink/netns.hpp"
#include "base/netlink/route_table.hpp"
#include "tests/support/namespaces.hpp"

using namespace sluice;
using namespace sluice::netlink;
using sluice::testing::TestNetns;
using sluice::testing::VethPair;

namespace {
constexpr std::uint8_t kProto = 186;  // a protocol number for tests only

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }
ip::Prefix P(std::string_view s) { return *ip::Prefix::parse(s); }

// Two namespaces joined by a veth, addressed 192.0.2.1/24 <-> 192.0.2.2/24 and fd00:2::1/64.
struct TwoHosts {
  TestNetns left{"left"};
  TestNetns right{"right"};
  VethPair veth{&left, "veth-l", &right, "veth-r"};
  TwoHosts() {
    left.exec_checked({"ip", "addr", "add", "192.0.2.1/24", "dev", "veth-l"});
    right.exec_checked({"ip", "addr", "add", "192.0.2.2/24", "dev", "veth-r"});
    left.exec_checked({"ip", "-6", "addr", "add", "fd00:2::1/64", "dev", "veth-l", "nodad"});
  }
};

Route route_via(std::string_view dst, std::string_view gw, int ifindex, std::uint32_t table = 100) {
  Route r;
  r.destination = P(dst);
  r.table = table;
  r.protocol = kProto;
  r.nexthops.push_back({A(gw), ifindex, false, 1});
  return r;
}

std::vector<Route> ours(NetlinkSocket& s, std::optional<std::uint32_t> table = 100) {
  auto routes = dump_routes(s, RouteFilter{std::nullopt, table, kProto});
  REQUIRE_MESSAGE(routes.ok(), routes.error().message);
  return *routes;
}
}  // namespace

TEST_CASE("namespaces and veths are real: packets cross them") {
  TwoHosts hosts;
  auto ping = hosts.left.exec({"ping", "-c", "1", "-W", "2", "192.0.2.2"});
  INFO(ping.output);
  CHECK(ping.ok());
  auto links = hosts.right.exec_checked({"ip", "-o", "link", "show", "veth-r"});
  CHECK(links.find("veth-r@") != std::string::npos);
}

TEST_CASE("entering a namespace by name or fd, and returning") {
  TestNetns ns("enter");
  auto before = Netns::current();
  REQUIRE(before.ok());
  auto target = Netns::open(ns.name());
  REQUIRE_MESSAGE(target.ok(), target.error().message);
  {
    auto entry = NetnsEntry::enter(*target);
    REQUIRE(entry.ok());
    // Inside: a socket opened here sees only the namespace's loopback.
    auto s = NetlinkSocket::open();
    REQUIRE(s.ok());
    CHECK(link_index(*s, "lo").ok());
    CHECK_FALSE(link_index(*s, "eth0").ok());
  }
  auto after = Netns::current();
  REQUIRE(after.ok());
  CHECK(Netns::open(fmt::format("{}-missing", ns.name())).error().message ==
        fmt::format("network namespace \"{}-missing\" does not exist (no /run/netns/{}-missing)", ns.name(), ns.name()));
  CHECK(Netns::open("../etc").error().message ==
        "network namespace name \"../etc\" is not valid (no '/', not \".\" or \"..\")");
  // By path, and by an fd the caller opened itself.
  auto by_path = Netns::open_path("/run/netns/" + ns.name());
  REQUIRE(by_path.ok());
  CHECK(NetnsEntry::enter(*by_path).ok());
  int fd = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  Netns adopted = Netns::adopt(fd, "adopted fd");
  auto entry = NetnsEntry::enter(adopted);
  REQUIRE(entry.ok());
  auto s = NetlinkSocket::open();
  REQUIRE(s.ok());
  CHECK_FALSE(link_index(*s, "veth-l").ok());  // the test namespace, not the host
}

TEST_CASE("an IPv6 delete names the metric the kernel stored") {
  TwoHosts hosts;
  auto sock = NetlinkSocket::open_in(*Netns::open(hosts.left.name()));
  REQUIRE(sock.ok());
  int ifindex = *link_index(*sock, "veth-l");
  Route low = route_via("fd00:77::/64", "fd00:2::2", ifindex);
  low.metric = 100;
  Route unset = route_via("fd00:77::/64", "fd00:2::2", ifindex);  // metric 0: stored as 1024
  std::vector<RouteChange> add{{RouteChangeKind::add, low}, {RouteChangeKind::add, unset}};
  auto added = apply_route_changes(*sock, add);
  REQUIRE(added.ok());
  REQUIRE(added->failures() == 0);
  std::vector<RouteChange> del{{RouteChangeKind::remove, unset}};
  auto deleted = apply_route_changes(*sock, del);
  REQUIRE(deleted.ok());
  CHECK(deleted->failures() == 0);
  auto left = ours(*sock);
  REQUIRE(left.size() == 1);
  CHECK(left[0].metric == 100);  // the other route is untouched
}

TEST_CASE("batched route changes land in the kernel and read back equal") {
  TwoHosts hosts;
  auto netns = Netns::open(hosts.left.name());
  REQUIRE(netns.ok());
  auto sock = NetlinkSocket::open_in(*netns);
  REQUIRE_MESSAGE(sock.ok(), sock.error().message);
  auto ifindex = link_index(*sock, "veth-l");
  REQUIRE_MESSAGE(ifindex.ok(), ifindex.error().message);
  CHECK(link_index(*sock, "nope0").error().message == fmt::format("no interface named \"nope0\" in netns {}", hosts.left.name()));

  // 3000 routes: more than one chunk, so chunk boundaries and ACK tracking are exercised.
  // Start just below 2^32 so the batch's sequence numbers wrap mid-chunk, as they
  // eventually do in a long-running daemon.
  sock->reserve_seq(std::numeric_limits<std::uint32_t>::max() - 500 - sock->reserve_seq(0));

  std::vector<RouteChange> changes;
  changes.reserve(3004);
  for (int i = 0; i < 3000; ++i) {
    changes.push_back({RouteChangeKind::add,
                       route_via(fmt::format("10.{}.{}.0/24", 100 + i / 256, i % 256), "192.0.2.2", *ifindex)});
  }
  Route ecmp;
  ecmp.destination = P("10.200.0.0/16");
  ecmp.table = 100;
  ecmp.protocol = kProto;
  ecmp.nexthops = {{A("192.0.2.2"), *ifindex, false, 1}, {A("192.0.2.3"), *ifindex, false, 2}};
  changes.push_back({RouteChangeKind::add, ecmp});
  Route blackhole;
  blackhole.destination = P("10.201.0.0/26");
  blackhole.table = 100;
  blackhole.protocol = kProto;
  blackhole.type = RouteType::blackhole;
  changes.push_back({RouteChangeKind::add, blackhole});
  Route onlink = route_via("10.202.0.0/26", "172.31.0.9", *ifindex);
  onlink.nexthops[0].onlink = true;  // gateway outside every connected subnet, as IP-in-IP routes are
  changes.push_back({RouteChangeKind::add, onlink});
  Route v6 = route_via("fd00:99::/64", "fd00:2::2", *ifindex);
  changes.push_back({RouteChangeKind::add, v6});

  auto report = apply_route_changes(*sock, changes);
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  auto failures = report->describe_failures(changes);
  INFO(fmt::format("{}", fmt::join(failures, "\n")));
  CHECK(report->failures() == 0);

  std::vector<Route> kernel = ours(*sock);
  CHECK(kernel.size() == changes.size());
  std::set<std::string> want, got;
  for (const auto& c : changes) want.insert(c.route.normalized().to_string());
  for (const auto& r : kernel) got.insert(r.normalized().to_string());
  CHECK(want == got);
  // `ip route` agrees (an independent reader).
  auto shown = hosts.left.exec_checked({"ip", "route", "show", "table", "100", "proto", std::to_string(kProto)});
  CHECK(shown.find("10.200.0.0/16") != std::string::npos);
  CHECK(shown.find("nexthop via 192.0.2.3 dev veth-l weight 2") != std::string::npos);
  CHECK(shown.find("blackhole 10.201.0.0/26") != std::string::npos);
  CHECK(shown.find("10.202.0.0/26 via 172.31.0.9 dev veth-l onlink") != std::string::npos);

  // Every error is attributed to the change that caused it.
  std::vector<RouteChange> mixed{
      {RouteChangeKind::replace, route_via("10.100.0.0/24", "192.0.2.9", *ifindex)},  // ok: replaces
      {RouteChangeKind::add, route_via("10.100.1.0/24", "192.0.2.2", *ifindex)},      // exists
      {RouteChangeKind::add, route_via("10.250.0.0/24", "198.51.100.1", *ifindex)},   // gateway not on link
      {RouteChangeKind::remove, route_via("10.251.0.0/24", "192.0.2.2", *ifindex)},   // nothing to delete
      {RouteChangeKind::add, route_via("10.252.0.0/24", "192.0.2.2", *ifindex)},      // ok
  };
  auto mixed_report = apply_route_changes(*sock, mixed);
  REQUIRE(mixed_report.ok());
  const auto& o = mixed_report->outcomes;
  CHECK(o[0].ok());
  CHECK(o[1].error == EEXIST);
  CHECK(o[2].error == ENETUNREACH);
  CHECK_FALSE(o[2].kernel_message.empty());  // the kernel says why (extended ack)
  CHECK(o[3].error == ESRCH);
  CHECK(o[4].ok());
  auto lines = mixed_report->describe_failures(mixed);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("add 10.100.1.0/24 via 192.0.2.2", 0) == 0);
  CHECK(lines[0].find("File exists") != std::string::npos);
  MESSAGE("kernel explained: " << lines[1]);

  // Delete everything we own by mark, leaving other owners' routes alone.
  hosts.left.exec_checked({"ip", "route", "add", "10.99.0.0/24", "via", "192.0.2.2", "table", "100"});
  std::vector<RouteChange> removals;
  for (const auto& r : ours(*sock)) removals.push_back({RouteChangeKind::remove, r});
  auto removed = apply_route_changes(*sock, removals);
  REQUIRE(removed.ok());
  CHECK(removed->failures() == 0);
  CHECK(ours(*sock).empty());
  auto others = dump_routes(*sock, RouteFilter{ip::Family::v4, 100, std::nullopt});
  REQUIRE(others.ok());
  REQUIRE(others->size() == 1);
  CHECK(others->front().destination == P("10.99.0.0/24"));
}

TEST_CASE("an empty batch is a no-op") {
  TestNetns ns("empty");
  auto sock = NetlinkSocket::open_in(*Netns::open(ns.name()));
  REQUIRE(sock.ok());
  auto r = apply_route_changes(*sock, {});
  REQUIRE(r.ok());
  CHECK(r->outcomes.empty());
}
