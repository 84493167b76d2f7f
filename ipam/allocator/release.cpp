// Allocator: releasing addresses (by address or by handle), giving up affinities, and
// reading what an address or handle holds.
#include <map>

#include <fmt/format.h>

#include "base/log/log.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/allocator/block_claim.hpp"
#include "ipam/allocator/handles.hpp"
#include "ipam/allocator/ipam_config.hpp"
#include "ipam/allocator/pools.hpp"
#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipam {
namespace {

bool is_conflict(const k8s::ApiError& e) { return e.kind == k8s::ApiErrorKind::conflict; }
bool is_not_found(const k8s::ApiError& e) { return e.kind == k8s::ApiErrorKind::not_found; }

// Writes a block after addresses left it: an empty block that no host holds is deleted
// (it was only there for borrowers), any other is updated.
boost::asio::awaitable<k8s::ApiStatus> write_after_release(IpamContext& ctx, AllocationBlock& candidate) {
  if (candidate.empty() && !candidate.affinity() && candidate.cooling_count() == 0)
    co_return co_await soft_delete(ctx.store, candidate.resource());
  candidate.bump_sequence_number();
  auto written = co_await update_object(ctx.store, candidate.resource());
  if (!written) co_return written.error();
  co_return k8s::ApiStatus{};
}

// After a release write that got no answer, whether it happened: none of the ordinals
// it freed is still held by the same allocation (owner and sequence number) — either
// the block says so, or the block is gone.
boost::asio::awaitable<bool> release_landed(IpamContext& ctx, const std::string& block_object,
                                            const AllocationBlock& before, const AllocationBlock& after) {
  auto stored = co_await get_live<k8s::IPAMBlock>(ctx.store, block_object);
  if (!stored) co_return stored.error().kind == k8s::ApiErrorKind::not_found;
  auto now = AllocationBlock::from_resource(std::move(*stored));
  if (!now) co_return false;
  for (int ord = 0; ord < before.ordinal_count(); ++ord) {
    if (!before.in_use(ord) || after.in_use(ord)) continue;  // not one this write released
    if (now->in_use(ord) && now->owner(ord) == before.owner(ord) && now->sequence_for(ord) == before.sequence_for(ord))
      co_return false;
  }
  co_return true;
}

}  // namespace

boost::asio::awaitable<Result<std::optional<ip::Prefix>>> BlockLocator::locate(IpamContext& ctx,
                                                                             const ip::Address& address) {
  if (!pools_) {
    auto pools = co_await read_pools(ctx);
    if (!pools) co_return pools.error();
    pools_ = std::move(*pools);
  }
  if (const PoolView* pool = containing_pool(*pools_, address))
    co_return std::optional<ip::Prefix>(*ip::Prefix::make(address.masked(pool->block_size), pool->block_size));
  // Outside every pool (its pool was deleted): look among the blocks that exist.
  if (!blocks_) {
    auto listed = co_await list_objects<k8s::IPAMBlock>(ctx.store);
    if (!listed) co_return datastore_error("listing IPAM blocks", listed.error());
    blocks_.emplace();
    for (const auto& item : listed->items)
      if (auto cidr = ip::Prefix::parse(item.spec.cidr)) blocks_->push_back(*cidr);
  }
  for (const auto& cidr : *blocks_)
    if (cidr.contains(address)) co_return std::optional<ip::Prefix>(cidr);
  co_return std::optional<ip::Prefix>();
}

boost::asio::awaitable<Result<ReleaseResult>> Allocator::release_ips(const std::vector<ReleaseOptions>& requests) {
  ReleaseResult result;
  BlockLocator locator;
  std::map<ip::Prefix, std::vector<ReleaseRequest>> by_block;
  for (const auto& r : requests) {
    auto block = co_await locator.locate(ctx_, r.address);
    if (!block) co_return block.error();
    if (!*block) {
      result.not_allocated.push_back(r.address);
      continue;
    }
    by_block[**block].push_back(ReleaseRequest{r.address, r.handle_id, r.sequence_number});
  }
  auto config = co_await read_ipam_config(ctx_);
  if (!config) co_return config.error();
  // Each block's batch stands alone: a refused batch does not stop the others.
  std::optional<Error> failure;
  for (auto& [block, batch] : by_block) {
    auto released = co_await release_in_block(block, std::move(batch), config->ip_cooldown);
    if (!released) {
      if (!failure) {
        failure = released.error();
      } else {
        failure->message += "; " + released.error().message;
      }
      continue;
    }
    result.released.insert(result.released.end(), released->released.begin(), released->released.end());
    result.not_allocated.insert(result.not_allocated.end(), released->not_allocated.begin(),
                                released->not_allocated.end());
  }
  if (failure) co_return *failure;
  co_return result;
}

