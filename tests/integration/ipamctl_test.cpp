// The real ipamctl binary against the API test server on a real etcd: a kubeconfig in a
// temporary directory, the cluster's state written by the allocator in this process, and
// ipamctl run as a subprocess (stdin is /dev/null: no terminal). Covers show (every flag,
// table and JSON), check finding a leak made on purpose, its report, release from the
// report freeing exactly that leak, the report refusals (stale, another cluster),
// release --ip, split, configure, and bad arguments with their errors and exit codes.
#include <doctest/doctest.h>

#include <utility>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/asio/run_blocking.hpp"
#include "base/json/json.hpp"
#include "base/time/rfc3339.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/resources/calico_cluster.hpp"
#include "k8s-client/resources/core.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

rapidjson::Document parse_json(const std::string& text) {
  auto doc = json::parse(text);
  REQUIRE_MESSAGE(doc.ok(), doc.error().message, "\n", text);
  return std::move(*doc);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}


// etcd, the API test server, a kubeconfig pointing at it, and the allocator over the
// same API in this process, to make the state ipamctl inspects.
struct Cluster {
  testing::EtcdServer etcd;
  testing::RunningApiServer server{testing::apiserver_options(etcd)};
  testing::TempDir dir{"ipamctl"};
  std::filesystem::path kubeconfig = dir.path() / "kubeconfig";
  boost::asio::io_context io;
  std::unique_ptr<k8s::Client> client;
  std::unique_ptr<ipam::KubernetesStore> store;
  std::unique_ptr<ipam::Allocator> allocator;

  Cluster() {
    testing::write_kubeconfig(kubeconfig, server.endpoint());
    k8s::ConnectionConfig config;
    config.server.scheme = k8s::Scheme::http;
    config.server.host = "127.0.0.1";
    config.server.host_kind = k8s::HostKind::ipv4;
    config.server.port = server.endpoint().port;
    config.source = "test";
    auto c = k8s::Client::create(io.get_executor(), std::move(config));
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    client = std::move(*c);
    store = std::make_unique<ipam::KubernetesStore>(*client);
    allocator = std::make_unique<ipam::Allocator>(*store);
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return run_blocking(io, std::move(task));
  }

  template <class T>
  void create(const T& object) {
    auto created = run(ipam::create_object(*store, object));
    REQUIRE_MESSAGE(created.ok(), created.error().describe());
  }

  void add_pool(const std::string& name, const std::string& cidr, int block_size) {
    k8s::IPPool pool;
    pool.metadata.name = name;
    pool.spec.cidr = cidr;
    pool.spec.block_size = block_size;
    create(pool);
  }

  void add_node(const std::string& name) {
    k8s::Node node;
    node.metadata.name = name;
    create(node);
  }

  void add_pod(const std::string& name, const std::string& node, const ip::Address& address) {
    k8s::Pod pod;
    pod.metadata.name = name;
    pod.metadata.namespace_ = "default";
    pod.spec.node_name = node;
    pod.status.phase = "Running";
    pod.status.pod_ips.push_back(k8s::PodIP{address.to_string(), {}});
    create(pod);
  }

  // One address for a pod on a host, from `pool` when given.
  ipam::AssignedAddress assign(const std::string& host, const std::string& pod, std::string pool = {}) {
    ipam::AutoAssignRequest request;
    request.host = host;
    request.handle_id = "k8s-pod-network." + pod;
    request.num_ipv4 = 1;
    request.attributes = {{"node", host}, {"pod", pod}, {"namespace", "default"}};
    if (!pool.empty()) request.ipv4_pools = {*ip::Prefix::parse(pool)};
    auto result = run(allocator->auto_assign(request));
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return result->ipv4.front();
  }

  std::map<ip::Address, std::string> allocated() {
    auto snapshot = run(ipam::read_snapshot(*store, false));
    REQUIRE(snapshot.ok());
    std::map<ip::Address, std::string> out;
    for (const auto& a : ipam::allocations(*snapshot)) out[a.address] = a.owner.handle_id.value_or("");
    return out;
  }

