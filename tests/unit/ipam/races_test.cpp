// The races Calico has met (reference/calico.md §1.5, §8), played out against the
// in-memory store with concurrent callers interleaved at every store operation in
// seeded-random orders: same-host and cross-host claim races, release during a claim,
// two hosts reclaiming one empty block, allocation during an affinity release, and a
// random mix. After each, no address is held twice and the store is consistent.
#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <random>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "tests/unit/ipam/ipam_test_support.hpp"

using namespace sluice;
using namespace sluice::ipam;
using sluice::testing::describe;
using sluice::testing::IpamFixture;

namespace {

// Seeds per race: 40 in the test run; SLUICE_RACE_SEEDS=N for a longer hunt by hand.
int seeds(int fallback = 40) {
  const char* env = std::getenv("SLUICE_RACE_SEEDS");
  return env && std::atoi(env) > 0 ? std::atoi(env) : fallback;
}

k8s::IPAMConfigSpec strict() {
  k8s::IPAMConfigSpec spec;
  spec.strict_affinity = true;
  return spec;
}

// Runs every task concurrently on the fixture's io_context until all finish.
void run_concurrently(IpamFixture& f, std::vector<std::function<boost::asio::awaitable<void>()>> tasks) {
  int done = 0;
  for (auto& task : tasks)
    boost::asio::co_spawn(
        f.io,
        [&done, t = std::move(task)]() -> boost::asio::awaitable<void> {
          co_await t();
          ++done;
        },
        boost::asio::detached);
  f.io.restart();
  f.io.run();
  REQUIRE(done == static_cast<int>(tasks.size()));
}

// The whole store is consistent and the expected number of addresses is held, once each.
void check_settled(IpamFixture& f, std::size_t expected_addresses) {
  f.store.set_interleaving(0, 0);
  auto problems = f.problems();
  CHECK_MESSAGE(problems.empty(), describe(problems));
  CHECK(f.allocated().size() == expected_addresses);
}

}  // namespace

TEST_CASE("race: processes of one host claiming at once share one block") {
  for (int seed = 1; seed <= seeds(); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("pool-a", "10.0.0.0/16", 26);
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 3);
    std::vector<Result<AutoAssignResult>> results(6, Error{"not run"});
    std::vector<AutoAssignRequest> requests;
    for (int i = 0; i < 6; ++i) requests.push_back(f.request("node-a", "h" + std::to_string(i), 1));
    std::vector<std::function<boost::asio::awaitable<void>()>> tasks;
    for (int i = 0; i < 6; ++i)
      tasks.push_back([&, i]() -> boost::asio::awaitable<void> {
        results[static_cast<std::size_t>(i)] = co_await f.allocator.auto_assign(requests[static_cast<std::size_t>(i)]);
      });
    run_concurrently(f, std::move(tasks));
    for (const auto& r : results) REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    check_settled(f, 6);
    CHECK(f.snapshot().blocks.size() == 1);
    CHECK(f.affinities().size() == 1);
  }
}

TEST_CASE("race: hosts claiming from one small pool never share a block or an address") {
  for (int seed = 1; seed <= seeds(); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("small", "10.0.0.0/27", 29);  // four blocks of eight
    f.set_ipam_config(strict());
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 4);
    std::vector<Result<AutoAssignResult>> results(4, Error{"not run"});
    std::vector<AutoAssignRequest> requests;
    for (int i = 0; i < 4; ++i) requests.push_back(f.request("node-" + std::to_string(i), "h" + std::to_string(i), 5));
    std::vector<std::function<boost::asio::awaitable<void>()>> tasks;
    for (int i = 0; i < 4; ++i)
      tasks.push_back([&, i]() -> boost::asio::awaitable<void> {
        results[static_cast<std::size_t>(i)] = co_await f.allocator.auto_assign(requests[static_cast<std::size_t>(i)]);
      });
    run_concurrently(f, std::move(tasks));
    for (const auto& r : results) REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    check_settled(f, 20);
    auto snapshot = f.snapshot();
    CHECK(snapshot.blocks.size() == 4);
    std::set<std::string> owners;
    for (const auto& b : snapshot.blocks) owners.insert(b.affinity().value_or(""));
    CHECK(owners.size() == 4);  // one block each
    for (const auto& a : snapshot.affinities) CHECK(a.spec.state == "confirmed");
  }
}

TEST_CASE("race: releases while another process of the host claims and allocates") {
  for (int seed = 1; seed <= seeds(); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("pool-a", "10.0.0.0/24", 28);
    f.set_ipam_config(strict());
    f.assign("node-a", "old-1", 8);
    f.assign("node-a", "old-2", 8);  // the first block is full
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 4);
    std::vector<AutoAssignRequest> requests{f.request("node-a", "new-1", 3), f.request("node-a", "new-2", 12)};
    Result<AutoAssignResult> r1 = Error{"not run"}, r2 = Error{"not run"};
    Result<std::vector<ip::Address>> freed = Error{"not run"};
    run_concurrently(f, {[&]() -> boost::asio::awaitable<void> { r1 = co_await f.allocator.auto_assign(requests[0]); },
                         [&]() -> boost::asio::awaitable<void> { r2 = co_await f.allocator.auto_assign(requests[1]); },
                         [&]() -> boost::asio::awaitable<void> {
                           freed = co_await f.allocator.release_by_handle("old-1");
                         }});
    REQUIRE_MESSAGE(r1.ok(), r1.error().message);
    REQUIRE_MESSAGE(r2.ok(), r2.error().message);
    REQUIRE_MESSAGE(freed.ok(), freed.error().message);
    CHECK(freed->size() == 8);
    check_settled(f, 8 + 3 + 12);
  }
}

