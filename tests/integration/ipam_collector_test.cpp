// sluice-ipam-collector as deployed: two replicas against the API test server on a real
// etcd. One leads at a time; the leader frees a leaked address after the grace period
// and keeps the valid ones; its metrics and health endpoints answer; when it stops, the
// other takes over and frees what a deleted node left behind.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

#include <boost/asio/io_context.hpp>

#include "base/asio/run_blocking.hpp"
#include "base/http/client.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "k8s-client/resources/codec.hpp"
#include "k8s-client/resources/core.hpp"
#include "k8s-client/resources/lease.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

struct Replica {
  std::unique_ptr<testing::Subprocess> process;
  ip::Endpoint http;
  std::string identity;
};

Replica start_replica(const std::string& identity, const std::filesystem::path& kubeconfig,
                      const std::filesystem::path& dir) {
  const auto log = dir / (identity + ".log");
  Replica r;
  r.identity = identity;
  r.process = std::make_unique<testing::Subprocess>(testing::Subprocess::start(
      {SLUICE_IPAM_COLLECTOR, "--kubeconfig", kubeconfig.string(), "--identity", identity, "--leak-grace-period", "2s",
       "--scan-interval", "200ms", "--full-sweep-interval", "1s", "--http-listen", "127.0.0.1:0", "--lease-namespace",
       "default", "--lease-duration", "2s", "--renew-deadline", "1500ms", "--retry-period", "500ms"},
      log));
  const std::regex serving(R"(serving http://([0-9.]+):([0-9]+))");
  const bool up = testing::wait_until(
      [&] {
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::smatch m;
        if (!std::regex_search(text, m, serving)) return false;
        r.http = *ip::Endpoint::parse(m[1].str() + ":" + m[2].str());
        return true;
      },
      10s, 50ms);
  REQUIRE_MESSAGE(up, "the collector did not start; see " << log.string());
  return r;
}

std::pair<int, std::string> http_get(const ip::Endpoint& server, const std::string& path) {
  boost::asio::io_context io;
  http::Client client(io.get_executor(), server);
  const http::ClientRequest request{"GET", path, "", "", {}};
  auto response = run_blocking(io, client.request(request, 5s));
  if (!response) return {0, response.error().message};
  return {response->status, response->body};
}

template <class T>
void put(ipam::ObjectStore& store, boost::asio::io_context& io, const T& object) {
  const std::string body = k8s::encode(object);
  auto created = run_blocking(io, store.create(T::resource, object.metadata.namespace_, body));
  REQUIRE_MESSAGE(created.ok(), created.error().describe());
}

}  // namespace

