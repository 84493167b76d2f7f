#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "base/time/rfc3339.hpp"
#include "ipam/allocator/block_order.hpp"
#include "ipam/block/allocation_block.hpp"
#include "ipam/block/names.hpp"

using namespace sluice;
using namespace sluice::ipam;

namespace {

ip::Prefix prefix(std::string_view text) { return *ip::Prefix::parse(text); }
ip::Address address(std::string_view text) { return *ip::Address::parse(text); }

AllocationBlock block26() { return AllocationBlock::create(prefix("10.0.0.0/26"), host_affinity("node-a"), {}, 1000); }

Owner pod(std::string handle) { return Owner{std::move(handle), {{"pod", "p"}, {"namespace", "default"}}}; }

}  // namespace

TEST_CASE("names: blocks, affinities and handles are named exactly as Calico names them") {
  CHECK(block_name(prefix("10.244.1.0/26")) == "10-244-1-0-26");
  CHECK(block_name(prefix("fd00::/122")) == "fd00---122");
  CHECK(block_name(prefix("fd00:1:2::40/122")) == "fd00-1-2--40-122");
  CHECK(affinity_name("node-a", prefix("10.244.1.0/26")) == "node-a-10-244-1-0-26");
  CHECK(handle_name("k8s-pod-network.ABCdef") == "k8s-pod-network.abcdef");
  CHECK(host_affinity("node-a") == "host:node-a");

  // Calico's golden value for the hostname-hash label.
  CHECK(hostname_hash("node-a") == "PY3TQE2E3XMTETLM2MJO3UITKPFB27YUJ4T4E5XGPEJON3SM4QAA");
  auto labels = affinity_labels("node-a", kAffinityTypeHost, ip::Family::v6);
  CHECK(labels.at("projectcalico.org/hostname-hash") == hostname_hash("node-a"));
  CHECK(labels.at("projectcalico.org/affinity-type") == "host");
  CHECK(labels.at("projectcalico.org/ip-version") == "6");
}

TEST_CASE("names: an affinity name of 253 characters or more keeps a host prefix and a hash") {
  const std::string host(250, 'h');
  const std::string name = affinity_name(host, prefix("10.244.1.0/26"));
  CHECK(name.size() == 252);
  CHECK(name.starts_with(std::string(252 - 13 - 13, 'h') + "-10-244-1-0-26-"));
  CHECK(name != affinity_name(std::string(251, 'h'), prefix("10.244.1.0/26")));
  CHECK(affinity_name(std::string(238, 'h'), prefix("10.244.1.0/26")).size() == 252);  // under 253: kept whole
  CHECK(affinity_name(std::string(238, 'h'), prefix("10.244.1.0/26")).starts_with(std::string(238, 'h') + "-10"));
}

TEST_CASE("block: a new block lists every ordinal free in address order") {
  auto b = block26();
  CHECK(b.ordinal_count() == 64);
  CHECK(b.free_count({}) == 64);
  CHECK(b.empty());
  CHECK(b.resource().spec.unallocated.front() == 0);
  CHECK(b.resource().spec.unallocated.back() == 63);
  CHECK(b.address_at(5) == address("10.0.0.5"));
  CHECK(*b.ordinal_of(address("10.0.0.63")) == 63);
  CHECK(!b.ordinal_of(address("10.0.0.64")));
  CHECK(b.host() == std::optional<std::string_view>("node-a"));
  CHECK(b.affine_to_host("node-a"));
  CHECK(!b.affine_to_host("node-b"));
}

TEST_CASE("block: allocation takes from the head, release goes to the tail (the longest-free is reused first)") {
  auto b = block26();
  auto first = b.auto_assign(3, pod("h1"), {});
  CHECK(first == std::vector<int>{0, 1, 2});
  CHECK(b.resource().spec.attributes.size() == 1);  // one attribute entry shared by the three
  CHECK(b.owner(1)->handle_id == "h1");
  CHECK(b.free_count({}) == 61);

  auto released = b.release(std::vector<ReleaseRequest>{{address("10.0.0.1"), "h1", std::nullopt}});
  REQUIRE(released);
  CHECK(released->released == 1);
  CHECK(released->released_by_handle.at("h1") == 1);
  CHECK(b.resource().spec.unallocated.back() == 1);
  // 61 other free ordinals come before 1 is reused.
  auto next = b.auto_assign(61, pod("h2"), {});
  CHECK(std::find(next.begin(), next.end(), 1) == next.end());
  CHECK(b.auto_assign(1, pod("h3"), {}) == std::vector<int>{1});
  CHECK(b.free_count({}) == 0);
  CHECK(b.auto_assign(1, pod("h4"), {}).empty());
}