TEST_CASE("race: two hosts reclaiming the same empty block: one wins, nothing is lost") {
  for (int seed = 1; seed <= seeds(); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("one-block", "10.0.0.0/29", 29);
    f.set_ipam_config(strict());
    f.assign("node-old", "h0", 1);
    REQUIRE(f.run(f.allocator.release_by_handle("h0")));
    f.now += std::chrono::minutes(2);
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 4);
    std::vector<AutoAssignRequest> requests{f.request("node-a", "ha", 2), f.request("node-b", "hb", 2)};
    Result<AutoAssignResult> ra = Error{"not run"}, rb = Error{"not run"};
    run_concurrently(f, {[&]() -> boost::asio::awaitable<void> { ra = co_await f.allocator.auto_assign(requests[0]); },
                         [&]() -> boost::asio::awaitable<void> { rb = co_await f.allocator.auto_assign(requests[1]); }});
    CHECK(ra.ok() + rb.ok() == 1);
    const auto& loser = ra.ok() ? rb : ra;
    CHECK(loser.error().code == kExhausted);
    check_settled(f, 2);
    auto snapshot = f.snapshot();
    REQUIRE(snapshot.blocks.size() == 1);
    CHECK(snapshot.blocks.front().affine_to_host(ra.ok() ? "node-a" : "node-b"));
    REQUIRE(snapshot.affinities.size() == 1);
  }
}

TEST_CASE("race: allocation while the host gives up the block's affinity") {
  for (int seed = 1; seed <= seeds(); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("pool-a", "10.0.0.0/24", 26);
    auto first = f.assign("node-a", "h0", 1).ipv4.front();
    REQUIRE(f.run(f.allocator.release_by_handle("h0")));
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 4);
    auto request = f.request("node-a", "h1", 2);
    Result<AutoAssignResult> got = Error{"not run"};
    Status released;
    run_concurrently(f, {[&]() -> boost::asio::awaitable<void> { got = co_await f.allocator.auto_assign(request); },
                         [&]() -> boost::asio::awaitable<void> {
                           released = co_await f.allocator.release_affinity("node-a", first.block, true);
                         }});
    REQUIRE_MESSAGE(got.ok(), got.error().message);
    // The release either happened before the allocation (which then claimed afresh), or
    // found the block busy and left it, or lost the affinity to the allocation's claim.
    if (!released.ok())
      CHECK_MESSAGE((released.error().code == kBlockNotEmpty || released.error().code == kClaimConflict),
                    released.error().message);
    check_settled(f, 2);
    for (const auto& a : f.affinities()) CHECK(a.spec.state == "confirmed");
  }
}

TEST_CASE("race: a random mix of allocations and releases by many hosts stays consistent") {
  for (int seed = 1; seed <= seeds(12); ++seed) {
    CAPTURE(seed);
    IpamFixture f;
    f.add_pool("v4", "10.0.0.0/25", 29);
    f.add_pool("v6", "fd00::/120", 125);
    f.store.set_interleaving(static_cast<std::uint64_t>(seed), 3);
    std::mt19937 random(static_cast<unsigned>(seed));
    // Each worker allocates and releases in a loop; some conflicts are injected too.
    std::uniform_int_distribution<int> coin(0, 99);
    f.store.set_fault_hook([&](const StoreOperation& op) -> std::optional<InjectedFault> {
      if (op.verb == StoreVerb::update && coin(random) < 5)
        return InjectedFault{false, k8s::ApiError{k8s::ApiErrorKind::conflict, 409, "Conflict", "injected", {}}};
      return std::nullopt;
    });
    std::map<std::string, int> held;  // handle -> addresses, as the workers believe
    std::vector<std::function<boost::asio::awaitable<void>()>> tasks;
    for (int w = 0; w < 6; ++w)
      tasks.push_back([&, w]() -> boost::asio::awaitable<void> {
        const std::string host = "node-" + std::to_string(w % 3);
        for (int i = 0; i < 8; ++i) {
          const std::string handle = "w" + std::to_string(w) + "-" + std::to_string(i);
          const AutoAssignRequest request = f.request(host, handle, 1 + i % 2, i % 3 == 0 ? 1 : 0);
          auto got = co_await f.allocator.auto_assign(request);
          if (got) held[handle] = static_cast<int>(got->ipv4.size() + got->ipv6.size());
          if (i % 2 == 1) {
            const std::string previous = "w" + std::to_string(w) + "-" + std::to_string(i - 1);
            if (held.count(previous)) {
              auto freed = co_await f.allocator.release_by_handle(previous);
              if (freed) held.erase(previous);
            }
          }
        }
      });
    run_concurrently(f, std::move(tasks));
    f.store.set_fault_hook({});
    std::size_t expected = 0;
    for (const auto& [h, n] : held) expected += static_cast<std::size_t>(n);
    check_settled(f, expected);
    std::map<std::string, int> per_handle;
    for (const auto& [address, handle] : f.allocated()) ++per_handle[handle];
    CHECK(per_handle == held);
  }
}
