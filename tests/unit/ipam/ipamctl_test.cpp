// ipamctl's commands against the in-memory store: table and JSON output of show and
// check, the report written and read back, release from a report freeing exactly the
// leaks (and never an address reused since), every refusal, split, configure, and every
// argument error with its exit status.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "ipam/block/names.hpp"
#include "ipam/ipamctl/cli.hpp"
#include "ipam/ipamctl/ipamctl.hpp"
#include "ipam/ipamctl/report.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/calico_cluster.hpp"
#include "k8s-client/resources/core.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/ipam/ipam_test_support.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using sluice::testing::IpamFixture;

namespace {

ip::Address address(std::string_view text) { return *ip::Address::parse(text); }

struct Output {
  int status = -1;
  std::string out;
  std::string err;
};

// ipamctl over a fixture's store: a fixed clock, a scripted terminal, a fixed GUID.
struct Ctl {
  IpamFixture f;
  std::ostringstream out;
  std::ostringstream err;
  std::optional<bool> answer;  // std::nullopt: no terminal
  std::vector<std::string> questions;
  int guids = 0;
  ipamctl::Runtime runtime;
  testing::TempDir dir{"ipamctl"};

  Ctl() {
    runtime.connect = [this](const ipamctl::ConnectionFlags&) -> Result<ipam::ObjectStore*> { return &f.store; };
    runtime.out = &out;
    runtime.err = &err;
    runtime.confirm = [this](std::string_view q) {
      questions.emplace_back(q);
      return answer;
    };
    runtime.now = [this] { return f.now; };
    runtime.new_cluster_guid = [this] { return "guid-" + std::to_string(++guids); };
    runtime.version = "1.2.3";
  }

  Output run(std::vector<std::string> args) {
    out.str("");
    err.str("");
    const int status = f.run(ipamctl::run(std::move(args), runtime));
    return Output{status, out.str(), err.str()};
  }

  std::string path(const std::string& name) const { return (dir.path() / name).string(); }

  template <class T>
  void put(const T& object) {
    auto stored = f.store.put(T::resource, k8s::encode(object));
    REQUIRE_MESSAGE(stored.ok(), stored.error().describe());
  }

  void add_pod(const std::string& name, const std::string& node, std::vector<std::string> ips = {}) {
    k8s::Pod pod;
    pod.metadata.name = name;
    pod.metadata.namespace_ = "default";
    pod.spec.node_name = node;
    pod.status.phase = "Running";
    for (auto& ip : ips) pod.status.pod_ips.push_back(k8s::PodIP{ip, {}});
    put(pod);
  }

  void set_cluster_guid(const std::string& guid) {
    k8s::ClusterInformation info;
    info.metadata.name = "default";
    info.spec.cluster_guid = guid;
    put(info);
  }

