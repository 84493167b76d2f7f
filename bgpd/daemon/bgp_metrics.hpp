// bgpd's Prometheus series, per neighbour (session state, messages, prefixes, flaps, the
// last error) and per family (Loc-RIB size), brought up to date from the speaker on each
// call. The FIB writer keeps its own (fib/fib_metrics.hpp).
#pragma once

#include <map>
#include <set>
#include <vector>
#include <string>

#include "base/metrics/registry.hpp"
#include "bgpd/speaker/speaker.hpp"

namespace sluice::bgp {

class BgpMetrics {
 public:
  explicit BgpMetrics(metrics::Registry& registry);

  // Reads every neighbour's status and the tables' sizes. Series of neighbours gone are
  // dropped.
  void update(const Speaker& speaker);

 private:
  void set_total(metrics::Family<metrics::Counter>& family, const std::vector<std::string>& labels, double total);
  void drop(const std::string& peer);

  metrics::Family<metrics::Gauge>& state_;
  metrics::Family<metrics::Gauge>& up_;
  metrics::Family<metrics::Gauge>& uptime_;
  metrics::Family<metrics::Counter>& messages_received_;
  metrics::Family<metrics::Counter>& messages_sent_;
  metrics::Family<metrics::Counter>& prefixes_received_;
  metrics::Family<metrics::Counter>& prefixes_rejected_;
  metrics::Family<metrics::Gauge>& prefixes_accepted_;
  metrics::Family<metrics::Gauge>& prefixes_advertised_;
  metrics::Family<metrics::Counter>& flaps_;
  metrics::Family<metrics::Counter>& treated_as_withdraw_;
  metrics::Family<metrics::Counter>& prefix_limit_hits_;
  metrics::Family<metrics::Gauge>& rib_prefixes_;
  metrics::Family<metrics::Gauge>& rib_paths_;
  metrics::Family<metrics::Gauge>& rib_memory_;
  metrics::Family<metrics::Gauge>& peers_;
  metrics::Family<metrics::Gauge>& last_error_;
  std::set<std::string> known_;
  // Each neighbour's last_error_ labels, so that a new error replaces the old series.
  std::map<std::string, std::vector<std::string>> last_error_labels_;
};

}  // namespace sluice::bgp
