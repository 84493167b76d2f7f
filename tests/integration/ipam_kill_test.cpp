// IPAM under crashes: many allocator processes for many simulated nodes against the API
// test server on a real etcd, killed (SIGKILL) at random points while the server is
// restarted under them. Afterwards no address is held twice, every allocation is
// explained by the workers' step logs, the checker reports exactly the leaks the kills
// and failures caused (and nothing a completed step left), and the leak collector frees
// them all.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/asio/run_blocking.hpp"
#include "base/json/json.hpp"
#include "ipam/audit/problems.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "k8s-client/resources/codec.hpp"
#include "k8s-client/resources/core.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// What the step logs say happened to each handle.
struct HandleStory {
  bool begun = false;        // BEGIN alloc
  bool allocated = false;    // DONE alloc
  bool release_begun = false;
  bool released = false;     // DONE release
  bool failed = false;       // a FAIL line
  std::string pod;           // namespace/name
  std::set<std::string> addresses;  // from DONE alloc
  bool interrupted() const { return begun && (!allocated || (release_begun && !released) || failed); }
};

std::map<std::string, HandleStory> read_logs(const std::vector<std::filesystem::path>& logs) {
  std::map<std::string, HandleStory> stories;
  for (const auto& path : logs) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string step, what, handle, rest;
      words >> step >> what >> handle;
      auto& s = stories[handle];
      if (step == "BEGIN" && what == "alloc") {
        std::string node;
        words >> node >> s.pod;
        s.begun = true;
      } else if (step == "DONE" && what == "alloc") {
        s.allocated = true;
        words >> rest;
        std::istringstream list(rest);
        for (std::string a; std::getline(list, a, ',');) s.addresses.insert(a.substr(0, a.find('/')));
      } else if (step == "BEGIN" && what == "release") {
        s.release_begun = true;
      } else if (step == "DONE" && what == "release") {
        s.released = true;
      } else if (step == "FAIL") {
        s.failed = true;
      }
    }
  }
  return stories;
}

template <class T>
void put(ipam::ObjectStore& store, boost::asio::io_context& io, const T& object) {
  const std::string body = k8s::encode(object);
  auto created = run_blocking(io, store.create(T::resource, object.metadata.namespace_, body));
  REQUIRE_MESSAGE(created.ok(), created.error().describe());
}

