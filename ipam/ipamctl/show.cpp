// ipamctl show: pool and block utilisation, borrowed addresses, one address, and the
// IPAMConfig — read from one snapshot of IPAM's objects.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "base/text/table.hpp"
#include "ipam/allocator/ipam_config.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/ipamctl/session.hpp"
#include "ipam/store/typed_store.hpp"

namespace sluice::ipamctl {
namespace {

using text::Table;

// Addresses of `range` that some reservation covers (overlapping reservations counted once).
Count reserved_in(const ip::Prefix& range, const std::vector<ip::Prefix>& reservations) {
  std::vector<ip::Prefix> parts;
  for (const auto& r : reservations)
    if (r.overlaps(range)) parts.push_back(range.contains(r) ? r : range);
  std::sort(parts.begin(), parts.end(), [](const ip::Prefix& a, const ip::Prefix& b) {
    return a.length() != b.length() ? a.length() < b.length() : a < b;
  });
  std::vector<ip::Prefix> kept;  // widest first, so a covered part meets its cover
  for (const auto& p : parts)
    if (std::none_of(kept.begin(), kept.end(), [&](const ip::Prefix& k) { return k.contains(p); })) kept.push_back(p);
  Count total = 0;
  for (const auto& k : kept) total += size_of(k);
  return total;
}

bool reserved(const ip::Address& a, const std::vector<ip::Prefix>& reservations) {
  return std::any_of(reservations.begin(), reservations.end(), [&](const ip::Prefix& r) { return r.contains(a); });
}

struct Usage {
  Count total = 0;
  Count in_use = 0;
  Count reserved = 0;
  Count free = 0;
};

Usage usage_of(const ip::Prefix& range, const std::vector<const ipam::AllocationBlock*>& blocks,
               const std::vector<ip::Prefix>& reservations) {
  Usage u;
  u.total = size_of(range);
  u.reserved = reserved_in(range, reservations);
  Count in_use_unreserved = 0;
  for (const auto* b : blocks)
    for (int ord : b->in_use_ordinals()) {
      ++u.in_use;
      if (!reserved(b->address_at(ord), reservations)) ++in_use_unreserved;
    }
  // In use and reserved overlap (an existing allocation in a reserved range stays), so
  // free is what neither holds.
  const Count taken = u.reserved + in_use_unreserved;
  u.free = taken >= u.total ? 0 : u.total - taken;
  return u;
}

void write_usage(JsonWriter& w, const Usage& u) {
  w.Key("total");
  write_count(w, u.total);
  w.Key("inUse");
  write_count(w, u.in_use);
  w.Key("reserved");
  write_count(w, u.reserved);
  w.Key("free");
  write_count(w, u.free);
}

boost::asio::awaitable<Result<std::vector<ip::Prefix>>> read_reservations(ipam::ObjectStore& store) {
  auto listed = co_await ipam::list_objects<k8s::IPReservation>(store);
  if (!listed) co_return listed.error().to_error().context("listing IPReservations");
  std::vector<ip::Prefix> out;
  for (const auto& r : listed->items)
    for (const auto& text : r.spec.reserved_cidrs)
      if (auto p = ip::Prefix::parse_address_or_prefix(text)) out.push_back(*p);
  co_return out;
}

boost::asio::awaitable<int> show_utilisation(Session& s, const ShowArgs& args) {
  auto snapshot = co_await ipam::read_snapshot(s.store, false);
  if (!snapshot) co_return s.fail(snapshot.error().to_error().context("reading IPAM's objects").message);
  auto reservations = co_await read_reservations(s.store);
  if (!reservations) co_return s.fail(reservations.error().message);

  std::vector<const ipam::PoolView*> pools;
  for (const auto& p : snapshot->pools) pools.push_back(&p);
  std::sort(pools.begin(), pools.end(), [](const auto* a, const auto* b) { return a->cidr < b->cidr; });
  std::map<const ipam::PoolView*, std::vector<const ipam::AllocationBlock*>> blocks_of;
  std::vector<const ipam::AllocationBlock*> orphans;  // blocks of pools that were deleted
  for (const auto& b : snapshot->blocks) {
    auto pool = std::find_if(pools.begin(), pools.end(), [&](const auto* p) { return p->cidr.contains(b.cidr()); });
    if (pool == pools.end()) {
      orphans.push_back(&b);
    } else {
      blocks_of[*pool].push_back(&b);
    }
  }
  auto by_cidr = [](const auto* a, const auto* b) { return a->cidr() < b->cidr(); };
  for (auto& [pool, blocks] : blocks_of) std::sort(blocks.begin(), blocks.end(), by_cidr);
  std::sort(orphans.begin(), orphans.end(), by_cidr);

  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    auto write_blocks = [&](std::string_view key, const std::vector<const ipam::AllocationBlock*>& blocks) {
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      w.StartArray();
      for (const auto* b : blocks) {
        w.StartObject();
        write_string(w, "cidr", b->cidr().to_string());
        w.Key("affinity");
        if (b->affinity()) {
          w.String(b->affinity()->c_str());
        } else {
          w.Null();
        }
        write_usage(w, usage_of(b->cidr(), {b}, *reservations));
        w.EndObject();
      }
      w.EndArray();
    };
    w.StartObject();
    w.Key("pools");
    w.StartArray();
    for (const auto* p : pools) {
      w.StartObject();
      write_string(w, "name", p->name);
      write_string(w, "cidr", p->cidr.to_string());
      w.Key("blockSize");
      w.Int(p->block_size);
      w.Key("disabled");
      w.Bool(p->disabled);
      write_usage(w, usage_of(p->cidr, blocks_of[p], *reservations));
      if (args.show_blocks) write_blocks("blocks", blocks_of[p]);
      w.EndObject();
    }
    w.EndArray();
    if (args.show_blocks) write_blocks("blocksOutsidePools", orphans);
    w.EndObject();
    s.print_json(buffer);
    co_return kExitOk;
  }