  // Two nodes; h1 on node-a and h2 on node-b have pods; "gone" on node-a has none (a leak).
  ipam::AssignedAddress leak_scenario() {
    f.add_pool("pool-a", "10.0.0.0/24", 26);
    f.add_node("node-a");
    f.add_node("node-b");
    f.assign("node-a", "h1", 1);
    f.assign("node-b", "h2", 1);
    auto leaked = f.assign("node-a", "gone", 1).ipv4.front();
    add_pod("h1", "node-a");
    add_pod("h2", "node-b");
    return leaked;
  }
};

rapidjson::Document parse_json(const std::string& text) {
  auto doc = json::parse(text);
  REQUIRE_MESSAGE(doc.ok(), doc.error().message, "\n", text);
  return std::move(*doc);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

// ---- arguments ------------------------------------------------------------------

TEST_CASE("ipamctl arguments: each bad argument is named, with exit status 2, before the cluster is touched") {
  Ctl c;
  bool connected = false;
  c.runtime.connect = [&](const ipamctl::ConnectionFlags&) -> Result<ipam::ObjectStore*> {
    connected = true;
    return &c.f.store;
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "ipamctl: no command given (one of show, check, release, split, configure; see --help)"},
      {{"shwo"}, "ipamctl: unknown command \"shwo\" (one of show, check, release, split, configure)"},
      {{"--kubeconfig", "x", "show"}, "ipamctl: \"--kubeconfig\" before the command"},
      {{"show", "--show-blockz"}, "ipamctl show: unknown flag --show-blockz; did you mean --show-blocks?"},
      {{"show", "--ip=10.0.0.300"}, "ipamctl show: flag --ip: invalid IPv4 address \"10.0.0.300\""},
      {{"show", "--ip=10.0.0.1", "--show-blocks"}, "ipamctl show: flags --show-blocks and --ip cannot be combined"},
      {{"show", "-o", "yaml"}, "ipamctl show: flag --output: \"yaml\" is not one of table|json"},
      {{"show", "extra"}, "ipamctl show: unexpected argument \"extra\""},
      {{"check", "--show-all-ips", "--show-problem-ips"},
       "ipamctl check: flags --show-all-ips and --show-problem-ips cannot be combined"},
      {{"release"}, "ipamctl release: give either --ip ADDRESS (repeatable) or --from-report FILE"},
      {{"release", "--ip=10.0.0.1", "--from-report=r.json"},
       "ipamctl release: give either --ip ADDRESS (repeatable) or --from-report FILE"},
      {{"release", "--ip=10.0.0.1", "--ip=fe80::1::1"}, "ipamctl release: flag --ip: invalid IPv6 address"},
      {{"release", "--from-report=r.json", "--max-report-age=30"}, "ipamctl release: flag --max-report-age:"},
      {{"split", "3", "--name=p"}, "ipamctl split: NUMBER 3 is not a power of two of at least 2"},
      {{"split", "1", "--name=p"}, "ipamctl split: NUMBER 1 is not a power of two of at least 2"},
      {{"split", "two", "--name=p"}, "ipamctl split: NUMBER: \"two\" is not an integer"},
      {{"split", "2"}, "ipamctl split: give either --cidr CIDR or --name POOL"},
      {{"split", "2", "--cidr=10.0.0.1/24"}, "ipamctl split: flag --cidr: invalid prefix \"10.0.0.1/24\""},
      {{"split", "--name=p"}, "ipamctl split: give exactly one NUMBER (got 0)"},
      {{"configure"}, "ipamctl configure: nothing to configure"},
      {{"configure", "--strictaffinity=maybe"}, "ipamctl configure: flag --strictaffinity: \"maybe\" is not a boolean"},
      {{"configure", "--strictaffinity"}, "ipamctl configure: flag --strictaffinity needs a value (true|false)"},
      {{"configure", "--max-blocks-per-host=-1"}, "ipamctl configure: flag --max-blocks-per-host: -1 is out of range"},
      {{"configure", "--kubevirt-ip-persistence=On"},
       "ipamctl configure: flag --kubevirt-ip-persistence: \"On\" is not one of Enabled|Disabled"},
  };
  for (const auto& [args, message] : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CAPTURE(joined);
    auto r = c.run(args);
    CHECK(r.status == ipamctl::kExitUsage);
    CHECK_MESSAGE(contains(r.err, message), r.err);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    CHECK(r.out.empty());
  }
  CHECK(!connected);
}

TEST_CASE("ipamctl arguments: help and version exit 0 without connecting; -o json is --output json") {
  Ctl c;
  auto help = c.run({"--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "Usage: ipamctl COMMAND [flags]"));
  CHECK(contains(help.out, "Exit status: 0 done"));
  for (const char* command : {"show", "check", "release", "split", "configure"}) {
    auto r = c.run({command, "--help"});
    CHECK(r.status == 0);
    CHECK(contains(r.out, fmt::format("Usage: ipamctl {} [flags]", command)));
    CHECK(contains(r.out, "--kubeconfig"));
    CHECK(contains(r.out, "--output table|json"));
  }
  CHECK(contains(c.run({"help", "release"}).out, "--from-report"));
  CHECK(c.run({"--version"}).out == "ipamctl 1.2.3\n");

  for (const auto& form : {std::vector<std::string>{"show", "-o", "json"}, {"show", "-ojson"}, {"show", "-o=json"},
                           {"show", "--output=json"}}) {
    auto parsed = ipamctl::parse_command_line(form, "v");
    REQUIRE(parsed.ok());
    CHECK(parsed->common.output == ipamctl::OutputFormat::json);
  }
  auto release = ipamctl::parse_command_line(
      std::vector<std::string>{"release", "--ip=10.0.0.1", "--ip", "fd00::1", "--yes", "--kubeconfig=/k", "--context=c"},
      "v");
  REQUIRE(release.ok());
  const auto& r = std::get<ipamctl::ReleaseArgs>(release->command);
  CHECK(r.ips == std::vector<ip::Address>{address("10.0.0.1"), address("fd00::1")});
  CHECK(r.yes);
  CHECK(r.max_report_age == 1h);
  CHECK(release->common.connection.kubeconfig == "/k");
  CHECK(release->common.connection.context == "c");
}

TEST_CASE("ipamctl: a connection failure is one line and exit status 1") {
  Ctl c;
  c.runtime.connect = [](const ipamctl::ConnectionFlags& flags) -> Result<ipam::ObjectStore*> {
    return Error{"kubeconfig: cannot read " + flags.kubeconfig};
  };
  auto r = c.run({"show", "--kubeconfig=/nowhere"});
  CHECK(r.status == ipamctl::kExitFailed);
  CHECK(r.err == "ipamctl show: kubeconfig: cannot read /nowhere\n");
}

// ---- show -----------------------------------------------------------------------

TEST_CASE("ipamctl show: a row per pool with total, in use, reserved and free; blocks under their pool") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  c.f.add_pool("pool-b", "10.1.0.0/16", 26, [](k8s::IPPool& p) { p.spec.disabled = true; });
  c.f.reserve("r", {"10.0.0.0/30", "10.0.0.2/31"});  // overlapping reservations count once
  c.f.assign("node-a", "h1", 2);
  c.f.assign("node-b", "h2", 1);

  auto r = c.run({"show"});
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "GROUPING             CIDR          IPS TOTAL   IPS IN USE   IPS RESERVED       IPS FREE\n"
        "IP Pool              10.0.0.0/24         256       3 (1%)              4      249 (97%)\n"
        "IP Pool (disabled)   10.1.0.0/16       65536       0 (0%)              0   65536 (100%)\n");
}

TEST_CASE("ipamctl show --show-blocks: blocks under their pool with their affinity; blocks of deleted pools last") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  c.f.add_pool("gone", "10.9.0.0/24", 26);
  auto in_pool_a = c.f.request("node-a", "h1", 2);
  in_pool_a.ipv4_pools = {*ip::Prefix::parse("10.0.0.0/24")};
  REQUIRE(c.f.run(c.f.allocator.auto_assign(in_pool_a)).ok());
  auto in_gone = c.f.request("node-b", "h2", 1);
  in_gone.ipv4_pools = {*ip::Prefix::parse("10.9.0.0/24")};
  REQUIRE(c.f.run(c.f.allocator.auto_assign(in_gone)).ok());
  // Deleting the pool strands its block (node-b's hostname-seeded pick): shown under no pool.
  auto pool = c.f.run(ipam::get_object<k8s::IPPool>(c.f.store, "gone"));
  REQUIRE(pool.ok());
  REQUIRE(c.f.run(ipam::remove_object(c.f.store, *pool)).ok());