// Every line of the workers' logs and outputs that mentions `handle`, for failure messages.
std::string history_of(const std::string& handle, const std::filesystem::path& dir) {
  std::string out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);)
      if (line.find(handle + " ") != std::string::npos || line.ends_with(handle))
        out += entry.path().filename().string() + ": " + line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("IPAM kill test: killed allocators and a restarted server leave only explainable leaks, which the collector frees") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  testing::TempDir dir("ipam-kill");
  const auto kubeconfig = testing::write_kubeconfig(dir.path() / "kubeconfig", server.endpoint());

  boost::asio::io_context io;
  auto connection = k8s::resolve_connection(kubeconfig.string());
  REQUIRE(connection.ok());
  auto client = k8s::Client::create(io.get_executor(), std::move(*connection));
  REQUIRE(client.ok());
  ipam::KubernetesStore store(**client);

  // Two pools; small blocks, so that claims (and their races) happen all the time.
  k8s::IPPool v4;
  v4.metadata.name = "v4";
  v4.spec.cidr = "10.32.0.0/20";
  v4.spec.block_size = 28;
  put(store, io, v4);
  k8s::IPPool v6;
  v6.metadata.name = "v6";
  v6.spec.cidr = "fd00:32::/112";
  v6.spec.block_size = 124;
  put(store, io, v6);
  std::vector<std::string> nodes;
  for (int i = 0; i < 10; ++i) {
    k8s::Node node;
    node.metadata.name = "node-" + std::to_string(i);
    put(store, io, node);
    nodes.push_back(node.metadata.name);
  }
  std::string node_list;
  for (const auto& n : nodes) node_list += (node_list.empty() ? "" : ",") + n;

  std::vector<testing::Subprocess> workers;
  std::vector<std::filesystem::path> logs;
  int started = 0;
  auto start_worker = [&] {
    const std::string name = "w" + std::to_string(started++);
    logs.push_back(dir.path() / (name + ".log"));
    workers.push_back(testing::Subprocess::start(
        {SLUICE_IPAM_WORKER, "--kubeconfig", kubeconfig.string(), "--name", name, "--nodes", node_list,
         "--operations", "40", "--seed", std::to_string(started), "--log", logs.back().string()},
        dir.path() / (name + ".out")));
  };
  for (int i = 0; i < 8; ++i) start_worker();

  // Chaos: kill a random worker every so often and start another; restart the API
  // server once in the middle.
  std::mt19937 random(20261206);
  int kills = 0;
  for (int round = 0; round < 30; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 250));
    if (round == 12) {
      server.restart(testing::etcd_endpoint(etcd));
      continue;
    }
    std::vector<std::size_t> alive;
    for (std::size_t i = 0; i < workers.size(); ++i)
      if (workers[i].running()) alive.push_back(i);
    if (alive.empty()) break;
    workers[alive[random() % alive.size()]].kill();
    ++kills;
    start_worker();
  }
  // The rest finish on their own.
  for (auto& w : workers) CHECK(testing::wait_until([&] { return !w.running(); }, 120s, 50ms));
  INFO("workers started: " << started << ", killed: " << kills);

  auto stories = read_logs(logs);
  auto snapshot = run_blocking(io, ipam::read_snapshot(store, true));
  REQUIRE_MESSAGE(snapshot.ok(), snapshot.error().describe());
  const auto allocations = ipam::allocations(*snapshot);
  CHECK(!allocations.empty());
  MESSAGE("workers: " << started << " (" << kills << " killed); handles logged: " << stories.size()
                      << "; addresses held: " << allocations.size());

  // No address twice, and every allocation explained by a log.
  std::set<ip::Address> seen;
  std::map<std::string, std::set<std::string>> held_by_handle;
  for (const auto& a : allocations) {
    CHECK_MESSAGE(seen.insert(a.address).second, a.address.to_string() << " is held twice");
    const std::string handle = a.owner.handle_id.value_or("");
    auto it = stories.find(handle);
    REQUIRE_MESSAGE(it != stories.end(), a.address.to_string() << " is held by " << handle << ", which no worker logged");
    const auto& story = it->second;
    CHECK_MESSAGE((!story.released || story.interrupted()),
                  handle << " was released completely, yet still holds " << a.address.to_string());
    held_by_handle[handle].insert(a.address.to_string());
  }
  // Every completed allocation still holds exactly its addresses (unless it was released).
  for (const auto& [handle, story] : stories) {
    if (!story.allocated || story.release_begun || story.failed) continue;
    CHECK_MESSAGE(held_by_handle[handle] == story.addresses, handle << " lost an address it was given");
  }

  // The checker's leaks are exactly the allocations whose pod is gone, and each of them
  // comes from a step that was killed or failed.
  auto problems = ipam::check_consistency(*snapshot);
  auto workload_problems = ipam::check_workloads(*snapshot);
  problems.insert(problems.end(), workload_problems.begin(), workload_problems.end());
  std::set<std::string> expected_leaks;
  for (const auto& a : allocations) {
    auto pod = a.owner.attributes.at("namespace") + "/" + a.owner.attributes.at("pod");
    if (!snapshot->workloads->pods.count(pod)) expected_leaks.insert(a.address.to_string());
  }
  std::set<std::string> reported_leaks;
  for (const auto& p : problems) {
    INFO(ipam::to_string(p.kind) << " " << p.subject << ": " << p.detail);
    switch (p.kind) {
      case ipam::ProblemKind::leaked_address: {
        reported_leaks.insert(p.subject);
        CHECK_MESSAGE(stories[p.handle_id].interrupted(),
                      "a leak from a step that completed:\n" << history_of(p.handle_id, dir.path()));
        break;
      }
      case ipam::ProblemKind::dangling_handle:
      case ipam::ProblemKind::handle_count_mismatch:
        CHECK_MESSAGE(stories[p.subject].interrupted(),
                      "a handle problem from a step that completed:\n" << history_of(p.subject, dir.path()));
        break;
      case ipam::ProblemKind::pending_affinity:
        break;  // a claim cut short by a kill or by the restart
      default:
        FAIL_CHECK("a problem no kill or failure explains");
    }
  }
  CHECK(reported_leaks == expected_leaks);
  // The admin tool says the same.
  auto checked = testing::run({SLUICE_IPAMCTL, "check", "-o", "json", "--kubeconfig", kubeconfig.string()}, 60s);
  REQUIRE_MESSAGE(checked.ok(), checked.output);
  auto report = json::parse(checked.output);
  REQUIRE_MESSAGE(report.ok(), checked.output);
  std::set<std::string> ipamctl_leaks;
  for (const auto& p : (*report)["problems"].GetArray())
    if (std::string_view(p["kind"].GetString()) == "leaked-address") ipamctl_leaks.insert(p["subject"].GetString());
  CHECK(ipamctl_leaks == expected_leaks);
  std::map<std::string, int> by_kind;
  for (const auto& p : problems) ++by_kind[std::string(ipam::to_string(p.kind))];
  std::string summary;
  for (const auto& [kind, n] : by_kind) summary += fmt::format(" {} {}", n, kind);
  MESSAGE("problems the kills and failures left:" << (summary.empty() ? " none" : summary));

  // The collector frees it all: with a short grace period, the checker comes back clean.
  auto collector = testing::Subprocess::start(
      {SLUICE_IPAM_COLLECTOR, "--kubeconfig", kubeconfig.string(), "--leak-grace-period", "2s", "--scan-interval",
       "200ms", "--full-sweep-interval", "1s", "--http-listen", "127.0.0.1:0", "--lease-duration", "2s",
       "--renew-deadline", "1500ms", "--retry-period", "500ms", "--lease-namespace", "default"},
      dir.path() / "collector.log");
  std::vector<ipam::Problem> left;
  const bool clean = testing::wait_until(
      [&] {
        auto now = run_blocking(io, ipam::read_snapshot(store, true));
        if (!now) return false;
        left = ipam::check_consistency(*now);
        auto w = ipam::check_workloads(*now);
        left.insert(left.end(), w.begin(), w.end());
        return left.empty();
      },
      60s, 500ms);
  std::string remaining;
  for (const auto& p : left) remaining += fmt::format("{} {}: {}\n", ipam::to_string(p.kind), p.subject, p.detail);
  CHECK_MESSAGE(clean, "left after the collector:\n" << remaining);
  auto after = run_blocking(io, ipam::read_snapshot(store, true));
  REQUIRE(after.ok());
  CHECK(ipam::allocations(*after).size() == allocations.size() - expected_leaks.size());
  collector.stop();
}
