// The leader election core against a simulated API server (create-if-absent, CAS on
// resourceVersion) and simulated clocks: acquire, renew, expiry judged by our own
// observation time, takeover, lost races, transitions, the renew deadline, release.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

#include "base/json/json.hpp"
#include "k8s-client/leader/election.hpp"
#include "k8s-client/resources/codec.hpp"

using namespace sluice;
using namespace sluice::k8s;
using namespace std::chrono_literals;

namespace {

// 2026-11-26T10:00:00Z
const std::chrono::system_clock::time_point kWallBase = std::chrono::system_clock::from_time_t(1795687200);
const std::chrono::steady_clock::time_point kMonoBase = std::chrono::steady_clock::time_point(1000h);

// `seconds` after the test's start on both clocks; `skew` shifts only the wall clock, as
// another host's clock would be.
Instant at(double seconds, std::chrono::system_clock::duration skew = {}) {
  auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  return Instant{kMonoBase + offset,
                 kWallBase + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset) + skew};
}

const ElectionTiming kTiming{};  // 15 s, 10 s, 2 s

// What the API server does with a write: create-if-absent, update compared on
// resourceVersion; a stored object gets the next version.
struct FakeServer {
  std::optional<Lease> lease;
  int revision = 0;

  std::optional<Lease> apply(const LeaseWrite& write) {
    if (write.kind == LeaseWrite::Kind::create) {
      if (lease) return std::nullopt;  // AlreadyExists
    } else if (!lease || lease->metadata.resource_version != write.lease.metadata.resource_version) {
      return std::nullopt;  // Conflict (or NotFound)
    }
    lease = write.lease;
    lease->metadata.resource_version = std::to_string(++revision);
    return lease;
  }
};

ElectionCore core(std::string identity) {
  return ElectionCore("kube-system", "sluice-ipam-gc", std::move(identity), kTiming);
}

// One slow-path round (read, decide, write) as the shell does it, all at time `now`.
// Returns whether a write was stored.
bool round(ElectionCore& c, FakeServer& server, Instant now, LeadershipChange* change = nullptr) {
  auto decision = c.observe(server.lease, now);
  if (change) *change = decision.change;
  if (!decision.write) return false;
  auto stored = server.apply(*decision.write);
  if (!stored) return false;
  auto started = c.written(*stored, now, now);
  if (change && started != LeadershipChange::none) *change = started;
  return true;
}

// A lease another host holds, written with its own (possibly wrong) clock.
Lease held_by(std::string holder, std::string renew_time, std::int32_t transitions = 3) {
  Lease l;
  l.metadata.name = "sluice-ipam-gc";
  l.metadata.namespace_ = "kube-system";
  l.metadata.resource_version = "100";
  l.spec.holder_identity = std::move(holder);
  l.spec.lease_duration_seconds = 15;
  l.spec.acquire_time = "2001-01-01T00:00:00.000000Z";
  l.spec.renew_time = std::move(renew_time);
  l.spec.lease_transitions = transitions;
  return l;
}

}  // namespace

TEST_CASE("MicroTime text and the timing rules client-go enforces") {
  CHECK(format_micro_time(kWallBase) == "2026-11-26T10:00:00.000000Z");
  CHECK(format_micro_time(kWallBase + 10500123us) == "2026-11-26T10:00:10.500123Z");
  CHECK(format_micro_time(std::chrono::system_clock::from_time_t(0)) == "1970-01-01T00:00:00.000000Z");

  CHECK(validate(ElectionTiming{}).ok());
  CHECK(validate(ElectionTiming{2s, 1500ms, 500ms}).ok());
  CHECK(validate(ElectionTiming{10s, 10s, 2s}).error().message ==
        "the lease duration (10000 ms) must be longer than the renew deadline (10000 ms)");
  CHECK(validate(ElectionTiming{15s, 2400ms, 2s}).error().message ==
        "the renew deadline (2400 ms) must be longer than 1.2 times the retry period (2000 ms)");
  CHECK(validate(ElectionTiming{15s, 2401ms, 2s}).ok());
  CHECK(validate(ElectionTiming{2500ms, 1s, 100ms}).error().message ==
        "the lease duration must be a whole number of seconds (leaseDurationSeconds), got 2500 ms");
  CHECK_FALSE(validate(ElectionTiming{0s, 0s, 0ms}).ok());
  CHECK_FALSE(validate(ElectionTiming{15s, 10s, -1ms}).ok());
}