  auto r = c.run({"show", "--show-blocks"});
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "GROUPING          CIDR            AFFINITY      IPS TOTAL   IPS IN USE   IPS RESERVED    IPS FREE\n"
        "IP Pool           10.0.0.0/24     -                   256      2 (<1%)              0   254 (99%)\n"
        "Block             10.0.0.0/26     host:node-a          64       2 (3%)              0    62 (96%)\n"
        "Block (no pool)   10.9.0.192/26   host:node-b          64       1 (1%)              0    63 (98%)\n");

  auto j = c.run({"show", "--show-blocks", "-o", "json"});
  REQUIRE(j.status == 0);
  auto doc = parse_json(j.out);
  const auto& pools = doc["pools"];
  REQUIRE(pools.Size() == 1);
  CHECK(std::string(pools[0]["name"].GetString()) == "pool-a");
  CHECK(pools[0]["total"].GetUint64() == 256);
  CHECK(pools[0]["inUse"].GetUint64() == 2);
  CHECK(pools[0]["free"].GetUint64() == 254);
  CHECK(pools[0]["disabled"].GetBool() == false);
  REQUIRE(pools[0]["blocks"].Size() == 1);
  CHECK(std::string(pools[0]["blocks"][0]["affinity"].GetString()) == "host:node-a");
  REQUIRE(doc["blocksOutsidePools"].Size() == 1);
  CHECK(std::string(doc["blocksOutsidePools"][0]["cidr"].GetString()) == "10.9.0.192/26");
}

TEST_CASE("ipamctl show -o json: counts beyond 64 bits stay exact JSON numbers") {
  Ctl c;
  c.f.add_pool("v6", "fd00::/48", 122);
  auto r = c.run({"show", "-o", "json"});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "\"total\": 1208925819614629174706176"));  // 2^80
  CHECK(contains(r.out, "\"free\": 1208925819614629174706176"));
}

TEST_CASE("ipamctl show --show-borrowed: addresses taken from another node's block") {
  Ctl c;
  c.f.add_pool("small", "10.0.0.0/29", 30);  // two blocks of four
  auto a = c.f.assign("node-a", "h1", 2).ipv4;
  c.f.assign("node-b", "h2", 4);
  auto borrowed = c.f.assign("node-c", "h3", 1).ipv4.front();
  REQUIRE(borrowed.borrowed);

  auto r = c.run({"show", "--show-borrowed"});
  REQUIRE(r.status == 0);
  CHECK(r.out == fmt::format("IP         BORROWING-NODE   BLOCK         BLOCK OWNER   TYPE   ALLOCATED-TO\n"
                             "{}   node-c           {}   node-a        pod    default/h3\n",
                             borrowed.address.to_string(), a.front().block.to_string()));
  auto j = parse_json(c.run({"show", "--show-borrowed", "-o", "json"}).out);
  REQUIRE(j["borrowed"].Size() == 1);
  CHECK(std::string(j["borrowed"][0]["borrowingNode"].GetString()) == "node-c");
  CHECK(std::string(j["borrowed"][0]["blockOwner"].GetString()) == "node-a");
  CHECK(std::string(j["borrowed"][0]["allocatedTo"].GetString()) == "default/h3");
}

TEST_CASE("ipamctl show --ip: not assigned, or in use with its handle and attributes") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto got = c.f.assign("node-a", "h1", 1).ipv4.front();
  const std::string ip = got.address.to_string();

  auto r = c.run({"show", "--ip=" + ip});
  REQUIRE(r.status == 0);
  CHECK(r.out == fmt::format("IP {} is in use\n"
                             "Handle ID: h1\n"
                             "Block: {} (affinity host:node-a)\n"
                             "Sequence number: {}\n"
                             "Attributes:\n"
                             "  namespace: default\n"
                             "  node: node-a\n"
                             "  pod: h1\n",
                             ip, got.block.to_string(), got.sequence_number));
  for (const char* free_address : {"10.0.0.200", "192.168.0.1", "fd00::1"}) {
    auto n = c.run({"show", std::string("--ip=") + free_address});
    CHECK(n.status == 0);
    CHECK(n.out == std::string(free_address) + " is not assigned\n");
  }
  auto j = parse_json(c.run({"show", "--ip=" + ip, "-o", "json"}).out);
  CHECK(j["assigned"].GetBool());
  CHECK(std::string(j["handle"].GetString()) == "h1");
  CHECK(std::string(j["attributes"]["pod"].GetString()) == "h1");
  CHECK(j["sequenceNumber"].GetUint64() == got.sequence_number);
  auto k = parse_json(c.run({"show", "--ip=10.0.0.200", "-o", "json"}).out);
  CHECK(!k["assigned"].GetBool());
}

TEST_CASE("ipamctl show --show-configuration: Calico's defaults when absent, the object's values when present") {
  Ctl c;
  auto r = c.run({"show", "--show-configuration"});
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "PROPERTY                       VALUE\n"
        "StrictAffinity                 false\n"
        "AutoAllocateBlocks             true\n"
        "MaxBlocksPerHost               0 (the default cap: 20)\n"
        "IPCooldownSeconds              0\n"
        "KubeVirtVMAddressPersistence   Enabled (default)\n"
        "(IPAMConfig default does not exist: these are the defaults that apply)\n");
  k8s::IPAMConfigSpec spec;
  spec.strict_affinity = true;
  spec.max_blocks_per_host = 4;
  spec.ip_cooldown_seconds = 30;
  spec.kube_virt_vm_address_persistence = "Disabled";
  c.f.set_ipam_config(spec);
  auto j = parse_json(c.run({"show", "--show-configuration", "-o", "json"}).out);
  CHECK(j["exists"].GetBool());
  CHECK(j["strictAffinity"].GetBool());
  CHECK(j["maxBlocksPerHost"].GetInt() == 4);
  CHECK(j["effectiveMaxBlocksPerHost"].GetInt() == 4);
  CHECK(j["ipCooldownSeconds"].GetInt() == 30);
  CHECK(std::string(j["kubeVirtVMAddressPersistence"].GetString()) == "Disabled");
}

