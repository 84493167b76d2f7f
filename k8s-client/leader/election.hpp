// The decision core of Lease-based leader election, as client-go's leaderelection
// decides: from the Lease as read and our own clock, which write to send (create if
// absent, compare-and-swap update otherwise) and whether we lead. No I/O; time is passed in.
//
// Expiry is judged by when *we* last saw the record change, never by the renewTime an
// other host wrote: only our own clock's rate matters, not its offset from theirs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "k8s-client/resources/lease.hpp"

namespace sluice::k8s {

// The defaults client-go documents for core clients (LeaderElectionConfig).
struct ElectionTiming {
  // How long a candidate waits, after it last saw the record change, before taking over.
  // Written as leaseDurationSeconds, so whole seconds.
  std::chrono::milliseconds lease_duration{15'000};
  // How long the leader goes on without a successful renewal before it gives up.
  std::chrono::milliseconds renew_deadline{10'000};
  // Time between attempts, to acquire (jittered) and to renew.
  std::chrono::milliseconds retry_period{2'000};
};

// client-go's rules: lease_duration > renew_deadline > 1.2 × retry_period > 0.
Status validate(const ElectionTiming& timing);

// One reading of both clocks: the monotonic one decides expiry and deadlines; the wall
// clock only fills acquireTime and renewTime, which other hosts show but never trust.
struct Instant {
  std::chrono::steady_clock::time_point monotonic;
  std::chrono::system_clock::time_point wall;
  static Instant now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }
};

// metav1.MicroTime text: "2026-11-26T10:00:10.500000Z".
std::string format_micro_time(std::chrono::system_clock::time_point t);

// The election state a Lease carries (client-go's LeaderElectionRecord): absent members
// read as empty or zero, so a lease with no leaseDurationSeconds is expired at once.
struct LeaderElectionRecord {
  std::string holder_identity;
  std::int32_t lease_duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  std::int32_t lease_transitions = 0;

  static LeaderElectionRecord of(const LeaseSpec& spec);
  friend bool operator==(const LeaderElectionRecord&, const LeaderElectionRecord&) = default;
};

// What to send: a create (the lease was absent) or an update whose
// metadata.resourceVersion is the version the decision was made on.
struct LeaseWrite {
  enum class Kind : std::uint8_t { create, update };
  Kind kind;
  Lease lease;
};

enum class LeadershipChange : std::uint8_t { none, started, stopped };

class ElectionCore {
 public:
  // `timing` must have passed validate().
  ElectionCore(std::string lease_namespace, std::string lease_name, std::string identity, ElectionTiming timing);

  // A new term of candidacy (each run of the elector); forgets a lost leadership but
  // keeps what was observed of the lease.
  void begin();

  // client-go's fast path: while we lead and our last write is still valid by our clock,
  // renew by updating the object that write returned, without reading first.
  std::optional<LeaseWrite> renew_without_read(Instant now) const;

  // The slow path: the lease as read (nullopt when the server said 404). Records it,
  // restarting the expiry clock when the record differs from the last one seen, and
  // returns the write that would acquire or renew, or nullopt while another holder's
  // lease is valid. Seeing another holder while we lead ends our leadership at once.
  struct Decision {
    std::optional<LeaseWrite> write;
    LeadershipChange change = LeadershipChange::none;
  };
  Decision observe(const std::optional<Lease>& current, Instant now);

  // The server accepted a write sent at `sent` and answered with `stored`. The renew
  // deadline counts from `sent`: others judge expiry from when they saw the write, which
  // is never earlier than when we sent it.
  LeadershipChange written(const Lease& stored, Instant sent, Instant now);

  // Ends leadership when no renewal has succeeded for renew_deadline.
  LeadershipChange check_deadline(Instant now);
  // Ends leadership on request (stop).
  LeadershipChange resign();

  // The write that hands the lease over at once (holderIdentity "", leaseDurationSeconds
  // 1, as client-go releases), when the last record we saw names us; nullopt otherwise.
  std::optional<LeaseWrite> release(Instant now) const;

  bool is_leader() const { return leading_; }
  // Leadership ended in this term (lost or resigned): no write will start it again until begin().
  bool ended() const { return lost_; }
  // The holder in the last record seen; empty when none (or none seen).
  const std::string& leader() const { return observed_.holder_identity; }
  const std::string& identity() const { return identity_; }
  const LeaderElectionRecord& observed_record() const { return observed_; }
  // When leadership will be given up unless renewed; meaningful only while leading.
  std::chrono::steady_clock::time_point renew_deadline_at() const { return last_renew_ + timing_.renew_deadline; }

 private:
  bool lease_valid(Instant now) const;
  void record(const Lease& lease, Instant now);
  LeaseWrite update_of(const Lease& base, const LeaderElectionRecord& record) const;
  LeaderElectionRecord ours(Instant now) const;

  std::string namespace_;
  std::string name_;
  std::string identity_;
  ElectionTiming timing_;

  std::optional<Lease> lease_;  // the last object read or written, for its resourceVersion
  LeaderElectionRecord observed_;
  std::chrono::steady_clock::time_point observed_at_{};  // when observed_ was first seen
  bool observed_any_ = false;
  bool leading_ = false;
  bool lost_ = false;  // leadership ended in this term: a late write must not restore it
  std::chrono::steady_clock::time_point last_renew_{};
};

}  // namespace sluice::k8s
