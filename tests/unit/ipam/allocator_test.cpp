// The allocator's protocol rules, against the in-memory store.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "ipam/block/names.hpp"
#include "ipam/store/typed_store.hpp"
#include "tests/unit/ipam/ipam_test_support.hpp"

using namespace sluice;
using namespace sluice::ipam;
using sluice::testing::describe;
using sluice::testing::IpamFixture;

namespace {

ip::Prefix prefix(std::string_view text) { return *ip::Prefix::parse(text); }
ip::Address address(std::string_view text) { return *ip::Address::parse(text); }

k8s::IPAMConfigSpec strict() {
  k8s::IPAMConfigSpec spec;
  spec.strict_affinity = true;
  return spec;
}

std::vector<k8s::IPAMHandle> handles(IpamFixture& f) { return f.snapshot().handles; }

InjectedFault fault(k8s::ApiErrorKind kind, int status, bool after_effect = false) {
  return InjectedFault{after_effect, k8s::ApiError{kind, status, "Injected", "injected by the test", std::nullopt}};
}

}  // namespace

TEST_CASE("allocator: the first allocation claims a block: pending, then the block, then confirmed") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto result = f.assign("node-a", "h1", 1);
  REQUIRE(result.ipv4.size() == 1);
  const auto& got = result.ipv4.front();
  CHECK(got.block.length() == 26);
  CHECK(prefix("10.0.0.0/24").contains(got.block));
  CHECK(got.block.contains(got.address));
  CHECK(!got.borrowed);

  auto affinities = f.affinities();
  REQUIRE(affinities.size() == 1);
  const auto& a = affinities.front();
  CHECK(a.metadata.name == affinity_name("node-a", got.block));
  CHECK(a.spec.state == "confirmed");
  CHECK(a.spec.node == "node-a");
  CHECK(a.spec.type == "host");
  CHECK(a.spec.cidr == got.block.to_string());
  CHECK(a.spec.deleted == "false");
  CHECK(a.metadata.labels == affinity_labels("node-a", "host", ip::Family::v4));

  auto snapshot = f.snapshot();
  REQUIRE(snapshot.blocks.size() == 1);
  const auto& block = snapshot.blocks.front();
  CHECK(block.resource().metadata.name == block_name(got.block));
  CHECK(block.affinity() == std::optional<std::string>("host:node-a"));
  CHECK(block.resource().spec.affinity_claim_time == std::optional<std::string>("2026-12-06T00:00:00Z"));
  CHECK(block.owner(*block.ordinal_of(got.address))->attributes.at("pod") == "h1");
  CHECK(got.sequence_number == *block.sequence_for(*block.ordinal_of(got.address)));

  REQUIRE(snapshot.handles.size() == 1);
  CHECK(snapshot.handles.front().metadata.name == "h1");
  CHECK(snapshot.handles.front().spec.block == std::map<std::string, int>{{got.block.to_string(), 1}});
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: later allocations come from the held block, in FIFO order, with no list of blocks") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto first = f.assign("node-a", "h1", 1).ipv4.front();
  f.store.reset_counts();
  auto second = f.assign("node-a", "h2", 2).ipv4;
  CHECK(f.store.count(StoreVerb::list, "ipamblocks") == 0);
  CHECK(f.store.count(StoreVerb::get, "ipamblocks") == 1);
  CHECK(f.store.count(StoreVerb::list, "blockaffinities") == 1);
  REQUIRE(second.size() == 2);
  CHECK(second[0].block == first.block);
  CHECK(*second[0].address.minus(first.address) == 1);
  CHECK(*second[1].address.minus(first.address) == 2);
  CHECK(f.allocated().size() == 3);
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: a host walks its blocks in the same order, and other hosts start elsewhere") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/16", 26);
  const auto a1 = f.assign("node-a", "h1", 1).ipv4.front().block;
  const auto b1 = f.assign("node-b", "h2", 1).ipv4.front().block;
  CHECK(a1 != b1);
  // Same host, fresh store: the same first block.
  IpamFixture g;
  g.add_pool("pool-a", "10.0.0.0/16", 26);
  CHECK(g.assign("node-a", "h9", 1).ipv4.front().block == a1);
}