  testing::CommandResult ipamctl(std::vector<std::string> args) {
    std::vector<std::string> argv{SLUICE_IPAMCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--kubeconfig=" + kubeconfig.string());
    auto r = testing::run(argv, 60s);
    REQUIRE_MESSAGE(!r.timed_out, r.output);
    return r;
  }

  // node-a runs web-1, node-b runs web-2; "ghost" was on node-a and is gone: its
  // address is the leak.
  ipam::AssignedAddress leak_scenario() {
    add_pool("pool-a", "10.0.0.0/24", 26);
    add_node("node-a");
    add_node("node-b");
    add_pod("web-1", "node-a", assign("node-a", "web-1").address);
    add_pod("web-2", "node-b", assign("node-b", "web-2").address);
    return assign("node-a", "ghost");
  }
};

}  // namespace

TEST_CASE("ipamctl show: every flag, as tables and as JSON, against the API server") {
  Cluster c;
  c.add_pool("pool-a", "10.0.0.0/24", 26);
  c.add_pool("small", "10.1.0.0/29", 30);  // two blocks of four
  auto web = c.assign("node-a", "web-1", "10.0.0.0/24");
  c.assign("node-a", "a-1", "10.1.0.0/29");
  for (int i = 0; i < 4; ++i) c.assign("node-b", fmt::format("b-{}", i), "10.1.0.0/29");
  auto borrowed = c.assign("node-c", "c-1", "10.1.0.0/29");
  REQUIRE(borrowed.borrowed);

  auto table = c.ipamctl({"show"});
  REQUIRE_MESSAGE(table.exit_code == 0, table.output);
  CHECK(table.output ==
        "GROUPING   CIDR          IPS TOTAL   IPS IN USE   IPS RESERVED    IPS FREE\n"
        "IP Pool    10.0.0.0/24         256      1 (<1%)              0   255 (99%)\n"
        "IP Pool    10.1.0.0/29           8      6 (75%)              0     2 (25%)\n");

  auto blocks = c.ipamctl({"show", "--show-blocks"});
  REQUIRE(blocks.exit_code == 0);
  CHECK(contains(blocks.output, fmt::format("Block      {}   host:node-a", web.block.to_string())));
  CHECK(contains(blocks.output, "AFFINITY"));

  auto json = parse_json(c.ipamctl({"show", "--show-blocks", "-o", "json"}).output);
  REQUIRE(json["pools"].Size() == 2);
  CHECK(json["pools"][1]["inUse"].GetUint64() == 6);
  CHECK(json["pools"][1]["blocks"].Size() == 2);

  auto b = c.ipamctl({"show", "--show-borrowed"});
  REQUIRE(b.exit_code == 0);
  CHECK(contains(b.output, "IP         BORROWING-NODE   BLOCK         BLOCK OWNER   TYPE   ALLOCATED-TO\n"));
  CHECK(contains(b.output, fmt::format("{}   node-c           {}   node-a        pod    default/c-1\n",
                                       borrowed.address.to_string(), borrowed.block.to_string())));
  auto bj = parse_json(c.ipamctl({"show", "--show-borrowed", "--output=json"}).output);
  REQUIRE(bj["borrowed"].Size() == 1);
  CHECK(std::string(bj["borrowed"][0]["address"].GetString()) == borrowed.address.to_string());

  auto ip = c.ipamctl({"show", "--ip", web.address.to_string()});
  REQUIRE(ip.exit_code == 0);
  CHECK(contains(ip.output, fmt::format("IP {} is in use\nHandle ID: k8s-pod-network.web-1\n", web.address.to_string())));
  CHECK(contains(ip.output, "  pod: web-1\n"));
  auto free = c.ipamctl({"show", "--ip=10.0.0.250"});
  CHECK(free.exit_code == 0);
  CHECK(free.output == "10.0.0.250 is not assigned\n");
  auto ipj = parse_json(c.ipamctl({"show", "--ip", web.address.to_string(), "-o", "json"}).output);
  CHECK(ipj["assigned"].GetBool());
  CHECK(ipj["sequenceNumber"].GetUint64() == web.sequence_number);

  auto config = c.ipamctl({"show", "--show-configuration"});
  REQUIRE(config.exit_code == 0);
  CHECK(contains(config.output, "StrictAffinity                 false\n"));
  CHECK(contains(config.output, "(IPAMConfig default does not exist"));
  auto configj = parse_json(c.ipamctl({"show", "--show-configuration", "-o", "json"}).output);
  CHECK(!configj["exists"].GetBool());
  CHECK(configj["effectiveMaxBlocksPerHost"].GetInt() == 20);
}

