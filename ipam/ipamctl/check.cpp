// ipamctl check: one snapshot of IPAM's objects and the cluster's nodes and pods, judged
// by the audit checks the leak collector also uses (check_consistency, check_workloads,
// classify), so `check` never disagrees with what the collector would do. Optionally
// writes the report `release --from-report` acts on.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "base/text/table.hpp"
#include "base/time/rfc3339.hpp"
#include "ipam/audit/problems.hpp"
#include "ipam/ipamctl/cluster.hpp"
#include "ipam/ipamctl/report.hpp"
#include "ipam/ipamctl/session.hpp"

namespace sluice::ipamctl {
namespace {

using text::Table;

constexpr std::size_t kTopNodes = 20;

constexpr ipam::ProblemKind kKinds[] = {
    ipam::ProblemKind::invalid_block,          ipam::ProblemKind::outside_pools,
    ipam::ProblemKind::dangling_handle,        ipam::ProblemKind::missing_handle,
    ipam::ProblemKind::handle_count_mismatch,  ipam::ProblemKind::affinity_without_block,
    ipam::ProblemKind::block_without_affinity, ipam::ProblemKind::pending_affinity,
    ipam::ProblemKind::leaked_address,         ipam::ProblemKind::unallocated_in_use,
    ipam::ProblemKind::multiple_owners,
};

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The node an allocation counts for: its node attribute, else its block's host.
std::string node_of(const ipam::Allocation& a) {
  std::string node = attribute(a.owner, ipam::kAttributeNode);
  if (node.empty() && a.block_host) node = *a.block_host;
  return node.empty() ? "(no node)" : node;
}

std::string median_text(const std::vector<std::pair<std::string, std::size_t>>& per_node) {
  if (per_node.empty()) return "0";
  std::vector<std::size_t> counts;
  for (const auto& [node, n] : per_node) counts.push_back(n);
  std::sort(counts.begin(), counts.end());
  const std::size_t mid = counts.size() / 2;
  if (counts.size() % 2 == 1) return std::to_string(counts[mid]);
  const std::size_t twice = counts[mid - 1] + counts[mid];
  return twice % 2 == 0 ? std::to_string(twice / 2) : fmt::format("{}.5", twice / 2);
}

Report build_report(const ipam::IpamSnapshot& snapshot, const std::vector<ipam::Problem>& problems,
                    const std::vector<ipam::Allocation>& all, const ClusterIdentity& cluster, const Runtime& runtime) {
  Report report;
  report.cluster_guid = cluster.guid;
  report.cluster_information_revision = cluster.resource_version;
  report.tool_version = runtime.version;
  report.time = std::chrono::floor<std::chrono::seconds>(runtime.now());
  std::map<ip::Address, const ipam::Allocation*> by_address;
  for (const auto& a : all) by_address[a.address] = &a;
  for (const auto& p : problems) {
    if (p.kind == ipam::ProblemKind::leaked_address && p.address && !p.handle_id.empty() && p.sequence_number) {
      auto it = by_address.find(*p.address);
      report.leaked_addresses.push_back(LeakedAddress{*p.address, p.handle_id, *p.sequence_number,
                                                      it == by_address.end() ? "" : it->second->block.to_string(),
                                                      p.detail});
      continue;
    }
    if (p.kind == ipam::ProblemKind::dangling_handle) {
      auto handle = std::find_if(snapshot.handles.begin(), snapshot.handles.end(),
                                 [&](const k8s::IPAMHandle& h) { return h.spec.handle_id == p.subject; });
      if (handle != snapshot.handles.end())
        report.empty_handles.push_back(
            EmptyHandle{handle->spec.handle_id, handle->metadata.uid, handle->metadata.resource_version});
    }
    // A leak without a handle cannot be released safely from a report: it is listed only.
    report.other_problems.push_back(ReportedProblem{std::string(ipam::to_string(p.kind)), p.subject, p.detail});
  }
  return report;
}

// Written beside the target and renamed over it, so a reader never sees half a report.
Status write_file(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Error{fmt::format("cannot write the report {}: cannot create {}", path, temporary)};
    out << contents;
    out.flush();
    if (!out) return Error{fmt::format("cannot write the report {}: writing {} failed", path, temporary)};
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return Error{fmt::format("cannot write the report {}: {}", path, ec.message())};
  }
  return {};
}

void write_problem(JsonWriter& w, const ipam::Problem& p) {
  w.StartObject();
  write_string(w, "kind", ipam::to_string(p.kind));
  write_string(w, "subject", p.subject);
  write_string(w, "detail", p.detail);
  if (p.address) write_string(w, "address", p.address->to_string());
  if (!p.handle_id.empty()) write_string(w, "handle", p.handle_id);
  if (p.sequence_number) {
    w.Key("sequenceNumber");
    w.Uint64(*p.sequence_number);
  }
  w.EndObject();
}

}  // namespace

