// IPAM allocation speed against the API test server (its own process, on a real etcd):
//   warm      one node, its block already claimed: N allocations one after another
//   cold      N nodes, one after another, each allocation claiming the node's first block
//   burst     N pods on one node at once, serialised per host as the CNI plugin's lock does
//   burst-processes  the same, one process per pod under a host flock (the CNI's shape)
//   nodes     N nodes at once, each claiming its first block
// Each run prints one JSON line: the case, the count, wall seconds, allocations per
// second, and p50/p99 latency of one allocation.
//
//   sluice-bench-ipam CASE N APISERVER_BINARY [SELF_FOR_PROCESSES]
//   sluice-bench-ipam one KUBECONFIG NODE POD LOCKFILE   (one allocation, for burst-processes)
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/asio/run_blocking.hpp"
#include "base/log/log.hpp"
#include "bench/support/apiserver_process.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "k8s-client/resources/codec.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"

namespace {
using namespace sluice;
using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void print(const std::string& name, std::size_t n, double wall, const std::vector<double>& latencies) {
  std::printf(R"({"case":"%s","n":%zu,"seconds":%.3f,"per_second":%.1f,"p50_ms":%.2f,"p99_ms":%.2f})"
              "\n",
              name.c_str(), n, wall, static_cast<double>(n) / wall, percentile(latencies, 0.5) * 1000,
              percentile(latencies, 0.99) * 1000);
  std::fflush(stdout);
}

std::unique_ptr<k8s::Client> connect(boost::asio::io_context& io, const std::string& kubeconfig) {
  auto connection = k8s::resolve_connection(kubeconfig);
  if (!connection) throw std::runtime_error(connection.error().message);
  k8s::ClientSettings settings;
  settings.qps = 0;  // measure the allocator and the server, not a client-side limit
  auto client = k8s::Client::create(io.get_executor(), std::move(*connection), settings);
  if (!client) throw std::runtime_error(client.error().message);
  return std::move(*client);
}

ipam::AutoAssignRequest pod_request(const std::string& node, const std::string& pod) {
  ipam::AutoAssignRequest r;
  r.host = node;
  r.handle_id = "k8s-pod-network." + pod;
  r.num_ipv4 = 1;
  r.attributes = {{"node", node}, {"namespace", "default"}, {"pod", pod}};
  return r;
}

void setup_pool(boost::asio::io_context& io, ipam::ObjectStore& store) {
  k8s::IPPool pool;
  pool.metadata.name = "bench";
  pool.spec.cidr = "10.0.0.0/12";  // 16,384 blocks of /26
  pool.spec.block_size = 26;
  const std::string body = k8s::encode(pool);
  auto created = run_blocking(io, store.create(k8s::IPPool::resource, "", body));
  if (!created) throw std::runtime_error(created.error().describe());
}

// Timed allocations, one after another.
boost::asio::awaitable<std::vector<double>> sequential(ipam::Allocator& allocator,
                                                       std::vector<ipam::AutoAssignRequest> requests) {
  std::vector<double> latencies;
  for (const auto& r : requests) {
    const auto t0 = Clock::now();
    auto got = co_await allocator.auto_assign(r);
    if (!got) throw std::runtime_error(got.error().message);
    latencies.push_back(seconds(Clock::now() - t0));
  }
  co_return latencies;
}

// Runs `requests` concurrently; `serialise` makes them take turns (one host lock).
std::vector<double> concurrently(boost::asio::io_context& io, ipam::Allocator& allocator,
                                 const std::vector<ipam::AutoAssignRequest>& requests, bool serialise) {
  std::vector<double> latencies(requests.size());
  const auto started = Clock::now();
  int left = static_cast<int>(requests.size());
  std::string failure;
  bool busy = false;
  std::vector<std::function<void()>> waiting;  // the host lock's queue
  for (std::size_t i = 0; i < requests.size(); ++i)
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          if (serialise) {
            while (busy) {
              boost::asio::steady_timer wake(io, Clock::time_point::max());
              waiting.push_back([&wake] { wake.cancel(); });
              boost::system::error_code ec;
              co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
            busy = true;
          }
          auto got = co_await allocator.auto_assign(requests[i]);
          if (!got && failure.empty()) failure = got.error().message;
          latencies[i] = seconds(Clock::now() - started);  // time until this pod had its address
          if (serialise) {
            busy = false;
            if (!waiting.empty()) {
              auto next = std::move(waiting.front());
              waiting.erase(waiting.begin());
              next();
            }
          }
          --left;
        },
        boost::asio::detached);
  io.restart();
  io.run();
  if (!failure.empty()) throw std::runtime_error(failure);
  return latencies;
}

