#include "bgpd/fib/fib.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace sluice::bgp::fib {
namespace {

using netlink::NextHop;
using netlink::Route;
using netlink::RouteChange;
using netlink::RouteChangeKind;
using netlink::RouteType;

// Individual log events per job outcome; the rest are summed up in one line, so that
// 100k routes through a dead gateway do not write 100k log lines.
constexpr std::size_t kEventsPerJob = 8;

std::string describe(RouteChangeKind kind, const ip::Prefix& prefix, int error, const std::string& message) {
  std::string text = fmt::format("{} {}: {}", netlink::to_string(kind), prefix.to_string(), std::strerror(error));
  if (!message.empty()) text += fmt::format(" (kernel: {})", message);
  return text;
}

}  // namespace

std::string FibFailure::to_string() const {
  return fmt::format("{}, attempt {}", describe(kind, prefix, error, kernel_message), attempts);
}

Fib::Fib(FibConfig config, std::function<double()> uniform)
    : config_(std::move(config)), uniform_(uniform ? std::move(uniform) : retry::Backoff::default_uniform()) {}

std::uint32_t Fib::kernel_metric(const ip::Prefix& prefix) const {
  return prefix.family() == ip::Family::v6 && config_.metric == 0 ? 1024 : config_.metric;
}

std::optional<Fib::Want> Fib::want(const ip::Prefix& prefix, const Slot& slot) const {
  if (slot.flags & kStatic) {
    const Static& s = statics_.at(prefix);
    if (s.type != RouteType::unicast) return Want{s.type, {}, NextHopSets::kEmpty};
    if (s.hops == NextHopSets::kEmpty) return std::nullopt;
    return Want{RouteType::unicast, sets_.get(s.hops), s.hops};
  }
  if (slot.bgp == NextHopSets::kEmpty) return std::nullopt;
  auto hops = sets_.get(slot.bgp);
  auto local = [this](const NextHop& n) { return n.gateway && local_.contains(*n.gateway); };
  if (local_.empty() || std::none_of(hops.begin(), hops.end(), local)) {
    return Want{RouteType::unicast, hops, slot.bgp};
  }
  // A next hop that is one of this host's addresses: the route is ours, not to install.
  scratch_.clear();
  std::copy_if(hops.begin(), hops.end(), std::back_inserter(scratch_), [&](const NextHop& n) { return !local(n); });
  if (scratch_.empty()) return std::nullopt;
  return Want{RouteType::unicast, scratch_, NextHopSets::kEmpty};
}

bool Fib::same(RouteType kernel_type, std::span<const NextHop> kernel, const Want& want) {
  if (kernel_type != want.type) return false;
  // Blackhole and unreachable routes have no next hops (IPv6 reports them "dev lo").
  if (want.type != RouteType::unicast) return true;
  if (kernel.size() != want.hops.size()) return false;
  // Both lists are sorted by gateway first. The kernel fills in the device it resolved a
  // gateway to, and keeps no weight for a single next hop.
  bool single = kernel.size() == 1;
  for (std::size_t i = 0; i < kernel.size(); ++i) {
    const NextHop& k = kernel[i];
    const NextHop& w = want.hops[i];
    if (k.gateway != w.gateway || k.onlink != w.onlink) return false;
    if (w.ifindex != 0 && w.ifindex != k.ifindex) return false;
    if (!w.gateway && k.ifindex != w.ifindex) return false;
    if (!single && k.weight != w.weight) return false;
  }
  return true;
}

bool Fib::differs(const ip::Prefix& prefix, const Slot& slot) const {
  auto w = want(prefix, slot);
  bool kernel = slot.flags & kKernel;
  if (w) {
    if (!kernel || !same(slot.kernel_type, sets_.get(slot.kernel_hops), *w)) return true;
  } else if (kernel && removal_allowed(slot)) {
    return true;
  }
  return (slot.flags & kStray) && sweep_allowed_;
}

Route Fib::route(const ip::Prefix& prefix, RouteType type, std::span<const NextHop> hops, std::uint32_t metric) const {
  Route r;
  r.destination = prefix;
  r.table = config_.table;
  r.protocol = config_.protocol;
  r.metric = metric;
  r.type = type;
  if (type == RouteType::unicast) r.nexthops.assign(hops.begin(), hops.end());
  return r;
}

