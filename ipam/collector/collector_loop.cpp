#include "ipam/collector/collector_loop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log/log.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "ipam/store/soft_delete.hpp"
#include "k8s-client/resources/codec.hpp"

namespace sluice::ipam {

CollectorLoop::CollectorLoop(k8s::Client& client, ObjectStore& store, LeakCollector& collector,
                             CollectorMetrics& metrics, health::Health& health, CollectorLoopOptions options,
                             std::function<bool()> leading)
    : store_(store),
      collector_(collector),
      metrics_(metrics),
      health_(health),
      options_(options),
      leading_(std::move(leading)),
      blocks_(client, resource_type(k8s::IPAMBlock::resource), k8s::ListWatchOptions{},
              [](const rapidjson::Value& v) { return k8s::decode<k8s::IPAMBlock>(v); }),
      pods_(client, resource_type(k8s::Pod::resource), k8s::ListWatchOptions{},
            [](const rapidjson::Value& v) { return k8s::decode<k8s::Pod>(v); }),
      nodes_(client, resource_type(k8s::Node::resource), k8s::ListWatchOptions{},
             [](const rapidjson::Value& v) { return k8s::decode<k8s::Node>(v); }) {
  // Which nodes a change concerns: a block's host and the nodes its addresses were
  // allocated for; a deleted pod's node; a deleted node.
  blocks_.add_handlers({[this](const auto& b) { mark_block(*b); },
                        [this](const auto& before, const auto& after) {
                          if (before != after) {
                            mark_block(*before);
                            mark_block(*after);
                          }
                        },
                        [this](const auto& b) { mark_block(*b); }});
  pods_.add_handlers({nullptr,
                      [this](const auto& before, const auto& after) {
                        if (before->status.pod_ips != after->status.pod_ips ||
                            before->spec.node_name != after->spec.node_name ||
                            before->metadata.annotations != after->metadata.annotations) {
                          dirty_.insert(before->spec.node_name);
                          dirty_.insert(after->spec.node_name);
                        }
                      },
                      [this](const auto& p) { dirty_.insert(p->spec.node_name); }});
  nodes_.add_handlers({nullptr, nullptr, [this](const auto& n) { dirty_.insert(n->metadata.name); }});
  health_.set_ready("informers", false, "not synced yet");
}

void CollectorLoop::mark_block(const k8s::IPAMBlock& block) {
  const auto& affinity = block.spec.affinity;
  if (affinity && affinity->starts_with("host:")) dirty_.insert(affinity->substr(5));
  for (const auto& attribute : block.spec.attributes)
    if (auto it = attribute.secondary.find("node"); it != attribute.secondary.end()) dirty_.insert(it->second);
}

bool CollectorLoop::synced() const { return blocks_.has_synced() && pods_.has_synced() && nodes_.has_synced(); }

void CollectorLoop::leadership_changed() {
  collector_.reset();
  need_full_sweep_ = true;
}

void CollectorLoop::stop() {
  stopped_ = true;
  blocks_.stop();
  pods_.stop();
  nodes_.stop();
  if (timer_) timer_->cancel();
}

IpamSnapshot CollectorLoop::snapshot_from_caches(const std::set<std::string>& nodes) const {
  IpamSnapshot snapshot;
  auto concerns = [&](const k8s::IPAMBlock& b) {
    if (b.spec.affinity && b.spec.affinity->starts_with("host:") && nodes.count(b.spec.affinity->substr(5)))
      return true;
    for (const auto& attribute : b.spec.attributes)
      if (auto it = attribute.secondary.find("node"); it != attribute.secondary.end() && nodes.count(it->second))
        return true;
    return false;
  };
  for (const auto& b : blocks_.cache().list()) {
    if (is_soft_deleted(*b) || !concerns(*b)) continue;
    if (auto block = AllocationBlock::from_resource(*b)) snapshot.blocks.push_back(std::move(*block));
  }
  Workloads workloads;
  for (const auto& n : nodes_.cache().list()) workloads.nodes.insert(n->metadata.name);
  for (const auto& p : pods_.cache().list())
    workloads.pods[p->metadata.namespace_ + "/" + p->metadata.name] =
        PodInfo{p->spec.node_name, pod_addresses(*p), p->status.phase};
  snapshot.workloads = std::move(workloads);
  return snapshot;
}

boost::asio::awaitable<void> CollectorLoop::scan_once() {
  const auto started = std::chrono::steady_clock::now();
  const bool full = need_full_sweep_ || started - last_full_sweep_ >= options_.full_sweep_interval;
  if (full) {
    auto snapshot = co_await read_snapshot(store_, true);
    if (!snapshot) {
      log::warn("full sweep: cannot read IPAM's state", {log::kv("error", snapshot.error().describe())});
      co_return;
    }
    collector_.observe(*snapshot, ScanScope::all());
    metrics_.record_state(*snapshot);
    need_full_sweep_ = false;
    last_full_sweep_ = started;
    dirty_.clear();
  } else {
    if (dirty_.empty()) co_return;
    std::set<std::string> nodes;
    nodes.swap(dirty_);
    nodes.erase("");
    auto snapshot = snapshot_from_caches(nodes);
    auto pools = co_await list_objects<k8s::IPPool>(store_);
    if (pools)
      for (const auto& p : pools->items)
        if (auto view = make_pool_view(p)) snapshot.pools.push_back(std::move(*view));
    collector_.observe(snapshot, ScanScope::of(std::move(nodes)));
  }
  metrics_.record_scan(full);
  auto report = co_await collector_.collect();
  metrics_.record_collection(report);
  metrics_.record_candidates(collector_.candidates());
  for (const auto& e : report.errors) log::warn("collection failed", {log::kv("error", e)});
  if (report.released_addresses || report.released_blocks || report.repaired_handles || report.resolved_claims)
    log::info("collected", {log::kv("addresses", report.released_addresses), log::kv("blocks", report.released_blocks),
                            log::kv("handles", report.repaired_handles), log::kv("claims", report.resolved_claims)});
}

boost::asio::awaitable<void> CollectorLoop::run() {
  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(executor, blocks_.run(), boost::asio::detached);
  boost::asio::co_spawn(executor, pods_.run(), boost::asio::detached);
  boost::asio::co_spawn(executor, nodes_.run(), boost::asio::detached);
  timer_ = std::make_unique<boost::asio::steady_timer>(executor);
  bool was_leading = false;
  while (!stopped_) {
    timer_->expires_after(options_.scan_interval);
    boost::system::error_code ec;
    co_await timer_->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (stopped_) break;
    health_.set_ready("informers", synced(), synced() ? "synced" : "not synced yet");
    const bool leading = leading_();
    if (leading != was_leading) {
      leadership_changed();
      was_leading = leading;
    }
    if (!leading || !synced()) continue;
    co_await scan_once();
  }
}

}  // namespace sluice::ipam