TEST_CASE("ipamctl check finds the leak made on purpose; release --from-report frees exactly that address") {
  Cluster c;
  auto leak = c.leak_scenario();
  const auto before = c.allocated();
  REQUIRE(before.size() == 3);

  auto check = c.ipamctl({"check"});
  REQUIRE_MESSAGE(check.exit_code == 0, check.output);
  CHECK(contains(check.output, "Cluster: 2 nodes, 2 pods\n"));
  CHECK(contains(check.output, "Addresses allocated: 3 (0 borrowed)\n"));
  CHECK(contains(check.output, fmt::format("leaked-address (1):\n  {}: allocated to default/ghost (handle "
                                           "k8s-pod-network.ghost): pod is gone\n",
                                           leak.address.to_string())));
  CHECK(contains(check.output, "Check complete; found 1 problems.\n"));
  auto checkj = parse_json(c.ipamctl({"check", "-o", "json"}).output);
  CHECK(checkj["problemCount"].GetUint64() == 1);

  const auto report = c.dir.path() / "report.json";
  auto reported = c.ipamctl({"check", "--report", report.string()});
  REQUIRE_MESSAGE(reported.exit_code == 0, reported.output);
  CHECK(contains(reported.output, fmt::format("Report written to {} (cluster GUID ", report.string())));
  // The first report gave the cluster a GUID, kept in ClusterInformation "default".
  auto info = c.run(ipam::get_object<k8s::ClusterInformation>(*c.store, "default"));
  REQUIRE(info.ok());
  CHECK(info->spec.cluster_guid.size() == 32);
  auto doc = parse_json(read_file(report));
  CHECK(std::string(doc["clusterGUID"].GetString()) == info->spec.cluster_guid);
  REQUIRE(doc["leakedAddresses"].Size() == 1);
  CHECK(std::string(doc["leakedAddresses"][0]["address"].GetString()) == leak.address.to_string());
  CHECK(std::string(doc["leakedAddresses"][0]["handle"].GetString()) == "k8s-pod-network.ghost");
  CHECK(doc["leakedAddresses"][0]["sequenceNumber"].GetUint64() == leak.sequence_number);

  // Without a terminal and without --yes, nothing happens.
  auto unconfirmed = c.ipamctl({"release", "--from-report", report.string()});
  CHECK(unconfirmed.exit_code == 3);
  CHECK(contains(unconfirmed.output, "stdin is not a terminal (give --yes to proceed)"));
  CHECK(c.allocated() == before);

  auto release = c.ipamctl({"release", "--from-report", report.string(), "--yes"});
  REQUIRE_MESSAGE(release.exit_code == 0, release.output);
  CHECK(contains(release.output,
                 fmt::format("{}   k8s-pod-network.ghost   released\n", leak.address.to_string())));
  CHECK(contains(release.output, "Released 1 address; skipped 0; failed 0."));
  auto after = c.allocated();
  auto expected = before;
  expected.erase(leak.address);
  CHECK(after == expected);
  CHECK(contains(c.ipamctl({"check"}).output, "Check complete; found 0 problems.\n"));

  // The same report again: nothing left to free.
  auto again = c.ipamctl({"release", "--from-report", report.string(), "--yes", "-o", "json"});
  REQUIRE(again.exit_code == 0);
  auto againj = parse_json(again.output);
  CHECK(againj["released"].Size() == 0);
  CHECK(std::string(againj["skipped"][0]["reason"].GetString()) == "no longer allocated");
}

