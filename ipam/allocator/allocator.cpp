#include "ipam/allocator/allocator.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "base/asio/when_all.hpp"
#include "base/log/log.hpp"
#include "ipam/allocator/block_claim.hpp"
#include "ipam/allocator/block_order.hpp"
#include "ipam/allocator/handles.hpp"
#include "ipam/allocator/ipam_config.hpp"
#include "ipam/allocator/pools.hpp"
#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipam {
namespace {

// A block that has not been held by its host for this long may be taken over when it is
// empty: sooner, two hosts could keep freeing a block before either used it.
constexpr std::chrono::minutes kEmptyBlockMinReclaimAge{1};

std::string_view family_name(ip::Family family) { return family == ip::Family::v4 ? "IPv4" : "IPv6"; }

bool is_conflict(const k8s::ApiError& e) { return e.kind == k8s::ApiErrorKind::conflict; }
bool is_not_found(const k8s::ApiError& e) { return e.kind == k8s::ApiErrorKind::not_found; }

Owner owner_of(const std::string& handle_id, const std::map<std::string, std::string>& attributes) {
  return Owner{handle_id, attributes};
}

// After a block write that failed without saying why (a timeout, a 5xx), whether it
// landed anyway: every ordinal it assigned is held by this handle with the sequence
// number it recorded. Handles are unique per owner, so nobody else could have written that.
boost::asio::awaitable<bool> write_landed(IpamContext& ctx, const std::string& block_object,
                                          const AllocationBlock& written, const std::vector<int>& ordinals,
                                          const std::string& handle_id) {
  auto stored = co_await get_live<k8s::IPAMBlock>(ctx.store, block_object);
  if (!stored) co_return false;
  auto block = AllocationBlock::from_resource(std::move(*stored));
  if (!block) co_return false;
  for (int ord : ordinals) {
    auto owner = block->owner(ord);
    if (!owner || owner->handle_id != handle_id || block->sequence_for(ord) != written.sequence_for(ord))
      co_return false;
  }
  co_return true;
}

}  // namespace

struct Allocator::FamilyRequest {
  explicit FamilyRequest(bool& exists) : handle_exists(exists) {}
  // Set once this request has written its handle: later increments update it rather than
  // trying to create it first.
  bool& handle_exists;
  ip::Family family = ip::Family::v4;
  const std::vector<k8s::BlockAffinity>* affinities = nullptr;  // the host's, both families
  int count = 0;
  std::vector<PoolView> pools;  // usable by this request, in the order tried
  Reservations reservations;
  EffectiveIPAMConfig config;
  int block_limit = 0;
  bool limit_reached = false;
};

Allocator::Allocator(ObjectStore& store, AllocatorOptions options)
    : ctx_{store, options.now ? std::move(options.now) : Clock([] { return std::chrono::system_clock::now(); }),
           options.max_retries} {}

boost::asio::awaitable<Result<std::vector<k8s::BlockAffinity>>> Allocator::host_affinities(std::string_view host) {
  // One labelled list (both families), as Calico's host-scoped lookups do.
  const LabelFilter filter{{{std::string(kLabelHostnameHash), hostname_hash(host)},
                            {std::string(kLabelAffinityType), std::string(kAffinityTypeHost)}}};
  auto listed = co_await list_objects<k8s::BlockAffinity>(ctx_.store, filter);
  if (!listed) co_return datastore_error("listing the host's block affinities", listed.error());
  std::vector<k8s::BlockAffinity> out;
  for (auto& a : listed->items)
    if (!is_soft_deleted(a) && a.spec.node == host) out.push_back(std::move(a));
  co_return out;
}

