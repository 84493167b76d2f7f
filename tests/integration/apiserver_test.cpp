// The API test server against a real etcd, driven over HTTP the way clients drive
// kube-apiserver: status codes and bodies, compare-and-swap races, pagination, watch
// resumption across server and etcd restarts, compaction, auth and bad input.
#include <doctest/doctest.h>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <set>
#include <thread>

#include "base/asio/run_blocking.hpp"
#include "base/http/client.hpp"
#include "base/json/json.hpp"
#include "base/text/line_splitter.hpp"
#include "k8s-client/test-apiserver/server.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/etcd.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr std::string_view kBlocks = "/apis/crd.projectcalico.org/v1/ipamblocks";

struct Caller {
  asio::io_context io;
  http::Client client;
  std::string token;
  explicit Caller(const ip::Endpoint& server) : client(io.get_executor(), server) {}
  http::ClientResponse call(std::string method, std::string target, std::string body = {},
                            std::string type = "application/json") {
    http::ClientRequest request{std::move(method), std::move(target), std::move(body), std::move(type), {}};
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    auto r = run_blocking(io, client.request(std::move(request), 10s));
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    return *r;
  }
};

rapidjson::Document parse(const std::string& body) {
  auto d = json::parse(body);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  return std::move(*d);
}
std::string rv_of(const rapidjson::Document& d) { return d["metadata"]["resourceVersion"].GetString(); }
std::string block(std::string_view name, std::string_view extra = "") {
  return fmt::format(R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"{}"{}}},"spec":{{"cidr":"10.0.0.0/26"}}}})",
                     name, extra);
}

// Collects watch events from a stream until `stop_after` events or the server ends it.
struct Watcher {
  std::vector<std::pair<std::string, std::string>> events;  // type, resourceVersion
  std::vector<std::string> names;
};
Watcher watch(const ip::Endpoint& server, std::string query, std::size_t stop_after, std::chrono::milliseconds idle = 10s) {
  asio::io_context io;
  http::Client client(io.get_executor(), server);
  Watcher w;
  text::LineSplitter lines;
  std::function<asio::awaitable<Status>(std::string_view)> on_data = [&](std::string_view bytes) -> asio::awaitable<Status> {
    auto s = lines.feed(bytes, [&](std::string_view line) -> Status {
      auto d = json::parse(line);
      if (!d) return d.error();
      std::string type = (*d)["type"].GetString();
      const auto& object = (*d)["object"];
      std::string rv = type == "ERROR" ? std::to_string(object["code"].GetInt()) : object["metadata"]["resourceVersion"].GetString();
      w.events.emplace_back(type, rv);
      if (type != "BOOKMARK" && type != "ERROR") w.names.push_back(object["metadata"]["name"].GetString());
      if (w.events.size() >= stop_after) return Error{"enough"};
      return {};
    });
    co_return s;
  };
  http::ClientRequest request{"GET", fmt::format("{}?watch=1&{}", kBlocks, query), "", "", {}};
  auto r = run_blocking(io, client.stream(std::move(request), std::move(on_data), idle));
  if (!r) CHECK_MESSAGE(r.error().message == "enough", r.error().message);
  return w;
}

}  // namespace