TEST_CASE("an absent lease is created, and leadership starts only once the server stored it") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  auto decision = a.observe(std::nullopt, at(0));
  REQUIRE(decision.write);
  CHECK(decision.change == LeadershipChange::none);
  const LeaseWrite& w = *decision.write;
  CHECK(w.kind == LeaseWrite::Kind::create);
  CHECK(w.lease.metadata.name == "sluice-ipam-gc");
  CHECK(w.lease.metadata.namespace_ == "kube-system");
  CHECK(w.lease.metadata.resource_version.empty());
  CHECK(w.lease.spec.holder_identity == "a");
  CHECK(w.lease.spec.lease_duration_seconds == 15);
  CHECK(w.lease.spec.acquire_time == "2026-11-26T10:00:00.000000Z");
  CHECK(w.lease.spec.renew_time == w.lease.spec.acquire_time);
  CHECK(w.lease.spec.lease_transitions == 0);
  CHECK_FALSE(a.is_leader());

  auto stored = server.apply(w);
  REQUIRE(stored);
  CHECK(a.written(*stored, at(0), at(0.1)) == LeadershipChange::started);
  CHECK(a.is_leader());
  CHECK(a.leader() == "a");
  // What goes on the wire: client-go's five members, nothing else in the spec.
  CHECK(encode(w.lease) ==
        R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"sluice-ipam-gc",)"
        R"("namespace":"kube-system"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15,)"
        R"("acquireTime":"2026-11-26T10:00:00.000000Z","renewTime":"2026-11-26T10:00:00.000000Z",)"
        R"("leaseTransitions":0}})");
}

TEST_CASE("renewals update the object last written, keeping acquireTime and transitions") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  REQUIRE(round(a, server, at(0)));
  REQUIRE(a.is_leader());

  auto renewal = a.renew_without_read(at(2));
  REQUIRE(renewal);
  CHECK(renewal->kind == LeaseWrite::Kind::update);
  CHECK(renewal->lease.metadata.resource_version == "1");  // CAS on what we wrote
  CHECK(renewal->lease.spec.acquire_time == "2026-11-26T10:00:00.000000Z");
  CHECK(renewal->lease.spec.renew_time == "2026-11-26T10:00:02.000000Z");
  CHECK(renewal->lease.spec.lease_transitions == 0);
  auto stored = server.apply(*renewal);
  REQUIRE(stored);
  CHECK(a.written(*stored, at(2), at(2.05)) == LeadershipChange::none);
  CHECK(a.is_leader());
  CHECK(a.renew_deadline_at() == at(12).monotonic);  // counted from when the renewal was sent

  // The same through a read (the slow path), e.g. after the fast path met a conflict.
  REQUIRE(round(a, server, at(4)));
  CHECK(server.lease->spec.acquire_time == "2026-11-26T10:00:00.000000Z");
  CHECK(server.lease->spec.renew_time == "2026-11-26T10:00:04.000000Z");
  CHECK(server.lease->spec.lease_transitions == 0);
  CHECK(a.is_leader());

  // No fast path once our own lease has lapsed by our clock: read first.
  CHECK(a.renew_without_read(at(18.9)));
  CHECK_FALSE(a.renew_without_read(at(19)));
}