void Fib::plan(Entry& entry, std::vector<RouteChange>& changes, std::vector<Intent>& intents) {
  const ip::Prefix& prefix = entry.first;
  Slot& slot = entry.second;
  std::size_t before = intents.size();
  auto w = want(prefix, slot);
  bool kernel = slot.flags & kKernel;
  if (w) {
    if (!kernel || !same(slot.kernel_type, sets_.get(slot.kernel_hops), *w)) {
      NextHopSets::Id id = w->id;
      if (id != NextHopSets::kEmpty) {
        sets_.retain(id);
      } else if (!w->hops.empty()) {
        id = sets_.intern(std::vector<NextHop>(w->hops.begin(), w->hops.end()));
      }
      // Add, not replace, unless the key is known to hold our own route: a route of
      // another protocol there is left alone (the add fails with EEXIST).
      changes.push_back({kernel ? RouteChangeKind::replace : RouteChangeKind::add,
                         route(prefix, w->type, w->hops, config_.metric)});
      intents.push_back(Intent{&entry, Intent::Kind::set, w->type, id, 0, false});
    }
  } else if (kernel && removal_allowed(slot)) {
    changes.push_back({RouteChangeKind::remove, route(prefix, slot.kernel_type, {}, config_.metric)});
    intents.push_back(Intent{&entry, Intent::Kind::clear, slot.kernel_type, NextHopSets::kEmpty, 0,
                             !(slot.flags & kSeenDesired)});
  }
  if ((slot.flags & kStray) && sweep_allowed_) {
    for (std::uint32_t metric : strays_.at(prefix)) {
      changes.push_back({RouteChangeKind::remove, route(prefix, RouteType::unicast, {}, metric)});
      intents.push_back(Intent{&entry, Intent::Kind::clear_stray, RouteType::unicast, NextHopSets::kEmpty, metric, true});
    }
  }
  if (intents.size() > before) slot.flags |= kInFlight;
}

void Fib::enqueue(Entry& entry) {
  if (entry.second.flags & kQueued) return;
  entry.second.flags |= kQueued;
  queue_.push_back(&entry);
  ++queued_;
}

void Fib::set_kernel(Slot& slot, RouteType type, NextHopSets::Id hops) {
  if (!(slot.flags & kKernel)) ++stats_.installed;
  slot.flags |= kKernel;
  slot.kernel_type = type;
  sets_.assign(slot.kernel_hops, hops);
}

void Fib::clear_kernel(Slot& slot) {
  if (slot.flags & kKernel) --stats_.installed;
  slot.flags &= ~kKernel;
  sets_.assign(slot.kernel_hops, NextHopSets::kEmpty);
}

void Fib::set_bgp(Slot& slot, NextHopSets::Id hops) {
  bool before = slot.bgp != NextHopSets::kEmpty || (slot.flags & kStatic);
  sets_.assign(slot.bgp, hops);
  bool after = slot.bgp != NextHopSets::kEmpty || (slot.flags & kStatic);
  if (after) slot.flags |= kSeenDesired;
  stats_.desired += after;
  stats_.desired -= before;
}

void Fib::set_static_flag(Slot& slot, bool on) {
  bool before = slot.bgp != NextHopSets::kEmpty || (slot.flags & kStatic);
  if (on) {
    slot.flags |= kStatic | kSeenDesired;
  } else {
    slot.flags &= ~kStatic;
  }
  bool after = slot.bgp != NextHopSets::kEmpty || (slot.flags & kStatic);
  stats_.desired += after;
  stats_.desired -= before;
}

