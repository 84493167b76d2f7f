#include "ipam/allocator/block_claim.hpp"

#include <chrono>

#include "base/log/log.hpp"
#include "base/time/rfc3339.hpp"
#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipam {
namespace {

k8s::BlockAffinity new_affinity(std::string_view host, const ip::Prefix& cidr, std::string_view state) {
  k8s::BlockAffinity affinity;
  affinity.metadata.name = affinity_name(host, cidr);
  affinity.metadata.labels = affinity_labels(host, kAffinityTypeHost, cidr.family());
  affinity.spec.state = std::string(state);
  affinity.spec.node = std::string(host);
  affinity.spec.type = std::string(kAffinityTypeHost);
  affinity.spec.cidr = cidr.to_string();
  affinity.spec.deleted = "false";
  return affinity;
}

// The host's affinity for `cidr` in the pending state: created, or an existing one that
// is not confirmed set back to pending; a confirmed one is returned as it is.
boost::asio::awaitable<Result<k8s::BlockAffinity>> pending_affinity(IpamContext& ctx, std::string_view host,
                                                                   const ip::Prefix& cidr) {
  const std::string name = affinity_name(host, cidr);
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    const k8s::BlockAffinity fresh = new_affinity(host, cidr, kAffinityPending);
    auto created = co_await create_object(ctx.store, fresh);
    if (created) co_return std::move(*created);
    if (created.error().kind != k8s::ApiErrorKind::already_exists)
      co_return datastore_error("creating BlockAffinity " + name, created.error());
    auto existing = co_await get_live<k8s::BlockAffinity>(ctx.store, name);
    if (!existing) {
      if (existing.error().kind == k8s::ApiErrorKind::not_found) continue;  // deleted meanwhile
      co_return datastore_error("reading BlockAffinity " + name, existing.error());
    }
    if (existing->spec.state == kAffinityConfirmed) co_return std::move(*existing);
    k8s::BlockAffinity pending = std::move(*existing);
    pending.spec.state = std::string(kAffinityPending);
    auto updated = co_await update_object(ctx.store, pending);
    if (updated) co_return std::move(*updated);
    if (updated.error().kind == k8s::ApiErrorKind::conflict || updated.error().kind == k8s::ApiErrorKind::not_found)
      continue;
    co_return datastore_error("marking BlockAffinity " + name + " pending", updated.error());
  }
  co_return Error{"BlockAffinity " + name + ": gave up after " + std::to_string(ctx.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

// Confirms the host's affinity once its block exists and is the host's. Other processes
// of the host may rewrite the affinity meanwhile (setting it pending again, or confirming
// it first), so a lost compare-and-swap reads it again; an affinity being released or
// gone means the claim lost to a release, and the caller starts over.
boost::asio::awaitable<Status> confirm_affinity(IpamContext& ctx, k8s::BlockAffinity affinity) {
  const std::string name = affinity.metadata.name;
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    // Always a write, even over "confirmed": only a successful compare-and-swap proves no
    // release marked the affinity since it was read.
    if (affinity.spec.state == kAffinityPendingDeletion)
      co_return Error{"BlockAffinity " + name + " is being released", kClaimConflict};
    affinity.spec.state = std::string(kAffinityConfirmed);
    auto confirmed = co_await update_object(ctx.store, affinity);
    if (confirmed) co_return Status{};
    if (confirmed.error().kind != k8s::ApiErrorKind::conflict && confirmed.error().kind != k8s::ApiErrorKind::not_found)
      co_return datastore_error("confirming BlockAffinity " + name, confirmed.error());
    auto current = co_await get_live<k8s::BlockAffinity>(ctx.store, name);
    if (!current) {
      if (current.error().kind == k8s::ApiErrorKind::not_found)
        co_return Error{"BlockAffinity " + name + " was deleted during the claim", kClaimConflict};
      co_return datastore_error("reading BlockAffinity " + name, current.error());
    }
    affinity = std::move(*current);
  }
  co_return Error{"BlockAffinity " + name + ": gave up after " + std::to_string(ctx.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

// Deletes a pending affinity whose claim was lost. Another process of the host may have
// rewritten it meanwhile; it is deleted unless that process has confirmed it.
boost::asio::awaitable<void> delete_lost_claim(IpamContext& ctx, k8s::BlockAffinity affinity) {
  const std::string name = affinity.metadata.name;
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    auto deleted = co_await soft_delete(ctx.store, affinity);
    if (deleted || deleted.error().kind == k8s::ApiErrorKind::not_found) co_return;
    if (deleted.error().kind != k8s::ApiErrorKind::conflict) break;
    auto current = co_await get_live<k8s::BlockAffinity>(ctx.store, name);
    if (!current || current->spec.state == kAffinityConfirmed) co_return;
    affinity = std::move(*current);
  }
  log::warn("could not delete the affinity of a lost claim", {log::kv("affinity", name)});
}

}  // namespace

boost::asio::awaitable<Result<AllocationBlock>> claim_block(IpamContext& ctx, std::string_view host,
                                                            const ip::Prefix& cidr) {
  auto affinity = co_await pending_affinity(ctx, host, cidr);
  if (!affinity) co_return affinity.error();
  const TimePoint now = ctx.now();
  const auto initial_sequence = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  AllocationBlock block = AllocationBlock::create(cidr, host_affinity(host), timefmt::format_rfc3339(now),
                                                  initial_sequence);
  block.metadata().name = block_name(cidr);
  auto created = co_await create_object(ctx.store, block.resource());
  if (created) {
    auto confirmed = co_await confirm_affinity(ctx, std::move(*affinity));
    if (!confirmed) {
      // The claim lost to a release of the affinity: take back the block just made, or
      // it would be the host's with no affinity to say so.
      auto undone = co_await soft_delete(ctx.store, *created);
      if (!undone && undone.error().kind != k8s::ApiErrorKind::not_found)
        log::warn("could not delete the block of a lost claim",
                  {log::kv("block", cidr.to_string()), log::kv("error", undone.error().describe())});
      co_return confirmed.error();
    }
    co_return AllocationBlock::from_resource(std::move(*created));
  }
  if (created.error().kind != k8s::ApiErrorKind::already_exists)
    co_return datastore_error("creating IPAMBlock " + cidr.to_string(), created.error());

  const std::string name = block_name(cidr);
  auto existing = co_await get_live<k8s::IPAMBlock>(ctx.store, name);
  if (!existing) co_return datastore_error("reading IPAMBlock " + name, existing.error());
  auto parsed = AllocationBlock::from_resource(std::move(*existing));
  if (!parsed) co_return Error{parsed.error().message, kDatastore};
  if (parsed->affine_to_host(host)) {
    // Another process of this host created it: the claim is ours.
    auto confirmed = co_await confirm_affinity(ctx, std::move(*affinity));
    if (!confirmed) co_return confirmed.error();
    co_return std::move(*parsed);
  }
  co_await delete_lost_claim(ctx, std::move(*affinity));
  co_return Error{"block " + cidr.to_string() + " was claimed by " +
                      (parsed->affinity() ? *parsed->affinity() : std::string("no host")) + " first",
                  kClaimConflict};
}

boost::asio::awaitable<Status> release_affinity(IpamContext& ctx, std::string_view host, const ip::Prefix& cidr,
                                                AffinityRelease options) {
  const std::string affinity_object = affinity_name(host, cidr);
  const std::string block_object = block_name(cidr);
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    auto affinity = co_await get_live<k8s::BlockAffinity>(ctx.store, affinity_object);
    if (!affinity) co_return datastore_error("reading BlockAffinity " + affinity_object, affinity.error());
    auto stored = co_await get_live<k8s::IPAMBlock>(ctx.store, block_object);
    if (!stored) {
      if (stored.error().kind != k8s::ApiErrorKind::not_found)
        co_return datastore_error("reading IPAMBlock " + block_object, stored.error());
      // An affinity without a block (a claim that never finished): just drop it.
      auto dropped = co_await soft_delete(ctx.store, std::move(*affinity));
      if (!dropped && dropped.error().kind == k8s::ApiErrorKind::conflict) continue;
      if (!dropped && dropped.error().kind != k8s::ApiErrorKind::not_found)
        co_return datastore_error("deleting BlockAffinity " + affinity_object, dropped.error());
      co_return Status{};
    }
    auto block = AllocationBlock::from_resource(std::move(*stored));
    if (!block) co_return Error{block.error().message, kDatastore};
    if (options.required_sequence && *options.required_sequence != block->sequence_number())
      co_return Error{"block " + cidr.to_string() + " changed since it was read", kClaimConflict};
    if (block->affinity() && !block->affine_to_host(host)) {
      co_await delete_lost_claim(ctx, std::move(*affinity));
      co_return Error{"block " + cidr.to_string() + " belongs to " + *block->affinity() + ", not host " +
                          std::string(host),
                      kClaimConflict};
    }
    if (options.require_empty && !block->empty()) {
      // A release interrupted earlier (by a conflict) may have marked the affinity; the
      // block is in use again, so it stays this host's.
      if (affinity->spec.state == kAffinityPendingDeletion) {
        k8s::BlockAffinity restored = std::move(*affinity);
        restored.spec.state = std::string(kAffinityConfirmed);
        auto reverted = co_await update_object(ctx.store, restored);
        if (!reverted && reverted.error().kind == k8s::ApiErrorKind::conflict) continue;
      }
      co_return Error{"block " + cidr.to_string() + " still has " + std::to_string(block->in_use_ordinals().size()) +
                          " addresses in use",
                      kBlockNotEmpty};
    }

    k8s::BlockAffinity deleting = std::move(*affinity);
    deleting.spec.state = std::string(kAffinityPendingDeletion);
    auto marked = co_await update_object(ctx.store, deleting);
    if (!marked) {
      if (marked.error().kind == k8s::ApiErrorKind::conflict) continue;
      co_return datastore_error("marking BlockAffinity " + affinity_object + " pendingDeletion", marked.error());
    }
    if (block->empty()) {
      auto removed = co_await soft_delete(ctx.store, block->resource());
      if (!removed && removed.error().kind != k8s::ApiErrorKind::not_found) {
        if (removed.error().kind == k8s::ApiErrorKind::conflict) continue;  // it changed: look again
        co_return datastore_error("deleting IPAMBlock " + block_object, removed.error());
      }
    } else {
      AllocationBlock unaffine = std::move(*block);
      unaffine.set_affinity(std::nullopt, std::nullopt);
      unaffine.bump_sequence_number();
      auto written = co_await update_object(ctx.store, unaffine.resource());
      if (!written) {
        if (written.error().kind == k8s::ApiErrorKind::conflict) continue;
        co_return datastore_error("clearing the affinity of IPAMBlock " + block_object, written.error());
      }
    }
    auto deleted = co_await soft_delete(ctx.store, std::move(*marked));
    if (deleted || deleted.error().kind == k8s::ApiErrorKind::not_found) co_return Status{};
    if (deleted.error().kind != k8s::ApiErrorKind::conflict)
      co_return datastore_error("deleting BlockAffinity " + affinity_object, deleted.error());
    // A claim by another process of the host took the affinity back (pending) while it
    // was being released: the block is that claim's now.
    auto current = co_await get_live<k8s::BlockAffinity>(ctx.store, affinity_object);
    if (current && current->spec.state != kAffinityPendingDeletion)
      co_return Error{"block " + cidr.to_string() + " was claimed again while it was being released", kClaimConflict};
    if (!current && current.error().kind == k8s::ApiErrorKind::not_found) co_return Status{};
  }
  co_return Error{"releasing block " + cidr.to_string() + ": gave up after " + std::to_string(ctx.max_retries) +
                      " conflicting writes",
                  kRetriesExhausted};
}

}  // namespace sluice::ipam
