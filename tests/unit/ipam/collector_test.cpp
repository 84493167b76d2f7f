// The leak collector's decisions and actions against the in-memory store: leaks are
// freed only after the grace period, on two sightings and a fresh re-check, all-or-none
// per handle; empty blocks go but a node keeps one; over-counting handles and claims cut
// short are repaired.
#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <doctest/doctest.h>

#include "ipam/block/names.hpp"
#include "ipam/collector/leak_collector.hpp"
#include "ipam/store/soft_delete.hpp"
#include "k8s-client/resources/core.hpp"
#include "tests/unit/ipam/ipam_test_support.hpp"

using namespace sluice;
using namespace sluice::ipam;
using namespace std::chrono_literals;
using sluice::testing::describe;
using sluice::testing::IpamFixture;

namespace {

struct CollectorFixture : IpamFixture {
  CollectorFixture() : collector(store, allocator, CollectorSettings{15min, 500}, [this] { return now; }) {
    add_pool("pool-a", "10.0.0.0/24", 28);
    add_node("node-a");
    add_node("node-b");
  }

  void add_pod(const std::string& ns, const std::string& name, const std::string& node,
               const std::vector<std::string>& ips = {}) {
    k8s::Pod pod;
    pod.metadata.name = name;
    pod.metadata.namespace_ = ns;
    pod.spec.node_name = node;
    for (const auto& ip : ips) pod.status.pod_ips.push_back(k8s::PodIP{ip, {}});
    REQUIRE(store.put(k8s::Pod::resource, k8s::encode(pod)));
  }
  void remove(const k8s::ResourceKind& kind, const std::string& ns, const std::string& name) {
    auto removed = run(store.remove(kind, ns, name, k8s::Preconditions{}));
    REQUIRE_MESSAGE(removed.ok(), removed.error().describe());
  }
  AssignedAddress allocate(const std::string& node, const std::string& ns, const std::string& pod) {
    auto r = request(node, "k8s-pod-network." + pod, 1);
    r.attributes = {{"node", node}, {"namespace", ns}, {"pod", pod}};
    auto got = run(allocator.auto_assign(r));
    REQUIRE_MESSAGE(got.ok(), got.error().message);
    return got->ipv4.front();
  }
  void scan() {
    auto s = run(read_snapshot(store, true));
    REQUIRE(s.ok());
    collector.observe(*s, ScanScope::all());
  }
  CollectionReport collect() { return run(collector.collect()); }
  // A scan and a collection, `after` later.
  CollectionReport pass(std::chrono::seconds after) {
    now += after;
    scan();
    return collect();
  }

  LeakCollector collector;
};

}  // namespace

