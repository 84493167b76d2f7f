#include "k8s-client/leader/election.hpp"

#include <ctime>
#include <limits>

#include <fmt/format.h>

namespace sluice::k8s {

Status validate(const ElectionTiming& timing) {
  using std::chrono::milliseconds;
  if (timing.retry_period <= milliseconds::zero()) return Error{"the retry period must be positive"};
  if (timing.lease_duration < std::chrono::seconds(1) ||
      timing.lease_duration % std::chrono::seconds(1) != milliseconds::zero()) {
    return Error{fmt::format("the lease duration must be a whole number of seconds (leaseDurationSeconds), got {} ms",
                             timing.lease_duration.count())};
  }
  if (timing.lease_duration <= timing.renew_deadline) {
    return Error{fmt::format("the lease duration ({} ms) must be longer than the renew deadline ({} ms)",
                             timing.lease_duration.count(), timing.renew_deadline.count())};
  }
  // Renewals are attempted every retry period; a deadline shorter than that (with
  // client-go's jitter factor of 1.2) would give up before a second attempt.
  if (timing.renew_deadline.count() * 10 <= timing.retry_period.count() * 12) {
    return Error{fmt::format("the renew deadline ({} ms) must be longer than 1.2 times the retry period ({} ms)",
                             timing.renew_deadline.count(), timing.retry_period.count())};
  }
  return {};
}

std::string format_micro_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<microseconds>(t.time_since_epoch());
  auto secs = floor<seconds>(since_epoch);
  std::time_t whole = static_cast<std::time_t>(secs.count());
  std::tm utc{};
  gmtime_r(&whole, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, (since_epoch - secs).count());
}

LeaderElectionRecord LeaderElectionRecord::of(const LeaseSpec& spec) {
  LeaderElectionRecord r;
  r.holder_identity = spec.holder_identity.value_or("");
  r.lease_duration_seconds = spec.lease_duration_seconds.value_or(0);
  r.acquire_time = spec.acquire_time.value_or("");
  r.renew_time = spec.renew_time.value_or("");
  r.lease_transitions = spec.lease_transitions.value_or(0);
  return r;
}

ElectionCore::ElectionCore(std::string lease_namespace, std::string lease_name, std::string identity,
                           ElectionTiming timing)
    : namespace_(std::move(lease_namespace)),
      name_(std::move(lease_name)),
      identity_(std::move(identity)),
      timing_(timing) {}

void ElectionCore::begin() {
  leading_ = false;
  lost_ = false;
}

bool ElectionCore::lease_valid(Instant now) const {
  if (!observed_any_) return false;
  return observed_at_ + std::chrono::seconds(observed_.lease_duration_seconds) > now.monotonic;
}

void ElectionCore::record(const Lease& lease, Instant now) {
  lease_ = lease;
  auto seen = LeaderElectionRecord::of(lease.spec);
  // Only a change restarts the expiry clock: a holder that stopped renewing leaves the
  // record as it was, and expires a full lease duration after we first saw that record.
  if (!observed_any_ || seen != observed_) {
    observed_ = std::move(seen);
    observed_at_ = now.monotonic;
    observed_any_ = true;
  }
}

LeaderElectionRecord ElectionCore::ours(Instant now) const {
  LeaderElectionRecord r;
  r.holder_identity = identity_;
  r.lease_duration_seconds =
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::seconds>(timing_.lease_duration).count());
  r.acquire_time = format_micro_time(now.wall);
  r.renew_time = r.acquire_time;
  return r;
}

LeaseWrite ElectionCore::update_of(const Lease& base, const LeaderElectionRecord& r) const {
  LeaseWrite w{LeaseWrite::Kind::update, base};
  // The whole record is rewritten, as client-go does; spec members it does not know
  // (strategy, preferredHolder) stay, as do labels, annotations and the rest of metadata.
  LeaseSpec& spec = w.lease.spec;
  spec.holder_identity = r.holder_identity;
  spec.lease_duration_seconds = r.lease_duration_seconds;
  // An empty time would be refused by the API server's MicroTime parser: leave it out.
  spec.acquire_time = r.acquire_time.empty() ? std::nullopt : std::optional(r.acquire_time);
  spec.renew_time = r.renew_time.empty() ? std::nullopt : std::optional(r.renew_time);
  spec.lease_transitions = r.lease_transitions;
  return w;
}