TEST_CASE("allocator: a request that cannot be met in full takes nothing") {
  IpamFixture f;
  f.add_pool("tiny", "10.0.0.0/30", 30);
  f.set_ipam_config(strict());
  auto request = f.request("node-a", "h1", 5);
  auto result = f.run(f.allocator.auto_assign(request));
  REQUIRE(!result);
  CHECK(result.error().code == kExhausted);
  CHECK(result.error().message == "no free IPv4 address for host node-a: 1 more needed");
  CHECK(f.allocated().empty());
  CHECK(handles(f).empty());
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: dual-stack requests get one address of each family") {
  IpamFixture f;
  f.add_pool("v4", "10.0.0.0/24", 26);
  f.add_pool("v6", "fd00:10::/112", 122);
  auto result = f.assign("node-a", "h1", 1, 1);
  REQUIRE(result.ipv4.size() == 1);
  REQUIRE(result.ipv6.size() == 1);
  CHECK(result.ipv6.front().address.is_v6());
  CHECK(result.ipv6.front().block.length() == 122);
  CHECK(prefix("fd00:10::/112").contains(result.ipv6.front().block));
  auto affinities = f.affinities();
  CHECK(affinities.size() == 2);
  CHECK(handles(f).front().spec.block.size() == 2);
  CHECK(f.problems().empty());

  // With no IPv6 pool the whole request fails, and the IPv4 address is given back.
  IpamFixture g;
  g.add_pool("v4", "10.0.0.0/24", 26);
  auto request = g.request("node-a", "h1", 1, 1);
  auto failed = g.run(g.allocator.auto_assign(request));
  REQUIRE(!failed);
  CHECK(failed.error().code == kNoPools);
  CHECK(g.allocated().empty());
}

TEST_CASE("allocator: maxBlocksPerHost caps the blocks a host may claim") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 30);
  auto config = strict();
  config.max_blocks_per_host = 1;
  f.set_ipam_config(config);
  f.assign("node-a", "h1", 4);
  auto request = f.request("node-a", "h2", 1);
  auto result = f.run(f.allocator.auto_assign(request));
  REQUIRE(!result);
  CHECK(result.error().code == kBlockLimit);
  CHECK(result.error().message == "host node-a holds its limit of 1 blocks and they have no free IPv4 address");
  CHECK(f.affinities().size() == 1);
}

TEST_CASE("allocator: without autoAllocateBlocks a host uses only the blocks it already has") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto config = strict();
  config.auto_allocate_blocks = false;
  f.set_ipam_config(config);
  auto request = f.request("node-a", "h1", 1);
  auto result = f.run(f.allocator.auto_assign(request));
  REQUIRE(!result);
  CHECK(result.error().code == kExhausted);
  CHECK(f.affinities().empty());
}

TEST_CASE("allocator: with strictAffinity off a host borrows from others' blocks; with it on, it may not") {
  for (bool strict_affinity : {false, true}) {
    CAPTURE(strict_affinity);
    IpamFixture f;
    f.add_pool("small", "10.0.0.0/29", 30);  // two blocks of four
    if (strict_affinity) f.set_ipam_config(strict());
    auto a = f.assign("node-a", "h1", 2).ipv4;
    auto b = f.assign("node-b", "h2", 4).ipv4;
    CHECK(a.front().block != b.front().block);
    auto request = f.request("node-c", "h3", 1);
    auto c = f.run(f.allocator.auto_assign(request));
    if (strict_affinity) {
      REQUIRE(!c);
      CHECK(c.error().code == kExhausted);
      continue;
    }
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    const auto& borrowed = c->ipv4.front();
    CHECK(borrowed.borrowed);
    CHECK(borrowed.block == a.front().block);  // the only block with room
    CHECK(f.affinities().size() == 2);         // node-c holds no block
    CHECK(f.problems().empty());
  }
}

