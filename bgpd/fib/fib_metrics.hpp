// The FIB writer's Prometheus metrics, registered in the daemon's registry: routes
// desired, installed and failing, pending changes, the last sync's duration, and counters
// of writes, refusals, dumps, read-back mismatches and swept routes.
#pragma once

#include <cstdint>

#include "base/metrics/registry.hpp"
#include "bgpd/fib/fib.hpp"

namespace sluice::bgp::fib {

class FibMetrics {
 public:
  explicit FibMetrics(metrics::Registry& registry);

  // Sets the gauges and advances the counters to the core's totals.
  void record(const FibStats& stats);

 private:
  static void advance(metrics::Counter& counter, std::uint64_t total, std::uint64_t& seen);

  metrics::Gauge& desired_;
  metrics::Gauge& installed_;
  metrics::Gauge& failing_;
  metrics::Gauge& pending_;
  metrics::Gauge& last_sync_;
  metrics::Counter& writes_;
  metrics::Counter& write_failures_;
  metrics::Counter& dumps_;
  metrics::Counter& dump_failures_;
  metrics::Counter& mismatches_;
  metrics::Counter& swept_;
  FibStats seen_;
};

}  // namespace sluice::bgp::fib
