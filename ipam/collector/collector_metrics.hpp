// The leak collector's Prometheus metrics, named as Calico's kube-controllers names
// them so existing dashboards and alerts carry over: addresses in use and borrowed per
// pool and node, collection candidates (sustained > 0 means collection is stuck),
// reclamations (a rising rate means a real leak source), blocks per pool and per node.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/metrics/registry.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/collector/leak_collector.hpp"

namespace sluice::ipam {

class CollectorMetrics {
 public:
  explicit CollectorMetrics(metrics::Registry& registry);

  // The state gauges, from a full snapshot.
  void record_state(const IpamSnapshot& snapshot);
  void record_candidates(const std::map<std::pair<std::string, std::string>, int>& candidates);
  void record_collection(const CollectionReport& report);
  void record_scan(bool full);

 private:
  using Labels = std::vector<std::string>;
  // Sets every gauge of `values` and zeroes-out (removes) children no longer present.
  static void replace(metrics::Family<metrics::Gauge>& family, std::set<Labels>& previous,
                      const std::map<Labels, double>& values);

  metrics::Family<metrics::Gauge>& in_use_;
  metrics::Family<metrics::Gauge>& borrowed_;
  metrics::Family<metrics::Gauge>& candidates_;
  metrics::Family<metrics::Counter>& reclamations_;
  metrics::Family<metrics::Gauge>& blocks_;
  metrics::Family<metrics::Gauge>& blocks_per_node_;
  metrics::Family<metrics::Gauge>& pool_size_;
  metrics::Family<metrics::Counter>& scans_;
  metrics::Family<metrics::Counter>& collected_;
  metrics::Family<metrics::Counter>& errors_;
  std::set<Labels> in_use_labels_, borrowed_labels_, candidate_labels_, block_labels_, node_block_labels_,
      pool_size_labels_;
};

}  // namespace sluice::ipam