  std::vector<std::string> headers{"GROUPING", "CIDR"};
  if (args.show_blocks) headers.emplace_back("AFFINITY");
  for (const char* h : {"IPS TOTAL", "IPS IN USE", "IPS RESERVED", "IPS FREE"}) headers.emplace_back(h);
  Table table(headers);
  for (std::size_t c = headers.size() - 4; c < headers.size(); ++c) table.align(c, Table::Align::right);
  auto row = [&](std::string grouping, const ip::Prefix& cidr, std::optional<std::string> affinity, const Usage& u) {
    std::vector<std::string> cells{std::move(grouping), cidr.to_string()};
    if (args.show_blocks) cells.push_back(affinity.value_or("-"));
    cells.push_back(count_text(u.total));
    cells.push_back(count_with_share(u.in_use, u.total));
    cells.push_back(count_text(u.reserved));
    cells.push_back(count_with_share(u.free, u.total));
    table.add_row(std::move(cells));
  };
  for (const auto* p : pools) {
    row(p->disabled ? "IP Pool (disabled)" : "IP Pool", p->cidr, std::nullopt,
        usage_of(p->cidr, blocks_of[p], *reservations));
    if (args.show_blocks)
      for (const auto* b : blocks_of[p])
        row("Block", b->cidr(), b->affinity(), usage_of(b->cidr(), {b}, *reservations));
  }
  if (args.show_blocks)
    for (const auto* b : orphans)
      row("Block (no pool)", b->cidr(), b->affinity(), usage_of(b->cidr(), {b}, *reservations));
  s.out() << table.render();
  co_return kExitOk;
}

boost::asio::awaitable<int> show_borrowed(Session& s) {
  auto snapshot = co_await ipam::read_snapshot(s.store, false);
  if (!snapshot) co_return s.fail(snapshot.error().to_error().context("reading IPAM's objects").message);
  struct Borrowed {
    ipam::Allocation allocation;
    std::string node;
  };
  std::vector<Borrowed> borrowed;
  for (auto& a : ipam::allocations(*snapshot)) {
    if (!is_borrowed(a)) continue;
    std::string node = attribute(a.owner, ipam::kAttributeNode);
    borrowed.push_back({std::move(a), std::move(node)});
  }
  std::sort(borrowed.begin(), borrowed.end(),
            [](const Borrowed& x, const Borrowed& y) { return x.allocation.address < y.allocation.address; });
  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("borrowed");
    w.StartArray();
    for (const auto& b : borrowed) {
      w.StartObject();
      write_string(w, "address", b.allocation.address.to_string());
      write_string(w, "borrowingNode", b.node);
      write_string(w, "block", b.allocation.block.to_string());
      w.Key("blockOwner");
      if (b.allocation.block_host) {
        w.String(b.allocation.block_host->c_str());
      } else {
        w.Null();
      }
      write_string(w, "type", allocation_type(b.allocation.owner));
      write_string(w, "allocatedTo", allocated_to(b.allocation.owner));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    s.print_json(buffer);
    co_return kExitOk;
  }
  Table table({"IP", "BORROWING-NODE", "BLOCK", "BLOCK OWNER", "TYPE", "ALLOCATED-TO"});
  for (const auto& b : borrowed)
    table.add_row({b.allocation.address.to_string(), b.node, b.allocation.block.to_string(),
                   b.allocation.block_host.value_or("-"), allocation_type(b.allocation.owner),
                   allocated_to(b.allocation.owner)});
  s.out() << table.render();
  co_return kExitOk;
}

boost::asio::awaitable<int> show_address(Session& s, const ip::Address& address) {
  auto info = co_await s.allocator.address_info(address);
  if (!info && info.error().code != ipam::kNotFound) co_return s.fail(info.error().message);
  const bool assigned = info && info->allocated;
  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    write_string(w, "address", address.to_string());
    w.Key("assigned");
    w.Bool(assigned);
    if (info) {
      write_string(w, "block", info->block.to_string());
      w.Key("blockAffinity");
      if (info->block_affinity) {
        w.String(info->block_affinity->c_str());
      } else {
        w.Null();
      }
    }
    if (assigned) {
      w.Key("handle");
      if (info->owner.handle_id) {
        w.String(info->owner.handle_id->c_str());
      } else {
        w.Null();
      }
      w.Key("attributes");
      w.StartObject();
      for (const auto& [k, v] : info->owner.attributes) write_string(w, k, v);
      w.EndObject();
      if (info->sequence_number) {
        w.Key("sequenceNumber");
        w.Uint64(*info->sequence_number);
      }
    }
    w.EndObject();
    s.print_json(buffer);
    co_return kExitOk;
  }
  if (!assigned) {
    s.out() << address.to_string() << " is not assigned\n";
    co_return kExitOk;
  }
  s.out() << "IP " << address.to_string() << " is in use\n";
  s.out() << "Handle ID: " << info->owner.handle_id.value_or("(none)") << '\n';
  s.out() << "Block: " << info->block.to_string() << " (affinity " << info->block_affinity.value_or("none") << ")\n";
  if (info->sequence_number) s.out() << "Sequence number: " << *info->sequence_number << '\n';
  s.out() << "Attributes:\n";
  for (const auto& [k, v] : info->owner.attributes) s.out() << "  " << k << ": " << v << '\n';
  co_return kExitOk;
}

boost::asio::awaitable<int> show_configuration(Session& s) {
  const std::string name(ipam::kIPAMConfigName);
  auto got = co_await ipam::get_object<k8s::IPAMConfig>(s.store, name);
  if (!got && got.error().kind != k8s::ApiErrorKind::not_found)
    co_return s.fail(got.error().to_error().context("reading IPAMConfig default").message);
  print_ipam_config(s, got ? got->spec : k8s::IPAMConfigSpec{}, got.ok(), "");
  co_return kExitOk;
}

}  // namespace

boost::asio::awaitable<int> show(Session& s, const ShowArgs& args) {
  if (args.ip) co_return co_await show_address(s, *args.ip);
  if (args.show_borrowed) co_return co_await show_borrowed(s);
  if (args.show_configuration) co_return co_await show_configuration(s);
  co_return co_await show_utilisation(s, args);
}

}  // namespace sluice::ipamctl