TEST_CASE("objects: the real server's status codes and bodies") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Caller c(server.endpoint());

  auto created = c.call("POST", std::string(kBlocks), block("b1", R"(,"labels":{"a":"x"})"));
  CHECK(created.status == 201);
  auto doc = parse(created.body);
  std::string rv = rv_of(doc);
  CHECK(std::string(doc["metadata"]["uid"].GetString()).size() == 36);

  auto dup = c.call("POST", std::string(kBlocks), block("b1"));
  CHECK(dup.status == 409);
  CHECK(dup.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ipamblocks.crd.projectcalico.org \"b1\" already exists","reason":"AlreadyExists","details":{"name":"b1","group":"crd.projectcalico.org","kind":"ipamblocks"},"code":409})");

  // Unknown fields survive an update (nothing another writer stored is dropped).
  std::string with_unknown = fmt::format(
      R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"b1","resourceVersion":"{}"}},"spec":{{"cidr":"10.0.0.0/26","futureField":{{"n":[1,2]}}}}}})", rv);
  auto updated = c.call("PUT", std::string(kBlocks) + "/b1", with_unknown);
  CHECK(updated.status == 200);
  std::string rv2 = rv_of(parse(updated.body));
  CHECK(rv2 != rv);
  auto got = parse(c.call("GET", std::string(kBlocks) + "/b1").body);
  CHECK(json::serialize(got["spec"]["futureField"]) == R"({"n":[1,2]})");
  CHECK(std::string(got["metadata"]["uid"].GetString()) == doc["metadata"]["uid"].GetString());  // the server keeps uid

  auto stale = c.call("PUT", std::string(kBlocks) + "/b1", with_unknown);  // rv is stale now
  CHECK(stale.status == 409);
  CHECK(parse(stale.body)["reason"] == "Conflict");
  auto unconditional = c.call("PUT", std::string(kBlocks) + "/b1", block("b1"));
  CHECK(unconditional.status == 422);
  CHECK(parse(unconditional.body)["message"] ==
        "IPAMBlock.crd.projectcalico.org \"b1\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");

  auto patched = c.call("PATCH", std::string(kBlocks) + "/b1", R"({"metadata":{"labels":{"a":null,"b":"y"}}})",
                        "application/merge-patch+json");
  CHECK(patched.status == 200);
  CHECK(parse(patched.body)["metadata"]["labels"].MemberCount() == 1);

  auto precondition = c.call("DELETE", std::string(kBlocks) + "/b1", R"({"preconditions":{"resourceVersion":"1"}})");
  CHECK(precondition.status == 409);
  CHECK(std::string(parse(precondition.body)["message"].GetString()).find("the ResourceVersion in the precondition (1) does not match") !=
        std::string::npos);
  CHECK(c.call("DELETE", std::string(kBlocks) + "/b1").status == 200);
  auto missing = c.call("GET", std::string(kBlocks) + "/b1");
  CHECK(missing.status == 404);
  CHECK(parse(missing.body)["reason"] == "NotFound");

  // Bad input gets precise errors, never a crash.
  auto bad_json = c.call("POST", std::string(kBlocks), "{\"metadata\":");
  CHECK(bad_json.status == 400);
  CHECK(std::string(parse(bad_json.body)["message"].GetString()).rfind("the request body is not valid JSON: invalid JSON at offset 12", 0) == 0);
  auto wrong_kind = c.call("POST", std::string(kBlocks), R"({"kind":"IPPool","metadata":{"name":"x"}})");
  CHECK(parse(wrong_kind.body)["message"] == "the kind in the data (IPPool) does not match the expected kind (IPAMBlock)");
  auto bad_name = c.call("POST", std::string(kBlocks), block("Bad_Name"));
  CHECK(bad_name.status == 422);
  auto bad_selector = c.call("GET", std::string(kBlocks) + "?labelSelector=a%20in%20(");
  CHECK(bad_selector.status == 400);
  CHECK(c.call("GET", "/apis/crd.projectcalico.org/v1/nonsense").status == 404);
  CHECK(c.call("GET", "/readyz").body == "ok");
  auto calico = parse(c.call("GET", "/apis/crd.projectcalico.org/v1").body);
  CHECK(calico["resources"].Size() == 9);
  bool cluster_information = false;
  for (const auto& r : calico["resources"].GetArray()) {
    if (r["name"] != "clusterinformations") continue;
    cluster_information = r["kind"] == "ClusterInformation" && r["namespaced"].IsFalse();
  }
  CHECK(cluster_information);
}

