#include "k8s-client/leader/elector.hpp"

#include <fmt/format.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log/log.hpp"
#include "k8s-client/resources/codec.hpp"

namespace sluice::k8s {

namespace asio = boost::asio;

namespace {

ResourceType lease_resource_type() {
  const ResourceKind& k = Lease::resource;
  return ResourceType{std::string(k.group), std::string(k.version), std::string(k.plural), k.namespaced};
}

// The server's answer to a write, read back as a Lease (it carries the new resourceVersion).
ApiResult<Lease> lease_of(const ApiResult<rapidjson::Document>& answer) {
  if (!answer) return answer.error();
  auto lease = decode<Lease>(*answer);
  if (!lease) {
    ApiError e;
    e.kind = ApiErrorKind::bad_response;
    e.message = lease.error().context("the server's answer is not a valid Lease").message;
    return e;
  }
  return std::move(*lease);
}

}  // namespace

Result<std::unique_ptr<LeaderElector>> LeaderElector::create(Client& client, LeaderElectionConfig config,
                                                             LeaderCallbacks callbacks) {
  if (config.identity.empty()) return Error{"leader election: the identity is empty"};
  if (config.lease_namespace.empty() || config.lease_name.empty()) {
    return Error{"leader election: the lease needs a namespace and a name"};
  }
  if (auto valid = validate(config.timing); !valid) return valid.error().context("leader election");
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(config), std::move(callbacks)));
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config, LeaderCallbacks callbacks)
    : client_(client),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      lease_type_(lease_resource_type()),
      description_(config_.lease_namespace + "/" + config_.lease_name),
      core_(config_.lease_namespace, config_.lease_name, config_.identity, config_.timing),
      random_(std::random_device{}()) {}

LeaderElector::~LeaderElector() = default;

void LeaderElector::stop() {
  stopped_ = true;
  apply(core_.resign());
  if (pause_timer_) pause_timer_->cancel();
}

asio::awaitable<void> LeaderElector::run() {
  if (running_ || stopped_) co_return;
  running_ = true;
  auto executor = co_await asio::this_coro::executor;
  if (!pause_timer_) pause_timer_ = std::make_unique<asio::steady_timer>(executor);
  if (!deadline_timer_) deadline_timer_ = std::make_unique<asio::steady_timer>(executor);
  core_.begin();
  log::info("standing for leader election", {log::kv("lease", description_), log::kv("identity", config_.identity)});
  while (!stopped_ && !core_.ended()) {
    co_await try_acquire_or_renew();
    if (stopped_ || core_.ended()) break;
    // A leader renews every retry period; candidates spread their tries out, as
    // client-go's JitterUntil does, so that they do not all read at once.
    std::chrono::milliseconds delay = core_.is_leader() ? config_.timing.retry_period : acquire_delay();
    co_await pause(delay);
  }
  apply(core_.resign());  // also blocks a late acquire from starting a term
  deadline_timer_->cancel();
  if (config_.release_on_stop) co_await release();
  running_ = false;
  log::info("left leader election", {log::kv("lease", description_), log::kv("identity", config_.identity)});
}

asio::awaitable<void> LeaderElector::try_acquire_or_renew() {
  Instant started = Instant::now();
  apply(core_.check_deadline(started));
  if (core_.ended()) co_return;

  // The fast path: renew what we wrote last, without reading it first.
  if (auto renewal = core_.renew_without_read(started)) {
    auto stored = co_await send(*renewal);
    if (stored) {
      on_written(*stored, started);
      co_return;
    }
    log::info("renewing the lease without reading it failed; reading it",
              {log::kv("lease", description_), log::kv("error", stored.error().describe())});
    if (core_.ended()) co_return;
  }

  const std::string& ns = config_.lease_namespace;
  const std::string& name = config_.lease_name;
  auto got = co_await client_.get(lease_type_, ns, name);
  std::optional<Lease> current;
  if (!got) {
    if (got.error().kind != ApiErrorKind::not_found) {
      log::warn("cannot read the lease", {log::kv("lease", description_), log::kv("error", got.error().describe())});
      co_return;
    }
  } else {
    auto decoded = decode<Lease>(*got);
    if (!decoded) {
      log::warn("the lease is not a valid Lease; leaving it alone",
                {log::kv("lease", description_), log::kv("error", decoded.error().message)});
      co_return;
    }
    current = std::move(*decoded);
  }
  auto decision = core_.observe(current, Instant::now());
  apply(decision.change);
  report_leader();
  if (!decision.write) co_return;

  Instant sent = Instant::now();
  auto stored = co_await send(*decision.write);
  if (!stored) {
    // A conflict or already-exists is another candidate winning the same race.
    auto level = stored.error().kind == ApiErrorKind::conflict || stored.error().kind == ApiErrorKind::already_exists
                     ? log::Level::debug
                     : log::Level::warn;
    log::write(level, "cannot write the lease",
               {log::kv("lease", description_), log::kv("error", stored.error().describe())});
    co_return;
  }
  on_written(*stored, sent);
}