TEST_CASE("block: each allocation records the block's sequence number; a stale release is refused whole") {
  auto b = block26();
  b.auto_assign(1, pod("h1"), {});
  CHECK(b.sequence_for(0) == 1000u);
  b.bump_sequence_number();  // the write
  b.auto_assign(1, pod("h2"), {});
  CHECK(b.sequence_for(1) == 1001u);

  auto before = b.resource();
  std::vector<ReleaseRequest> stale{{address("10.0.0.1"), "", 1001}, {address("10.0.0.0"), "", 999}};
  auto refused = b.release(stale);
  REQUIRE(!refused);
  CHECK(refused.error().code == kBadSequenceNumber);
  CHECK(b.resource() == before);  // nothing changed

  std::vector<ReleaseRequest> wrong_owner{{address("10.0.0.0"), "h2", std::nullopt}};
  auto refused_handle = b.release(wrong_owner);
  REQUIRE(!refused_handle);
  CHECK(refused_handle.error().code == kBadHandle);

  std::vector<ReleaseRequest> good{{address("10.0.0.0"), "h1", 1000}};
  REQUIRE(b.release(good));
  CHECK(!b.sequence_for(0));
  CHECK(b.resource().spec.attributes.size() == 1);  // h1's entry went with its last ordinal
  CHECK(*b.resource().spec.allocations[1] == 0);     // h2's entry renumbered
  CHECK(b.owner(1)->handle_id == "h2");
}

TEST_CASE("block: releasing what is not allocated is not an error, and nothing is released twice") {
  auto b = block26();
  b.auto_assign(1, pod("h1"), {});
  std::vector<ReleaseRequest> twice{{address("10.0.0.0"), "", std::nullopt}, {address("10.0.0.0"), "", std::nullopt},
                                    {address("10.0.0.9"), "", 5}};
  auto out = b.release(twice);
  REQUIRE(out);
  CHECK(out->released == 1);
  CHECK(out->not_allocated == std::vector<ip::Address>{address("10.0.0.9")});
  CHECK(b.free_count({}) == 64);
  std::vector<ReleaseRequest> outside{{address("10.0.1.0"), "", std::nullopt}};
  CHECK(b.release(outside).error().code == kOutsideBlock);
}

TEST_CASE("block: release by handle frees every ordinal of that owner only") {
  auto b = block26();
  b.auto_assign(2, pod("h1"), {});
  b.auto_assign(1, pod("h2"), {});
  b.auto_assign(2, pod("h1"), {});  // same owner again: the same attribute entry
  CHECK(b.resource().spec.attributes.size() == 2);
  CHECK(b.ordinals_of_handle("h1") == std::vector<int>{0, 1, 3, 4});
  CHECK(b.release_by_handle("h1") == 4);
  CHECK(b.in_use_ordinals() == std::vector<int>{2});
  CHECK(b.release_by_handle("h1") == 0);
  CHECK(!b.empty());
  CHECK(b.release_by_handle("h2") == 1);
  CHECK(b.empty());
}

TEST_CASE("block: fixed assignment of one ordinal") {
  auto b = block26();
  REQUIRE(b.assign(10, pod("h1")));
  CHECK(b.owner(10)->handle_id == "h1");
  CHECK(b.free_count({}) == 63);
  CHECK(b.assign(10, pod("h2")).error().code == kAlreadyAllocated);
  CHECK(b.assign(64, pod("h2")).error().code == kOutsideBlock);
  CHECK(b.auto_assign(11, pod("h3"), {}).back() == 11);  // 0..9 and 11: 10 is skipped
}

TEST_CASE("block: reserved addresses are skipped but stay free; a wholly reserved block has nothing free") {
  auto b = block26();
  Reservations reserved({prefix("10.0.0.0/30"), prefix("10.0.0.8/32")});
  CHECK(b.free_count(reserved) == 59);
  auto got = b.auto_assign(5, pod("h1"), reserved);
  CHECK(got == std::vector<int>{4, 5, 6, 7, 9});
  CHECK(b.resource().spec.unallocated.front() == 0);  // reserved ones keep their place
  Reservations all({prefix("10.0.0.0/24")});
  CHECK(b.free_count(all) == 0);
  CHECK(b.auto_assign(1, pod("h2"), all).empty());
}

TEST_CASE("block: Windows' reserved addresses do not make a block busy") {
  auto b = block26();
  b.auto_assign(3, Owner{std::string(kWindowsReservedHandle), {{"note", "windows"}}}, {});
  CHECK(b.empty());
  b.auto_assign(1, pod("h1"), {});
  CHECK(!b.empty());
}