Clock::duration Fib::backoff(std::uint32_t attempts) {
  const auto& p = config_.retry;
  double ms = static_cast<double>(p.initial.count()) * std::pow(p.multiplier, std::max<double>(0, attempts - 1.0));
  ms = std::min(ms, static_cast<double>(p.max.count()));
  ms *= 1.0 - p.jitter * uniform_();
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

void Fib::note(FibEvent::Kind kind, std::string text) {
  if (event_budget_ > 0) {
    --event_budget_;
    events_.push_back({kind, std::move(text)});
  } else if (kind == FibEvent::Kind::failed) {
    ++unreported_failures_;
  } else if (kind == FibEvent::Kind::recovered) {
    ++unreported_recoveries_;
  }
}

void Fib::flush_notes() {
  if (unreported_failures_ > 0) {
    events_.push_back({FibEvent::Kind::failed, fmt::format("and {} more routes refused", unreported_failures_)});
  }
  if (unreported_recoveries_ > 0) {
    events_.push_back({FibEvent::Kind::recovered, fmt::format("and {} more routes installed after failing",
                                                              unreported_recoveries_)});
  }
  unreported_failures_ = unreported_recoveries_ = 0;
  event_budget_ = kEventsPerJob;
}

void Fib::record_failure(const ip::Prefix& prefix, Slot& slot, RouteChangeKind kind, int error, std::string message,
                         Clock::time_point now) {
  Failure& f = failures_[prefix];
  bool news = !(slot.flags & kFailing) || f.error != error || f.message != message;
  f.kind = kind;
  f.error = error;
  f.message = std::move(message);
  ++f.attempts;
  f.retry_at = now + backoff(f.attempts);
  retries_.push({f.retry_at, prefix});
  slot.flags |= kFailing;
  stats_.failing = failures_.size();
  if (news) {
    note(FibEvent::Kind::failed, FibFailure{prefix, f.kind, f.error, f.message, f.attempts, f.retry_at}.to_string());
  }
}

void Fib::clear_failure(const ip::Prefix& prefix, Slot& slot, bool resolved) {
  if (!(slot.flags & kFailing)) return;
  auto it = failures_.find(prefix);
  if (resolved && it != failures_.end()) {
    note(FibEvent::Kind::recovered,
         fmt::format("{} {}: done after {} failed attempts", netlink::to_string(it->second.kind), prefix.to_string(),
                     it->second.attempts));
  }
  if (it != failures_.end()) failures_.erase(it);
  slot.flags &= ~kFailing;
  stats_.failing = failures_.size();
}

bool Fib::erasable(const Slot& slot) {
  return slot.bgp == NextHopSets::kEmpty &&
         !(slot.flags & (kKernel | kStatic | kStray | kInFlight | kFailing | kQueued));
}

void Fib::maybe_erase(const ip::Prefix& prefix) {
  auto it = slots_.find(prefix);
  if (it != slots_.end() && erasable(it->second)) slots_.erase(it);
}

void Fib::refresh_stats() { stats_.pending = queued_ + in_flight_prefixes_; }

// ---- Inputs.

void Fib::set_bgp_route(const ip::Prefix& prefix, std::span<const ip::Address> next_hops) {
  if (exiting_) return;
  if (next_hops.empty()) {
    auto it = slots_.find(prefix);
    if (it == slots_.end() || it->second.bgp == NextHopSets::kEmpty) return;
    set_bgp(it->second, NextHopSets::kEmpty);
    enqueue(*it);
  } else {
    // Consecutive prefixes of a RIB batch mostly share their next hops: skip the interning.
    if (last_hops_id_ == NextHopSets::kEmpty || !std::equal(next_hops.begin(), next_hops.end(), last_hops_.begin(),
                                                            last_hops_.end())) {
      std::vector<NextHop> hops;
      hops.reserve(next_hops.size());
      for (const auto& a : next_hops) hops.push_back(NextHop{a, 0, false, 1});
      sets_.assign(last_hops_id_, sets_.intern(std::move(hops)));
      last_hops_.assign(next_hops.begin(), next_hops.end());
    }
    Entry& e = entry(prefix);
    if (e.second.bgp == last_hops_id_) return;
    sets_.retain(last_hops_id_);
    set_bgp(e.second, last_hops_id_);
    enqueue(e);
  }
  refresh_stats();
}

void Fib::set_static_route(const ip::Prefix& prefix, const StaticRoute& route) {
  if (exiting_) return;
  NextHopSets::Id id = route.type == RouteType::unicast ? sets_.intern(route.nexthops) : NextHopSets::kEmpty;
  Entry& e = entry(prefix);
  auto [it, inserted] = statics_.try_emplace(prefix, Static{route.type, NextHopSets::kEmpty});
  if (!inserted && it->second.type == route.type && it->second.hops == id) {
    sets_.release(id);
    return;
  }
  it->second.type = route.type;
  sets_.assign(it->second.hops, id);
  set_static_flag(e.second, true);
  enqueue(e);
  refresh_stats();
}

void Fib::remove_static_route(const ip::Prefix& prefix) {
  auto it = statics_.find(prefix);
  if (exiting_ || it == statics_.end()) return;
  sets_.release(it->second.hops);
  statics_.erase(it);
  Entry& e = entry(prefix);
  set_static_flag(e.second, false);
  enqueue(e);
  refresh_stats();
}

void Fib::replace_static_routes(const std::vector<std::pair<ip::Prefix, StaticRoute>>& routes) {
  std::unordered_set<ip::Prefix> keep;
  for (const auto& [prefix, r] : routes) keep.insert(prefix);
  std::vector<ip::Prefix> gone;
  for (const auto& [prefix, s] : statics_) {
    if (!keep.contains(prefix)) gone.push_back(prefix);
  }
  for (const auto& prefix : gone) remove_static_route(prefix);
  for (const auto& [prefix, r] : routes) set_static_route(prefix, r);
}

void Fib::set_local_addresses(std::span<const ip::Address> addresses) {
  std::unordered_set<ip::Address> next(addresses.begin(), addresses.end());
  if (exiting_ || next == local_) return;
  local_ = std::move(next);
  for (auto& e : slots_) {
    if (e.second.bgp != NextHopSets::kEmpty) enqueue(e);
  }
  refresh_stats();
}

void Fib::first_sync_done() {
  if (sweep_allowed_) return;
  sweep_allowed_ = true;
  for (auto& e : slots_) {
    if (differs(e.first, e.second)) enqueue(e);
  }
  refresh_stats();
}

// ---- Jobs.

void Fib::start_round(Clock::time_point now) {
  if (!round_start_) round_start_ = now;
}

void Fib::end_round(Clock::time_point now) {
  if (!round_start_) return;
  stats_.last_sync = now - *round_start_;
  round_start_.reset();
}

std::optional<FibJob> Fib::next_job(Clock::time_point now) {
  if (dump_in_flight_) return std::nullopt;
  if (exiting_ && exit_mode_ == ExitMode::keep) return std::nullopt;
  // Bounded by the heap's size: each entry is popped once.
  while (!retries_.empty() && retries_.top().first <= now) {
    auto [when, prefix] = retries_.top();
    retries_.pop();
    auto f = failures_.find(prefix);
    if (f == failures_.end() || f->second.retry_at != when) continue;  // superseded
    enqueue(*slots_.find(prefix));
  }

  Clock::duration spacing = exiting_ ? Clock::duration::zero() : config_.verify_spacing;
  bool dump = need_dump_ && now >= dump_not_before_;
  if (!need_dump_ && have_dump_) {
    dump = (!exiting_ && now >= last_dump_ + config_.resync_interval) ||
           (verify_due_ && queued_ == 0 && now >= last_dump_ + spacing);
  }
  if (dump) {
    // A read sees a settled kernel: it waits for the batches out.
    if (!in_flight_.empty()) return std::nullopt;
    start_round(now);
    dump_in_flight_ = true;
    return FibJob{FibJob::Kind::dump, {}};
  }

  if (have_dump_ && !need_dump_ && in_flight_.size() < std::max<std::size_t>(config_.batches_in_flight, 1)) {
    FibJob job{FibJob::Kind::apply, {}};
    Batch batch;
    // Bounded by the queue: each entry popped is planned or deferred once.
    while (!queue_.empty() && job.changes.size() < config_.batch_size) {
      Entry* e = queue_.front();
      queue_.pop_front();
      Slot& s = e->second;
      if (s.flags & kInFlight) {
        deferred_.push_back(e);  // still queued; its turn comes when its batch is back
        continue;
      }
      s.flags &= ~kQueued;
      --queued_;
      plan(*e, job.changes, batch.intents);
      if (s.flags & kInFlight) {
        ++batch.prefixes;
      } else {
        // Nothing to write: whatever failed before is done, or no longer wanted.
        clear_failure(e->first, s, s.bgp != NextHopSets::kEmpty || (s.flags & kStatic));
        maybe_erase(e->first);
      }
    }
    if (!job.changes.empty()) {
      start_round(now);
      in_flight_prefixes_ += batch.prefixes;
      in_flight_.push_back(std::move(batch));
      refresh_stats();
      return job;
    }
  }
  if (in_flight_.empty()) end_round(now);
  refresh_stats();
  flush_notes();
  return std::nullopt;
}

void Fib::apply_done(const Result<netlink::RouteBatchReport>& report, Clock::time_point now) {
  assert(!in_flight_.empty() && !dump_in_flight_);
  Batch batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  in_flight_prefixes_ -= batch.prefixes;
  std::vector<Intent>& intents = batch.intents;
  if (!report) {
    // The socket failed part-way: what the kernel holds now is unknown. Read it again
    // (after a backoff) before writing anything more.
    for (Intent& in : intents) {
      sets_.release(in.hops);
      in.entry->second.flags &= ~kInFlight;
      enqueue(*in.entry);
    }
    ++stats_.write_failures;
    need_dump_ = true;
    dump_not_before_ = now + backoff(++io_attempts_);
    events_.push_back({FibEvent::Kind::batch_failed, report.error().message});
  } else {
    io_attempts_ = 0;
    assert(report->outcomes.size() == intents.size());
    // A prefix's intents are adjacent: plan() adds them together.
    for (std::size_t i = 0; i < intents.size();) {
      Entry* e = intents[i].entry;
      const ip::Prefix& prefix = e->first;
      Slot& s = e->second;
      bool failed = false;
      for (; i < intents.size() && intents[i].entry == e; ++i) {
        Intent& in = intents[i];
        const auto& outcome = report->outcomes[i];
        // Removing what is already gone is done.
        if (outcome.ok() || (in.kind != Intent::Kind::set && outcome.error == ESRCH)) {
          ++stats_.writes;
          if (in.sweep) ++stats_.swept;
          if (in.kind == Intent::Kind::set) {
            set_kernel(s, in.type, in.hops);  // takes the intent's reference
          } else if (in.kind == Intent::Kind::clear) {
            clear_kernel(s);
          } else if (auto stray = strays_.find(prefix); stray != strays_.end()) {
            std::erase(stray->second, in.metric);
            if (stray->second.empty()) {
              strays_.erase(stray);
              s.flags &= ~kStray;
            }
          }
          s.flags |= kWritten;
          verify_due_ = true;
        } else {
          ++stats_.write_failures;
          sets_.release(in.hops);
          auto kind = in.kind == Intent::Kind::set
                          ? ((s.flags & kKernel) ? RouteChangeKind::replace : RouteChangeKind::add)
                          : RouteChangeKind::remove;
          record_failure(prefix, s, kind, outcome.error, outcome.kernel_message, now);
          failed = true;
        }
      }
      s.flags &= ~kInFlight;
      if (!failed) clear_failure(prefix, s, true);
      maybe_erase(prefix);
    }
  }
  // Prefixes that changed while in this batch get their turn now.
  for (Entry* e : deferred_) queue_.push_back(e);
  deferred_.clear();
  refresh_stats();
  flush_notes();
}

void Fib::dump_done(const Result<std::vector<Route>>& routes, Clock::time_point now) {
  assert(dump_in_flight_ && in_flight_.empty());
  dump_in_flight_ = false;
  if (!routes) {
    ++stats_.dump_failures;
    need_dump_ = true;
    dump_not_before_ = now + backoff(++io_attempts_);
    events_.push_back({FibEvent::Kind::dump_failed, routes.error().message});
    return;
  }
  io_attempts_ = 0;
  ++stats_.dumps;
  for (auto& [prefix, metrics] : strays_) slots_.at(prefix).flags &= ~kStray;
  strays_.clear();

  for (const Route& r : *routes) {
    // The kernel filters strictly; a kernel that does not is filtered here.
    if (r.table != config_.table || r.protocol != config_.protocol) continue;
    Slot& s = entry(r.destination).second;
    if (r.metric != kernel_metric(r.destination)) {
      strays_[r.destination].push_back(r.metric);
      s.flags |= kStray;
      continue;
    }
    NextHopSets::Id id = r.type == RouteType::unicast ? sets_.intern(r.nexthops) : NextHopSets::kEmpty;
    if ((s.flags & kWritten) &&
        (!(s.flags & kKernel) ||
         !same(r.type, sets_.get(id), Want{s.kernel_type, sets_.get(s.kernel_hops), s.kernel_hops}))) {
      s.flags |= kMismatch;
    }
    set_kernel(s, r.type, id);
    s.flags |= kInDump;
  }

  // Bounded by the table: one pass.
  for (auto it = slots_.begin(); it != slots_.end();) {
    const ip::Prefix& prefix = it->first;
    Slot& s = it->second;
    Entry& e = *it;
    if ((s.flags & kKernel) && !(s.flags & kInDump)) {
      if (s.flags & kWritten) s.flags |= kMismatch;  // we wrote it and it is gone
      clear_kernel(s);
    }
    bool mismatch = s.flags & kMismatch;
    s.flags &= ~(kInDump | kWritten | kMismatch);
    if (differs(prefix, s)) {
      if (mismatch) {
        // Written, acknowledged, and yet not what the kernel holds: try again later, not
        // in a tight loop (someone else is writing the same key, or the kernel rewrote it).
        ++stats_.verify_mismatches;
        record_failure(prefix, s, (s.flags & kKernel) ? RouteChangeKind::replace : RouteChangeKind::add, EAGAIN,
                       "the kernel held something else when read back after the write", now);
      } else if (!(s.flags & kFailing)) {
        enqueue(e);  // failing prefixes wait for their retry
      }
    } else {
      clear_failure(prefix, s, true);
    }
    if (erasable(s)) {
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
  have_dump_ = true;
  need_dump_ = false;
  verify_due_ = false;
  last_dump_ = now;
  refresh_stats();
  flush_notes();
}

std::optional<Clock::time_point> Fib::next_wakeup() const {
  // A job out comes back with a look at what is next.
  if (job_in_flight() || (exiting_ && exit_mode_ == ExitMode::keep)) return std::nullopt;
  std::optional<Clock::time_point> at;
  auto take = [&](Clock::time_point t) {
    if (!at || t < *at) at = t;
  };
  if (need_dump_) {
    take(dump_not_before_);
  } else if (have_dump_) {
    if (queued_ > 0) take(Clock::time_point::min());
    if (!exiting_) take(last_dump_ + config_.resync_interval);
    if (verify_due_) take(last_dump_ + (exiting_ ? Clock::duration::zero() : config_.verify_spacing));
  }
  if (!retries_.empty()) take(retries_.top().first);
  return at;
}

bool Fib::in_sync() const {
  return have_dump_ && !need_dump_ && !job_in_flight() && queued_ == 0 && failures_.empty();
}

// ---- Exit.

void Fib::begin_exit(ExitMode mode) {
  if (exiting_) return;
  exiting_ = true;
  exit_mode_ = mode;
  if (mode == ExitMode::keep) return;
  // Nothing is desired any more, everything of ours goes, now: no backoff, no gating.
  for (auto& [prefix, s] : slots_) {
    set_bgp(s, NextHopSets::kEmpty);
    set_static_flag(s, false);
    clear_failure(prefix, s, false);
  }
  for (auto& [prefix, st] : statics_) sets_.release(st.hops);
  statics_.clear();
  sweep_allowed_ = true;
  need_dump_ = true;
  dump_not_before_ = {};
}

bool Fib::exit_done() const {
  if (!exiting_ || job_in_flight()) return false;
  if (exit_mode_ == ExitMode::keep) return true;
  return have_dump_ && !need_dump_ && !verify_due_ && queued_ == 0 && stats_.installed == 0 && strays_.empty();
}

// ---- Reading.

std::optional<Route> Fib::desired(const ip::Prefix& prefix) const {
  auto it = slots_.find(prefix);
  if (it == slots_.end()) return std::nullopt;
  auto w = want(prefix, it->second);
  if (!w) return std::nullopt;
  return route(prefix, w->type, w->hops, config_.metric);
}

std::optional<Route> Fib::installed(const ip::Prefix& prefix) const {
  auto it = slots_.find(prefix);
  if (it == slots_.end() || !(it->second.flags & kKernel)) return std::nullopt;
  return route(prefix, it->second.kernel_type, sets_.get(it->second.kernel_hops), kernel_metric(prefix));
}

std::vector<FibFailure> Fib::failures() const {
  std::vector<FibFailure> out;
  out.reserve(failures_.size());
  for (const auto& [prefix, f] : failures_) out.push_back({prefix, f.kind, f.error, f.message, f.attempts, f.retry_at});
  std::sort(out.begin(), out.end(), [](const FibFailure& a, const FibFailure& b) { return a.prefix < b.prefix; });
  return out;
}

}  // namespace sluice::bgp::fib
