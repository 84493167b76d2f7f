#include "ipam/allocator/pools.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/log/log.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::ipam {
namespace {

bool needs_labels(const selector::Selector& s) { return !s.is_all(); }

boost::asio::awaitable<Result<Labels>> labels_of_node(IpamContext& ctx, std::string_view host) {
  auto node = co_await get_object<k8s::Node>(ctx.store, host);
  if (node) co_return node->metadata.labels;
  // A host that is no Kubernetes node (a simulated one, a bare-metal router) has no labels.
  if (node.error().kind == k8s::ApiErrorKind::not_found) co_return Labels{};
  co_return datastore_error("reading Node " + std::string(host), node.error());
}

boost::asio::awaitable<Result<Labels>> labels_of_namespace(IpamContext& ctx, std::string_view name) {
  if (name.empty()) co_return Labels{};
  auto ns = co_await get_object<k8s::Namespace>(ctx.store, name);
  if (ns) co_return ns->metadata.labels;
  if (ns.error().kind == k8s::ApiErrorKind::not_found) co_return Labels{};
  co_return datastore_error("reading Namespace " + std::string(name), ns.error());
}

}  // namespace

boost::asio::awaitable<Result<std::vector<PoolView>>> read_pools(IpamContext& ctx) {
  auto listed = co_await list_objects<k8s::IPPool>(ctx.store);
  if (!listed) co_return datastore_error("listing IP pools", listed.error());
  for (const auto& bad : listed->undecodable)
    log::warn("ignoring an IP pool that cannot be read", {log::kv("pool", bad.name), log::kv("error", bad.error.message)});
  std::vector<PoolView> pools;
  for (const auto& item : listed->items) {
    auto view = make_pool_view(item);
    if (!view) {
      log::warn("ignoring an invalid IP pool", {log::kv("pool", item.metadata.name),
                                                log::kv("error", view.error().message)});
      continue;
    }
    pools.push_back(std::move(*view));
  }
  std::sort(pools.begin(), pools.end(), [](const PoolView& a, const PoolView& b) { return a.name < b.name; });
  co_return pools;
}

const PoolView* containing_pool(const std::vector<PoolView>& pools, const ip::Address& address) {
  for (const auto& pool : pools)
    if (pool.cidr.contains(address)) return &pool;
  return nullptr;
}

boost::asio::awaitable<Result<PoolSelection>> select_pools(IpamContext& ctx, const AutoAssignRequest& request) {
  auto pools = co_await read_pools(ctx);
  if (!pools) co_return pools.error();
  PoolSelection out;
  std::vector<std::string> ruled_out;
  std::vector<const PoolView*> candidates;
  for (ip::Family family : {ip::Family::v4, ip::Family::v6}) {
    const auto& requested = family == ip::Family::v4 ? request.ipv4_pools : request.ipv6_pools;
    for (const auto& want : requested) {
      auto it = std::find_if(pools->begin(), pools->end(), [&](const PoolView& p) { return p.cidr == want; });
      if (it == pools->end() || it->disabled)
        co_return Error{fmt::format("the requested pool {} does not exist or is disabled", want.to_string()),
                        kNoPools};
    }
    for (const auto& pool : *pools) {
      if (pool.family() != family) continue;
      const bool named = std::find(requested.begin(), requested.end(), pool.cidr) != requested.end();
      if (!requested.empty() && !named) continue;
      if (pool.disabled) {
        ruled_out.push_back(pool.name + " is disabled");
        continue;
      }
      if (!pool.allows(request.use)) {
        ruled_out.push_back(fmt::format("{} does not allow {}", pool.name, to_string(request.use)));
        continue;
      }
      if (pool.assignment_mode == AssignmentMode::manual && !named) {
        ruled_out.push_back(pool.name + " assigns only on request (Manual)");
        continue;
      }
      candidates.push_back(&pool);
    }
  }
  const bool need_node = std::any_of(candidates.begin(), candidates.end(),
                                     [](const PoolView* p) { return needs_labels(p->node_selector); });
  const bool need_namespace = std::any_of(candidates.begin(), candidates.end(),
                                          [](const PoolView* p) { return needs_labels(p->namespace_selector); });
  Labels node_labels, namespace_labels;
  if (need_node) {
    auto labels = co_await labels_of_node(ctx, request.host);
    if (!labels) co_return labels.error();
    node_labels = std::move(*labels);
  }
  if (need_namespace) {
    auto labels = co_await labels_of_namespace(ctx, request.pod_namespace);
    if (!labels) co_return labels.error();
    namespace_labels = std::move(*labels);
  }
  for (const PoolView* pool : candidates) {
    if (!pool->selects_node(node_labels)) {
      ruled_out.push_back(fmt::format("{} does not select node {}", pool->name, request.host));
      continue;
    }
    if (!pool->selects_namespace(namespace_labels)) {
      ruled_out.push_back(fmt::format("{} does not select namespace {}", pool->name,
                                      request.pod_namespace.empty() ? "(none)" : request.pod_namespace));
      continue;
    }
    (pool->family() == ip::Family::v4 ? out.ipv4 : out.ipv6).push_back(*pool);
  }
  for (std::size_t i = 0; i < ruled_out.size(); ++i) out.why_none += (i ? "; " : "") + ruled_out[i];
  co_return out;
}

boost::asio::awaitable<Result<Reservations>> read_reservations(IpamContext& ctx) {
  auto listed = co_await list_objects<k8s::IPReservation>(ctx.store);
  if (!listed) co_return datastore_error("listing IP reservations", listed.error());
  std::vector<ip::Prefix> cidrs;
  for (const auto& item : listed->items)
    for (const auto& text : item.spec.reserved_cidrs) {
      auto cidr = ip::Prefix::parse_address_or_prefix(text);
      if (!cidr) {
        log::warn("ignoring a reserved CIDR that does not parse",
                  {log::kv("reservation", item.metadata.name), log::kv("cidr", text)});
        continue;
      }
      cidrs.push_back(*cidr);
    }
  co_return Reservations(std::move(cidrs));
}

}  // namespace sluice::ipam