std::optional<LeaseWrite> ElectionCore::renew_without_read(Instant now) const {
  if (!leading_ || !lease_ || observed_.holder_identity != identity_ || !lease_valid(now)) return std::nullopt;
  LeaderElectionRecord next = ours(now);
  next.acquire_time = observed_.acquire_time;
  next.lease_transitions = observed_.lease_transitions;
  return update_of(*lease_, next);
}

ElectionCore::Decision ElectionCore::observe(const std::optional<Lease>& current, Instant now) {
  Decision d;
  if (!current) {
    if (lost_) return d;
    LeaseWrite w{LeaseWrite::Kind::create, Lease{}};
    w.lease.metadata.name = name_;
    w.lease.metadata.namespace_ = namespace_;
    LeaderElectionRecord first = ours(now);
    w.lease.spec.holder_identity = first.holder_identity;
    w.lease.spec.lease_duration_seconds = first.lease_duration_seconds;
    w.lease.spec.acquire_time = first.acquire_time;
    w.lease.spec.renew_time = first.renew_time;
    w.lease.spec.lease_transitions = 0;
    d.write = std::move(w);
    return d;
  }
  record(*current, now);
  const bool held_by_us = observed_.holder_identity == identity_;
  if (!observed_.holder_identity.empty() && !held_by_us && lease_valid(now)) {
    // Someone else holds a valid lease. If we thought we led, they took over after our
    // lease lapsed in their eyes: stop now rather than at our renew deadline.
    if (leading_) {
      leading_ = false;
      lost_ = true;
      d.change = LeadershipChange::stopped;
    }
    return d;
  }
  if (lost_) return d;
  LeaderElectionRecord next = ours(now);
  if (held_by_us) {
    // Still (or again, after a restart under the same identity) ours: the same term.
    next.acquire_time = observed_.acquire_time;
    next.lease_transitions = observed_.lease_transitions;
  } else {
    // Expired, released (no holder) or never held: a transition to us.
    next.lease_transitions = observed_.lease_transitions == std::numeric_limits<std::int32_t>::max()
                                 ? observed_.lease_transitions
                                 : observed_.lease_transitions + 1;
  }
  d.write = update_of(*current, next);
  return d;
}

LeadershipChange ElectionCore::written(const Lease& stored, Instant sent, Instant now) {
  lease_ = stored;
  observed_ = LeaderElectionRecord::of(stored.spec);
  observed_at_ = now.monotonic;
  observed_any_ = true;
  if (observed_.holder_identity != identity_) {
    // Our own release (or a write naming someone else): whatever we held is gone.
    return resign();
  }
  if (lost_) return LeadershipChange::none;
  last_renew_ = sent.monotonic;
  if (leading_) return LeadershipChange::none;
  leading_ = true;
  return LeadershipChange::started;
}

LeadershipChange ElectionCore::check_deadline(Instant now) {
  if (!leading_ || now.monotonic < renew_deadline_at()) return LeadershipChange::none;
  leading_ = false;
  lost_ = true;
  return LeadershipChange::stopped;
}

LeadershipChange ElectionCore::resign() {
  // Also when not leading: an acquire still in flight must not start a term now.
  lost_ = true;
  if (!leading_) return LeadershipChange::none;
  leading_ = false;
  return LeadershipChange::stopped;
}

std::optional<LeaseWrite> ElectionCore::release(Instant now) const {
  if (!lease_ || observed_.holder_identity != identity_) return std::nullopt;
  LeaderElectionRecord r;
  r.lease_duration_seconds = 1;
  r.acquire_time = format_micro_time(now.wall);
  r.renew_time = r.acquire_time;
  r.lease_transitions = observed_.lease_transitions;
  return update_of(*lease_, r);
}

}  // namespace sluice::k8s