boost::asio::awaitable<Result<ReleaseResult>> Allocator::release_in_block(const ip::Prefix& cidr,
                                                                          std::vector<ReleaseRequest> requests,
                                                                          std::chrono::seconds cooldown) {
  const std::string name = block_name(cidr);
  for (int attempt = 0; attempt < ctx_.max_retries; ++attempt) {
    ReleaseResult result;
    auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, name);
    if (!stored) {
      if (!is_not_found(stored.error())) co_return datastore_error("reading IPAMBlock " + name, stored.error());
      for (const auto& r : requests) result.not_allocated.push_back(r.address);
      co_return result;
    }
    auto block = AllocationBlock::from_resource(std::move(*stored));
    if (!block) co_return Error{block.error().message, kDatastore};
    AllocationBlock candidate = *block;
    std::optional<TimePoint> stamp;
    if (cooldown.count() > 0) stamp = ctx_.now();
    auto outcome = candidate.release(requests, stamp);
    if (!outcome) co_return outcome.error();
    result.not_allocated = outcome->not_allocated;
    if (outcome->released == 0) co_return result;
    auto written = co_await write_after_release(ctx_, candidate);
    if (!written) {
      if (is_conflict(written.error()) || is_not_found(written.error())) continue;
      if (!may_have_landed(written.error())) co_return datastore_error("writing IPAMBlock " + name, written.error());
      if (!co_await release_landed(ctx_, name, *block, candidate)) continue;
    }
    for (const auto& r : requests)
      if (std::find(result.not_allocated.begin(), result.not_allocated.end(), r.address) ==
              result.not_allocated.end() &&
          std::find(result.released.begin(), result.released.end(), r.address) == result.released.end())
        result.released.push_back(r.address);
    for (const auto& [handle, count] : outcome->released_by_handle) {
      auto undone = co_await decrement_handle(ctx_, handle, cidr, count);
      if (!undone)
        log::warn("could not decrement a handle after a release",
                  {log::kv("handle", handle), log::kv("error", undone.error().message)});
    }
    co_return result;
  }
  co_return Error{"IPAMBlock " + name + ": gave up after " + std::to_string(ctx_.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

boost::asio::awaitable<Result<std::vector<ip::Address>>> Allocator::release_by_handle(std::string_view handle_id) {
  const std::string name = handle_name(handle_id);
  auto handle = co_await get_live<k8s::IPAMHandle>(ctx_.store, name);
  if (!handle) co_return datastore_error("reading IPAMHandle " + name, handle.error());
  auto config = co_await read_ipam_config(ctx_);
  if (!config) co_return config.error();
  std::vector<ip::Address> released;
  for (const auto& [block_cidr, count] : handle->spec.block) {
    auto cidr = ip::Prefix::parse(block_cidr);
    if (!cidr) {
      log::warn("a handle names a block that is not a CIDR", {log::kv("handle", name), log::kv("block", block_cidr)});
      continue;
    }
    const std::string block_object = block_name(*cidr);
    for (int attempt = 0;; ++attempt) {
      if (attempt == ctx_.max_retries)
        co_return Error{"IPAMBlock " + block_object + ": gave up after " + std::to_string(ctx_.max_retries) +
                            " conflicting writes",
                        kRetriesExhausted};
      auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, block_object);
      if (!stored) {
        if (is_not_found(stored.error())) break;
        co_return datastore_error("reading IPAMBlock " + block_object, stored.error());
      }
      auto block = AllocationBlock::from_resource(std::move(*stored));
      if (!block) co_return Error{block.error().message, kDatastore};
      AllocationBlock candidate = *block;
      std::vector<ip::Address> addresses;
      for (int ord : candidate.ordinals_of_handle(handle_id)) addresses.push_back(candidate.address_at(ord));
      std::optional<TimePoint> stamp;
      if (config->ip_cooldown.count() > 0) stamp = ctx_.now();
      if (candidate.release_by_handle(handle_id, std::nullopt, stamp) == 0) break;
      auto written = co_await write_after_release(ctx_, candidate);
      bool landed = written.ok();
      if (!landed) {
        if (is_conflict(written.error()) || is_not_found(written.error())) continue;
        if (!may_have_landed(written.error()))
          co_return datastore_error("writing IPAMBlock " + block_object, written.error());
        landed = co_await release_landed(ctx_, block_object, *block, candidate);
      }
      if (landed) {
        released.insert(released.end(), addresses.begin(), addresses.end());
        break;
      }
    }
  }
  // The handle goes last, so a crash before here leaves it to be found and finished.
  for (int attempt = 0; attempt < ctx_.max_retries; ++attempt) {
    auto current = co_await get_live<k8s::IPAMHandle>(ctx_.store, name);
    if (!current) {
      if (is_not_found(current.error())) break;
      co_return datastore_error("reading IPAMHandle " + name, current.error());
    }
    auto deleted = co_await soft_delete(ctx_.store, std::move(*current));
    if (deleted || is_not_found(deleted.error())) break;
    if (!is_conflict(deleted.error())) co_return datastore_error("deleting IPAMHandle " + name, deleted.error());
  }
  co_return released;
}

boost::asio::awaitable<Status> Allocator::release_affinity(std::string_view host, const ip::Prefix& block,
                                                           bool require_empty) {
  AffinityRelease options{require_empty, std::nullopt};
  co_return co_await ipam::release_affinity(ctx_, host, block, options);
}

boost::asio::awaitable<Result<int>> Allocator::release_host_affinities(std::string_view host, bool require_empty) {
  const std::string hash = hostname_hash(host);
  const LabelFilter filter{{{std::string(kLabelHostnameHash), hash}}};
  auto affinities = co_await list_objects<k8s::BlockAffinity>(ctx_.store, filter);
  if (!affinities) co_return datastore_error("listing the host's block affinities", affinities.error());
  int released = 0;
  std::vector<std::string> failures;
  for (const auto& a : affinities->items) {
    if (a.spec.node != host || is_soft_deleted(a)) continue;
    auto cidr = ip::Prefix::parse(a.spec.cidr);
    if (!cidr) continue;
    AffinityRelease options{require_empty, std::nullopt};
    auto done = co_await ipam::release_affinity(ctx_, host, *cidr, options);
    if (done) {
      ++released;
    } else if (done.error().code != kBlockNotEmpty) {
      failures.push_back(done.error().message);
    }
  }
  if (!failures.empty()) co_return Error{failures.front(), kDatastore};
  co_return released;
}

boost::asio::awaitable<Result<AddressInfo>> Allocator::address_info(const ip::Address& address) {
  BlockLocator locator;
  auto cidr = co_await locator.locate(ctx_, address);
  if (!cidr) co_return cidr.error();
  if (!*cidr) co_return Error{address.to_string() + " is in no block", kNotFound};
  const std::string name = block_name(**cidr);
  auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, name);
  if (!stored) co_return datastore_error("reading IPAMBlock " + name, stored.error());
  auto block = AllocationBlock::from_resource(std::move(*stored));
  if (!block) co_return Error{block.error().message, kDatastore};
  AddressInfo info;
  info.address = address;
  info.block = block->cidr();
  info.block_affinity = block->affinity();
  const int ordinal = *block->ordinal_of(address);
  if (auto owner = block->owner(ordinal)) {
    info.allocated = true;
    info.owner = std::move(*owner);
    info.sequence_number = block->sequence_for(ordinal);
  }
  co_return info;
}

boost::asio::awaitable<Result<std::vector<ip::Address>>> Allocator::addresses_of_handle(std::string_view handle_id) {
  const std::string name = handle_name(handle_id);
  auto handle = co_await get_live<k8s::IPAMHandle>(ctx_.store, name);
  if (!handle) co_return datastore_error("reading IPAMHandle " + name, handle.error());
  std::vector<ip::Address> out;
  for (const auto& [block_cidr, count] : handle->spec.block) {
    auto cidr = ip::Prefix::parse(block_cidr);
    if (!cidr) continue;
    const std::string block_object = block_name(*cidr);
    auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, block_object);
    if (!stored) {
      if (is_not_found(stored.error())) continue;
      co_return datastore_error("reading IPAMBlock " + block_object, stored.error());
    }
    auto block = AllocationBlock::from_resource(std::move(*stored));
    if (!block) continue;
    for (int ord : block->ordinals_of_handle(handle_id)) out.push_back(block->address_at(ord));
  }
  co_return out;
}

}  // namespace sluice::ipam