// ---- check ----------------------------------------------------------------------

TEST_CASE("ipamctl check: counts, allocations per node, every problem by kind, and the closing line") {
  Ctl c;
  auto leaked = c.leak_scenario();
  auto r = c.run({"check"});
  REQUIRE(r.status == 0);
  CHECK(r.out == fmt::format("IPAM objects: 2 blocks, 3 handles, 2 block affinities, 1 IP pool\n"
                             "Cluster: 2 nodes, 2 pods\n"
                             "Addresses allocated: 3 (0 borrowed)\n"
                             "\n"
                             "Allocations per node (top 2 of 2; median 1.5):\n"
                             "NODE     ADDRESSES\n"
                             "node-a           2\n"
                             "node-b           1\n"
                             "\n"
                             "leaked-address (1):\n"
                             "  {}: allocated to default/gone (handle gone): pod is gone\n"
                             "Check complete; found 1 problems.\n",
                             leaked.address.to_string()));

  auto j = parse_json(c.run({"check", "-o", "json"}).out);
  CHECK(j["problemCount"].GetUint64() == 1);
  CHECK(j["counts"]["allocatedAddresses"].GetUint64() == 3);
  CHECK(j["counts"]["nodes"].GetUint64() == 2);
  CHECK(j["medianAllocationsPerNode"].GetDouble() == 1.5);
  REQUIRE(j["problems"].Size() == 1);
  CHECK(std::string(j["problems"][0]["kind"].GetString()) == "leaked-address");
  CHECK(std::string(j["problems"][0]["address"].GetString()) == leaked.address.to_string());
  CHECK(std::string(j["problems"][0]["handle"].GetString()) == "gone");
  CHECK(j["problems"][0]["sequenceNumber"].GetUint64() == leaked.sequence_number);
  CHECK(!j.HasMember("report"));
}

TEST_CASE("ipamctl check: a clean cluster has no problems; --show-all-ips lists every address with its verdict") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  c.f.add_node("node-a");
  auto a = c.f.assign("node-a", "h1", 1).ipv4.front();
  c.add_pod("h1", "node-a", {a.address.to_string()});
  auto r = c.run({"check", "--show-all-ips"});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "Problems: none\n"));
  CHECK(contains(r.out, fmt::format("IP         BLOCK         HANDLE   ALLOCATED-TO   VERDICT\n"
                                    "{}   {}   h1       default/h1     valid\n",
                                    a.address.to_string(), a.block.to_string())));
  CHECK(contains(r.out, "Check complete; found 0 problems.\n"));
}

TEST_CASE("ipamctl check: the problems the audit finds in the datastore are reported, grouped by kind") {
  Ctl c;
  auto leaked = c.leak_scenario();
  k8s::IPAMHandle orphan;
  orphan.metadata.name = "orphan";
  orphan.spec.handle_id = "orphan";
  orphan.spec.block = {{"10.0.0.0/26", 1}};
  c.put(orphan);
  auto r = c.run({"check", "--show-problem-ips"});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "dangling-handle (1):\n  orphan: the handle holds no address\n"));
  CHECK(contains(r.out, "leaked-address (1):\n"));
  CHECK(contains(r.out, fmt::format("{}   {}   gone     default/gone   leaked-address\n", leaked.address.to_string(),
                                    leaked.block.to_string())));
  CHECK(contains(r.out, "Check complete; found 2 problems.\n"));
  // The same order as the kinds are declared: datastore problems before leaks.
  CHECK(r.out.find("dangling-handle") < r.out.find("leaked-address (1)"));
}

TEST_CASE("ipamctl check --report: the GUID is created once; the report lists leaks with their guards") {
  Ctl c;
  auto leaked = c.leak_scenario();
  k8s::IPAMHandle orphan;
  orphan.metadata.name = "orphan";
  orphan.spec.handle_id = "orphan";
  c.put(orphan);
  const std::string file = c.path("report.json");
  auto r = c.run({"check", "--report", file});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(contains(r.out, fmt::format("Report written to {} (cluster GUID guid-1; 1 leaked address to release).\n"
                                    "Check complete; found 2 problems.\n",
                                    file)));
  auto info = c.f.run(ipam::get_object<k8s::ClusterInformation>(c.f.store, "default"));
  REQUIRE(info.ok());
  CHECK(info->spec.cluster_guid == "guid-1");

  auto report = ipamctl::decode_report(read_file(file));
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  CHECK(report->cluster_guid == "guid-1");
  CHECK(report->cluster_information_revision == info->metadata.resource_version);
  CHECK(report->tool_version == "1.2.3");
  CHECK(report->time == c.f.now);
  REQUIRE(report->leaked_addresses.size() == 1);
  const auto& l = report->leaked_addresses.front();
  CHECK(l.address == leaked.address);
  CHECK(l.handle_id == "gone");
  CHECK(l.sequence_number == leaked.sequence_number);
  CHECK(l.block == leaked.block.to_string());
  REQUIRE(report->empty_handles.size() == 1);
  CHECK(report->empty_handles.front().handle_id == "orphan");
  REQUIRE(report->other_problems.size() == 1);
  CHECK(report->other_problems.front().kind == "dangling-handle");

  // A second report reuses the GUID; -o json says where the report went.
  auto j = parse_json(c.run({"check", "--report", file, "-o", "json"}).out);
  CHECK(std::string(j["report"]["clusterGUID"].GetString()) == "guid-1");
  CHECK(j["report"]["leakedAddresses"].GetUint64() == 1);
  CHECK(c.guids == 1);
}

