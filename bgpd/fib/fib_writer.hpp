// FibWriter: the shell around Fib. It runs on the daemon's event loop, takes the RIB's
// best-path batches and the config's static routes, and hands the core's kernel jobs (a
// dump of our routes, or batches of route changes, the next planned while the kernel
// applies the last) to a worker thread of its own, so blocking netlink calls never stall
// BGP sessions and changes that arrive meanwhile coalesce into a later batch. Retries,
// read-back verification and the periodic resync are the core's schedule; the writer
// only keeps a timer on it.
//
// Use (all calls on the executor's thread):
//   FibWriter fib(io.get_executor(), options, *NetlinkFibKernel::open(options.fib), &metrics);
//   rib.set_best_path_listener(fib.best_path_listener());
//   fib.replace_static_routes(blocks_as_blackholes);
//   fib.start();                 // reads the kernel, then writes the difference
//   ... fib.first_sync_done();   // after End-of-RIB from the peers: mark and sweep begins
//   co_await fib.async_stop(ExitMode::keep);  // or remove
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bgpd/fib/fib.hpp"
#include "bgpd/fib/fib_metrics.hpp"
#include "bgpd/fib/kernel.hpp"
#include "bgpd/rib/rib.hpp"

namespace sluice::bgp::fib {

struct FibWriterOptions {
  FibConfig fib;
  // Routes of ours that are not desired are swept after first_sync_done(), or after this
  // long without it: a peer that never sends End-of-RIB must not pin stale routes forever.
  Clock::duration first_sync_timeout = std::chrono::seconds(120);
  // How long stopping waits for the job in flight and, with ExitMode::remove, the removals.
  Clock::duration exit_timeout = std::chrono::seconds(10);
  // What stop() without a mode does (the config's keep_on_exit).
  ExitMode on_exit = ExitMode::keep;
  // Off: only the best path's next hop, even when the RIB picks a multipath set.
  bool ecmp = true;
};

class FibWriter {
 public:
  // `metrics` may be null; it must outlive the writer otherwise.
  FibWriter(boost::asio::any_io_executor executor, FibWriterOptions options, std::unique_ptr<FibKernel> kernel,
            FibMetrics* metrics = nullptr);
  // Waits for the job in flight; leaves the kernel as it is (stop first to remove routes).
  ~FibWriter();
  FibWriter(const FibWriter&) = delete;
  FibWriter& operator=(const FibWriter&) = delete;

  // ---- Inputs: each only records; the writer applies them in batches.
  void on_best_paths(const rib::LocRib& table, std::span<const rib::EntryIndex> changed);
  // A listener for Rib::set_best_path_listener; valid while the writer lives.
  rib::Rib::BestPathListener best_path_listener();
  // Every prefix of a table that had routes before the listener was set.
  void load(const rib::LocRib& table);
  void set_bgp_route(const ip::Prefix& prefix, std::span<const ip::Address> next_hops);
  void set_static_route(const ip::Prefix& prefix, const StaticRoute& route);
  void remove_static_route(const ip::Prefix& prefix);
  void replace_static_routes(const std::vector<std::pair<ip::Prefix, StaticRoute>>& routes);
  void set_local_addresses(std::span<const ip::Address> addresses);
  // The RIB has its first complete view: sweeping may begin.
  void first_sync_done();

  // Reads the kernel and starts writing. Inputs before start() are kept.
  void start();
  // Finishes the job in flight, then keeps or removes our routes; `done` runs on the
  // executor once that is over (or after exit_timeout). Inputs are ignored from here on.
  void stop(ExitMode mode, std::function<void()> done);
  void stop(std::function<void()> done) { stop(options_.on_exit, std::move(done)); }
  boost::asio::awaitable<void> async_stop(ExitMode mode);
  boost::asio::awaitable<void> async_stop() { return async_stop(options_.on_exit); }

  const Fib& fib() const { return fib_; }
  // The kernel matched the desired state at the last look and nothing is pending.
  bool in_sync() const { return fib_.in_sync(); }
  // Calls `ready` once, on the executor, the first time the writer is in sync after
  // start() (tests and the readiness probe wait on it).
  void on_first_in_sync(std::function<void()> ready);

 private:
  void schedule();
  void pump();
  void run(FibJob job);
  void arm_wakeup();
  void log_events();
  void after_work();
  void finish_stop();

  boost::asio::any_io_executor executor_;
  FibWriterOptions options_;
  Fib fib_;
  std::unique_ptr<FibKernel> kernel_;  // used only on the worker, one job at a time
  FibMetrics* metrics_;
  boost::asio::steady_timer wakeup_;
  boost::asio::steady_timer first_sync_timer_;
  boost::asio::steady_timer exit_timer_;
  // Completions posted back to the loop check this: the writer may be gone by then.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool started_ = false;
  bool pump_posted_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  bool reported_in_sync_ = false;
  Clock::time_point started_at_{};
  std::function<void()> on_stopped_;
  std::function<void()> on_first_in_sync_;
  // Last, so it is joined first in the destructor while everything it touches exists.
  boost::asio::thread_pool worker_{1};
};

}  // namespace sluice::bgp::fib