TEST_CASE("expiry is judged by when we saw the record change, not by the holder's renewTime") {
  FakeServer server;
  server.lease = held_by("other", "2001-01-01T00:00:00.000000Z");  // a clock 25 years slow
  auto b = core("b");
  b.begin();
  CHECK_FALSE(round(b, server, at(0)));  // first seen now: valid for 15 s from now
  CHECK(b.leader() == "other");
  CHECK_FALSE(round(b, server, at(7)));
  CHECK_FALSE(round(b, server, at(14.999)));  // seen again unchanged: the clock did not restart
  CHECK_FALSE(b.is_leader());

  LeadershipChange change = LeadershipChange::none;
  REQUIRE(round(b, server, at(15), &change));
  CHECK(change == LeadershipChange::started);
  CHECK(b.is_leader());
  CHECK(server.lease->spec.holder_identity == "b");
  CHECK(server.lease->spec.lease_transitions == 4);  // a transition between holders
  CHECK(server.lease->spec.acquire_time == "2026-11-26T10:00:15.000000Z");
  CHECK(server.lease->spec.renew_time == "2026-11-26T10:00:15.000000Z");

  // A renewTime far in the future buys the holder nothing either.
  FakeServer future;
  future.lease = held_by("other", "2099-01-01T00:00:00.000000Z");
  auto c = core("c");
  c.begin();
  CHECK_FALSE(round(c, future, at(100)));
  CHECK(round(c, future, at(115)));
}

TEST_CASE("each change to the record restarts the expiry clock") {
  FakeServer server;
  server.lease = held_by("other", "2026-11-26T09:00:00.000000Z");
  auto b = core("b");
  b.begin();
  CHECK_FALSE(round(b, server, at(0)));
  // The holder renews at t=10 (its clock is an hour behind: irrelevant).
  server.lease->spec.renew_time = "2026-11-26T09:00:10.000000Z";
  server.lease->metadata.resource_version = "101";
  CHECK_FALSE(round(b, server, at(10)));
  CHECK_FALSE(round(b, server, at(20)));  // 15 s after t=0, but only 10 s after the change
  CHECK_FALSE(round(b, server, at(24.9)));
  CHECK(round(b, server, at(25)));
  CHECK(b.is_leader());

  // A change of resourceVersion alone (another member, a label) is not a renewal.
  FakeServer labels;
  labels.lease = held_by("other", "2026-11-26T09:00:00.000000Z");
  auto c = core("c");
  c.begin();
  CHECK_FALSE(round(c, labels, at(0)));
  labels.lease->metadata.labels["touched"] = "yes";
  labels.lease->metadata.resource_version = "102";
  CHECK(round(c, labels, at(15)));
}

TEST_CASE("a lease with no holder, or no duration, is taken at once") {
  FakeServer released;
  released.lease = held_by("", "2026-11-26T10:00:00.000000Z", 7);
  auto b = core("b");
  b.begin();
  CHECK(round(b, released, at(0)));
  CHECK(released.lease->spec.lease_transitions == 8);

  FakeServer no_duration;
  no_duration.lease = held_by("other", "2026-11-26T10:00:00.000000Z");
  no_duration.lease->spec.lease_duration_seconds.reset();
  auto c = core("c");
  c.begin();
  CHECK(round(c, no_duration, at(0)));
  CHECK(no_duration.lease->spec.lease_duration_seconds == 15);
}

TEST_CASE("a candidate that finds its own identity takes the lease back in the same term") {
  // As after a restart under the same identity (a StatefulSet pod name, say).
  FakeServer server;
  server.lease = held_by("a", "2026-11-26T10:00:00.000000Z", 5);
  auto a = core("a");
  a.begin();
  LeadershipChange change = LeadershipChange::none;
  REQUIRE(round(a, server, at(1), &change));  // no need to wait out its own lease
  CHECK(change == LeadershipChange::started);
  CHECK(server.lease->spec.lease_transitions == 5);
  CHECK(server.lease->spec.acquire_time == "2001-01-01T00:00:00.000000Z");
}