boost::asio::awaitable<Result<AutoAssignResult>> Allocator::auto_assign(const AutoAssignRequest& request) {
  if (request.handle_id.empty()) co_return Error{"an allocation needs a handle ID", kInvalidRequest};
  if (request.host.empty()) co_return Error{"an allocation needs a host name", kInvalidRequest};
  if (request.num_ipv4 < 0 || request.num_ipv6 < 0)
    co_return Error{"the number of addresses cannot be negative", kInvalidRequest};

  // The reads every allocation needs, in one round trip.
  auto config_read = read_ipam_config(ctx_);
  auto reservations_read = read_reservations(ctx_);
  auto pools_read = select_pools(ctx_, request);
  auto affinities_read = host_affinities(request.host);
  auto [config, reservations, pools, affinities] =
      co_await when_all(std::move(config_read), std::move(reservations_read), std::move(pools_read),
                        std::move(affinities_read));
  if (!config) co_return config.error();
  if (!reservations) co_return reservations.error();
  if (!pools) co_return pools.error();
  if (!affinities) co_return affinities.error();
  bool handle_exists = false;

  AutoAssignResult result;
  Status failed;
  for (ip::Family family : {ip::Family::v4, ip::Family::v6}) {
    FamilyRequest f{handle_exists};
    f.family = family;
    f.affinities = &*affinities;
    f.count = family == ip::Family::v4 ? request.num_ipv4 : request.num_ipv6;
    if (f.count == 0) continue;
    f.pools = family == ip::Family::v4 ? pools->ipv4 : pools->ipv6;
    f.reservations = *reservations;
    f.config = *config;
    f.block_limit = request.max_blocks_per_host > 0
                        ? std::min(request.max_blocks_per_host, config->max_blocks_per_host)
                        : config->max_blocks_per_host;
    auto& out = family == ip::Family::v4 ? result.ipv4 : result.ipv6;
    if (f.pools.empty()) {
      failed = Error{fmt::format("no enabled {} pool can be used by host {}{}", family_name(family), request.host,
                                 pools->why_none.empty() ? "" : " (" + pools->why_none + ")"),
                     kNoPools};
      break;
    }
    auto assigned = co_await assign_family(request, f, out);
    if (!assigned) {
      failed = assigned.error();
      break;
    }
  }
  if (failed.ok()) co_return result;

  // All or nothing: give back what this call took, guarded by handle and sequence number.
  std::vector<ReleaseOptions> undo;
  for (const auto* list : {&result.ipv4, &result.ipv6})
    for (const auto& a : *list) undo.push_back(ReleaseOptions{a.address, request.handle_id, a.sequence_number});
  if (!undo.empty()) {
    auto released = co_await release_ips(undo);
    if (!released)
      log::warn("could not give back the addresses of a failed allocation",
                {log::kv("handle", request.handle_id), log::kv("error", released.error().message)});
  }
  co_return failed.error();
}

boost::asio::awaitable<Status> Allocator::assign_family(const AutoAssignRequest& request, FamilyRequest& f,
                                                        std::vector<AssignedAddress>& out) {
  int need = f.count;
  std::vector<ip::Prefix> affine;
  std::vector<ip::Prefix> unfinished;  // pending: a claim of this host that did not finish
  for (const auto& a : *f.affinities) {
    if (is_soft_deleted(a) || a.spec.node != request.host) continue;
    auto cidr = ip::Prefix::parse(a.spec.cidr);
    if (!cidr || cidr->family() != f.family) continue;
    if (!std::any_of(f.pools.begin(), f.pools.end(), [&](const PoolView& p) { return p.cidr.contains(*cidr); }))
      continue;
    affine.push_back(*cidr);
    if (a.spec.state == kAffinityPending) unfinished.push_back(*cidr);
  }
  int held = static_cast<int>(affine.size());

  for (const auto& cidr : affine) {
    if (need == 0) break;
    // Finish the claim first: a block used under a pending affinity would hold addresses
    // that nobody advertises (pending counts as absent).
    if (std::find(unfinished.begin(), unfinished.end(), cidr) != unfinished.end()) {
      auto claimed = co_await claim_block(ctx_, request.host, cidr);
      if (!claimed) {
        if (claimed.error().code == kClaimConflict) continue;
        co_return claimed.error();
      }
    }
    const std::string name = block_name(cidr);
    auto got = co_await assign_from_block(name, cidr, request, need, f, false, out);
    if (!got) co_return got.error();
    need -= *got;
  }

  int claim_attempts = 0;
  while (need > 0 && f.config.auto_allocate_blocks) {
    if (held >= f.block_limit) {
      f.limit_reached = true;
      break;
    }
    auto usable = co_await find_usable_block(request, f);
    if (!usable) co_return usable.error();
    if (!*usable) break;
    const ip::Prefix cidr = **usable;
    auto claimed = co_await claim_block(ctx_, request.host, cidr);
    if (!claimed) {
      if (claimed.error().code == kClaimConflict && ++claim_attempts < ctx_.max_retries) continue;
      co_return claimed.error();
    }
    const bool already_held = std::find(affine.begin(), affine.end(), cidr) != affine.end();
    if (!already_held) {
      affine.push_back(cidr);
      ++held;
    }
    const std::string name = block_name(cidr);
    auto got = co_await assign_from_block(name, cidr, request, need, f, false, out);
    if (!got) co_return got.error();
    need -= *got;
    if (*got == 0 && ++claim_attempts >= ctx_.max_retries) break;
  }

  if (need > 0 && !f.config.strict_affinity) {
    auto borrowed = co_await borrow(request, f, need, out);
    if (!borrowed) co_return borrowed.error();
    need -= *borrowed;
  }
  if (need == 0) co_return Status{};
  if (f.limit_reached)
    co_return Error{fmt::format("host {} holds its limit of {} blocks and they have no free {} address", request.host,
                                f.block_limit, family_name(f.family)),
                    kBlockLimit};
  co_return Error{fmt::format("no free {} address for host {}: {} more needed", family_name(f.family), request.host,
                              need),
                  kExhausted};
}