TEST_CASE("block: with a cooldown, released addresses wait before they can be reused") {
  using namespace std::chrono;
  auto b = block26();
  b.auto_assign(2, pod("h1"), {});
  const TimePoint t0 = sys_days{year{2026} / 12 / 6};
  std::vector<ReleaseRequest> r{{address("10.0.0.0"), "h1", std::nullopt}};
  REQUIRE(b.release(r, t0));
  CHECK(!b.in_use(0));
  CHECK(b.cooling_count() == 1);
  CHECK(b.free_count({}) == 62);  // not free yet
  CHECK(b.ordinals_of_handle("h1") == std::vector<int>{1});
  CHECK(b.collect_cooled(t0 + seconds(59), seconds(60)) == 0);
  CHECK(b.collect_cooled(t0 + seconds(60), seconds(60)) == 1);
  CHECK(b.cooling_count() == 0);
  CHECK(b.resource().spec.unallocated.back() == 0);
  CHECK(b.resource().spec.attributes.size() == 1);
  // The released entry round-trips through the JSON shape (releasedAt).
  auto reread = AllocationBlock::from_resource(b.resource());
  CHECK(reread.ok());
}

TEST_CASE("block: a block that breaks an invariant is refused with the reason") {
  auto base = block26().resource();
  base.metadata.name = "10-0-0-0-26";
  auto refuse = [](k8s::IPAMBlock b) { return AllocationBlock::from_resource(std::move(b)).error().message; };

  auto short_list = base;
  short_list.spec.allocations.pop_back();
  CHECK(refuse(short_list) == "IPAMBlock 10-0-0-0-26: spec.allocations has 63 entries, expected 64 for 10.0.0.0/26");

  auto twice = base;
  twice.spec.unallocated[1] = 0;
  CHECK(refuse(twice) == "IPAMBlock 10-0-0-0-26: ordinal 0 is listed twice in spec.unallocated");

  auto lost = base;
  lost.spec.unallocated.pop_back();
  CHECK(refuse(lost) == "IPAMBlock 10-0-0-0-26: ordinal 63 is neither allocated nor in spec.unallocated (lost)");

  auto both = base;
  both.spec.allocations[3] = 0;
  both.spec.attributes.emplace_back();
  CHECK(refuse(both) == "IPAMBlock 10-0-0-0-26: ordinal 3 is both allocated and in spec.unallocated");

  auto dangling = base;
  dangling.spec.unallocated.erase(dangling.spec.unallocated.begin());
  dangling.spec.allocations[0] = 2;
  CHECK(refuse(dangling) == "IPAMBlock 10-0-0-0-26: spec.allocations[0] refers to attribute 2, but there are 0");

  auto bad_cidr = base;
  bad_cidr.spec.cidr = "10.0.0.1/26";
  CHECK(refuse(bad_cidr).starts_with("IPAMBlock 10-0-0-0-26: spec.cidr: "));

  auto bad_key = base;
  bad_key.spec.sequence_number_for_allocation["x1"] = 4;
  CHECK(refuse(bad_key) ==
        "IPAMBlock 10-0-0-0-26: spec.sequenceNumberForAllocation has key \"x1\", which is not an ordinal");

  auto huge = base;
  huge.spec.cidr = "10.0.0.0/8";
  CHECK(refuse(huge) == "IPAMBlock 10-0-0-0-26: spec.cidr 10.0.0.0/8 is larger than any block can be");
}

TEST_CASE("block order: each host walks every block exactly once, from its own starting point") {
  const auto pool = prefix("10.0.0.0/22");
  const BlockOrder a(pool, 26, host_seed("node-a"));
  const BlockOrder a_again(pool, 26, host_seed("node-a"));
  const BlockOrder b(pool, 26, host_seed("node-b"));
  REQUIRE(a.count() == 16);
  std::set<ip::Prefix> seen;
  for (std::uint64_t i = 0; i < a.count(); ++i) {
    CHECK(a.at(i) == a_again.at(i));
    CHECK(pool.contains(a.at(i)));
    CHECK(a.at(i).length() == 26);
    seen.insert(a.at(i));
    if (i > 0) CHECK(a.index_at(i) == (a.index_at(i - 1) + 1) % 16);  // consecutive, wrapping
  }
  CHECK(seen.size() == 16);
  // Different hosts start at different blocks (for these two names).
  CHECK(a.at(0) != b.at(0));
  CHECK(host_seed("") == 2166136261u);  // FNV-1's offset basis
}

TEST_CASE("block order: huge IPv6 pools are walked without materialising them") {
  const BlockOrder order(prefix("fd00::/48"), 122, 7);
  CHECK(order.count() == (std::uint64_t{1} << 63));
  const ip::Prefix first = order.at(0);
  CHECK(first.length() == 122);
  CHECK(prefix("fd00::/48").contains(first));
  const ip::Prefix second = order.at(1);
  CHECK(second != first);
  const BlockOrder small(prefix("fd00::/120"), 122, 7);
  CHECK(small.count() == 4);
}
