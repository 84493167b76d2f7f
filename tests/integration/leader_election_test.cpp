// Leader election against the API test server and a real etcd: several electors in one
// process, each with its own client, io_context and thread (as separate processes would
// be). Exactly one leader at a time; handover on stop with and without release;
// takeover from a leader whose process is gone; a stalled leader that wakes up after a
// takeover steps down without writing. Short leases (2 s) and bounded waits throughout.
#include <doctest/doctest.h>

#include <utility>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "base/asio/run_blocking.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/leader/elector.hpp"
#include "k8s-client/resources/codec.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/wait.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const k8s::ResourceType kLeases{"coordination.k8s.io", "v1", "leases", true};
const std::string kNamespace = "kube-system";
const std::string kLeaseName = "sluice-ipam-gc";
// lease 2 s, renew deadline 1.5 s, retry 0.5 s: client-go's proportions, scaled down.
const k8s::ElectionTiming kTiming{2s, 1500ms, 500ms};

k8s::ConnectionConfig plain_config(const ip::Endpoint& server) {
  k8s::ConnectionConfig config;
  config.server.scheme = k8s::Scheme::http;
  config.server.host = server.address.to_string();
  config.server.host_kind = k8s::HostKind::ipv4;
  config.server.port = server.port;
  config.source = "test";
  return config;
}

k8s::ClientSettings client_settings() {
  k8s::ClientSettings settings;
  settings.request_timeout = 1000ms;  // below the renew deadline, as a deployment should set it
  settings.max_attempts = 2;
  settings.backoff = retry::BackoffPolicy{50ms, 200ms, 2.0, 0.5};
  return settings;
}

// Who leads, across all candidates of a test: any moment with two is an overlap.
struct Tally {
  std::atomic<int> leaders{0};
  std::atomic<int> overlaps{0};
  std::mutex mutex;
  std::vector<std::string> timeline;  // "+a", "-a": for the failure message

  void note(std::string event) {
    std::lock_guard lock(mutex);
    timeline.push_back(std::move(event));
  }
  std::string history() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& e : timeline) out += e + " ";
    return out;
  }
};

// One elector with its own client, io_context and thread: a process of its own.
class Candidate {
 public:
  Candidate(std::string id, const ip::Endpoint& server, Tally& tally, bool release_on_stop)
      : id_(std::move(id)), tally_(tally), work_(asio::make_work_guard(io_)) {
    auto client = k8s::Client::create(io_.get_executor(), plain_config(server), client_settings());
    REQUIRE_MESSAGE(client.ok(), client.error().message);
    client_ = std::move(*client);
    k8s::LeaderElectionConfig config{kNamespace, kLeaseName, id_, kTiming, release_on_stop};
    k8s::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] {
      leading_ = true;
      ++terms_;
      if (tally_.leaders.fetch_add(1) + 1 > 1) ++tally_.overlaps;
      tally_.note("+" + id_);
    };
    callbacks.on_stopped_leading = [this] {
      leading_ = false;
      tally_.leaders.fetch_sub(1);
      tally_.note("-" + id_);
    };
    auto elector = k8s::LeaderElector::create(*client_, std::move(config), std::move(callbacks));
    REQUIRE_MESSAGE(elector.ok(), elector.error().message);
    elector_ = std::move(*elector);
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
          co_await elector_->run();
          finished_ = true;
        },
        asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Candidate() {
    if (frozen_) thaw();
    stop();
    testing::wait_until([this] { return finished_.load(); }, 10s);
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    elector_.reset();
    client_.reset();
  }
  Candidate(const Candidate&) = delete;
  Candidate& operator=(const Candidate&) = delete;

  void stop() {
    asio::post(io_, [this] { elector_->stop(); });
  }
  // The process is gone: its loop runs no more, it writes nothing, it releases nothing.
  void freeze() {
    io_.stop();
    thread_.join();
    frozen_ = true;
  }
  // The process comes back (only to be shut down cleanly at the end of a test).
  void thaw() {
    io_.restart();
    thread_ = std::thread([this] { io_.run(); });
    frozen_ = false;
  }
  // The process stalls (a long GC pause, a stopped VM) until `resume` holds, at most `limit`.
  void stall_until(std::function<bool()> resume, std::chrono::milliseconds limit) {
    stalled_ = true;
    asio::post(io_, [this, resume = std::move(resume), limit] {
      testing::wait_until(resume, limit);
      stalled_ = false;
    });
  }

  const std::string& id() const { return id_; }
  bool leading() const { return leading_; }
  bool is_leader() const { return elector_->is_leader(); }
  int terms() const { return terms_; }
  bool finished() const { return finished_; }
  bool stalled() const { return stalled_; }

 private:
  std::string id_;
  Tally& tally_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<k8s::Client> client_;
  std::unique_ptr<k8s::LeaderElector> elector_;
  std::thread thread_;
  std::atomic<bool> leading_{false};
  std::atomic<int> terms_{0};
  std::atomic<bool> finished_{false};
  std::atomic<bool> stalled_{false};
  bool frozen_ = false;
};

