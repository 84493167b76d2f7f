// Leader election on a coordination.k8s.io/v1 Lease through the Kubernetes client: the
// coroutine shell that reads and writes the lease for ElectionCore, on a timer, and
// tells the application when it starts and stops leading.
//
// Like client-go, this does not fence: a leader that stalls longer than the lease
// duration cannot know that another took over until it runs again (it then stops at
// once, without writing). Keep leader-only work idempotent or guarded by CAS writes.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/result.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/leader/election.hpp"

namespace sluice::k8s {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  // Unique among the candidates (the pod name, say): a candidate that finds its own
  // identity in the lease takes it as still its own.
  std::string identity;
  ElectionTiming timing;
  // On stop, hand the lease over at once (holderIdentity cleared) instead of letting the
  // others wait out the lease duration. Only safe when leader-only work has finished by
  // the time stop() is called.
  bool release_on_stop = false;
};

// Called on the elector's executor. on_stopped_leading comes only after
// on_started_leading, and before any release is written.
struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // optional: the holder seen changed
};

class LeaderElector {
 public:
  // Fails on timing client-go would refuse, or an empty identity, namespace or name.
  // `client` must outlive the elector.
  static Result<std::unique_ptr<LeaderElector>> create(Client& client, LeaderElectionConfig config,
                                                       LeaderCallbacks callbacks);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;  // run() and its timers hold `this`
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Stands for election: tries to acquire every retry period (jittered), then renews
  // every retry period. Returns after stop(), or when leadership once gained is lost
  // (renewals failed for the renew deadline, or another holder was seen), as client-go's
  // Run does; call it again to stand again. With release_on_stop, the lease is released
  // before returning. The elector must outlive the returned coroutine.
  boost::asio::awaitable<void> run();

  // Ends leadership at once (on_stopped_leading runs before stop() returns) and makes
  // run() return after its current request. Final: a later run() returns at once. Call
  // on the elector's executor.
  void stop();

  // May be read from any thread.
  bool is_leader() const { return leading_.load(std::memory_order_acquire); }
  // The holder in the last record seen ("" for none). On the elector's executor only.
  const std::string& leader() const { return core_.leader(); }
  const LeaderElectionConfig& config() const { return config_; }

 private:
  LeaderElector(Client& client, LeaderElectionConfig config, LeaderCallbacks callbacks);

  boost::asio::awaitable<void> try_acquire_or_renew();
  boost::asio::awaitable<ApiResult<Lease>> send(const LeaseWrite& write);
  boost::asio::awaitable<void> release();
  boost::asio::awaitable<void> pause(std::chrono::milliseconds delay);
  void on_written(const Lease& stored, Instant sent);
  void apply(LeadershipChange change);
  void arm_deadline();
  void report_leader();
  std::chrono::milliseconds acquire_delay();

  Client& client_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  ResourceType lease_type_;
  std::string description_;  // "namespace/name", for logs
  ElectionCore core_;
  std::atomic<bool> leading_{false};
  bool stopped_ = false;
  bool running_ = false;
  std::string reported_leader_;
  std::mt19937 random_;
  std::unique_ptr<boost::asio::steady_timer> pause_timer_;
  // Fires at the renew deadline even while a request hangs, so that a leader never
  // outlives its deadline by more than the time to notice.
  std::unique_ptr<boost::asio::steady_timer> deadline_timer_;
};

}  // namespace sluice::k8s
