#include "bgpd/fib/fib_writer.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "base/log/log.hpp"
#include "bgpd/fib/rib_feed.hpp"

namespace sluice::bgp::fib {
namespace {
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

FibWriter::FibWriter(boost::asio::any_io_executor executor, FibWriterOptions options, std::unique_ptr<FibKernel> kernel,
                     FibMetrics* metrics)
    : executor_(executor),
      options_(std::move(options)),
      fib_(options_.fib),
      kernel_(std::move(kernel)),
      metrics_(metrics),
      wakeup_(executor),
      first_sync_timer_(executor),
      exit_timer_(executor) {}

FibWriter::~FibWriter() {
  *alive_ = false;
  wakeup_.cancel();
  first_sync_timer_.cancel();
  exit_timer_.cancel();
  // A batch in flight finishes (the kernel has most of it already); its completion, posted
  // to the loop, finds alive_ false and does nothing.
  worker_.join();
}

// ---- Inputs.

void FibWriter::on_best_paths(const rib::LocRib& table, std::span<const rib::EntryIndex> changed) {
  apply_best_paths(fib_, table, changed, options_.ecmp);
  schedule();
}

rib::Rib::BestPathListener FibWriter::best_path_listener() {
  return [this](const rib::LocRib& table, std::span<const rib::EntryIndex> changed) { on_best_paths(table, changed); };
}

void FibWriter::load(const rib::LocRib& table) {
  load_table(fib_, table, options_.ecmp);
  schedule();
}

void FibWriter::set_bgp_route(const ip::Prefix& prefix, std::span<const ip::Address> next_hops) {
  fib_.set_bgp_route(prefix, next_hops);
  schedule();
}

void FibWriter::set_static_route(const ip::Prefix& prefix, const StaticRoute& route) {
  fib_.set_static_route(prefix, route);
  schedule();
}

void FibWriter::remove_static_route(const ip::Prefix& prefix) {
  fib_.remove_static_route(prefix);
  schedule();
}

void FibWriter::replace_static_routes(const std::vector<std::pair<ip::Prefix, StaticRoute>>& routes) {
  fib_.replace_static_routes(routes);
  schedule();
}

void FibWriter::set_local_addresses(std::span<const ip::Address> addresses) {
  fib_.set_local_addresses(addresses);
  schedule();
}

void FibWriter::first_sync_done() {
  if (fib_.sweep_allowed()) return;
  first_sync_timer_.cancel();
  fib_.first_sync_done();
  log::info("kernel FIB: the RIB has a complete view; routes no longer desired will be removed");
  schedule();
}

void FibWriter::on_first_in_sync(std::function<void()> ready) {
  if (reported_in_sync_) {
    boost::asio::post(executor_, std::move(ready));
  } else {
    on_first_in_sync_ = std::move(ready);
  }
}

// ---- Running.

void FibWriter::start() {
  if (started_ || stopping_) return;
  started_ = true;
  started_at_ = Clock::now();
  log::info("kernel FIB: starting", {log::kv("table", options_.fib.table), log::kv("protocol", options_.fib.protocol),
                                     log::kv("metric", options_.fib.metric)});
  if (!fib_.sweep_allowed()) {
    first_sync_timer_.expires_after(options_.first_sync_timeout);
    first_sync_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (ec || !*alive || fib_.sweep_allowed()) return;
      log::warn("kernel FIB: no complete RIB view in time; sweeping routes no longer desired anyway",
                {log::kv("after_s", seconds(options_.first_sync_timeout))});
      fib_.first_sync_done();
      schedule();
    });
  }
  schedule();
}

void FibWriter::schedule() {
  if (!started_ || stopped_ || pump_posted_) return;
  pump_posted_ = true;
  // Posted, not called: a burst of inputs in one handler becomes one look at the queue.
  boost::asio::post(executor_, [this, alive = alive_] {
    if (!*alive) return;
    pump_posted_ = false;
    pump();
  });
}

void FibWriter::pump() {
  if (stopped_) return;
  // Fills the core's pipeline (a dump alone, or up to batches_in_flight batches).
  for (int jobs = 0; jobs < 64; ++jobs) {
    auto job = fib_.next_job(Clock::now());
    if (!job) break;
    run(std::move(*job));
  }
  after_work();
  if (fib_.job_in_flight()) return;  // its completion pumps again
  if (stopping_ && fib_.exit_done()) {
    finish_stop();
    return;
  }
  arm_wakeup();
}