TEST_CASE("ipamctl release --from-report refuses a stale report and a report of another cluster") {
  Cluster c;
  auto leak = c.leak_scenario();
  const auto report = c.dir.path() / "report.json";
  REQUIRE(c.ipamctl({"check", "--report", report.string()}).exit_code == 0);
  const std::string original = read_file(report);
  auto doc = parse_json(original);
  const std::string guid = doc["clusterGUID"].GetString();
  const std::string time = doc["time"].GetString();

  // Written two hours ago.
  std::string stale = original;
  const auto old_time = timefmt::format_rfc3339(std::chrono::system_clock::now() - 2h);
  stale.replace(stale.find(time), time.size(), old_time);
  write_file(report, stale);
  auto refused = c.ipamctl({"release", "--from-report", report.string(), "--yes"});
  CHECK(refused.exit_code == 3);
  CHECK(contains(refused.output, fmt::format("ipamctl release: refusing the report {}: it is stale: written at {}",
                                             report.string(), old_time)));
  CHECK(contains(refused.output, "more than --max-report-age 1h (run ipamctl check --report again, or give --force)"));
  CHECK(c.allocated().count(leak.address));

  // Another cluster's GUID: refused, and --force does not change that.
  std::string foreign = original;
  foreign.replace(foreign.find(guid), guid.size(), "0123456789abcdef0123456789abcdef");
  write_file(report, foreign);
  auto other = c.ipamctl({"release", "--from-report", report.string(), "--yes", "--force"});
  CHECK(other.exit_code == 3);
  CHECK(contains(other.output, fmt::format("it is of another cluster (cluster GUID 0123456789abcdef0123456789abcdef; "
                                           "this cluster's is {}); this is never overridable",
                                           guid)));
  CHECK(c.allocated().count(leak.address));

  // The stale one is used with --force.
  write_file(report, stale);
  auto forced = c.ipamctl({"release", "--from-report", report.string(), "--yes", "--force"});
  CHECK(forced.exit_code == 0);
  CHECK(contains(forced.output, "warning: using the report"));
  CHECK(!c.allocated().count(leak.address));
}

TEST_CASE("ipamctl release --ip: refused without a terminal, released with --yes") {
  Cluster c;
  c.add_pool("pool-a", "10.0.0.0/24", 26);
  auto a = c.assign("node-a", "web-1");
  auto b = c.assign("node-a", "web-2");
  auto refused = c.ipamctl({"release", "--ip", a.address.to_string()});
  CHECK(refused.exit_code == 3);
  CHECK(c.allocated().size() == 2);
  auto done = c.ipamctl({"release", "--ip", a.address.to_string(), "--ip=10.0.0.250", "--yes", "-o", "json"});
  REQUIRE_MESSAGE(done.exit_code == 0, done.output);
  auto j = parse_json(done.output);
  REQUIRE(j["released"].Size() == 1);
  CHECK(std::string(j["released"][0]["address"].GetString()) == a.address.to_string());
  CHECK(std::string(j["skipped"][0]["reason"].GetString()) == "not assigned");
  auto left = c.allocated();
  CHECK(left.size() == 1);
  CHECK(left.count(b.address));
}