TEST_CASE("two candidates racing for an expired lease: the CAS lets exactly one win") {
  FakeServer server;
  server.lease = held_by("old", "2026-11-26T10:00:00.000000Z");
  auto b = core("b"), c = core("c");
  b.begin();
  c.begin();
  CHECK_FALSE(b.observe(server.lease, at(0)).write);
  CHECK_FALSE(c.observe(server.lease, at(0.5)).write);
  auto wb = b.observe(server.lease, at(15)).write;
  auto wc = c.observe(server.lease, at(15.5)).write;
  REQUIRE(wb);
  REQUIRE(wc);
  CHECK(wb->lease.metadata.resource_version == "100");
  CHECK(wc->lease.metadata.resource_version == "100");

  auto won = server.apply(*wb);
  REQUIRE(won);
  CHECK(b.written(*won, at(15), at(15)) == LeadershipChange::started);
  CHECK_FALSE(server.apply(*wc));  // 409: c stays a candidate
  CHECK_FALSE(c.is_leader());
  CHECK(server.lease->spec.lease_transitions == 4);  // one transition, not two

  // c now sees b's fresh record and waits a full lease duration from now.
  CHECK_FALSE(round(c, server, at(16)));
  CHECK(c.leader() == "b");
  CHECK_FALSE(round(c, server, at(30.9)));

  // Both racing for an absent lease: create-if-absent lets one win.
  FakeServer empty;
  auto d = core("d"), e = core("e");
  d.begin();
  e.begin();
  auto wd = d.observe(empty.lease, at(0)).write;
  auto we = e.observe(empty.lease, at(0)).write;
  REQUIRE(empty.apply(*wd));
  CHECK_FALSE(empty.apply(*we));
}

TEST_CASE("a leader whose fast path meets a conflict reads, and stops at once if another holds the lease") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  REQUIRE(round(a, server, at(0)));
  // Another candidate (whose view of a's lease lapsed, say during a long pause of a)
  // takes the lease over.
  Lease taken = *server.lease;
  taken.spec.holder_identity = "b";
  taken.spec.lease_transitions = 1;
  taken.spec.renew_time = "2026-11-26T10:00:20.000000Z";
  server.lease = taken;
  server.lease->metadata.resource_version = std::to_string(++server.revision);

  auto renewal = a.renew_without_read(at(2));
  REQUIRE(renewal);
  CHECK_FALSE(server.apply(*renewal));  // our CAS lost: the object changed
  auto decision = a.observe(server.lease, at(2.1));
  CHECK_FALSE(decision.write);
  CHECK(decision.change == LeadershipChange::stopped);
  CHECK_FALSE(a.is_leader());
  CHECK(a.ended());
  CHECK(a.leader() == "b");
}

TEST_CASE("leadership ends when no renewal succeeds within the renew deadline") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  auto w = a.observe(server.lease, at(0)).write;
  auto stored = server.apply(*w);
  CHECK(a.written(*stored, at(0), at(0.4)) == LeadershipChange::started);
  CHECK(a.renew_deadline_at() == at(10).monotonic);  // from the send, not the answer
  CHECK(a.check_deadline(at(9.999)) == LeadershipChange::none);
  CHECK(a.check_deadline(at(10)) == LeadershipChange::stopped);
  CHECK_FALSE(a.is_leader());
  CHECK(a.ended());
  CHECK(a.check_deadline(at(11)) == LeadershipChange::none);  // reported once

  // A renewal that was in flight and lands late does not start a new term...
  auto late = a.observe(server.lease, at(10.5));
  CHECK_FALSE(late.write);
  Lease renewed = *server.lease;
  renewed.spec.renew_time = "2026-11-26T10:00:09.000000Z";
  CHECK(a.written(renewed, at(9), at(10.6)) == LeadershipChange::none);
  CHECK_FALSE(a.is_leader());
  // ...but a new term (the elector run again) may take it back.
  a.begin();
  CHECK(round(a, server, at(11)));
  CHECK(a.is_leader());
  CHECK(server.lease->spec.lease_transitions == 0);
}

TEST_CASE("the deadline is counted from the last successful renewal") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  REQUIRE(round(a, server, at(0)));
  for (int step = 1; step <= 10; ++step) {
    double t = 2.0 * step;
    auto renewal = a.renew_without_read(at(t));
    REQUIRE(renewal);
    auto stored = server.apply(*renewal);
    REQUIRE(stored);
    CHECK(a.written(*stored, at(t), at(t + 0.01)) == LeadershipChange::none);
    CHECK(a.check_deadline(at(t + 9.9)) == LeadershipChange::none);
  }
  CHECK(a.check_deadline(at(30)) == LeadershipChange::stopped);
}