TEST_CASE("allocator: release by address is guarded by the sequence number seen at allocation") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto got = f.assign("node-a", "h1", 1).ipv4.front();

  const std::vector<ReleaseOptions> stale{{got.address, "h1", got.sequence_number + 1}};
  auto refused = f.run(f.allocator.release_ips(stale));
  REQUIRE(!refused);
  CHECK(refused.error().code == kBadSequenceNumber);
  CHECK(f.allocated().size() == 1);

  const std::vector<ReleaseOptions> wrong_handle{{got.address, "someone-else", std::nullopt}};
  CHECK(f.run(f.allocator.release_ips(wrong_handle)).error().code == kBadHandle);

  const std::vector<ReleaseOptions> good{{got.address, "h1", got.sequence_number}};
  auto released = f.run(f.allocator.release_ips(good));
  REQUIRE(released);
  CHECK(released->released == std::vector<ip::Address>{got.address});
  CHECK(f.allocated().empty());
  CHECK(handles(f).empty());  // its count reached zero
  // Releasing again is fine: nothing is there.
  auto again = f.run(f.allocator.release_ips(good));
  REQUIRE(again);
  CHECK(again->not_allocated == std::vector<ip::Address>{got.address});
  // Outside every block and pool: not allocated either.
  const std::vector<ReleaseOptions> nowhere{{address("192.168.0.1"), "", std::nullopt}};
  CHECK(f.run(f.allocator.release_ips(nowhere))->not_allocated.size() == 1);
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: a stale release cannot free an address that was given out again") {
  IpamFixture f;
  f.add_pool("tiny", "10.0.0.0/30", 30);
  f.set_ipam_config(strict());
  auto first = f.assign("node-a", "h1", 4).ipv4;
  const auto victim = first[2];
  const std::vector<ReleaseOptions> release{{victim.address, "", victim.sequence_number}};
  REQUIRE(f.run(f.allocator.release_ips(release)));
  auto again = f.assign("node-a", "h2", 1).ipv4.front();
  CHECK(again.address == victim.address);  // the only free address
  CHECK(again.sequence_number != victim.sequence_number);
  // The collector acting on what it saw before must not free h2's address.
  auto stale = f.run(f.allocator.release_ips(release));
  REQUIRE(!stale);
  CHECK(stale.error().code == kBadSequenceNumber);
  CHECK(f.allocated().at(victim.address) == "h2");
}

TEST_CASE("allocator: release by handle frees every address of the handle, then the handle") {
  IpamFixture f;
  f.add_pool("v4", "10.0.0.0/24", 26);
  f.add_pool("v6", "fd00::/120", 122);
  f.assign("node-a", "h1", 2, 1);
  f.assign("node-a", "h2", 1);
  auto released = f.run(f.allocator.release_by_handle("h1"));
  REQUIRE(released);
  CHECK(released->size() == 3);
  auto left = f.allocated();
  CHECK(left.size() == 1);
  CHECK(left.begin()->second == "h2");
  CHECK(handles(f).size() == 1);
  auto missing = f.run(f.allocator.release_by_handle("h1"));
  REQUIRE(!missing);
  CHECK(missing.error().code == kNotFound);
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: a block write that fails undoes the handle increment") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  f.assign("node-a", "h0", 1);
  int updates = 0;
  f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
    if (op.verb == StoreVerb::update && op.plural == "ipamblocks" && updates++ == 0)
      return fault(k8s::ApiErrorKind::internal_error, 500);
    return std::nullopt;
  });
  auto request = f.request("node-a", "h1", 1);
  auto result = f.run(f.allocator.auto_assign(request));
  REQUIRE(!result);
  CHECK(result.error().code == kDatastore);
  f.store.set_fault_hook({});
  CHECK(f.allocated().size() == 1);
  CHECK(handles(f).size() == 1);  // only h0's
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: lost compare-and-swaps are retried; a write whose answer was lost is recognised") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  f.assign("node-a", "h0", 1);
  SUBCASE("conflicts") {
    int updates = 0;
    f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
      if (op.verb == StoreVerb::update && op.plural == "ipamblocks" && updates++ < 3)
        return fault(k8s::ApiErrorKind::conflict, 409);
      return std::nullopt;
    });
    auto result = f.assign("node-a", "h1", 1);
    CHECK(updates == 4);
  }
  SUBCASE("a lost response") {
    int updates = 0;
    f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
      if (op.verb == StoreVerb::update && op.plural == "ipamblocks" && updates++ == 0)
        return fault(k8s::ApiErrorKind::timeout, 504, true);
      return std::nullopt;
    });
    auto result = f.assign("node-a", "h1", 1);
    CHECK(updates == 1);
  }
  f.store.set_fault_hook({});
  CHECK(f.allocated().size() == 2);
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
  auto h = handles(f);
  REQUIRE(h.size() == 2);
  for (const auto& handle : h) CHECK(handle.spec.block.begin()->second == 1);
}

