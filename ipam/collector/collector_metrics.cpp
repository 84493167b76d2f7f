#include "ipam/collector/collector_metrics.hpp"

namespace sluice::ipam {
namespace {

std::string pool_of(const IpamSnapshot& snapshot, const ip::Prefix& block) {
  for (const auto& p : snapshot.pools)
    if (p.cidr.contains(block)) return p.cidr.to_string();
  return "none";
}

}  // namespace

CollectorMetrics::CollectorMetrics(metrics::Registry& registry)
    : in_use_(registry.gauge("ipam_allocations_in_use", "Addresses allocated, by pool and node.", {"ippool", "node"})),
      borrowed_(registry.gauge("ipam_allocations_borrowed",
                               "Addresses allocated from a block affine to another node, by pool and node.",
                               {"ippool", "node"})),
      candidates_(registry.gauge("ipam_allocations_gc_candidates",
                                 "Addresses suspected leaked and waiting out the grace period; sustained > 0 means "
                                 "collection is stuck.",
                                 {"ippool", "node"})),
      reclamations_(registry.counter("ipam_allocations_gc_reclamations",
                                     "Leaked addresses released by the collector.", {"ippool", "node"})),
      blocks_(registry.gauge("ipam_blocks", "IPAM blocks, by pool.", {"ippool"})),
      blocks_per_node_(registry.gauge("ipam_blocks_per_node", "IPAM blocks affine to each node.", {"node"})),
      pool_size_(registry.gauge("ipam_ippool_size", "Addresses in each pool.", {"ippool"})),
      scans_(registry.counter("sluice_ipam_collector_scans_total", "Scans, by kind (full or incremental).",
                              {"kind"})),
      collected_(registry.counter("sluice_ipam_collector_collected_total",
                                  "Objects the collector acted on, by what it did.", {"action"})),
      errors_(registry.counter("sluice_ipam_collector_errors_total", "Failed collector actions.")) {}

void CollectorMetrics::replace(metrics::Family<metrics::Gauge>& family, std::set<Labels>& previous,
                               const std::map<Labels, double>& values) {
  for (const auto& labels : previous)
    if (!values.count(labels)) family.remove(labels);
  previous.clear();
  for (const auto& [labels, value] : values) {
    family.with(labels).set(value);
    previous.insert(labels);
  }
}

void CollectorMetrics::record_state(const IpamSnapshot& snapshot) {
  std::map<Labels, double> in_use, borrowed, blocks, per_node, sizes;
  for (const auto& block : snapshot.blocks) {
    const std::string pool = pool_of(snapshot, block.cidr());
    blocks[{pool}] += 1;
    if (auto host = block.host()) per_node[{std::string(*host)}] += 1;
  }
  for (const auto& a : allocations(snapshot)) {
    const std::string pool = pool_of(snapshot, a.block);
    auto node_it = a.owner.attributes.find("node");
    const std::string node = node_it != a.owner.attributes.end() ? node_it->second : a.block_host.value_or("");
    in_use[{pool, node}] += 1;
    if (a.block_host && *a.block_host != node) borrowed[{pool, node}] += 1;
  }
  for (const auto& p : snapshot.pools)
    if (auto size = p.cidr.size()) sizes[{p.cidr.to_string()}] = static_cast<double>(*size);
  replace(in_use_, in_use_labels_, in_use);
  replace(borrowed_, borrowed_labels_, borrowed);
  replace(blocks_, block_labels_, blocks);
  replace(blocks_per_node_, node_block_labels_, per_node);
  replace(pool_size_, pool_size_labels_, sizes);
}

void CollectorMetrics::record_candidates(const std::map<std::pair<std::string, std::string>, int>& candidates) {
  std::map<Labels, double> values;
  for (const auto& [key, count] : candidates) values[{key.first, key.second}] = count;
  replace(candidates_, candidate_labels_, values);
}

void CollectorMetrics::record_collection(const CollectionReport& report) {
  for (const auto& [key, count] : report.released_by_pool_node) reclamations_.with({key.first, key.second}).inc(count);
  collected_.with({"released_address"}).inc(report.released_addresses);
  collected_.with({"released_block"}).inc(report.released_blocks);
  collected_.with({"repaired_handle"}).inc(report.repaired_handles);
  collected_.with({"resolved_claim"}).inc(report.resolved_claims);
  errors_.with({}).inc(static_cast<double>(report.errors.size()));
}

void CollectorMetrics::record_scan(bool full) { scans_.with({full ? "full" : "incremental"}).inc(); }

}  // namespace sluice::ipam