TEST_CASE("ipamctl check --report: an unwritable report is an error naming the file, exit status 1") {
  Ctl c;
  c.leak_scenario();
  const std::string file = c.path("no-such-dir/report.json");
  auto r = c.run({"check", "--report", file});
  CHECK(r.status == ipamctl::kExitFailed);
  CHECK(r.err == fmt::format("ipamctl check: cannot write the report {0}: cannot create {0}.tmp\n", file));
}

// ---- the report format ----------------------------------------------------------

TEST_CASE("ipamctl report: encode and decode round-trip; decoding names the field that is wrong") {
  ipamctl::Report report;
  report.cluster_guid = "abc";
  report.cluster_information_revision = "17";
  report.tool_version = "1.2.3";
  report.time = std::chrono::sys_days{std::chrono::year{2026} / 12 / 6} + 4h;
  report.leaked_addresses = {{address("10.0.0.5"), "k8s-pod-network.x", 18'446'744'073'709'551'615ull, "10.0.0.0/26",
                              "allocated to default/p (handle x): pod is gone"}};
  report.empty_handles = {{"h", "uid-1", "42"}};
  report.other_problems = {{"dangling-handle", "h", "the handle holds no address"}};
  const std::string text = ipamctl::encode_report(report);
  auto decoded = ipamctl::decode_report(text);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
  CHECK(*decoded == report);
  CHECK(contains(text, "\"time\": \"2026-12-06T04:00:00Z\""));

  auto broken = [&](std::string from, std::string to) {
    std::string t = text;
    const auto at = t.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    t.replace(at, from.size(), to);
    auto d = ipamctl::decode_report(t);
    REQUIRE(!d.ok());
    return d.error().message;
  };
  CHECK(broken("\"kind\": \"IPAMCheckReport\"", "\"kind\": \"Other\"") == "kind: \"Other\" is not IPAMCheckReport");
  CHECK(broken("\"format\": 1", "\"format\": 2") == "format: 2 is not a report format this ipamctl reads (1)");
  CHECK(broken("\"clusterGUID\": \"abc\"", "\"clusterGUID\": 5") == "clusterGUID: expected a string, got a number");
  CHECK(broken("18446744073709551615", "-1") ==
        "leakedAddresses[0].sequenceNumber: expected an unsigned 64-bit integer, got a number");
  CHECK(contains(broken("\"10.0.0.5\"", "\"10.0.0\""), "leakedAddresses[0].address: invalid IPv4 address"));
  CHECK(broken("\"handle\": \"k8s-pod-network.x\"", "\"handle\": \"\"") ==
        "leakedAddresses[0].handle: empty (a release must be guarded by its handle)");
  CHECK(broken("\"uid\": \"uid-1\"", "\"uid\": \"\"") == "emptyHandles[0].uid: empty");
  CHECK(contains(broken("\"time\": \"2026-12-06T04:00:00Z\"", "\"time\": \"yesterday\""), "time: "));
  CHECK(contains(ipamctl::decode_report("{").error().message, "invalid JSON at offset 1"));
}

// ---- release --------------------------------------------------------------------

TEST_CASE("ipamctl release --from-report: frees exactly the leak, deletes its handle and the empty ones") {
  Ctl c;
  auto leaked = c.leak_scenario();
  k8s::IPAMHandle orphan;
  orphan.metadata.name = "orphan";
  orphan.spec.handle_id = "orphan";
  c.put(orphan);
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);
  const auto before = c.f.allocated();
  REQUIRE(before.size() == 3);

  c.f.now += 10min;
  auto r = c.run({"release", "--from-report", file, "--yes"});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out == fmt::format("ADDRESS    HANDLE   OUTCOME\n"
                             "{}   gone     released\n"
                             "\n"
                             "HANDLE   OUTCOME\n"
                             "orphan   deleted (it held no address)\n"
                             "Released 1 address; skipped 0; failed 0. Deleted 1 handle.\n",
                             leaked.address.to_string()));
  auto after = c.f.allocated();
  CHECK(after.size() == 2);
  CHECK(!after.count(leaked.address));
  for (const auto& [a, handle] : after) CHECK(before.at(a) == handle);
  CHECK(c.f.problems().empty());
  auto again = c.run({"check"});
  CHECK(contains(again.out, "Check complete; found 0 problems.\n"));
}

TEST_CASE("ipamctl release --from-report: a report from another cluster is refused, even with --force") {
  Ctl c;
  c.leak_scenario();
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);
  std::string text = read_file(file);
  text.replace(text.find("guid-1"), 6, "guid-9");
  write_file(file, text);
  for (bool force : {false, true}) {
    std::vector<std::string> args{"release", "--from-report", file, "--yes"};
    if (force) args.emplace_back("--force");
    auto r = c.run(args);
    CHECK(r.status == ipamctl::kExitRefused);
    CHECK(r.err == fmt::format("ipamctl release: refusing the report {}: it is of another cluster (cluster GUID "
                               "guid-9; this cluster's is guid-1); this is never overridable\n",
                               file));
  }
  CHECK(c.f.allocated().size() == 3);
}