TEST_CASE("compare-and-swap races have exactly one winner per round") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Caller setup(server.endpoint());
  REQUIRE(setup.call("POST", std::string(kBlocks), block("contended")).status == 201);

  constexpr int kWriters = 8, kRounds = 15;
  for (int round = 0; round < kRounds; ++round) {
    std::string rv = rv_of(parse(setup.call("GET", std::string(kBlocks) + "/contended").body));
    asio::io_context io;
    std::vector<std::unique_ptr<http::Client>> clients;
    int winners = 0, conflicts = 0, other = 0;
    for (int w = 0; w < kWriters; ++w) {
      clients.push_back(std::make_unique<http::Client>(io.get_executor(), server.endpoint()));
      asio::co_spawn(io, [&, w]() -> asio::awaitable<void> {
        std::string body = fmt::format(
            R"({{"metadata":{{"name":"contended","resourceVersion":"{}"}},"spec":{{"writer":{},"round":{}}}}})", rv, w, round);
        http::ClientRequest request{"PUT", std::string(kBlocks) + "/contended", std::move(body), "application/json", {}};
        auto r = co_await clients[static_cast<std::size_t>(w)]->request(std::move(request), 10s);
        if (r && r->status == 200) ++winners;
        else if (r && r->status == 409) ++conflicts;
        else ++other;
      }, asio::detached);
    }
    io.run();
    CHECK(winners == 1);
    CHECK(conflicts == kWriters - 1);
    CHECK(other == 0);
  }
}

TEST_CASE("pagination over 10k objects is one consistent snapshot") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  constexpr int kObjects = 10000;
  {
    // Create concurrently: 16 writers over their own connections.
    asio::io_context io;
    std::vector<std::unique_ptr<http::Client>> clients;
    int failures = 0;
    for (int w = 0; w < 16; ++w) {
      clients.push_back(std::make_unique<http::Client>(io.get_executor(), server.endpoint()));
      asio::co_spawn(io, [&, w]() -> asio::awaitable<void> {
        for (int i = w; i < kObjects; i += 16) {
          http::ClientRequest request{"POST", std::string(kBlocks), block(fmt::format("b{:05}", i)), "application/json", {}};
          auto r = co_await clients[static_cast<std::size_t>(w)]->request(std::move(request), 30s);
          if (!r || r->status != 201) ++failures;
        }
      }, asio::detached);
    }
    io.run();
    REQUIRE(failures == 0);
  }
  Caller c(server.endpoint());
  std::set<std::string> seen;
  std::string token, list_rv;
  int pages = 0;
  bool modified_midway = false;
  do {
    std::string target = fmt::format("{}?limit=700{}", kBlocks, token.empty() ? "" : "&continue=" + token);
    auto page = c.call("GET", target);
    REQUIRE(page.status == 200);
    auto d = parse(page.body);
    std::string rv = d["metadata"]["resourceVersion"].GetString();
    if (list_rv.empty()) list_rv = rv;
    CHECK(rv == list_rv);  // every page is read at the first page's revision
    for (const auto& item : d["items"].GetArray()) CHECK(seen.insert(item["metadata"]["name"].GetString()).second);
    token = json::find(d["metadata"], "continue") ? d["metadata"]["continue"].GetString() : "";
    if (!token.empty()) CHECK(d["metadata"]["remainingItemCount"].GetInt64() == kObjects - static_cast<std::int64_t>(seen.size()));
    if (!modified_midway) {
      // A write during paging does not show up in this list.
      CHECK(c.call("POST", std::string(kBlocks), block("zz-late")).status == 201);
      modified_midway = true;
    }
    ++pages;
  } while (!token.empty() && pages < 100);
  CHECK(seen.size() == kObjects);
  CHECK(pages == 15);
  CHECK(seen.count("zz-late") == 0);
  MESSAGE("listed " << seen.size() << " objects in " << pages << " pages at resourceVersion " << list_rv);
}

