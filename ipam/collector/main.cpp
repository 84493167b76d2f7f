// sluice-ipam-collector: the IPAM leak collector. One replica leads (a
// coordination.k8s.io Lease) and frees leaked addresses, empty blocks, over-counting
// handles and claims cut short, each only after the grace period and a re-check;
// every replica serves /liveness, /readiness and /metrics.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <unistd.h>

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "base/asio/sleep.hpp"
#include "base/config/daemon_options.hpp"
#include "base/config/duration.hpp"
#include "base/health/health.hpp"
#include "base/http/endpoints.hpp"
#include "base/http/server.hpp"
#include "base/lifecycle/shutdown.hpp"
#include "base/log/log.hpp"
#include "base/metrics/registry.hpp"
#include "ipam/collector/collector_loop.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "k8s-client/leader/elector.hpp"

namespace {
using namespace sluice;
using namespace std::chrono_literals;

std::string default_identity() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + std::to_string(::getpid());
}

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "sluice-ipam-collector: %s\n", message.c_str());
  return code;
}

int run(int argc, char** argv) {
  config::DaemonOptions daemon;
  daemon.http_listen = *ip::Endpoint::parse("0.0.0.0:9094");
  std::string kubeconfig, context, lease_namespace = "kube-system", lease_name = "sluice-ipam-collector";
  std::string identity;  // empty: default_identity()
  std::chrono::milliseconds grace = 15min, scan_interval = 30s, full_sweep_interval = 5min;
  std::chrono::milliseconds lease_duration = 15s, renew_deadline = 10s, retry_period = 2s;
  int max_handles = 500;
  config::Options options("sluice-ipam-collector",
                          "Frees IPAM addresses whose pod or node is gone, empty blocks (a node keeps one), "
                          "handles that count addresses no block holds, and claims cut short — each only after "
                          "it has been seen for the whole grace period and re-checked just before. One replica "
                          "acts at a time, elected with a Lease.");
  options.string("kubeconfig", "", &kubeconfig,
                 "kubeconfig file. Empty: $KUBECONFIG, ~/.kube/config, then the pod's service account.")
      .string("context", "SLUICE_IPAM_COLLECTOR_CONTEXT", &context, "kubeconfig context (empty: the current one).")
      .duration("leak-grace-period", "SLUICE_IPAM_COLLECTOR_LEAK_GRACE_PERIOD", &grace,
                "How long a leak must be seen before it is freed. 0 turns off freeing addresses (Calico's "
                "leakGracePeriod).")
      .duration("scan-interval", "SLUICE_IPAM_COLLECTOR_SCAN_INTERVAL", &scan_interval,
                "How often the nodes whose state changed are scanned.")
      .duration("full-sweep-interval", "SLUICE_IPAM_COLLECTOR_FULL_SWEEP_INTERVAL", &full_sweep_interval,
                "How often everything is read afresh and scanned.")
      .integer("max-handles-per-pass", "SLUICE_IPAM_COLLECTOR_MAX_HANDLES_PER_PASS", &max_handles, 1, 1'000'000,
               "At most this many handles freed per pass.")
      .string("lease-namespace", "SLUICE_IPAM_COLLECTOR_LEASE_NAMESPACE", &lease_namespace,
              "Namespace of the leader-election Lease.")
      .string("lease-name", "SLUICE_IPAM_COLLECTOR_LEASE_NAME", &lease_name, "Name of the leader-election Lease.")
      .string("identity", "SLUICE_IPAM_COLLECTOR_IDENTITY", &identity,
              "This replica's name in the Lease. Empty: host name and process ID.")
      .duration("lease-duration", "SLUICE_IPAM_COLLECTOR_LEASE_DURATION", &lease_duration,
                "How long others wait after the leader's last renewal before taking over.")
      .duration("renew-deadline", "SLUICE_IPAM_COLLECTOR_RENEW_DEADLINE", &renew_deadline,
                "How long the leader goes on without a successful renewal before it steps down.")
      .duration("retry-period", "SLUICE_IPAM_COLLECTOR_RETRY_PERIOD", &retry_period,
                "Time between lease acquisition and renewal attempts.");
  config::add_daemon_options(options, daemon, "SLUICE_IPAM_COLLECTOR");
  auto parsed = options.parse(argc, argv, config::process_environment());
  if (!parsed) return fail(parsed.error().message, 2);
  if (parsed->help) {
    std::fputs(options.help().c_str(), stdout);
    return 0;
  }
  if (scan_interval <= 0ms) return fail("--scan-interval must be positive", 2);
  if (full_sweep_interval < scan_interval) return fail("--full-sweep-interval must not be shorter than --scan-interval", 2);
  log::init("ipam-collector", daemon.log);
  if (identity.empty()) identity = default_identity();

  auto connection = k8s::resolve_connection(kubeconfig, context);
  if (!connection) return fail(connection.error().message, 2);

  boost::asio::io_context io;
  auto client = k8s::Client::create(io.get_executor(), std::move(*connection));
  if (!client) return fail(client.error().message, 2);
  ipam::KubernetesStore store(**client);
  ipam::Allocator allocator(store);
  ipam::LeakCollector collector(
      store, allocator,
      ipam::CollectorSettings{std::chrono::duration_cast<std::chrono::seconds>(grace), max_handles},
      [] { return std::chrono::system_clock::now(); });

  metrics::Registry registry;
  health::Health health;
  ipam::CollectorMetrics collector_metrics(registry);
  auto& leader_gauge = registry.gauge("sluice_ipam_collector_leader", "1 while this replica leads.");
  leader_gauge.with({}).set(0);

  k8s::LeaderElectionConfig election{lease_namespace, lease_name, identity,
                                     k8s::ElectionTiming{lease_duration, renew_deadline, retry_period}, true};
  auto elector = k8s::LeaderElector::create(
      **client, election,
      k8s::LeaderCallbacks{[&] {
                             log::info("leading", {log::kv("identity", identity)});
                             leader_gauge.with({}).set(1);
                           },
                           [&] {
                             log::info("stopped leading", {log::kv("identity", identity)});
                             leader_gauge.with({}).set(0);
                           },
                           nullptr});
  if (!elector) return fail(elector.error().message, 2);

  ipam::CollectorLoop loop(**client, store, collector, collector_metrics, health,
                           ipam::CollectorLoopOptions{scan_interval, full_sweep_interval},
                           [&] { return (*elector)->is_leader(); });

  http::OperationalEndpoints endpoints(health, registry);
  auto server = http::Server::start(io, daemon.http_listen, [&](const http::Request& r) { return endpoints.handle(r); });
  if (!server) return fail("--http-listen " + daemon.http_listen.to_string() + ": " + server.error().message, 1);
  health.set_live("event-loop", true, "running");

  bool stopping = false;
  lifecycle::ShutdownSignals signals(io, [&](int) {
    stopping = true;
    loop.stop();
    (*elector)->stop();
    (*server)->stop();
    // Let the lease release go out, then end whatever is still waiting.
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          co_await sleep_for(std::chrono::seconds(2));
          io.stop();
        },
        boost::asio::detached);
  });
  // Stand for election again whenever leadership, once gained, is lost.
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        while (!stopping) {
          co_await (*elector)->run();
          if (!stopping) co_await sleep_for(retry_period);
        }
      },
      boost::asio::detached);
  boost::asio::co_spawn(io, loop.run(), boost::asio::detached);
  std::printf("serving http://%s\n", (*server)->local_endpoint().to_string().c_str());
  std::fflush(stdout);
  log::info("started", {log::kv("identity", identity), log::kv("grace", config::format_duration(grace)),
                        log::kv("http", (*server)->local_endpoint())});
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-ipam-collector: fatal: %s\n", e.what());
    return 1;
  }
}