boost::asio::awaitable<Result<int>> Allocator::assign_from_block(const std::string& block_object,
                                                                 const ip::Prefix& cidr,
                                                                 const AutoAssignRequest& request, int count,
                                                                 FamilyRequest& family, bool borrowing,
                                                                 std::vector<AssignedAddress>& out) {
  const Owner owner = owner_of(request.handle_id, request.attributes);
  for (int attempt = 0; attempt < ctx_.max_retries; ++attempt) {
    auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, block_object);
    std::optional<AllocationBlock> block;
    if (stored) {
      auto parsed = AllocationBlock::from_resource(std::move(*stored));
      if (!parsed) {
        log::warn("skipping an invalid block", {log::kv("block", block_object), log::kv("error", parsed.error().message)});
        co_return 0;
      }
      block = std::move(*parsed);
    } else if (!is_not_found(stored.error())) {
      co_return datastore_error("reading IPAMBlock " + block_object, stored.error());
    } else if (borrowing) {
      co_return 0;
    } else {
      // The host holds an affinity but the block is missing (a claim cut short): finish it.
      auto claimed = co_await claim_block(ctx_, request.host, cidr);
      if (!claimed) {
        if (claimed.error().code == kClaimConflict) co_return 0;
        co_return claimed.error();
      }
      block = std::move(*claimed);
    }
    if (!borrowing && !block->affine_to_host(request.host)) co_return 0;

    AllocationBlock candidate = *block;
    if (family.config.ip_cooldown.count() > 0) candidate.collect_cooled(ctx_.now(), family.config.ip_cooldown);
    const std::vector<int> ordinals = candidate.auto_assign(count, owner, family.reservations);
    if (ordinals.empty()) co_return 0;
    const int n = static_cast<int>(ordinals.size());

    auto counted = co_await increment_handle(ctx_, request.handle_id, cidr, n, !family.handle_exists);
    if (!counted) co_return counted.error();
    family.handle_exists = true;
    candidate.bump_sequence_number();
    auto written = co_await update_object(ctx_.store, candidate.resource());
    bool landed = written.ok();
    if (!landed && !is_conflict(written.error()) && !is_not_found(written.error()))
      landed = co_await write_landed(ctx_, block_object, candidate, ordinals, request.handle_id);
    if (landed) {
      for (int ord : ordinals)
        out.push_back(AssignedAddress{candidate.address_at(ord), cidr, candidate.sequence_for(ord).value_or(0),
                                      borrowing});
      co_return n;
    }
    auto undone = co_await decrement_handle(ctx_, request.handle_id, cidr, n);
    if (!undone)
      log::warn("could not undo a handle increment", {log::kv("handle", request.handle_id),
                                                      log::kv("error", undone.error().message)});
    if (is_conflict(written.error()) || is_not_found(written.error())) continue;
    co_return datastore_error("writing IPAMBlock " + block_object, written.error());
  }
  co_return Error{"IPAMBlock " + block_object + ": gave up after " + std::to_string(ctx_.max_retries) +
                      " conflicting writes",
                  kRetriesExhausted};
}