int one(const std::string& kubeconfig, const std::string& node, const std::string& pod, const std::string& lock) {
  // As the CNI plugin: the host's IPAM lock around the whole allocation.
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) return 3;
  boost::asio::io_context io;
  auto client = connect(io, kubeconfig);
  ipam::KubernetesStore store(*client);
  ipam::Allocator allocator(store);
  const auto request = pod_request(node, pod);
  auto got = run_blocking(io, allocator.auto_assign(request));
  ::close(fd);
  if (!got) {
    std::fprintf(stderr, "%s\n", got.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  log::Settings quiet;
  quiet.level = log::Level::warn;
  log::init("bench", quiet);
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "one" && argc == 6) return one(argv[2], argv[3], argv[4], argv[5]);
    if (argc < 4) {
      std::fprintf(stderr, "usage: %s warm|cold|burst|burst-processes|nodes N APISERVER_BINARY [SELF]\n", argv[0]);
      return 2;
    }
    const std::size_t n = std::stoul(argv[2]);
    testing::TempDir dir("bench-ipam");
    std::unique_ptr<testing::Subprocess> apiserver;
    const auto server = bench::start_apiserver(argv[3], dir, apiserver);
    const std::string kubeconfig = (dir.path() / "kubeconfig").string();
    {
      std::FILE* f = std::fopen(kubeconfig.c_str(), "w");
      std::fprintf(f,
                   "apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n    server: http://%s\n"
                   "contexts:\n- name: b\n  context:\n    cluster: b\n    user: b\nusers:\n- name: b\n  user: {}\n"
                   "current-context: b\n",
                   server.to_string().c_str());
      std::fclose(f);
    }
    boost::asio::io_context io;
    auto client = connect(io, kubeconfig);
    ipam::KubernetesStore store(*client);
    ipam::Allocator allocator(store);
    setup_pool(io, store);

    std::vector<ipam::AutoAssignRequest> requests;
    if (mode == "warm") {
      auto first = pod_request("node-0", "warm-up");
      if (!run_blocking(io, allocator.auto_assign(first))) throw std::runtime_error("warm-up failed");
      for (std::size_t i = 0; i < n; ++i) requests.push_back(pod_request("node-0", "p" + std::to_string(i)));
      const auto t0 = Clock::now();
      auto latencies = run_blocking(io, sequential(allocator, requests));
      print("warm block, one node, one at a time", n, seconds(Clock::now() - t0), latencies);
    } else if (mode == "cold") {
      for (std::size_t i = 0; i < n; ++i) requests.push_back(pod_request("node-" + std::to_string(i), "p" + std::to_string(i)));
      const auto t0 = Clock::now();
      auto latencies = run_blocking(io, sequential(allocator, requests));
      print("cold: each allocation claims a block", n, seconds(Clock::now() - t0), latencies);
    } else if (mode == "burst") {
      auto first = pod_request("node-0", "warm-up");
      if (!run_blocking(io, allocator.auto_assign(first))) throw std::runtime_error("warm-up failed");
      for (std::size_t i = 0; i < n; ++i) requests.push_back(pod_request("node-0", "b" + std::to_string(i)));
      const auto t0 = Clock::now();
      auto latencies = concurrently(io, allocator, requests, true);
      print("burst on one node, host-serialised, in one process", n, seconds(Clock::now() - t0), latencies);
    } else if (mode == "burst-processes" && argc >= 5) {
      auto first = pod_request("node-0", "warm-up");
      if (!run_blocking(io, allocator.auto_assign(first))) throw std::runtime_error("warm-up failed");
      const std::string lock = (dir.path() / "ipam.lock").string();
      std::vector<testing::Subprocess> processes;
      const auto t0 = Clock::now();
      for (std::size_t i = 0; i < n; ++i)
        processes.push_back(testing::Subprocess::start(
            {argv[4], "one", kubeconfig, "node-0", "q" + std::to_string(i), lock}, dir.path() / "one.log"));
      // Each pod's time is when its process was seen to exit (polled every millisecond).
      std::vector<double> latencies;
      std::vector<bool> done(processes.size(), false);
      const auto deadline = t0 + std::chrono::seconds(120);
      while (latencies.size() < processes.size() && Clock::now() < deadline) {
        for (std::size_t i = 0; i < processes.size(); ++i) {
          if (done[i] || processes[i].running()) continue;
          done[i] = true;
          const int status = processes[i].stop();
          if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error("an allocation process failed; see " + (dir.path() / "one.log").string());
          latencies.push_back(seconds(Clock::now() - t0));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (latencies.size() < processes.size()) throw std::runtime_error("allocation processes did not finish in 120 s");
      print("burst on one node, a process per pod under a host flock", n, seconds(Clock::now() - t0), latencies);
    } else if (mode == "nodes") {
      for (std::size_t i = 0; i < n; ++i) requests.push_back(pod_request("node-" + std::to_string(i), "n" + std::to_string(i)));
      const auto t0 = Clock::now();
      auto latencies = concurrently(io, allocator, requests, false);
      print("nodes at once, each claiming its first block", n, seconds(Clock::now() - t0), latencies);
    } else {
      std::fprintf(stderr, "unknown case %s\n", mode.c_str());
      return 2;
    }
    apiserver->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