TEST_CASE("sluice-ipam-collector: one leader frees leaks after the grace period; the other takes over") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  testing::TempDir dir("ipam-collector");
  const auto kubeconfig = testing::write_kubeconfig(dir.path() / "kubeconfig", server.endpoint());
  boost::asio::io_context io;
  auto connection = k8s::resolve_connection(kubeconfig.string());
  REQUIRE(connection.ok());
  auto client = k8s::Client::create(io.get_executor(), std::move(*connection));
  REQUIRE(client.ok());
  ipam::KubernetesStore store(**client);
  ipam::Allocator allocator(store);

  k8s::IPPool pool;
  pool.metadata.name = "pool";
  pool.spec.cidr = "10.40.0.0/24";
  pool.spec.block_size = 28;
  put(store, io, pool);
  for (const std::string name : {"node-a", "node-b"}) {
    k8s::Node node;
    node.metadata.name = name;
    put(store, io, node);
  }
  auto allocate = [&](const std::string& node, const std::string& pod, bool record_pod) {
    ipam::AutoAssignRequest request;
    request.host = node;
    request.handle_id = "k8s-pod-network." + pod;
    request.num_ipv4 = 1;
    request.attributes = {{"node", node}, {"namespace", "default"}, {"pod", pod}};
    auto got = run_blocking(io, allocator.auto_assign(request));
    REQUIRE_MESSAGE(got.ok(), got.error().message);
    if (record_pod) {
      k8s::Pod p;
      p.metadata.name = pod;
      p.metadata.namespace_ = "default";
      p.spec.node_name = node;
      p.metadata.annotations["cni.projectcalico.org/podIPs"] = got->ipv4.front().address.to_string() + "/32";
      put(store, io, p);
    }
    return got->ipv4.front().address;
  };
  const auto alive = allocate("node-a", "alive", true);
  const auto leaked = allocate("node-a", "gone", false);
  const auto on_b = allocate("node-b", "on-b", true);
  auto held = [&] {
    std::set<ip::Address> out;
    auto s = run_blocking(io, ipam::read_snapshot(store, false));
    if (s)
      for (const auto& a : ipam::allocations(*s)) out.insert(a.address);
    return out;
  };
  REQUIRE(held().size() == 3);

  auto first = start_replica("replica-1", kubeconfig, dir.path());
  auto second = start_replica("replica-2", kubeconfig, dir.path());

  // The leak goes, the others stay.
  CHECK(testing::wait_until([&] { return !held().count(leaked); }, 30s, 200ms));
  CHECK(held() == std::set<ip::Address>{alive, on_b});

  // Exactly one replica leads, and says so in its metrics.
  const std::string lease_name = "sluice-ipam-collector", lease_ns = "default";
  auto holder = [&] {
    auto lease = run_blocking(io, ipam::get_object<k8s::Lease>(store, lease_name, lease_ns));
    return lease && lease->spec.holder_identity ? *lease->spec.holder_identity : std::string();
  };
  std::string leader = holder();
  REQUIRE((leader == "replica-1" || leader == "replica-2"));
  Replica& leading = leader == "replica-1" ? first : second;
  Replica& standby = leader == "replica-1" ? second : first;
  auto [status, metrics] = http_get(leading.http, "/metrics");
  CHECK(status == 200);
  CHECK(metrics.find("sluice_ipam_collector_leader 1") != std::string::npos);
  CHECK(metrics.find(R"(ipam_allocations_gc_reclamations{ippool="10.40.0.0/24",node="node-a"} 1)") !=
        std::string::npos);
  // The state gauges follow at the next full sweep.
  CHECK(testing::wait_until(
      [&] {
        metrics = http_get(leading.http, "/metrics").second;
        return metrics.find(R"(ipam_allocations_in_use{ippool="10.40.0.0/24",node="node-a"} 1)") != std::string::npos;
      },
      10s, 200ms));
  CHECK(metrics.find(R"(ipam_blocks_per_node{node="node-b"} 1)") != std::string::npos);
  CHECK(metrics.find("ipam_allocations_gc_candidates") != std::string::npos);
  auto standby_metrics = http_get(standby.http, "/metrics");
  CHECK(standby_metrics.second.find("sluice_ipam_collector_leader 0") != std::string::npos);
  CHECK(http_get(leading.http, "/readiness").first == 200);
  CHECK(http_get(standby.http, "/liveness").first == 200);

  // The leader stops (and hands the lease over); node-b goes: the other replica frees
  // its pod's address once the pod is gone too.
  leading.process->stop();
  CHECK(testing::wait_until([&] { return holder() == standby.identity; }, 15s, 100ms));
  const std::string node_b = "node-b", pod_b = "on-b", ns = "default";
  REQUIRE(run_blocking(io, store.remove(k8s::Node::resource, "", node_b, k8s::Preconditions{})).ok());
  REQUIRE(run_blocking(io, store.remove(k8s::Pod::resource, ns, pod_b, k8s::Preconditions{})).ok());
  CHECK(testing::wait_until([&] { return !held().count(on_b); }, 30s, 200ms));
  CHECK(held() == std::set<ip::Address>{alive});
  // And node-b's block, empty with its node gone, is released too.
  CHECK(testing::wait_until(
      [&] {
        auto s = run_blocking(io, ipam::read_snapshot(store, false));
        return s && s->blocks.size() == 1 && s->blocks.front().affine_to_host("node-a");
      },
      30s, 200ms));
  standby.process->stop();
}