boost::asio::awaitable<Result<std::optional<ip::Prefix>>> Allocator::find_usable_block(
    const AutoAssignRequest& request, FamilyRequest& f) {
  // One list of every block, instead of a GET per candidate (Calico's old scale trap).
  auto listed = co_await list_objects<k8s::IPAMBlock>(ctx_.store);
  if (!listed) co_return datastore_error("listing IPAM blocks", listed.error());
  struct Existing {
    const k8s::IPAMBlock* resource = nullptr;
    int free = 0;
    bool empty = false;
    bool ours = false;
    std::optional<std::string> host;
    std::optional<TimePoint> claimed;
    std::uint64_t sequence = 0;
  };
  std::unordered_map<std::string, Existing> existing;  // by object name
  for (const auto& item : listed->items) {
    Existing e;
    e.resource = &item;
    auto block = AllocationBlock::from_resource(item);
    if (block && !is_soft_deleted(item)) {
      e.free = block->free_count(f.reservations);
      e.empty = block->empty();
      e.ours = block->affine_to_host(request.host);
      if (auto h = block->host()) e.host = std::string(*h);
      e.claimed = block->affinity_claim_time();
      e.sequence = block->sequence_number();
    }
    existing.emplace(item.metadata.name, e);
  }
  for (const auto& bad : listed->undecodable) existing.emplace(bad.name, Existing{});

  std::vector<std::pair<ip::Prefix, Existing>> reclaimable;
  for (const auto& pool : f.pools) {
    const int block_length = pool.block_size;
    const std::uint64_t seed = block_length == pool.cidr.network().bit_length()
                                   ? static_cast<std::uint64_t>(ctx_.now().time_since_epoch().count())
                                   : host_seed(request.host);
    const BlockOrder order(pool.cidr, block_length, seed);
    // Every candidate either has no block (and is returned) or is one of the listed
    // blocks, so the walk ends within (blocks listed + 1) steps past reserved ones.
    std::uint64_t budget = existing.size() + 1;
    for (std::uint64_t step = 0; step < order.count() && budget > 0; ++step) {
      const ip::Prefix cidr = order.at(step);
      if (f.reservations.covers(cidr)) continue;
      auto it = existing.find(block_name(cidr));
      if (it == existing.end()) co_return std::optional<ip::Prefix>(cidr);
      --budget;
      const Existing& e = it->second;
      if (!e.resource) continue;
      if (e.ours && e.free > 0) co_return std::optional<ip::Prefix>(cidr);
      if (e.empty && e.free > 0 && !e.ours) reclaimable.emplace_back(cidr, e);
    }
  }

  // Out of unclaimed blocks: take over an empty block of another host (or of none). For
  // small special-purpose pools this is what keeps blocks from being stranded.
  const TimePoint now = ctx_.now();
  for (const auto& [cidr, e] : reclaimable) {
    if (e.host) {
      if (e.claimed && now - *e.claimed < kEmptyBlockMinReclaimAge) continue;
      AffinityRelease release{true, e.sequence};
      auto released = co_await ipam::release_affinity(ctx_, *e.host, cidr, release);
      if (released) {
        log::info("reclaimed an empty block", {log::kv("block", cidr.to_string()), log::kv("from", *e.host)});
        co_return std::optional<ip::Prefix>(cidr);
      }
      continue;
    }
    // An empty block that no host holds: delete it (guarded by its version) and claim.
    auto deleted = co_await soft_delete(ctx_.store, *e.resource);
    if (deleted || is_not_found(deleted.error())) co_return std::optional<ip::Prefix>(cidr);
  }
  co_return std::optional<ip::Prefix>();
}

boost::asio::awaitable<Result<int>> Allocator::borrow(const AutoAssignRequest& request, FamilyRequest& f, int count,
                                                      std::vector<AssignedAddress>& out) {
  auto listed = co_await list_objects<k8s::IPAMBlock>(ctx_.store);
  if (!listed) co_return datastore_error("listing IPAM blocks", listed.error());
  int got_total = 0;
  for (const auto& pool : f.pools) {
    const BlockOrder order(pool.cidr, pool.block_size, host_seed(request.host));
    // Existing blocks of the pool with room, in this host's order.
    std::vector<std::pair<std::uint64_t, ip::Prefix>> candidates;
    for (const auto& item : listed->items) {
      if (is_soft_deleted(item)) continue;
      auto block = AllocationBlock::from_resource(item);
      if (!block || !pool.cidr.contains(block->cidr()) || block->cidr().length() != pool.block_size) continue;
      if (block->affine_to_host(request.host) || block->free_count(f.reservations) == 0) continue;
      const auto index = block->cidr().network().minus(pool.cidr.network()).value_or(0) >>
                         (block->cidr().network().bit_length() - pool.block_size);
      const std::uint64_t step = (index + order.count() - order.index_at(0)) % order.count();
      candidates.emplace_back(step, block->cidr());
    }
    std::sort(candidates.begin(), candidates.end());
    for (const auto& [step, cidr] : candidates) {
      if (got_total == count) co_return got_total;
      const std::string name = block_name(cidr);
      auto got = co_await assign_from_block(name, cidr, request, count - got_total, f, true, out);
      if (!got) co_return got.error();
      got_total += *got;
    }
  }
  co_return got_total;
}