// Reads the lease the way an operator would, through a client of its own.
class Observer {
 public:
  explicit Observer(const ip::Endpoint& server) {
    auto client = k8s::Client::create(io_.get_executor(), plain_config(server), client_settings());
    REQUIRE(client.ok());
    client_ = std::move(*client);
  }
  std::optional<k8s::Lease> lease() {
    auto got = run_blocking(io_, client_->get(kLeases, kNamespace, kLeaseName));
    if (!got) return std::nullopt;
    auto lease = k8s::decode<k8s::Lease>(*got);
    REQUIRE_MESSAGE(lease.ok(), lease.error().message);
    return std::move(*lease);
  }
  std::string holder() {
    auto l = lease();
    return l ? l->spec.holder_identity.value_or("") : "";
  }

 private:
  asio::io_context io_;
  std::unique_ptr<k8s::Client> client_;
};

// The one candidate that leads, once exactly one does (bounded).
Candidate* wait_for_one_leader(std::vector<std::unique_ptr<Candidate>>& candidates, std::chrono::milliseconds limit) {
  Candidate* leader = nullptr;
  testing::wait_until(
      [&] {
        int n = 0;
        for (auto& c : candidates) {
          if (c->leading()) {
            ++n;
            leader = c.get();
          }
        }
        return n == 1;
      },
      limit);
  return leader;
}

}  // namespace

TEST_CASE("three electors: one leader at a time, renewing; release on stop hands over at once") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Observer observer(server.endpoint());
  Tally tally;
  std::vector<std::unique_ptr<Candidate>> candidates;
  for (const char* id : {"a", "b", "c"}) {
    candidates.push_back(std::make_unique<Candidate>(id, server.endpoint(), tally, /*release_on_stop=*/true));
  }

  Candidate* first = wait_for_one_leader(candidates, 10s);
  REQUIRE(first);
  CHECK(first->is_leader());
  CHECK(observer.holder() == first->id());

  // Several renew periods later: the same leader, renewing, and no one else.
  auto before = observer.lease();
  REQUIRE(before);
  std::this_thread::sleep_for(2500ms);
  auto after = observer.lease();
  REQUIRE(after);
  CHECK(after->spec.holder_identity == first->id());
  CHECK(after->spec.renew_time != before->spec.renew_time);
  CHECK(after->spec.acquire_time == before->spec.acquire_time);
  CHECK(after->spec.lease_transitions == 0);
  CHECK(after->spec.lease_duration_seconds == 2);
  CHECK(first->terms() == 1);
  for (auto& c : candidates) {
    if (c.get() != first) CHECK_FALSE(c->is_leader());
  }

  // Stop with release: the holder is cleared and another takes over without waiting
  // out the lease.
  first->stop();
  REQUIRE(testing::wait_until([&] { return first->finished(); }, 5s));
  CHECK_FALSE(first->is_leader());
  Candidate* second = wait_for_one_leader(candidates, 10s);
  REQUIRE(second);
  CHECK(second != first);
  REQUIRE(testing::wait_until([&] { return observer.holder() == second->id(); }, 5s));
  CHECK(observer.lease()->spec.lease_transitions == 1);  // the release itself is not a transition

  second->stop();
  REQUIRE(testing::wait_until([&] { return second->finished(); }, 5s));
  Candidate* third = wait_for_one_leader(candidates, 10s);
  REQUIRE(third);
  CHECK(third != first);
  CHECK(third != second);
  REQUIRE(testing::wait_until([&] { return observer.holder() == third->id(); }, 5s));
  CHECK(observer.lease()->spec.lease_transitions == 2);

  third->stop();
  REQUIRE(testing::wait_until([&] { return third->finished(); }, 5s));
  CHECK(observer.holder() == "");
  CHECK(observer.lease()->spec.lease_duration_seconds == 1);
  CHECK_MESSAGE(tally.overlaps == 0, tally.history());
  CHECK(tally.leaders == 0);
}