TEST_CASE("ipamctl release --from-report: a cluster without a GUID cannot be the report's cluster") {
  Ctl c;
  c.leak_scenario();
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);
  Ctl other;
  other.leak_scenario();
  auto r = other.run({"release", "--from-report", file, "--yes", "--force"});
  CHECK(r.status == ipamctl::kExitRefused);
  CHECK(contains(r.err, "this cluster has no ClusterInformation default with a GUID"));
  CHECK(other.f.allocated().size() == 3);
}

TEST_CASE("ipamctl release --from-report: a stale report, or one of another version, is refused unless --force") {
  Ctl c;
  auto leaked = c.leak_scenario();
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);

  c.f.now += 2h;
  auto stale = c.run({"release", "--from-report", file, "--yes"});
  CHECK(stale.status == ipamctl::kExitRefused);
  CHECK(stale.err == fmt::format("ipamctl release: refusing the report {}: it is stale: written at "
                                 "2026-12-06T00:00:00Z, 2h ago, more than --max-report-age 1h (run ipamctl check "
                                 "--report again, or give --force)\n",
                                 file));
  CHECK(c.run({"release", "--from-report", file, "--yes", "--max-report-age=3h", "-o", "json"}).status == 0);
  c.f.now -= 2h;

  c.f.assign("node-a", "gone", 1);  // leak again, and report it
  REQUIRE(c.run({"check", "--report", file}).status == 0);
  c.runtime.version = "1.3.0";
  auto version = c.run({"release", "--from-report", file, "--yes"});
  CHECK(version.status == ipamctl::kExitRefused);
  CHECK(contains(version.err, "it was written by ipamctl 1.2.3, this is ipamctl 1.3.0 (run ipamctl check --report "
                              "again, or give --force)"));
  c.f.now += 2h;
  auto both = c.run({"release", "--from-report", file, "--yes"});
  CHECK(contains(both.err, "it was written by ipamctl 1.2.3, this is ipamctl 1.3.0; it is stale"));

  c.f.now -= 4h;  // a report from the future (another machine's clock) is refused as well
  auto future = c.run({"release", "--from-report", file, "--yes"});
  CHECK(contains(future.err, "it claims to be written at 2026-12-06T00:00:00Z, 2h in the future"));
  c.f.now += 2h;

  CHECK(c.f.allocated().size() == 3);
  auto forced = c.run({"release", "--from-report", file, "--yes", "--force"});
  CHECK(forced.status == 0);
  CHECK(contains(forced.err, "warning: using the report"));
  CHECK(contains(forced.out, "released"));
  CHECK(c.f.allocated().size() == 2);
  (void)leaked;
}

TEST_CASE("ipamctl release --from-report: an address reused since the report is never freed") {
  Ctl c;
  auto leaked = c.leak_scenario();
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);

  // Someone frees the leak, and the address goes to a new pod (the only free one left).
  REQUIRE(c.run({"release", "--ip", leaked.address.to_string(), "--yes"}).status == 0);
  ipam::AssignIPRequest request{leaked.address, "new-pod", {{"node", "node-a"}, {"pod", "new-pod"}, {"namespace", "default"}},
                                "node-a"};
  auto reused = c.f.run(c.f.allocator.assign_ip(request));
  REQUIRE_MESSAGE(reused.ok(), reused.error().message);

  auto r = c.run({"release", "--from-report", file, "--yes"});
  CHECK(r.status == 0);
  CHECK(contains(r.out, fmt::format("{}   gone     skipped: now held by handle new-pod\n", leaked.address.to_string())));
  CHECK(c.f.allocated().at(leaked.address) == "new-pod");
}

TEST_CASE("ipamctl release --from-report: a pod that exists again is no leak; a handle changed since is kept") {
  Ctl c;
  auto leaked = c.leak_scenario();
  k8s::IPAMHandle orphan;
  orphan.metadata.name = "orphan";
  orphan.spec.handle_id = "orphan";
  c.put(orphan);
  const std::string file = c.path("report.json");
  REQUIRE(c.run({"check", "--report", file}).status == 0);
  c.add_pod("gone", "node-a");
  auto handle = c.f.run(ipam::get_object<k8s::IPAMHandle>(c.f.store, "orphan"));
  REQUIRE(handle.ok());
  handle->metadata.labels["touched"] = "yes";
  REQUIRE(c.f.run(ipam::update_object(c.f.store, *handle)).ok());

  auto r = c.run({"release", "--from-report", file, "--yes", "-o", "json"});
  CHECK(r.status == 0);
  auto j = parse_json(r.out);
  CHECK(j["released"].Size() == 0);
  REQUIRE(j["skipped"].Size() == 1);
  CHECK(std::string(j["skipped"][0]["reason"].GetString()) == "no longer a leak: default/gone exists again");
  REQUIRE(j["skippedHandles"].Size() == 1);
  CHECK(std::string(j["skippedHandles"][0]["reason"].GetString()) == "changed since the report");
  CHECK(c.f.allocated().count(leaked.address));
}