asio::awaitable<ApiResult<Lease>> LeaderElector::send(const LeaseWrite& write) {
  // Named locals only inside co_await expressions (g++ 12, docs/decisions.md).
  std::string body = encode(write.lease);
  const std::string& ns = config_.lease_namespace;
  const std::string& name = config_.lease_name;
  if (write.kind == LeaseWrite::Kind::create) {
    auto created = co_await client_.create(lease_type_, ns, body);
    co_return lease_of(created);
  }
  auto updated = co_await client_.update(lease_type_, ns, name, body);
  co_return lease_of(updated);
}

asio::awaitable<void> LeaderElector::release() {
  Instant now = Instant::now();
  auto write = core_.release(now);
  if (!write) co_return;
  auto stored = co_await send(*write);
  if (!stored) {
    // A conflict means someone else has written the lease since: it is not ours to clear.
    log::warn("cannot release the lease",
              {log::kv("lease", description_), log::kv("error", stored.error().describe())});
    co_return;
  }
  on_written(*stored, now);
  log::info("released the lease", {log::kv("lease", description_), log::kv("identity", config_.identity)});
}

asio::awaitable<void> LeaderElector::pause(std::chrono::milliseconds delay) {
  pause_timer_->expires_after(delay);
  boost::system::error_code ec;
  co_await pause_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void LeaderElector::on_written(const Lease& stored, Instant sent) {
  auto change = core_.written(stored, sent, Instant::now());
  apply(change);
  if (change == LeadershipChange::none && core_.is_leader()) {
    log::debug("renewed the lease", {log::kv("lease", description_)});
    arm_deadline();
  }
  report_leader();
}

void LeaderElector::apply(LeadershipChange change) {
  if (change == LeadershipChange::started) {
    leading_.store(true, std::memory_order_release);
    log::info("became leader", {log::kv("lease", description_), log::kv("identity", config_.identity),
                                log::kv("transitions", core_.observed_record().lease_transitions)});
    arm_deadline();
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  } else if (change == LeadershipChange::stopped) {
    leading_.store(false, std::memory_order_release);
    if (deadline_timer_) deadline_timer_->cancel();
    log::info("stopped leading", {log::kv("lease", description_), log::kv("identity", config_.identity)});
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
    // Wake the loop, so that run() returns now and not after its pause.
    if (pause_timer_) pause_timer_->cancel();
  }
}

void LeaderElector::arm_deadline() {
  if (!deadline_timer_) return;
  deadline_timer_->expires_at(core_.renew_deadline_at());
  // Captures `this`: the timer is a member, so after the elector is gone the wait can
  // only end as cancelled, and then the handler touches nothing.
  deadline_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto change = core_.check_deadline(Instant::now());
    if (change == LeadershipChange::stopped) {
      log::warn("no renewal within the renew deadline; giving up leadership",
                {log::kv("lease", description_), log::kv("renew_deadline_ms", config_.timing.renew_deadline.count())});
    }
    apply(change);
  });
}

void LeaderElector::report_leader() {
  if (core_.leader() == reported_leader_) return;
  reported_leader_ = core_.leader();
  log::info("new leader seen", {log::kv("lease", description_), log::kv("leader", reported_leader_)});
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(reported_leader_);
}

std::chrono::milliseconds LeaderElector::acquire_delay() {
  // client-go: period + uniform[0, 1.2 × period).
  std::uniform_real_distribution<double> jitter(0.0, 1.2);
  auto period = config_.timing.retry_period;
  return period +
         std::chrono::milliseconds(static_cast<std::int64_t>(jitter(random_) * static_cast<double>(period.count())));
}

}  // namespace sluice::k8s
