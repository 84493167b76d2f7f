// ipamctl split: one pool into NUMBER equal pools, in the order that never lets an
// address be handed out twice: disable the old pool (no new allocations from it),
// create the new ones (each valid as Calico validates pools, each holding at least one
// of the old pool's blocks, so existing blocks and allocations fall inside exactly one of
// them), then delete the old pool guarded by the version we disabled. A failed create
// undoes what was done.
#include <algorithm>

#include <fmt/format.h>

#include "base/text/table.hpp"
#include "ipam/ipamctl/session.hpp"
#include "ipam/pool/ip_pool.hpp"
#include "ipam/store/typed_store.hpp"

namespace sluice::ipamctl {
namespace {

constexpr std::size_t kMaxNameLength = 253;  // a DNS-1123 subdomain

// "split-<name>-<i>"; a long name is cut so the result stays a valid object name.
std::string split_name(const std::string& name, int index) {
  const std::string suffix = fmt::format("-{}", index);
  const std::size_t room = kMaxNameLength - std::string_view("split-").size() - suffix.size();
  return "split-" + name.substr(0, std::min(name.size(), room)) + suffix;
}

int log2_exact(int n) {
  int bits = 0;
  while ((1 << bits) < n) ++bits;
  return bits;
}

}  // namespace

boost::asio::awaitable<int> split(Session& s, const SplitArgs& args) {
  auto listed = co_await ipam::list_objects<k8s::IPPool>(s.store);
  if (!listed) co_return s.fail(listed.error().to_error().context("listing IP pools").message);
  auto found = std::find_if(listed->items.begin(), listed->items.end(), [&](const k8s::IPPool& p) {
    if (!args.name.empty()) return p.metadata.name == args.name;
    auto cidr = ip::Prefix::parse(p.spec.cidr);
    return cidr && *cidr == *args.cidr;
  });
  if (found == listed->items.end())
    co_return s.fail(args.name.empty() ? fmt::format("no IPPool has CIDR {}", args.cidr->to_string())
                                       : fmt::format("no IPPool is named {}", args.name));
  const k8s::IPPool old = *found;
  auto view = ipam::make_pool_view(old);
  if (!view) co_return s.fail(view.error().message);

  const int new_length = view->cidr.length() + log2_exact(args.number);
  if (new_length > view->block_size) {
    const int spare = view->block_size - view->cidr.length();
    const std::string at_most = spare >= 1 && spare < 31 ? fmt::format("at most {} pools", 1 << spare)
                                : spare == 0               ? std::string("it holds a single block and cannot be split")
                                                           : std::string("fewer pools");
    co_return s.fail(fmt::format("cannot split IPPool {} ({}) into {}: each pool would be a /{}, smaller than one "
                                 "of its /{} blocks ({})",
                                 old.metadata.name, view->cidr.to_string(), args.number, new_length, view->block_size,
                                 at_most),
                     kExitUsage);
  }

  std::vector<k8s::IPPool> others;
  for (const auto& p : listed->items)
    if (p.metadata.name != old.metadata.name) others.push_back(p);
  auto blocks = co_await ipam::list_objects<k8s::IPAMBlock>(s.store);
  if (!blocks) co_return s.fail(blocks.error().to_error().context("listing IPAM blocks").message);
  std::vector<ip::Prefix> block_cidrs;
  for (const auto& b : blocks->items)
    if (auto c = ip::Prefix::parse(b.spec.cidr); c && c->family() == view->family()) block_cidrs.push_back(*c);

  std::vector<k8s::IPPool> pools;
  int index = 0;
  for (const ip::Prefix& cidr : view->cidr.subprefixes(new_length)) {
    k8s::IPPool pool;
    pool.metadata.name = split_name(old.metadata.name, index++);
    pool.metadata.labels = old.metadata.labels;
    pool.metadata.annotations = old.metadata.annotations;
    pool.spec = old.spec;  // as it was before the split, disabled or not
    pool.spec.cidr = cidr.to_string();
    auto new_view = ipam::make_pool_view(pool);
    if (!new_view) co_return s.fail(new_view.error().message + "; nothing was changed", kExitUsage);
    if (auto overlap = ipam::check_pool_overlap(pool, others); !overlap)
      co_return s.fail(overlap.error().message + "; nothing was changed", kExitUsage);
    if (auto fits = ipam::check_existing_blocks(*new_view, block_cidrs); !fits)
      co_return s.fail(fits.error().message + "; nothing was changed", kExitUsage);
    for (const auto& other : others)
      if (other.metadata.name == pool.metadata.name)
        co_return s.fail(fmt::format("IPPool {} already exists; nothing was changed", pool.metadata.name));
    pools.push_back(std::move(pool));
  }

  std::string question = fmt::format("Split IPPool {} ({}) into {} pools? It is disabled first and deleted last.",
                                     old.metadata.name, view->cidr.to_string(), pools.size());
  for (const auto& p : pools) question += fmt::format("\n  {} {}", p.metadata.name, p.spec.cidr);
  if (auto refused = s.confirm(args.yes, question)) co_return *refused;

  k8s::IPPool current = old;
  bool disabled_here = false;
  if (!current.spec.disabled) {
    current.spec.disabled = true;
    auto updated = co_await ipam::update_object(s.store, current);
    if (!updated)
      co_return s.fail(fmt::format("disabling IPPool {}: {}; nothing was changed", old.metadata.name,
                                   updated.error().describe()));
    current = std::move(*updated);
    disabled_here = true;
  }

  std::vector<k8s::IPPool> created;
  for (const auto& p : pools) {
    auto made = co_await ipam::create_object(s.store, p);
    if (made) {
      created.push_back(std::move(*made));
      continue;
    }
    // Undo: the new pools go, the old one is enabled again.
    std::string undo;
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      auto removed = co_await ipam::remove_object(s.store, *it);
      if (!removed) undo += fmt::format("; deleting {} failed ({})", it->metadata.name, removed.error().describe());
    }
    if (disabled_here) {
      current.spec.disabled = false;
      auto enabled = co_await ipam::update_object(s.store, current);
      if (!enabled)
        undo += fmt::format("; enabling {} again failed ({}): it stays disabled", old.metadata.name,
                            enabled.error().describe());
    }
    co_return s.fail(fmt::format("creating IPPool {}: {}; undone{}", p.metadata.name, made.error().describe(),
                                 undo.empty() ? std::string(", nothing was changed") : undo));
  }

  auto removed = co_await ipam::remove_object(s.store, current);
  if (!removed)
    co_return s.fail(fmt::format("the new pools exist, but deleting IPPool {} failed: {}; it stays disabled, delete "
                                 "it by hand",
                                 old.metadata.name, removed.error().describe()));

  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    write_string(w, "pool", old.metadata.name);
    write_string(w, "cidr", view->cidr.to_string());
    w.Key("created");
    w.StartArray();
    for (const auto& p : created) {
      w.StartObject();
      write_string(w, "name", p.metadata.name);
      write_string(w, "cidr", p.spec.cidr);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    s.print_json(buffer);
    co_return kExitOk;
  }
  s.out() << fmt::format("Split IPPool {} ({}) into {} pools; {} is deleted.\n", old.metadata.name,
                         view->cidr.to_string(), created.size(), old.metadata.name);
  text::Table table({"NAME", "CIDR", "BLOCK SIZE", "DISABLED"});
  for (const auto& p : created)
    table.add_row({p.metadata.name, p.spec.cidr, std::to_string(view->block_size), p.spec.disabled ? "true" : "false"});
  s.out() << table.render();
  co_return kExitOk;
}

}  // namespace sluice::ipamctl