TEST_CASE("ipamctl split and configure write what they say") {
  Cluster c;
  c.add_pool("pool-a", "10.0.0.0/24", 26);
  auto a = c.assign("node-a", "web-1");
  auto split = c.ipamctl({"split", "4", "--name", "pool-a", "--yes"});
  REQUIRE_MESSAGE(split.exit_code == 0, split.output);
  CHECK(contains(split.output, "Split IPPool pool-a (10.0.0.0/24) into 4 pools; pool-a is deleted.\n"));
  auto pools = c.run(ipam::list_objects<k8s::IPPool>(*c.store));
  REQUIRE(pools.ok());
  std::vector<std::string> names;
  for (const auto& p : pools->items) names.push_back(p.metadata.name + " " + p.spec.cidr);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"split-pool-a-0 10.0.0.0/26", "split-pool-a-1 10.0.0.64/26",
                                          "split-pool-a-2 10.0.0.128/26", "split-pool-a-3 10.0.0.192/26"});
  CHECK(c.allocated().count(a.address));
  auto too_far = c.ipamctl({"split", "2", "--name", "split-pool-a-0", "--yes"});
  CHECK(too_far.exit_code == 2);
  CHECK(contains(too_far.output, "it holds a single block and cannot be split"));

  auto created = c.ipamctl({"configure", "--strictaffinity=true", "--max-blocks-per-host=3"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  CHECK(contains(created.output, "IPAMConfig default created\n"));
  auto updated = parse_json(c.ipamctl({"configure", "--ip-cooldown-seconds=30", "-o", "json"}).output);
  CHECK(std::string(updated["result"].GetString()) == "updated");
  auto stored = c.run(ipam::get_object<k8s::IPAMConfig>(*c.store, "default"));
  REQUIRE(stored.ok());
  CHECK(stored->spec.strict_affinity);
  CHECK(stored->spec.max_blocks_per_host == 3);
  CHECK(stored->spec.ip_cooldown_seconds == 30);
  CHECK(contains(c.ipamctl({"show", "--show-configuration"}).output, "MaxBlocksPerHost               3\n"));
}

TEST_CASE("ipamctl: bad arguments get a precise error and their exit status") {
  Cluster c;
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"show", "--show-blockz"}, 2, "ipamctl show: unknown flag --show-blockz; did you mean --show-blocks?\n"},
      {{"show", "--ip=10.0.0.256"}, 2,
       "ipamctl show: flag --ip: invalid IPv4 address \"10.0.0.256\": octet 4 (\"256\") is greater than 255\n"},
      {{"release", "--ip=not-an-ip", "--yes"}, 2, "ipamctl release: flag --ip: "},
      {{"split", "3", "--name=pool-a"}, 2, "ipamctl split: NUMBER 3 is not a power of two of at least 2\n"},
      {{"configure", "--ip-cooldown-seconds=5000"}, 2,
       "ipamctl configure: invalid IPAMConfig: spec.ipCooldownSeconds: 5000 is out of range (0 to 1200); nothing was "
       "changed\n"},
      {{"configure", "--kubevirt-ip-persistence=Sometimes"}, 2,
       "ipamctl configure: flag --kubevirt-ip-persistence: \"Sometimes\" is not one of Enabled|Disabled\n"},
      {{"configure", "--strictaffinity=perhaps"}, 2,
       "ipamctl configure: flag --strictaffinity: \"perhaps\" is not a boolean (use true or false)\n"},
      {{"frobnicate"}, 2, "ipamctl: unknown command \"frobnicate\" (one of show, check, release, split, configure)\n"},
      {{"split", "2", "--name=nope", "--yes"}, 1, "ipamctl split: no IPPool is named nope\n"},
  };
  for (const auto& k : cases) {
    std::string joined;
    for (const auto& a : k.args) joined += a + " ";
    CAPTURE(joined);
    auto r = c.ipamctl(k.args);
    CHECK(r.exit_code == k.exit_code);
    CHECK_MESSAGE(r.output.rfind(k.error, 0) == 0, r.output);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
  CHECK(c.run(ipam::list_objects<k8s::IPAMConfig>(*c.store))->items.empty());

  // A server that is not there: exit status 1, one line naming the failure.
  const auto dead = c.dir.path() / "dead-kubeconfig";
  testing::write_kubeconfig(dead, ip::Endpoint{ip::Address::v4(0x7f000001), 1});
  auto r = testing::run({SLUICE_IPAMCTL, "show", "--kubeconfig", dead.string()}, 60s);
  CHECK(r.exit_code == 1);
  CHECK(r.output.rfind("ipamctl show: reading IPAM's objects: ", 0) == 0);
}