TEST_CASE("allocator: a fixed address claims its block and is refused when taken") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  AssignIPRequest request{address("10.0.0.77"), "h1", {{"pod", "p"}, {"namespace", "default"}}, "node-a"};
  auto got = f.run(f.allocator.assign_ip(request));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->block == prefix("10.0.0.64/26"));
  CHECK(!got->borrowed);
  CHECK(f.affinities().front().spec.cidr == "10.0.0.64/26");
  auto twice = f.run(f.allocator.assign_ip(request));
  REQUIRE(!twice);
  CHECK(twice.error().code == kAlreadyAllocated);
  AssignIPRequest outside{address("10.1.0.1"), "h2", {}, "node-a"};
  CHECK(f.run(f.allocator.assign_ip(outside)).error().code == kNotInPool);
  // Another host may take a free address of node-a's block when affinity is not strict.
  AssignIPRequest other{address("10.0.0.78"), "h3", {}, "node-b"};
  auto borrowed = f.run(f.allocator.assign_ip(other));
  REQUIRE(borrowed);
  CHECK(borrowed->borrowed);
  auto info = f.run(f.allocator.address_info(address("10.0.0.78")));
  REQUIRE(info);
  CHECK(info->allocated);
  CHECK(info->owner.handle_id == "h3");
  CHECK(info->block_affinity == std::optional<std::string>("host:node-a"));
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: reserved addresses and wholly reserved blocks are never handed out") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/25", 26);
  f.reserve("r1", {"10.0.0.0/30", "10.0.0.64/26", "10.0.0.10"});
  f.set_ipam_config(strict());
  auto got = f.assign("node-a", "h1", 59).ipv4;
  for (const auto& a : got) {
    CHECK(!prefix("10.0.0.0/30").contains(a.address));
    CHECK(!prefix("10.0.0.64/26").contains(a.address));
    CHECK(a.address != address("10.0.0.10"));
  }
  auto request = f.request("node-a", "h2", 1);
  CHECK(f.run(f.allocator.auto_assign(request)).error().code == kExhausted);
  CHECK(f.snapshot().blocks.size() == 1);
}