TEST_CASE("ipamctl release --ip: asks first; no terminal without --yes is a refusal; what was confirmed is freed") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto a = c.f.assign("node-a", "h1", 1).ipv4.front();
  const std::string ip = a.address.to_string();

  auto no_terminal = c.run({"release", "--ip", ip});
  CHECK(no_terminal.status == ipamctl::kExitRefused);
  CHECK(no_terminal.err ==
        "ipamctl release: refusing to change anything without confirmation: stdin is not a terminal (give --yes to "
        "proceed)\n");
  c.answer = false;
  auto declined = c.run({"release", "--ip", ip});
  CHECK(declined.status == ipamctl::kExitRefused);
  CHECK(declined.err == "ipamctl release: not confirmed; nothing was changed\n");
  CHECK(c.f.allocated().count(a.address));
  REQUIRE(c.questions.size() == 2);
  CHECK(c.questions.back() == fmt::format("Release 1 address?\n  {} (default/h1, handle h1)", ip));

  c.answer = true;
  auto done = c.run({"release", "--ip", ip, "--ip", "10.0.0.250"});
  CHECK(done.status == 0);
  CHECK(done.out == fmt::format("ADDRESS      HANDLE   OUTCOME\n"
                                "10.0.0.250   -        skipped: not assigned\n"
                                "{}     h1       released\n"
                                "Released 1 address; skipped 1; failed 0. Deleted 0 handles.\n",
                                ip));
  CHECK(c.f.allocated().empty());
  CHECK(c.f.problems().empty());  // the handle went with its last address
}

// ---- split ----------------------------------------------------------------------

TEST_CASE("ipamctl split: equal pools with the old settings, the old pool deleted, allocations kept") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26, [](k8s::IPPool& p) {
    p.spec.nat_outgoing = true;
    p.spec.ipip_mode = "CrossSubnet";
    p.metadata.labels["team"] = "net";
  });
  c.f.assign("node-a", "h1", 2);
  const auto before = c.f.allocated();

  c.answer = true;
  auto r = c.run({"split", "2", "--name", "pool-a"});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out ==
        "Split IPPool pool-a (10.0.0.0/24) into 2 pools; pool-a is deleted.\n"
        "NAME             CIDR            BLOCK SIZE   DISABLED\n"
        "split-pool-a-0   10.0.0.0/25     26           false\n"
        "split-pool-a-1   10.0.0.128/25   26           false\n");
  CHECK(contains(c.questions.back(), "Split IPPool pool-a (10.0.0.0/24) into 2 pools?"));
  auto pools = c.f.run(ipam::list_objects<k8s::IPPool>(c.f.store));
  REQUIRE(pools.ok());
  REQUIRE(pools->items.size() == 2);
  for (const auto& p : pools->items) {
    CHECK(p.spec.nat_outgoing);
    CHECK(p.spec.ipip_mode == "CrossSubnet");
    CHECK(p.spec.block_size == 26);
    CHECK(!p.spec.disabled);
    CHECK(p.metadata.labels.at("team") == "net");
  }
  CHECK(c.f.allocated() == before);
  CHECK(c.f.problems().empty());
  c.f.assign("node-b", "h2", 1);  // the new pools allocate

  auto j = parse_json(c.run({"split", "2", "--cidr", "10.0.0.0/25", "--yes", "-o", "json"}).out);
  REQUIRE(j["created"].Size() == 2);
  CHECK(std::string(j["created"][1]["name"].GetString()) == "split-split-pool-a-0-1");
  CHECK(std::string(j["created"][1]["cidr"].GetString()) == "10.0.0.64/26");
}

TEST_CASE("ipamctl split: refusals — too many pools for the block size, no such pool, no confirmation") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  auto too_many = c.run({"split", "8", "--name", "pool-a", "--yes"});
  CHECK(too_many.status == ipamctl::kExitUsage);
  CHECK(too_many.err ==
        "ipamctl split: cannot split IPPool pool-a (10.0.0.0/24) into 8: each pool would be a /27, smaller than one of "
        "its /26 blocks (at most 4 pools)\n");
  auto missing = c.run({"split", "2", "--name", "nope", "--yes"});
  CHECK(missing.status == ipamctl::kExitFailed);
  CHECK(missing.err == "ipamctl split: no IPPool is named nope\n");
  auto missing_cidr = c.run({"split", "2", "--cidr", "10.1.0.0/24", "--yes"});
  CHECK(missing_cidr.err == "ipamctl split: no IPPool has CIDR 10.1.0.0/24\n");
  auto unconfirmed = c.run({"split", "2", "--name", "pool-a"});
  CHECK(unconfirmed.status == ipamctl::kExitRefused);
  auto pools = c.f.run(ipam::list_objects<k8s::IPPool>(c.f.store));
  REQUIRE(pools->items.size() == 1);
  CHECK(!pools->items.front().spec.disabled);
}

TEST_CASE("ipamctl split: a failed create is undone: the new pools go, the old one is enabled again") {
  Ctl c;
  c.f.add_pool("pool-a", "10.0.0.0/24", 26);
  int creates = 0;  // the second pool's create fails
  c.f.store.set_fault_hook([&](const ipam::StoreOperation& op) -> std::optional<ipam::InjectedFault> {
    if (op.verb == ipam::StoreVerb::create && op.plural == "ippools" && ++creates == 2)
      return ipam::InjectedFault{false, k8s::ApiError{k8s::ApiErrorKind::forbidden, 403, "Forbidden", "no", {}}};
    return std::nullopt;
  });
  auto r = c.run({"split", "2", "--name", "pool-a", "--yes"});
  CHECK(r.status == ipamctl::kExitFailed);
  CHECK(contains(r.err, "ipamctl split: creating IPPool split-pool-a-1: 403 Forbidden"));
  CHECK(contains(r.err, "undone, nothing was changed"));
  auto pools = c.f.run(ipam::list_objects<k8s::IPPool>(c.f.store));
  REQUIRE(pools->items.size() == 1);
  CHECK(pools->items.front().metadata.name == "pool-a");
  CHECK(!pools->items.front().spec.disabled);
}

// ---- configure ------------------------------------------------------------------