boost::asio::awaitable<int> check(Session& s, const CheckArgs& args) {
  auto read = co_await ipam::read_snapshot(s.store, true);
  if (!read) co_return s.fail(read.error().to_error().context("reading IPAM's objects, nodes and pods").message);
  const ipam::IpamSnapshot& snapshot = *read;
  std::vector<ipam::Problem> problems = ipam::check_consistency(snapshot);
  for (auto& p : ipam::check_workloads(snapshot)) problems.push_back(std::move(p));
  std::stable_sort(problems.begin(), problems.end(),
                   [](const ipam::Problem& a, const ipam::Problem& b) { return a.kind < b.kind; });
  const std::vector<ipam::Allocation> all = ipam::allocations(snapshot);
  const ipam::Workloads& workloads = *snapshot.workloads;

  std::map<std::string, std::size_t> counts;
  std::size_t borrowed = 0;
  for (const auto& a : all) {
    ++counts[node_of(a)];
    if (is_borrowed(a)) ++borrowed;
  }
  std::vector<std::pair<std::string, std::size_t>> per_node(counts.begin(), counts.end());
  std::stable_sort(per_node.begin(), per_node.end(), [](const auto& a, const auto& b) { return a.second > b.second; });

  std::optional<Report> report;
  if (!args.report_file.empty()) {
    auto cluster = co_await ensure_cluster_identity(s.store, s.runtime.new_cluster_guid);
    if (!cluster) co_return s.fail(cluster.error().message);
    report = build_report(snapshot, problems, all, *cluster, s.runtime);
    if (auto written = write_file(args.report_file, encode_report(*report)); !written)
      co_return s.fail(written.error().message);
  }

  // The addresses --show-all-ips or --show-problem-ips list.
  struct Listed {
    ip::Address address;
    const ipam::Allocation* allocation = nullptr;
    std::string verdict;
  };
  std::vector<Listed> listed;
  if (args.show_all_ips) {
    for (const auto& a : all) listed.push_back({a.address, &a, std::string(ipam::to_string(ipam::classify(a, workloads)))});
  } else if (args.show_problem_ips) {
    std::map<ip::Address, const ipam::Allocation*> by_address;
    for (const auto& a : all) by_address[a.address] = &a;
    for (const auto& p : problems) {
      if (!p.address) continue;
      auto it = by_address.find(*p.address);
      listed.push_back({*p.address, it == by_address.end() ? nullptr : it->second, std::string(ipam::to_string(p.kind))});
    }
  }
  std::stable_sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) { return a.address < b.address; });

  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("counts");
    w.StartObject();
    for (auto [key, n] : {std::pair{"blocks", snapshot.blocks.size()}, std::pair{"invalidBlocks", snapshot.invalid_blocks.size()},
                          std::pair{"handles", snapshot.handles.size()}, std::pair{"blockAffinities", snapshot.affinities.size()},
                          std::pair{"pools", snapshot.pools.size()}, std::pair{"nodes", workloads.nodes.size()},
                          std::pair{"pods", workloads.pods.size()}, std::pair{"allocatedAddresses", all.size()},
                          std::pair{"borrowedAddresses", borrowed}}) {
      w.Key(key);
      w.Uint64(n);
    }
    w.EndObject();
    w.Key("allocationsPerNode");
    w.StartArray();
    for (const auto& [node, n] : per_node) {
      w.StartObject();
      write_string(w, "node", node);
      w.Key("addresses");
      w.Uint64(n);
      w.EndObject();
    }
    w.EndArray();
    const std::string median = median_text(per_node);
    w.Key("medianAllocationsPerNode");
    w.RawValue(median.data(), median.size(), rapidjson::kNumberType);
    w.Key("problems");
    w.StartArray();
    for (const auto& p : problems) write_problem(w, p);
    w.EndArray();
    if (args.show_all_ips || args.show_problem_ips) {
      w.Key("addresses");
      w.StartArray();
      for (const auto& l : listed) {
        w.StartObject();
        write_string(w, "address", l.address.to_string());
        if (l.allocation) {
          write_string(w, "block", l.allocation->block.to_string());
          write_string(w, "handle", l.allocation->owner.handle_id.value_or(""));
          write_string(w, "node", node_of(*l.allocation));
          write_string(w, "allocatedTo", allocated_to(l.allocation->owner));
          w.Key("sequenceNumber");
          w.Uint64(l.allocation->sequence_number);
        }
        write_string(w, args.show_all_ips ? "verdict" : "problem", l.verdict);
        w.EndObject();
      }
      w.EndArray();
    }
    if (report) {
      w.Key("report");
      w.StartObject();
      write_string(w, "file", args.report_file);
      write_string(w, "clusterGUID", report->cluster_guid);
      w.Key("leakedAddresses");
      w.Uint64(report->leaked_addresses.size());
      w.EndObject();
    }
    w.Key("problemCount");
    w.Uint64(problems.size());
    w.EndObject();
    s.print_json(buffer);
    co_return kExitOk;
  }

  std::ostream& out = s.out();
  out << "IPAM objects: " << plural(snapshot.blocks.size(), "block", "blocks") << ", "
      << plural(snapshot.handles.size(), "handle", "handles") << ", "
      << plural(snapshot.affinities.size(), "block affinity", "block affinities") << ", "
      << plural(snapshot.pools.size(), "IP pool", "IP pools") << '\n';
  out << "Cluster: " << plural(workloads.nodes.size(), "node", "nodes") << ", "
      << plural(workloads.pods.size(), "pod", "pods") << '\n';
  out << "Addresses allocated: " << all.size() << " (" << borrowed << " borrowed)\n";
  if (!per_node.empty()) {
    out << '\n'
        << fmt::format("Allocations per node (top {} of {}; median {}):\n", std::min(kTopNodes, per_node.size()),
                       per_node.size(), median_text(per_node));
    Table table({"NODE", "ADDRESSES"});
    table.align(1, Table::Align::right);
    for (std::size_t i = 0; i < per_node.size() && i < kTopNodes; ++i)
      table.add_row({per_node[i].first, std::to_string(per_node[i].second)});
    out << table.render();
  }
  if (!listed.empty()) {
    out << '\n';
    Table table({"IP", "BLOCK", "HANDLE", "ALLOCATED-TO", args.show_all_ips ? "VERDICT" : "PROBLEM"});
    for (const auto& l : listed)
      table.add_row({l.address.to_string(), l.allocation ? l.allocation->block.to_string() : "-",
                     l.allocation ? l.allocation->owner.handle_id.value_or("-") : "-",
                     l.allocation ? allocated_to(l.allocation->owner) : "-", l.verdict});
    out << table.render();
  }
  out << '\n';
  if (problems.empty()) out << "Problems: none\n";
  for (auto kind : kKinds) {
    std::size_t n = std::count_if(problems.begin(), problems.end(), [&](const ipam::Problem& p) { return p.kind == kind; });
    if (n == 0) continue;
    out << ipam::to_string(kind) << " (" << n << "):\n";
    for (const auto& p : problems)
      if (p.kind == kind) out << "  " << p.subject << ": " << p.detail << '\n';
  }
  if (report)
    out << '\n'
        << fmt::format("Report written to {} (cluster GUID {}; {} to release).\n", args.report_file,
                       report->cluster_guid, plural(report->leaked_addresses.size(), "leaked address", "leaked addresses"));
  out << "Check complete; found " << problems.size() << " problems.\n";
  co_return kExitOk;
}

}  // namespace sluice::ipamctl