TEST_CASE("allocator: pools are chosen by state, use, node and namespace, and as requested") {
  IpamFixture f;
  f.add_pool("a-disabled", "10.1.0.0/24", 26, [](k8s::IPPool& p) { p.spec.disabled = true; });
  f.add_pool("b-tunnels", "10.2.0.0/24", 26, [](k8s::IPPool& p) { p.spec.allowed_uses = {"Tunnel"}; });
  f.add_pool("c-zone-b", "10.3.0.0/24", 26, [](k8s::IPPool& p) { p.spec.node_selector = "zone == 'b'"; });
  f.add_pool("d-team-x", "10.4.0.0/24", 26, [](k8s::IPPool& p) { p.spec.namespace_selector = "team == 'x'"; });
  f.add_pool("e-general", "10.5.0.0/24", 26);
  f.add_pool("f-invalid", "10.6.0.1/24", 26);
  f.add_node("node-a", {{"zone", "a"}});
  f.add_node("node-b", {{"zone", "b"}});
  f.add_namespace("x-ns", {{"team", "x"}});

  auto in = [](const AutoAssignResult& r, std::string_view pool) { return prefix(pool).contains(r.ipv4.front().address); };
  auto a = f.assign("node-a", "h1", 1);
  CHECK(in(a, "10.5.0.0/24"));  // zone a, no namespace: only the general pool
  auto b = f.assign("node-b", "h2", 1);
  CHECK(in(b, "10.3.0.0/24"));  // zone b comes first by name

  // Fresh hosts, so that no block they already hold decides (held blocks are used first).
  auto team = f.request("node-c", "h3", 1);
  team.pod_namespace = "x-ns";
  auto t = f.run(f.allocator.auto_assign(team));
  REQUIRE(t);
  CHECK(in(*t, "10.4.0.0/24"));

  auto tunnel = f.request("node-d", "h4", 1);
  tunnel.use = PoolUse::tunnel;
  auto u = f.run(f.allocator.auto_assign(tunnel));
  REQUIRE(u);
  CHECK(in(*u, "10.2.0.0/24"));

  auto named = f.request("node-b", "h5", 1);
  named.ipv4_pools = {prefix("10.5.0.0/24")};
  auto n = f.run(f.allocator.auto_assign(named));
  REQUIRE(n);
  CHECK(in(*n, "10.5.0.0/24"));

  auto disabled = f.request("node-a", "h6", 1);
  disabled.ipv4_pools = {prefix("10.1.0.0/24")};
  auto d = f.run(f.allocator.auto_assign(disabled));
  REQUIRE(!d);
  CHECK(d.error().message == "the requested pool 10.1.0.0/24 does not exist or is disabled");

  IpamFixture g;
  g.add_pool("only-zone-b", "10.3.0.0/24", 26, [](k8s::IPPool& p) { p.spec.node_selector = "zone == 'b'"; });
  auto none = g.request("node-a", "h1", 1);
  auto e = g.run(g.allocator.auto_assign(none));
  REQUIRE(!e);
  CHECK(e.error().code == kNoPools);
  CHECK(e.error().message ==
        "no enabled IPv4 pool can be used by host node-a (only-zone-b does not select node node-a)");
}