TEST_CASE("watches resume across test-server and etcd restarts with nothing lost or repeated") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Caller c(server.endpoint());
  for (int i = 0; i < 5; ++i) REQUIRE(c.call("POST", std::string(kBlocks), block(fmt::format("w{}", i))).status == 201);

  // A watch without a version lists first (ADDED for each existing object).
  auto first = watch(server.endpoint(), "resourceVersion=0", 5);
  REQUIRE(first.events.size() == 5);
  for (auto& [type, rv] : first.events) CHECK(type == "ADDED");
  std::int64_t last = 0;
  for (auto& e : first.events) last = std::max<std::int64_t>(last, std::stoll(e.second));

  // Writes while no one watches; the server restarts; then etcd crashes and restarts.
  CHECK(c.call("DELETE", std::string(kBlocks) + "/w0").status == 200);
  server.restart(testing::etcd_endpoint(etcd));
  Caller c2(server.endpoint());
  CHECK(c2.call("POST", std::string(kBlocks), block("w5")).status == 201);
  etcd.restart(/*kill=*/true);
  Caller c3(server.endpoint());
  auto patched = c3.call("PATCH", std::string(kBlocks) + "/w1", R"({"spec":{"cidr":"10.0.1.0/26"}})", "application/merge-patch+json");
  CHECK(patched.status == 200);

  // Resuming from the last version seen delivers exactly what happened since, in order.
  auto resumed = watch(server.endpoint(), fmt::format("resourceVersion={}", last), 3);
  REQUIRE(resumed.events.size() == 3);
  CHECK(resumed.events[0].first == "DELETED");
  CHECK(resumed.names[0] == "w0");
  CHECK(resumed.events[1].first == "ADDED");
  CHECK(resumed.names[1] == "w5");
  CHECK(resumed.events[2].first == "MODIFIED");
  CHECK(resumed.names[2] == "w1");
  std::int64_t previous = last;
  for (auto& [type, rv] : resumed.events) {
    CHECK(std::stoll(rv) > previous);  // strictly increasing: nothing repeated
    previous = std::stoll(rv);
  }
}

TEST_CASE("compaction: watches get ERROR 410, lists get HTTP 410, and a relist recovers") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  Caller c(server.endpoint());
  for (int i = 0; i < 4; ++i) REQUIRE(c.call("POST", std::string(kBlocks), block(fmt::format("c{}", i))).status == 201);
  auto list = parse(c.call("GET", std::string(kBlocks)).body);
  std::string current = list["metadata"]["resourceVersion"].GetString();
  auto compacted = etcd.ctl({"compaction", current});
  REQUIRE_MESSAGE(compacted.ok(), compacted.output);

  auto expired_watch = watch(server.endpoint(), "resourceVersion=2", 1);
  REQUIRE(expired_watch.events.size() == 1);
  CHECK(expired_watch.events[0] == std::pair<std::string, std::string>{"ERROR", "410"});
  auto expired_list = c.call("GET", std::string(kBlocks) + "?resourceVersion=2&resourceVersionMatch=Exact");
  CHECK(expired_list.status == 410);
  CHECK(parse(expired_list.body)["reason"] == "Expired");
  // The client's recovery: list again (now), then watch from that list's version.
  auto relist = parse(c.call("GET", std::string(kBlocks)).body);
  CHECK(relist["items"].Size() == 4);
  CHECK(c.call("POST", std::string(kBlocks), block("after")).status == 201);
  auto resumed = watch(server.endpoint(), fmt::format("resourceVersion={}", relist["metadata"]["resourceVersion"].GetString()), 1);
  REQUIRE(resumed.names.size() == 1);
  CHECK(resumed.names[0] == "after");
}

TEST_CASE("bearer-token authentication") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd, "s3cret"));
  Caller anonymous(server.endpoint());
  auto denied = anonymous.call("GET", std::string(kBlocks));
  CHECK(denied.status == 401);
  CHECK(denied.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  anonymous.token = "wrong";
  CHECK(anonymous.call("GET", std::string(kBlocks)).status == 401);
  Caller allowed(server.endpoint());
  allowed.token = "s3cret";
  CHECK(allowed.call("GET", std::string(kBlocks)).status == 200);
  CHECK(anonymous.call("GET", "/readyz").status == 200);  // health needs no token
}