void FibWriter::run(FibJob job) {
  // The job owns its changes; the core is touched again only back on the loop.
  boost::asio::post(worker_, [this, alive = alive_, job = std::move(job)]() mutable {
    if (job.kind == FibJob::Kind::dump) {
      auto routes = kernel_->dump();
      boost::asio::post(executor_, [this, alive, routes = std::move(routes)] {
        if (!*alive) return;
        fib_.dump_done(routes, Clock::now());
        pump();
      });
    } else {
      auto report = kernel_->apply(job.changes);
      boost::asio::post(executor_, [this, alive, report = std::move(report)] {
        if (!*alive) return;
        fib_.apply_done(report, Clock::now());
        pump();
      });
    }
  });
}

void FibWriter::arm_wakeup() {
  auto at = fib_.next_wakeup();
  if (!at) {
    wakeup_.cancel();
    return;
  }
  wakeup_.expires_at(std::max(*at, Clock::now()));
  wakeup_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    pump();
  });
}

void FibWriter::after_work() {
  log_events();
  if (metrics_) metrics_->record(fib_.stats());
  if (!reported_in_sync_ && fib_.in_sync()) {
    reported_in_sync_ = true;
    const auto& s = fib_.stats();
    log::info("kernel FIB in sync", {log::kv("routes", s.installed), log::kv("seconds", seconds(Clock::now() - started_at_))});
    if (on_first_in_sync_) boost::asio::post(executor_, std::exchange(on_first_in_sync_, {}));
  }
}

void FibWriter::log_events() {
  for (const FibEvent& e : fib_.take_events()) {
    switch (e.kind) {
      case FibEvent::Kind::failed: log::warn("kernel FIB: route refused; will retry", {log::kv("detail", e.text)}); break;
      case FibEvent::Kind::recovered: log::info("kernel FIB: route installed", {log::kv("detail", e.text)}); break;
      case FibEvent::Kind::dump_failed: log::error("kernel FIB: reading routes failed", {log::kv("error", e.text)}); break;
      case FibEvent::Kind::batch_failed: log::error("kernel FIB: route batch failed", {log::kv("error", e.text)}); break;
    }
  }
}

// ---- Stopping.

void FibWriter::stop(ExitMode mode, std::function<void()> done) {
  if (stopping_) {
    // A second stop only adds a waiter.
    auto first = std::move(on_stopped_);
    on_stopped_ = [first = std::move(first), done = std::move(done)] {
      if (first) first();
      if (done) done();
    };
    if (stopped_) finish_stop();
    return;
  }
  stopping_ = true;
  on_stopped_ = std::move(done);
  first_sync_timer_.cancel();
  fib_.begin_exit(mode);
  log::info("kernel FIB: stopping", {log::kv("routes", mode == ExitMode::keep ? "kept" : "removed")});
  exit_timer_.expires_after(options_.exit_timeout);
  exit_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopped_) return;
    log::warn("kernel FIB: stopping took too long; leaving the kernel as it is",
              {log::kv("routes_left", fib_.stats().installed), log::kv("job_in_flight", fib_.job_in_flight())});
    finish_stop();
  });
  if (!started_) {
    // Never started: there is nothing of ours we know of, and nothing in flight.
    started_ = true;
    if (mode == ExitMode::keep) {
      finish_stop();
      return;
    }
  }
  schedule();
}

void FibWriter::finish_stop() {
  stopped_ = true;
  wakeup_.cancel();
  exit_timer_.cancel();
  if (on_stopped_) boost::asio::post(executor_, std::exchange(on_stopped_, {}));
}

boost::asio::awaitable<void> FibWriter::async_stop(ExitMode mode) {
  // A timer that never expires by itself serves as the completion event.
  auto event = std::make_shared<boost::asio::steady_timer>(executor_, Clock::time_point::max());
  stop(mode, [event] { event->cancel(); });
  boost::system::error_code ec;
  co_await event->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace sluice::bgp::fib