boost::asio::awaitable<Result<AssignedAddress>> Allocator::assign_ip(const AssignIPRequest& request) {
  if (request.handle_id.empty()) co_return Error{"an allocation needs a handle ID", kInvalidRequest};
  if (request.host.empty()) co_return Error{"an allocation needs a host name", kInvalidRequest};
  auto pools = co_await read_pools(ctx_);
  if (!pools) co_return pools.error();
  const PoolView* pool = containing_pool(*pools, request.address);
  if (!pool) co_return Error{request.address.to_string() + " is not in any configured IP pool", kNotInPool};
  auto config = co_await read_ipam_config(ctx_);
  if (!config) co_return config.error();
  const ip::Prefix cidr = *ip::Prefix::make(request.address.masked(pool->block_size), pool->block_size);
  const std::string name = block_name(cidr);
  const Owner owner = owner_of(request.handle_id, request.attributes);
  for (int attempt = 0; attempt < ctx_.max_retries; ++attempt) {
    auto stored = co_await get_live<k8s::IPAMBlock>(ctx_.store, name);
    std::optional<AllocationBlock> block;
    if (stored) {
      auto parsed = AllocationBlock::from_resource(std::move(*stored));
      if (!parsed) co_return Error{parsed.error().message, kDatastore};
      block = std::move(*parsed);
    } else if (!is_not_found(stored.error())) {
      co_return datastore_error("reading IPAMBlock " + name, stored.error());
    } else {
      if (!config->auto_allocate_blocks)
        co_return Error{"block " + cidr.to_string() + " does not exist and autoAllocateBlocks is off", kExhausted};
      auto claimed = co_await claim_block(ctx_, request.host, cidr);
      if (!claimed) {
        if (claimed.error().code == kClaimConflict) continue;  // someone made it: read it again
        co_return claimed.error();
      }
      block = std::move(*claimed);
    }
    if (config->strict_affinity && !block->affine_to_host(request.host))
      co_return Error{fmt::format("{} is in block {}, which belongs to {} (strictAffinity is on)",
                                  request.address.to_string(), cidr.to_string(),
                                  block->affinity().value_or("no host")),
                      kInvalidRequest};
    AllocationBlock candidate = *block;
    if (config->ip_cooldown.count() > 0) candidate.collect_cooled(ctx_.now(), config->ip_cooldown);
    const int ordinal = *candidate.ordinal_of(request.address);
    if (auto assigned = candidate.assign(ordinal, owner); !assigned) co_return assigned.error();
    auto counted = co_await increment_handle(ctx_, request.handle_id, cidr, 1);
    if (!counted) co_return counted.error();
    candidate.bump_sequence_number();
    auto written = co_await update_object(ctx_.store, candidate.resource());
    const std::vector<int> ordinals{ordinal};
    bool landed = written.ok();
    if (!landed && !is_conflict(written.error()) && !is_not_found(written.error()))
      landed = co_await write_landed(ctx_, name, candidate, ordinals, request.handle_id);
    if (landed)
      co_return AssignedAddress{request.address, cidr, candidate.sequence_for(ordinal).value_or(0),
                                !candidate.affine_to_host(request.host)};
    auto undone = co_await decrement_handle(ctx_, request.handle_id, cidr, 1);
    if (!undone) log::warn("could not undo a handle increment", {log::kv("handle", request.handle_id)});
    if (is_conflict(written.error()) || is_not_found(written.error())) continue;
    co_return datastore_error("writing IPAMBlock " + name, written.error());
  }
  co_return Error{"IPAMBlock " + name + ": gave up after " + std::to_string(ctx_.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

}  // namespace sluice::ipam
