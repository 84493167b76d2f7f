// sluice-ipam-worker: one process of many that play CNI plugins on simulated nodes, for
// the IPAM kill test. It allocates addresses for pods (and records each pod as the CNI
// plugin would, with its addresses in Calico's annotation), and releases some of them
// again, writing every step to a log before and after it happens, so that whatever state
// a SIGKILL or a server restart leaves behind can be explained line by line:
//   BEGIN alloc <handle> <node> <namespace>/<pod>
//   DONE alloc <handle> <address>[,<address>]
//   BEGIN release <handle> <namespace>/<pod>
//   DONE release <handle>
//   FAIL <alloc|release> <handle> <error>
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <sstream>

#include <boost/asio/io_context.hpp>

#include "base/asio/run_blocking.hpp"
#include "base/config/options.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "k8s-client/resources/codec.hpp"
#include "k8s-client/resources/core.hpp"

namespace {
using namespace sluice;

// One line per write(2) on an O_APPEND descriptor: a line either reaches the file whole
// or not at all, whenever the process is killed.
class StepLog {
 public:
  explicit StepLog(const std::string& path) : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {}
  ~StepLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void line(const std::string& text) {
    const std::string l = text + "\n";
    [[maybe_unused]] auto n = ::write(fd_, l.data(), l.size());
  }

 private:
  int fd_;
};

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

struct Held {
  std::string handle;
  std::string pod;
};

boost::asio::awaitable<int> work(k8s::Client& client, const std::string& name, const std::vector<std::string>& nodes,
                                 int operations, std::uint64_t seed, StepLog& log) {
  ipam::KubernetesStore store(client);
  ipam::Allocator allocator(store);
  std::mt19937_64 random(seed);
  std::vector<Held> held;
  const k8s::ResourceType pods{"", "v1", "pods", true};
  const std::string ns = "default";
  for (int i = 0; i < operations; ++i) {
    if (!held.empty() && random() % 100 < 35) {
      const std::size_t pick = random() % held.size();
      const Held victim = held[pick];
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(pick));
      log.line("BEGIN release " + victim.handle + " " + ns + "/" + victim.pod);
      // The pod goes first: a kill between the two steps leaves a leak (an allocation
      // without its pod) for the collector, never a pod showing addresses it lost.
      const std::string& pod_name = victim.pod;
      auto removed = co_await client.remove(pods, ns, pod_name);
      if (!removed && removed.error().kind != k8s::ApiErrorKind::not_found) {
        log.line("FAIL release " + victim.handle + " deleting the pod: " + one_line(removed.error().describe()));
        continue;
      }
      auto released = co_await allocator.release_by_handle(victim.handle);
      if (!released) {
        log.line("FAIL release " + victim.handle + " " + one_line(released.error().message));
        continue;
      }
      log.line("DONE release " + victim.handle);
      continue;
    }
    const std::string node = nodes[random() % nodes.size()];
    const std::string pod = name + "-" + std::to_string(i);
    const std::string handle = "k8s-pod-network." + pod;
    ipam::AutoAssignRequest request;
    request.host = node;
    request.handle_id = handle;
    request.num_ipv4 = 1;
    request.num_ipv6 = random() % 3 == 0 ? 1 : 0;
    request.attributes = {{"node", node}, {"namespace", ns}, {"pod", pod}};
    log.line("BEGIN alloc " + handle + " " + node + " " + ns + "/" + pod);
    auto got = co_await allocator.auto_assign(request);
    if (!got) {
      log.line("FAIL alloc " + handle + " " + one_line(got.error().message));
      continue;
    }
    std::string addresses;
    for (const auto* list : {&got->ipv4, &got->ipv6})
      for (const auto& a : *list)
        addresses += (addresses.empty() ? "" : ",") + a.address.to_string() + (a.address.is_v4() ? "/32" : "/128");
    k8s::Pod object;
    object.metadata.name = pod;
    object.metadata.namespace_ = ns;
    object.metadata.annotations[std::string(ipam::kAnnotationPodIPs)] = addresses;
    object.spec.node_name = node;
    const std::string body = k8s::encode(object);
    auto created = co_await client.create(pods, ns, body);
    if (!created) {
      log.line("FAIL alloc " + handle + " recording the pod: " + one_line(created.error().describe()));
      continue;
    }
    log.line("DONE alloc " + handle + " " + addresses);
    held.push_back({handle, pod});
  }
  co_return 0;
}

int run(int argc, char** argv) {
  std::string kubeconfig, name, nodes_text, log_path;
  int operations = 50;
  long long seed = 1;
  config::Options options("sluice-ipam-worker", "Allocates and releases pod addresses on simulated nodes, logging each step.");
  options.string("kubeconfig", "", &kubeconfig, "kubeconfig file.")
      .string("name", "", &name, "This worker's name; pods are named <name>-<i>.")
      .string("nodes", "", &nodes_text, "Comma-separated node names to allocate on.")
      .integer("operations", "", &operations, 1, 1'000'000, "How many allocations and releases to make.")
      .integer("seed", "", &seed, 0LL, (1LL << 62), "Random seed.")
      .string("log", "", &log_path, "Step log file (appended).");
  auto parsed = options.parse(argc, argv, config::process_environment());
  if (!parsed) {
    std::fprintf(stderr, "sluice-ipam-worker: %s\n", parsed.error().message.c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(options.help().c_str(), stdout);
    return 0;
  }
  std::vector<std::string> nodes;
  std::stringstream list(nodes_text);
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty()) nodes.push_back(n);
  if (name.empty() || nodes.empty() || log_path.empty()) {
    std::fprintf(stderr, "sluice-ipam-worker: --name, --nodes and --log are required\n");
    return 2;
  }
  StepLog log(log_path);
  if (!log.ok()) {
    std::fprintf(stderr, "sluice-ipam-worker: cannot open %s\n", log_path.c_str());
    return 2;
  }
  auto connection = k8s::resolve_connection(kubeconfig);
  if (!connection) {
    std::fprintf(stderr, "sluice-ipam-worker: %s\n", connection.error().message.c_str());
    return 2;
  }
  boost::asio::io_context io;
  k8s::ClientSettings settings;
  settings.qps = 0;  // the test wants contention, not a client-side queue
  auto client = k8s::Client::create(io.get_executor(), std::move(*connection), settings);
  if (!client) {
    std::fprintf(stderr, "sluice-ipam-worker: %s\n", client.error().message.c_str());
    return 2;
  }
  return run_blocking(io, work(**client, name, nodes, operations, static_cast<std::uint64_t>(seed), log));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-ipam-worker: fatal: %s\n", e.what());
    return 1;
  }
}