TEST_CASE("collector: a pod's address is freed only after the grace period, seen at both ends") {
  CollectorFixture f;
  auto kept = f.allocate("node-a", "default", "alive");
  f.add_pod("default", "alive", "node-a", {kept.address.to_string()});
  auto leaked = f.allocate("node-a", "default", "gone");
  // No pod "gone" was ever created: it is a suspect from the first sighting on.
  CHECK(f.pass(0s).released_addresses == 0);
  CHECK(f.collector.candidates().size() == 1);
  CHECK(f.pass(1s).released_addresses == 0);
  CHECK(f.collector.candidates().begin()->first == std::pair<std::string, std::string>{"10.0.0.0/24", "node-a"});
  CHECK(f.pass(14min).released_addresses == 0);
  // One sighting long after the first is not enough on its own: the first counts.
  auto report = f.pass(1min);
  CHECK(report.released_addresses == 1);
  CHECK(report.released_handles == 1);
  CHECK(report.released_by_pool_node.at({"10.0.0.0/24", "node-a"}) == 1);
  auto held = f.allocated();
  CHECK(held.size() == 1);
  CHECK(held.count(kept.address));
  CHECK(!held.count(leaked.address));
  CHECK(f.collector.candidates().empty());
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("collector: a suspect seen once is never acted on, however old") {
  CollectorFixture f;
  f.allocate("node-a", "default", "gone");
  f.now += 1h;
  f.scan();
  f.now += 1h;
  CHECK(f.collect().released_addresses == 0);  // no second scan
  CHECK(f.allocated().size() == 1);
}

TEST_CASE("collector: a scan that sees the address valid again forgets it") {
  CollectorFixture f;
  auto got = f.allocate("node-a", "default", "late");
  f.pass(0s);
  f.pass(10min);  // suspect: no such pod yet
  f.add_pod("default", "late", "node-a", {got.address.to_string()});
  f.pass(10min);
  CHECK(f.collector.candidates().empty());
  CHECK(f.pass(20min).released_addresses == 0);
  CHECK(f.allocated().size() == 1);
}

TEST_CASE("collector: the re-check just before release spares a pod that came back") {
  CollectorFixture f;
  f.allocate("node-a", "default", "flapping");
  f.pass(0s);
  f.now += 16min;
  f.scan();
  // The pod appears between the scan and the release (no addresses recorded yet).
  f.add_pod("default", "flapping", "node-a");
  CHECK(f.collect().released_addresses == 0);
  CHECK(f.allocated().size() == 1);
}

TEST_CASE("collector: all or none per handle") {
  CollectorFixture f;
  // One handle holding two addresses, attributed to two pods: one gone, one alive.
  AssignIPRequest first{*ip::Address::parse("10.0.0.5"), "shared", {{"node", "node-a"}, {"namespace", "default"}, {"pod", "gone"}}, "node-a"};
  AssignIPRequest second{*ip::Address::parse("10.0.0.6"), "shared", {{"node", "node-a"}, {"namespace", "default"}, {"pod", "alive"}}, "node-a"};
  REQUIRE(f.run(f.allocator.assign_ip(first)));
  REQUIRE(f.run(f.allocator.assign_ip(second)));
  f.add_pod("default", "alive", "node-a", {"10.0.0.6"});
  f.pass(0s);
  CHECK(f.pass(16min).released_addresses == 0);
  CHECK(f.allocated().size() == 2);
  // Once the other pod goes too, both go together.
  f.remove(k8s::Pod::resource, "default", "alive");
  f.pass(1s);
  auto report = f.pass(16min);
  CHECK(report.released_addresses == 2);
  CHECK(report.released_handles == 1);
  CHECK(f.allocated().empty());
  CHECK(f.snapshot().handles.empty());
}

TEST_CASE("collector: a deleted node's pod and tunnel addresses are freed") {
  CollectorFixture f;
  f.allocate("node-b", "default", "on-b");
  f.add_pod("default", "on-b", "node-b");
  auto tunnel = f.request("node-b", "ipip-tunnel-addr-node-b", 1);
  tunnel.use = PoolUse::tunnel;
  tunnel.attributes = {{"node", "node-b"}, {"type", "ipipTunnelAddress"}};
  REQUIRE(f.run(f.allocator.auto_assign(tunnel)));
  f.pass(0s);
  f.pass(16min);
  CHECK(f.allocated().size() == 2);
  f.remove(k8s::Node::resource, "", "node-b");
  f.pass(1s);
  auto report = f.pass(16min);
  CHECK(report.released_addresses == 2);
  CHECK(f.allocated().empty());
  // The node's block is empty from now on, and with the node gone it need not be kept.
  CHECK(f.snapshot().blocks.size() == 1);
  f.pass(1s);
  CHECK(f.pass(16min).released_blocks == 1);
  CHECK(f.snapshot().blocks.empty());
  CHECK(f.affinities().empty());
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("collector: empty blocks are released after the grace period, but a node keeps one") {
  CollectorFixture f;
  k8s::IPAMConfigSpec strict;
  strict.strict_affinity = true;
  f.set_ipam_config(strict);
  // Three blocks of sixteen for node-a, then all freed.
  auto r = f.request("node-a", "batch", 40);
  REQUIRE(f.run(f.allocator.auto_assign(r)));
  REQUIRE(f.run(f.allocator.release_by_handle("batch")));
  CHECK(f.snapshot().blocks.size() == 3);
  f.pass(0s);
  CHECK(f.pass(10min).released_blocks == 0);
  auto report = f.pass(6min);
  CHECK(report.released_blocks == 2);
  CHECK(f.snapshot().blocks.size() == 1);
  CHECK(f.affinities().size() == 1);
  CHECK(f.pass(16min).released_blocks == 0);  // the last one stays while the node exists
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("collector: a handle counting addresses no block holds is repaired, if untouched all along") {
  CollectorFixture f;
  auto got = f.allocate("node-a", "default", "p");
  f.add_pod("default", "p", "node-a", {got.address.to_string()});
  // A crash between the handle increment and the block write: the handle counts one more.
  auto handle = f.run(get_object<k8s::IPAMHandle>(f.store, "k8s-pod-network.p"));
  REQUIRE(handle);
  handle->spec.block[got.block.to_string()] += 1;
  REQUIRE(f.run(update_object(f.store, *handle)));
  // And one that holds nothing at all.
  k8s::IPAMHandle orphan;
  orphan.metadata.name = "orphan";
  orphan.spec.handle_id = "orphan";
  orphan.spec.block["10.0.0.32/28"] = 1;
  REQUIRE(f.store.put(k8s::IPAMHandle::resource, k8s::encode(orphan)));
  CHECK(f.problems().size() == 2);

  f.pass(0s);
  auto report = f.pass(16min);
  CHECK(report.repaired_handles == 2);
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
  auto handles = f.snapshot().handles;
  REQUIRE(handles.size() == 1);
  CHECK(handles.front().spec.block.at(got.block.to_string()) == 1);
}

TEST_CASE("collector: claims cut short are confirmed when their block exists, deleted when not") {
  CollectorFixture f;
  const auto with_block = *ip::Prefix::parse("10.0.0.64/28");
  const auto without_block = *ip::Prefix::parse("10.0.0.80/28");
  for (const auto& cidr : {with_block, without_block}) {
    k8s::BlockAffinity a;
    a.metadata.name = affinity_name("node-a", cidr);
    a.metadata.labels = affinity_labels("node-a", "host", ip::Family::v4);
    a.spec = {"pending", "node-a", "host", cidr.to_string(), "false", {}};
    REQUIRE(f.store.put(k8s::BlockAffinity::resource, k8s::encode(a)));
  }
  auto block = AllocationBlock::create(with_block, host_affinity("node-a"), "2026-12-06T00:00:00Z", 1);
  block.metadata().name = block_name(with_block);
  REQUIRE(f.store.put(k8s::IPAMBlock::resource, k8s::encode(block.resource())));
  f.pass(0s);
  CHECK(f.pass(5min).resolved_claims == 0);
  auto report = f.pass(11min);
  CHECK(report.resolved_claims == 2);
  auto affinities = f.affinities();
  REQUIRE(affinities.size() == 1);
  CHECK(affinities.front().spec.cidr == with_block.to_string());
  CHECK(affinities.front().spec.state == "confirmed");
}

TEST_CASE("collector: an incremental scan of other nodes keeps the suspects it did not look at") {
  CollectorFixture f;
  f.allocate("node-a", "default", "gone-a");
  f.pass(0s);
  auto snapshot = f.run(read_snapshot(f.store, true));
  REQUIRE(snapshot);
  f.now += 10min;
  f.collector.observe(*snapshot, ScanScope::of({"node-b"}));
  CHECK(f.collector.candidates().size() == 1);
  f.now += 6min;
  f.collector.observe(*snapshot, ScanScope::of({"node-a"}));
  CHECK(f.collect().released_addresses == 1);
}

TEST_CASE("collector: with a grace period of zero, addresses are never collected") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 28);
  LeakCollector collector(f.store, f.allocator, CollectorSettings{0s, 500}, [&] { return f.now; });
  auto r = f.request("node-a", "h", 1);
  REQUIRE(f.run(f.allocator.auto_assign(r)));
  for (int i = 0; i < 3; ++i) {
    auto s = f.run(read_snapshot(f.store, true));
    collector.observe(*s, ScanScope::all());
    f.now += 1h;
    CHECK(f.run(collector.collect()).released_addresses == 0);
  }
  CHECK(f.allocated().size() == 1);
}
