#include "bgpd/fib/fib_metrics.hpp"

#include <chrono>

namespace sluice::bgp::fib {

FibMetrics::FibMetrics(metrics::Registry& r)
    : desired_(r.gauge("sluice_bgp_fib_routes_desired", "Prefixes bgpd wants in the kernel (best paths and static routes).")
                   .with({})),
      installed_(r.gauge("sluice_bgp_fib_routes_installed", "Routes of bgpd's protocol in its kernel table.").with({})),
      failing_(r.gauge("sluice_bgp_fib_routes_failing", "Routes the kernel refused, waiting for a retry.").with({})),
      pending_(r.gauge("sluice_bgp_fib_pending_changes", "Prefixes waiting to be written to the kernel, or in flight.")
                   .with({})),
      last_sync_(r.gauge("sluice_bgp_fib_last_sync_seconds",
                         "Duration of the last round of kernel work, from its first job until idle.")
                     .with({})),
      writes_(r.counter("sluice_bgp_fib_route_writes_total", "Route changes the kernel accepted.").with({})),
      write_failures_(r.counter("sluice_bgp_fib_route_failures_total", "Route changes the kernel refused.").with({})),
      dumps_(r.counter("sluice_bgp_fib_dumps_total", "Reads of bgpd's routes from the kernel.").with({})),
      dump_failures_(r.counter("sluice_bgp_fib_dump_failures_total", "Reads of the kernel's routes that failed.").with({})),
      mismatches_(r.counter("sluice_bgp_fib_verify_mismatches_total",
                            "Routes written and acknowledged that a later read showed otherwise.")
                      .with({})),
      swept_(r.counter("sluice_bgp_fib_routes_swept_total",
                       "Routes of bgpd's protocol removed because this run never wanted them.")
                 .with({})) {}

void FibMetrics::advance(metrics::Counter& counter, std::uint64_t total, std::uint64_t& seen) {
  if (total > seen) counter.inc(static_cast<double>(total - seen));
  seen = total;
}

void FibMetrics::record(const FibStats& stats) {
  desired_.set(static_cast<double>(stats.desired));
  installed_.set(static_cast<double>(stats.installed));
  failing_.set(static_cast<double>(stats.failing));
  pending_.set(static_cast<double>(stats.pending));
  last_sync_.set(std::chrono::duration<double>(stats.last_sync).count());
  advance(writes_, stats.writes, seen_.writes);
  advance(write_failures_, stats.write_failures, seen_.write_failures);
  advance(dumps_, stats.dumps, seen_.dumps);
  advance(dump_failures_, stats.dump_failures, seen_.dump_failures);
  advance(mismatches_, stats.verify_mismatches, seen_.verify_mismatches);
  advance(swept_, stats.swept, seen_.swept);
}

}  // namespace sluice::bgp::fib