TEST_CASE("allocator: an empty block of another host is reclaimed only after a minute") {
  IpamFixture f;
  f.add_pool("one-block", "10.0.0.0/30", 30);
  f.set_ipam_config(strict());
  f.assign("node-a", "h1", 1);
  REQUIRE(f.run(f.allocator.release_by_handle("h1")));
  auto request = f.request("node-b", "h2", 1);
  CHECK(f.run(f.allocator.auto_assign(request)).error().code == kExhausted);
  f.now += std::chrono::seconds(61);
  auto got = f.run(f.allocator.auto_assign(request));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  auto affinities = f.affinities();
  REQUIRE(affinities.size() == 1);
  CHECK(affinities.front().spec.node == "node-b");
  CHECK(f.snapshot().blocks.front().affine_to_host("node-b"));
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: with ipCooldownSeconds a released address waits before it is reused") {
  IpamFixture f;
  f.add_pool("one-block", "10.0.0.0/30", 30);
  auto config = strict();
  config.ip_cooldown_seconds = 60;
  f.set_ipam_config(config);
  auto first = f.assign("node-a", "h1", 1).ipv4.front();
  REQUIRE(f.run(f.allocator.release_by_handle("h1")));
  auto others = f.assign("node-a", "h2", 3).ipv4;
  for (const auto& a : others) CHECK(a.address != first.address);
  auto request = f.request("node-a", "h3", 1);
  CHECK(f.run(f.allocator.auto_assign(request)).error().code == kExhausted);
  f.now += std::chrono::seconds(60);
  auto again = f.run(f.allocator.auto_assign(request));
  REQUIRE(again);
  CHECK(again->ipv4.front().address == first.address);
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: giving up an affinity deletes an empty block and un-affines a busy one") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto got = f.assign("node-a", "h1", 1).ipv4.front();
  auto refused = f.run(f.allocator.release_affinity("node-a", got.block, true));
  REQUIRE(!refused);
  CHECK(refused.error().code == kBlockNotEmpty);
  CHECK(f.affinities().front().spec.state == "confirmed");  // left as it was

  REQUIRE(f.run(f.allocator.release_affinity("node-a", got.block, false)));
  CHECK(f.affinities().empty());
  auto snapshot = f.snapshot();
  REQUIRE(snapshot.blocks.size() == 1);
  CHECK(!snapshot.blocks.front().affinity());
  CHECK(f.allocated().size() == 1);

  // Once its last address goes, the unaffine block goes too.
  REQUIRE(f.run(f.allocator.release_by_handle("h1")));
  CHECK(f.snapshot().blocks.empty());

  auto other = f.assign("node-a", "h2", 1).ipv4.front();
  REQUIRE(f.run(f.allocator.release_by_handle("h2")));
  REQUIRE(f.run(f.allocator.release_affinity("node-a", other.block, true)));
  CHECK(f.snapshot().blocks.empty());
  CHECK(f.affinities().empty());
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: a claim cut short leaves a pending affinity, and the next allocation finishes it") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
    if (op.verb == StoreVerb::create && op.plural == "ipamblocks") return fault(k8s::ApiErrorKind::internal_error, 500);
    return std::nullopt;
  });
  auto request = f.request("node-a", "h1", 1);
  auto failed = f.run(f.allocator.auto_assign(request));
  REQUIRE(!failed);
  auto pending = f.affinities();
  REQUIRE(pending.size() == 1);
  CHECK(pending.front().spec.state == "pending");
  auto problems = f.problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems.front().starts_with("pending-affinity "));

  f.store.set_fault_hook({});
  auto got = f.assign("node-a", "h1", 1).ipv4.front();
  auto confirmed = f.affinities();
  REQUIRE(confirmed.size() == 1);
  CHECK(confirmed.front().spec.state == "confirmed");
  CHECK(confirmed.front().spec.cidr == got.block.to_string());
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: soft-deleted objects are absent to readers, who finish deleting them") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  k8s::IPAMHandle stale;
  stale.metadata.name = "h1";
  stale.spec.handle_id = "h1";
  stale.spec.block["10.9.9.0/26"] = 3;
  stale.spec.deleted = true;
  REQUIRE(f.store.put(k8s::IPAMHandle::resource, k8s::encode(stale)));
  f.assign("node-a", "h1", 1);
  auto h = handles(f);
  REQUIRE(h.size() == 1);
  CHECK(!h.front().spec.deleted);
  CHECK(h.front().spec.block.size() == 1);
  CHECK(!h.front().spec.block.count("10.9.9.0/26"));
}

TEST_CASE("allocator: a node's affinities are released together; busy blocks can be kept") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 30);
  f.set_ipam_config(strict());
  f.assign("node-a", "h1", 4);  // one full block
  f.assign("node-a", "h2", 1);  // a second block
  REQUIRE(f.run(f.allocator.release_by_handle("h2")));
  auto kept = f.run(f.allocator.release_host_affinities("node-a", true));
  REQUIRE(kept);
  CHECK(*kept == 1);  // only the empty one
  CHECK(f.affinities().size() == 1);
  auto all = f.run(f.allocator.release_host_affinities("node-a", false));
  REQUIRE(all);
  CHECK(*all == 1);
  CHECK(f.affinities().empty());
  CHECK(f.allocated().size() == 4);
  CHECK(f.problems().empty());
}

TEST_CASE("allocator: bad requests are refused precisely") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto no_handle = f.request("node-a", "", 1);
  CHECK(f.run(f.allocator.auto_assign(no_handle)).error().message == "an allocation needs a handle ID");
  auto no_host = f.request("", "h1", 1);
  CHECK(f.run(f.allocator.auto_assign(no_host)).error().message == "an allocation needs a host name");
  auto negative = f.request("node-a", "h1", -1);
  CHECK(f.run(f.allocator.auto_assign(negative)).error().code == kInvalidRequest);
}