TEST_CASE("ipamctl configure: creates the IPAMConfig, then updates it; unchanged writes nothing") {
  Ctl c;
  auto created = c.run({"configure", "--strictaffinity=true", "--max-blocks-per-host=4"});
  REQUIRE_MESSAGE(created.status == 0, created.err);
  CHECK(created.out ==
        "IPAMConfig default created\n"
        "PROPERTY                       VALUE\n"
        "StrictAffinity                 true\n"
        "AutoAllocateBlocks             true\n"
        "MaxBlocksPerHost               4\n"
        "IPCooldownSeconds              0\n"
        "KubeVirtVMAddressPersistence   Enabled (default)\n");
  auto updated = parse_json(c.run({"configure", "--ip-cooldown-seconds=60", "--kubevirt-ip-persistence=Disabled",
                                   "-o", "json"})
                                .out);
  CHECK(std::string(updated["result"].GetString()) == "updated");
  CHECK(updated["ipCooldownSeconds"].GetInt() == 60);
  CHECK(updated["maxBlocksPerHost"].GetInt() == 4);
  auto stored = c.f.run(ipam::get_object<k8s::IPAMConfig>(c.f.store, "default"));
  REQUIRE(stored.ok());
  CHECK(stored->spec.strict_affinity);
  CHECK(stored->spec.ip_cooldown_seconds == 60);
  CHECK(stored->spec.kube_virt_vm_address_persistence == "Disabled");
  const auto version = stored->metadata.resource_version;
  CHECK(contains(c.run({"configure", "--ip-cooldown-seconds=60"}).out, "IPAMConfig default unchanged\n"));
  CHECK(c.f.run(ipam::get_object<k8s::IPAMConfig>(c.f.store, "default"))->metadata.resource_version == version);
}

TEST_CASE("ipamctl configure: what validation refuses is named by its field, exit status 2, nothing written") {
  Ctl c;
  auto cap = c.run({"configure", "--max-blocks-per-host=4"});
  CHECK(cap.status == ipamctl::kExitUsage);
  CHECK(contains(cap.err, "ipamctl configure: invalid IPAMConfig: spec.maxBlocksPerHost"));
  CHECK(contains(cap.err, "; nothing was changed\n"));
  auto cooldown = c.run({"configure", "--ip-cooldown-seconds=1201"});
  CHECK(cooldown.status == ipamctl::kExitUsage);
  CHECK(contains(cooldown.err, "spec.ipCooldownSeconds: 1201 is out of range (0 to 1200)"));
  CHECK(c.f.store.size(k8s::IPAMConfig::resource) == 0);

  REQUIRE(c.run({"configure", "--strictaffinity=true", "--max-blocks-per-host=4"}).status == 0);
  auto unstrict = c.run({"configure", "--strictaffinity=false"});  // the stored cap needs strictAffinity
  CHECK(unstrict.status == ipamctl::kExitUsage);
  CHECK(contains(unstrict.err, "spec.maxBlocksPerHost"));
}

TEST_CASE("ipamctl configure: a compare-and-swap lost to another writer is retried on their version") {
  Ctl c;
  REQUIRE(c.run({"configure", "--strictaffinity=true"}).status == 0);
  bool raced = false;
  c.f.store.set_fault_hook([&](const ipam::StoreOperation& op) -> std::optional<ipam::InjectedFault> {
    if (op.verb != ipam::StoreVerb::update || raced) return std::nullopt;
    raced = true;
    return ipam::InjectedFault{false, k8s::ApiError{k8s::ApiErrorKind::conflict, 409, "Conflict", "stale", {}}};
  });
  auto r = c.run({"configure", "--max-blocks-per-host=7"});
  CHECK(r.status == 0);
  CHECK(raced);
  CHECK(c.f.run(ipam::get_object<k8s::IPAMConfig>(c.f.store, "default"))->spec.max_blocks_per_host == 7);
}

TEST_CASE("ipamctl check --report: a ClusterInformation without a GUID gets one by compare-and-swap") {
  Ctl c;
  c.leak_scenario();
  k8s::ClusterInformation info;
  info.metadata.name = "default";
  info.spec.calico_version = "v3.30.0";
  c.put(info);
  REQUIRE(c.run({"check", "--report", c.path("r.json")}).status == 0);
  auto stored = c.f.run(ipam::get_object<k8s::ClusterInformation>(c.f.store, "default"));
  REQUIRE(stored.ok());
  CHECK(stored->spec.cluster_guid == "guid-1");
  CHECK(stored->spec.calico_version == "v3.30.0");  // the rest is kept
}

TEST_CASE("ipamctl release --from-report: a missing or malformed report is an error naming it, exit status 1") {
  Ctl c;
  c.leak_scenario();
  auto missing = c.run({"release", "--from-report", c.path("nope.json"), "--yes"});
  CHECK(missing.status == ipamctl::kExitFailed);
  CHECK(missing.err == fmt::format("ipamctl release: cannot read the report {}\n", c.path("nope.json")));
  const std::string file = c.path("bad.json");
  write_file(file, R"({"kind":"IPAMCheckReport","format":1,"clusterGUID":"g","toolVersion":"1.2.3",)"
                   R"("time":"2026-12-06T00:00:00Z","leakedAddresses":[{"address":"10.0.0.1"}],"emptyHandles":[]})");
  auto bad = c.run({"release", "--from-report", file, "--yes"});
  CHECK(bad.status == ipamctl::kExitFailed);
  CHECK(bad.err == fmt::format("ipamctl release: the report {} is not valid: leakedAddresses[0].handle: missing\n", file));
  CHECK(c.f.allocated().size() == 3);
}
