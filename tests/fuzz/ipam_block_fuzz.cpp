// An IPAMBlock read from the datastore is untrusted: whatever another writer left there,
// from_resource either refuses it with a reason or yields a block on which every
// operation keeps the invariants (each is checked again by from_resource after it): the
// first bytes choose the operations, the rest is the block's JSON.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ipam/block/allocation_block.hpp"
#include "k8s-client/resources/codec.hpp"

namespace {

using sluice::ipam::AllocationBlock;

void still_valid(const AllocationBlock& block) {
  auto again = AllocationBlock::from_resource(block.resource());
  if (!again.ok()) std::abort();
  // Every ordinal is free or in use or cooling, never two of those.
  const auto& spec = block.resource().spec;
  std::size_t held = 0;
  for (const auto& a : spec.allocations)
    if (a) ++held;
  if (held + spec.unallocated.size() != spec.allocations.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::uint8_t* ops = data;
  std::string_view json(reinterpret_cast<const char*>(data + 4), size - 4);
  auto decoded = sluice::k8s::decode<sluice::k8s::IPAMBlock>(json);
  if (!decoded) return 0;
  auto parsed = AllocationBlock::from_resource(std::move(*decoded));
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  AllocationBlock block = std::move(*parsed);
  const sluice::ipam::Owner owner{std::string("fuzz"), {{"pod", "p"}}};
  const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);
  for (int i = 0; i < 4; ++i) {
    const int n = block.ordinal_count() > 0 ? ops[i] % (block.ordinal_count() + 1) : 0;
    switch (ops[i] >> 6) {
      case 0:
        block.auto_assign(n, owner, {});
        break;
      case 1: {
        if (n >= block.ordinal_count()) break;
        std::vector<sluice::ipam::ReleaseRequest> r{{block.address_at(n), "", block.sequence_for(n)}};
        (void)block.release(r, (ops[i] & 1) ? std::optional(t0) : std::nullopt);
        break;
      }
      case 2:
        block.release_by_handle("fuzz");
        break;
      default:
        block.collect_cooled(t0 + std::chrono::seconds(ops[i]), std::chrono::seconds(30));
        if (n < block.ordinal_count()) (void)block.assign(n, owner);
        break;
    }
    block.bump_sequence_number();
    still_valid(block);
    (void)block.empty();
    (void)block.free_count({});
    (void)block.in_use_ordinals();
  }
  return 0;
}