TEST_CASE("allocator: a block made under a pending affinity (a crash before confirming) is confirmed before use") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  const auto cidr = prefix("10.0.0.128/26");
  k8s::BlockAffinity pending;
  pending.metadata.name = affinity_name("node-a", cidr);
  pending.metadata.labels = affinity_labels("node-a", "host", ip::Family::v4);
  pending.spec = {"pending", "node-a", "host", cidr.to_string(), "false", {}};
  REQUIRE(f.store.put(k8s::BlockAffinity::resource, k8s::encode(pending)));
  auto block = AllocationBlock::create(cidr, host_affinity("node-a"), "2026-12-06T00:00:00Z", 7);
  block.metadata().name = block_name(cidr);
  REQUIRE(f.store.put(k8s::IPAMBlock::resource, k8s::encode(block.resource())));

  auto got = f.assign("node-a", "h1", 1).ipv4.front();
  CHECK(got.block == cidr);
  auto affinities = f.affinities();
  REQUIRE(affinities.size() == 1);
  CHECK(affinities.front().spec.state == "confirmed");
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: handle and release writes whose answers are lost are recognised, not applied twice") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  f.assign("node-a", "h0", 1);
  auto lose_first = [&](StoreVerb verb, std::string_view plural) {
    auto seen = std::make_shared<int>(0);
    f.store.set_fault_hook([=](const StoreOperation& op) -> std::optional<InjectedFault> {
      if (op.verb == verb && op.plural == plural && (*seen)++ == 0)
        return fault(k8s::ApiErrorKind::transport, 0, true);
      return std::nullopt;
    });
  };
  SUBCASE("the handle's creation") {
    lose_first(StoreVerb::create, "ipamhandles");
    f.assign("node-a", "h1", 1);
  }
  SUBCASE("the handle's increment") {
    f.assign("node-a", "h1", 1);
    lose_first(StoreVerb::update, "ipamhandles");
    f.assign("node-a", "h1", 1);  // the same owner again: an update of its handle
  }
  SUBCASE("a release by address") {
    auto got = f.assign("node-a", "h1", 2).ipv4;
    lose_first(StoreVerb::update, "ipamblocks");
    const std::vector<ReleaseOptions> release{{got[0].address, "h1", got[0].sequence_number}};
    auto released = f.run(f.allocator.release_ips(release));
    REQUIRE_MESSAGE(released.ok(), released.error().message);
    CHECK(released->released.size() == 1);
  }
  SUBCASE("a release by handle") {
    f.assign("node-a", "h1", 2);
    lose_first(StoreVerb::update, "ipamblocks");
    auto released = f.run(f.allocator.release_by_handle("h1"));
    REQUIRE_MESSAGE(released.ok(), released.error().message);
    CHECK(released->size() == 2);
  }
  f.store.set_fault_hook({});
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}

TEST_CASE("allocator: compare-and-swap retries are bounded, and giving up leaves the store consistent") {
  IpamFixture f;
  f.add_pool("pool-a", "10.0.0.0/24", 26);
  f.assign("node-a", "h0", 1);
  int conflicts = 0;
  f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
    if (op.verb == StoreVerb::update && op.plural == "ipamblocks") {
      ++conflicts;
      return fault(k8s::ApiErrorKind::conflict, 409);
    }
    return std::nullopt;
  });
  auto request = f.request("node-a", "h1", 1);
  auto result = f.run(f.allocator.auto_assign(request));
  REQUIRE(!result);
  CHECK(result.error().code == kRetriesExhausted);
  CHECK(conflicts == 100);  // Calico's datastoreRetries
  f.store.set_fault_hook({});
  CHECK(f.allocated().size() == 1);
  CHECK_MESSAGE(f.problems().empty(), describe(f.problems()));
}