TEST_CASE("without release, a stopped leader's successor waits out the lease duration") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Observer observer(server.endpoint());
  Tally tally;
  std::vector<std::unique_ptr<Candidate>> candidates;
  candidates.push_back(std::make_unique<Candidate>("a", server.endpoint(), tally, false));
  candidates.push_back(std::make_unique<Candidate>("b", server.endpoint(), tally, false));

  Candidate* first = wait_for_one_leader(candidates, 10s);
  REQUIRE(first);
  Candidate* other = candidates[0].get() == first ? candidates[1].get() : candidates[0].get();
  std::this_thread::sleep_for(1000ms);  // a few renewals seen by the other

  auto stopped_at = std::chrono::steady_clock::now();
  first->stop();
  REQUIRE(testing::wait_until([&] { return first->finished(); }, 5s));
  CHECK_FALSE(first->leading());            // stopped leading at once, before anyone else started
  CHECK(observer.holder() == first->id());  // nothing was written on the way out

  REQUIRE(testing::wait_until([&] { return other->leading(); }, 10s));
  auto waited = std::chrono::steady_clock::now() - stopped_at;
  // The last renewal came at most one retry period before the stop, and the other saw it
  // no earlier than it was written: 2 s - 0.5 s at the least. (A lower bound only; a slow
  // machine makes it longer, never shorter.)
  CHECK(waited >= 1400ms);
  CHECK(observer.holder() == other->id());
  CHECK(observer.lease()->spec.lease_transitions == 1);
  CHECK_MESSAGE(tally.overlaps == 0, tally.history());
}

TEST_CASE("a leader whose process is gone is replaced once its lease lapses") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Observer observer(server.endpoint());
  Tally tally;
  std::vector<std::unique_ptr<Candidate>> candidates;
  for (const char* id : {"a", "b", "c"}) {
    candidates.push_back(std::make_unique<Candidate>(id, server.endpoint(), tally, true));
  }
  Candidate* gone = wait_for_one_leader(candidates, 10s);
  REQUIRE(gone);
  std::this_thread::sleep_for(700ms);
  gone->freeze();  // no release, no more renewals: only the lease's lapse frees it
  auto frozen_at = std::chrono::steady_clock::now();

  Candidate* next = nullptr;
  REQUIRE(testing::wait_until(
      [&] {
        for (auto& c : candidates) {
          if (c.get() != gone && c->leading()) next = c.get();
        }
        return next != nullptr;
      },
      10s));
  CHECK(std::chrono::steady_clock::now() - frozen_at >= 1400ms);
  CHECK(observer.holder() == next->id());
  CHECK(observer.lease()->spec.lease_transitions == 1);
  // Exactly one of the survivors leads.
  int survivors_leading = 0;
  for (auto& c : candidates) {
    if (c.get() != gone && c->leading()) ++survivors_leading;
  }
  CHECK(survivors_leading == 1);
  // (The frozen process still believes it leads: there is no fencing, as in client-go.
  // Its destructor thaws and stops it.)
}

TEST_CASE("a stalled leader that wakes after a takeover steps down without writing") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Observer observer(server.endpoint());
  Tally tally;
  std::vector<std::unique_ptr<Candidate>> candidates;
  candidates.push_back(std::make_unique<Candidate>("a", server.endpoint(), tally, true));
  candidates.push_back(std::make_unique<Candidate>("b", server.endpoint(), tally, true));
  Candidate* stalled = wait_for_one_leader(candidates, 10s);
  REQUIRE(stalled);
  Candidate* other = candidates[0].get() == stalled ? candidates[1].get() : candidates[0].get();
  std::this_thread::sleep_for(700ms);

  // Stall the leader until the other has taken over (bounded).
  stalled->stall_until([&] { return other->leading(); }, 15s);
  REQUIRE(testing::wait_until([&] { return other->leading(); }, 15s));
  REQUIRE(testing::wait_until([&] { return !stalled->stalled(); }, 5s));
  std::string lease_version = observer.lease()->metadata.resource_version;
  CHECK(observer.holder() == other->id());

  // Awake again: its renew deadline has long passed, so it stops leading and leaves the
  // election; its release (a CAS on the version it last wrote) cannot clear the new
  // holder's lease.
  REQUIRE(testing::wait_until([&] { return !stalled->leading() && stalled->finished(); }, 5s));
  CHECK_FALSE(stalled->is_leader());
  std::this_thread::sleep_for(1500ms);  // the new leader keeps renewing, undisturbed
  auto lease = observer.lease();
  REQUIRE(lease);
  CHECK(lease->spec.holder_identity == other->id());
  CHECK(lease->metadata.resource_version != lease_version);
  CHECK(lease->spec.lease_transitions == 1);
  CHECK(other->leading());
  CHECK(other->terms() == 1);
}