TEST_CASE("transitions count changes of holder, through takeovers and releases") {
  FakeServer server;
  auto a = core("a"), b = core("b");
  a.begin();
  b.begin();
  REQUIRE(round(a, server, at(0)));
  CHECK(server.lease->spec.lease_transitions == 0);
  CHECK_FALSE(round(b, server, at(1)));
  // a goes silent; b takes over 15 s after it first saw a's last renewal.
  CHECK(round(b, server, at(16)));
  CHECK(server.lease->spec.lease_transitions == 1);
  // b releases; a (a new term) takes it at once.
  auto release = b.release(at(17));
  REQUIRE(release);
  auto stored = server.apply(*release);
  REQUIRE(stored);
  b.written(*stored, at(17), at(17));
  a.begin();
  CHECK(round(a, server, at(17.5)));
  CHECK(server.lease->spec.lease_transitions == 2);
  CHECK(server.lease->spec.holder_identity == "a");
}

TEST_CASE("release clears the holder, shortens the lease to 1 s and keeps the count") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  REQUIRE(round(a, server, at(0)));
  server.lease->spec.lease_transitions = 6;  // as if earlier terms had happened
  REQUIRE(round(a, server, at(2)));
  CHECK(a.resign() == LeadershipChange::stopped);
  CHECK(a.resign() == LeadershipChange::none);

  auto release = a.release(at(3));
  REQUIRE(release);
  CHECK(release->kind == LeaseWrite::Kind::update);
  CHECK(release->lease.metadata.resource_version == server.lease->metadata.resource_version);
  CHECK(release->lease.spec.holder_identity == "");
  CHECK(release->lease.spec.lease_duration_seconds == 1);
  CHECK(release->lease.spec.acquire_time == "2026-11-26T10:00:03.000000Z");
  CHECK(release->lease.spec.renew_time == "2026-11-26T10:00:03.000000Z");
  CHECK(release->lease.spec.lease_transitions == 6);
  CHECK(encode(release->lease).find(R"("holderIdentity":"")") != std::string::npos);
  auto stored = server.apply(*release);
  REQUIRE(stored);
  CHECK(a.written(*stored, at(3), at(3)) == LeadershipChange::none);
  CHECK(a.leader() == "");
  CHECK_FALSE(a.release(at(4)));  // no longer ours: nothing to release

  // Not ours to release: another holder, or nothing seen yet.
  FakeServer other;
  other.lease = held_by("other", "2026-11-26T10:00:00.000000Z");
  auto c = core("c");
  c.begin();
  CHECK_FALSE(c.release(at(0)));
  CHECK_FALSE(round(c, other, at(0)));
  CHECK_FALSE(c.release(at(1)));
}

TEST_CASE("stopping while an acquire is in flight does not start a term when it lands") {
  FakeServer server;
  auto a = core("a");
  a.begin();
  auto w = a.observe(server.lease, at(0)).write;
  REQUIRE(w);
  CHECK(a.resign() == LeadershipChange::none);
  auto stored = server.apply(*w);
  REQUIRE(stored);
  CHECK(a.written(*stored, at(0), at(0.2)) == LeadershipChange::none);
  CHECK_FALSE(a.is_leader());
  // The server says the lease is ours, so it is ours to release.
  CHECK(a.release(at(0.3)));
}

TEST_CASE("writes keep what other writers put in the lease; absent times stay absent") {
  auto lease = decode<Lease>(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
      "metadata":{"name":"sluice-ipam-gc","namespace":"kube-system","resourceVersion":"9","labels":{"app":"gc"}},
      "spec":{"holderIdentity":"a","leaseDurationSeconds":15,"strategy":"OldestEmulationVersion"}})");
  REQUIRE(lease.ok());
  auto a = core("a");
  a.begin();
  auto w = a.observe(*lease, at(0)).write;
  REQUIRE(w);
  auto out = json::parse(encode(w->lease));
  REQUIRE(out.ok());
  CHECK(std::string((*out)["metadata"]["labels"]["app"].GetString()) == "gc");
  CHECK(std::string((*out)["metadata"]["resourceVersion"].GetString()) == "9");
  CHECK(std::string((*out)["spec"]["strategy"].GetString()) == "OldestEmulationVersion");
  CHECK_FALSE((*out)["spec"].HasMember("acquireTime"));  // "" is not a MicroTime
  CHECK(std::string((*out)["spec"]["renewTime"].GetString()) == "2026-11-26T10:00:00.000000Z");
}
