// The leak collector's schedule: informers keep blocks, pods and nodes cached and mark
// the nodes whose state changed; every scan interval the changed nodes are scanned from
// the caches (cheap), and every full-sweep interval everything is read afresh and
// scanned, handles and claims included. Only the elected leader scans and acts; a new
// leader starts with a full sweep and no suspects, so it waits out a whole grace period.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/health/health.hpp"
#include "ipam/collector/collector_metrics.hpp"
#include "ipam/collector/leak_collector.hpp"
#include "k8s-client/client/informer.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::ipam {

struct CollectorLoopOptions {
  std::chrono::milliseconds scan_interval{30'000};
  std::chrono::milliseconds full_sweep_interval{5 * 60'000};
};

class CollectorLoop {
 public:
  // `leading` says whether this replica holds the lease right now.
  CollectorLoop(k8s::Client& client, ObjectStore& store, LeakCollector& collector, CollectorMetrics& metrics,
                health::Health& health, CollectorLoopOptions options, std::function<bool()> leading);
  CollectorLoop(const CollectorLoop&) = delete;  // the informers' handlers hold `this`
  CollectorLoop& operator=(const CollectorLoop&) = delete;

  // Runs until stop(). The loop must outlive the returned coroutine.
  boost::asio::awaitable<void> run();
  void stop();
  // Leadership was lost or gained: suspects gathered under another leader's watch, or
  // before a gap, are not trusted.
  void leadership_changed();

  // Nodes marked changed since the last scan (for tests and logs).
  const std::set<std::string>& dirty_nodes() const { return dirty_; }

 private:
  boost::asio::awaitable<void> scan_once();
  IpamSnapshot snapshot_from_caches(const std::set<std::string>& nodes) const;
  void mark_block(const k8s::IPAMBlock& block);
  bool synced() const;

  ObjectStore& store_;
  LeakCollector& collector_;
  CollectorMetrics& metrics_;
  health::Health& health_;
  CollectorLoopOptions options_;
  std::function<bool()> leading_;
  k8s::Informer<k8s::IPAMBlock> blocks_;
  k8s::Informer<k8s::Pod> pods_;
  k8s::Informer<k8s::Node> nodes_;
  std::set<std::string> dirty_;
  bool need_full_sweep_ = true;
  std::chrono::steady_clock::time_point last_full_sweep_{};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
};

}  // namespace sluice::ipam
