// The Kubernetes client against the API test server and a real etcd: typed errors,
// compare-and-swap races, consistent pagination, informers across server restarts and
// compaction, TLS with server verification and client certificates, token rotation,
// and the retry policy against a scripted server.
#include <doctest/doctest.h>

#include <utility>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "base/asio/run_blocking.hpp"
#include "base/asio/sleep.hpp"
#include "base/http/server.hpp"
#include "base/json/json.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/client/informer.hpp"
#include "tests/integration/support/running_apiserver.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const k8s::ResourceType kBlocks{"crd.projectcalico.org", "v1", "ipamblocks", false};
const k8s::ResourceType kPods{"", "v1", "pods", true};

k8s::ConnectionConfig plain_config(const ip::Endpoint& server) {
  k8s::ConnectionConfig config;
  config.server.scheme = k8s::Scheme::http;
  config.server.host = server.address.to_string();
  config.server.host_kind = k8s::HostKind::ipv4;
  config.server.port = server.port;
  config.source = "test";
  return config;
}

k8s::ConnectionConfig tls_config(const ip::Endpoint& server, std::string ca_pem) {
  auto config = plain_config(server);
  config.server.scheme = k8s::Scheme::https;
  config.tls.ca_pem = std::move(ca_pem);
  return config;
}

std::unique_ptr<k8s::Client> make_client(asio::io_context& io, k8s::ConnectionConfig config,
                                         k8s::ClientSettings settings = {}) {
  auto client = k8s::Client::create(io.get_executor(), std::move(config), settings);
  REQUIRE_MESSAGE(client.ok(), client.error().message);
  return std::move(*client);
}

std::string block(std::string_view name, std::string_view cidr = "10.0.0.0/26") {
  return fmt::format(
      R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"{}"}},"spec":{{"cidr":"{}"}}}})",
      name, cidr);
}

std::string rv_of(const rapidjson::Value& d) { return d["metadata"]["resourceVersion"].GetString(); }

// Runs one coroutine to completion on its own io_context.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  return run_blocking(io, std::move(task));
}

// Polls `condition` every 20 ms for at most `limit`.
// (Takes a reference: callers pass a named std::function, never a temporary lambda.)
asio::awaitable<bool> eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 15s) {
  for (auto waited = 0ms; waited < limit; waited += 20ms) {
    if (condition()) co_return true;
    co_await sleep_for(20ms);
  }
  co_return condition();
}

}  // namespace

TEST_CASE("API errors arrive typed from the server's Status") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd, "s3cret"));
  asio::io_context io;
  auto config = plain_config(server.endpoint());
  config.credentials = k8s::BearerToken{"s3cret"};
  auto client = make_client(io, config);

  std::string ns, name = "b1", body = block("b1");
  auto created = run(io, client->create(kBlocks, ns, body));
  REQUIRE_MESSAGE(created.ok(), created.error().describe());
  std::string rv = rv_of(*created);

  auto again = run(io, client->create(kBlocks, ns, body));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == k8s::ApiErrorKind::already_exists);
  CHECK(again.error().http_status == 409);
  CHECK(again.error().describe() ==
        R"(409 AlreadyExists: ipamblocks.crd.projectcalico.org "b1" already exists)");

  std::string missing = "nope";
  auto absent = run(io, client->get(kBlocks, ns, missing));
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().kind == k8s::ApiErrorKind::not_found);

  // A custom resource update must carry a resourceVersion.
  auto unversioned = run(io, client->update(kBlocks, ns, name, body));
  REQUIRE_FALSE(unversioned.ok());
  CHECK(unversioned.error().kind == k8s::ApiErrorKind::invalid);

  // Compare-and-swap: the current version wins once, then is stale.
  std::string versioned = fmt::format(
      R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"b1","resourceVersion":"{}"}},"spec":{{"cidr":"10.0.1.0/26"}}}})",
      rv);
  auto updated = run(io, client->update(kBlocks, ns, name, versioned));
  REQUIRE_MESSAGE(updated.ok(), updated.error().describe());
  auto stale = run(io, client->update(kBlocks, ns, name, versioned));
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().kind == k8s::ApiErrorKind::conflict);

  // Merge patch, then delete with preconditions: a wrong UID is a conflict.
  std::string patch = R"({"spec":{"cidr":"10.0.2.0/26"}})";
  auto patched = run(io, client->merge_patch(kBlocks, ns, name, patch));
  REQUIRE_MESSAGE(patched.ok(), patched.error().describe());
  CHECK(std::string((*patched)["spec"]["cidr"].GetString()) == "10.0.2.0/26");
  k8s::Preconditions wrong{"00000000-0000-0000-0000-000000000000", {}};
  auto refused = run(io, client->remove(kBlocks, ns, name, wrong));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == k8s::ApiErrorKind::conflict);
  k8s::Preconditions right{(*patched)["metadata"]["uid"].GetString(), rv_of(*patched)};
  auto removed = run(io, client->remove(kBlocks, ns, name, right));
  CHECK_MESSAGE(removed.ok(), removed.error().describe());

  // The status subresource of a core kind.
  std::string pod_ns = "default", pod_name = "p1";
  std::string pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"default"},"spec":{"nodeName":"n1"}})";
  REQUIRE(run(io, client->create(kPods, pod_ns, pod)).ok());
  std::string status_patch = R"({"status":{"podIP":"10.0.0.7"}})", status = "status";
  auto with_status = run(io, client->merge_patch(kPods, pod_ns, pod_name, status_patch, status));
  REQUIRE_MESSAGE(with_status.ok(), with_status.error().describe());
  CHECK(std::string((*with_status)["status"]["podIP"].GetString()) == "10.0.0.7");

  // The wrong token.
  auto bad_config = plain_config(server.endpoint());
  bad_config.credentials = k8s::BearerToken{"wrong"};
  auto intruder = make_client(io, bad_config);
  auto denied = run(io, intruder->get(kBlocks, ns, name));
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().kind == k8s::ApiErrorKind::unauthorized);
  CHECK(denied.error().describe() == "401 Unauthorized: Unauthorized");
}

TEST_CASE("generateName, and field selectors on the fields the real server indexes for pods") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  asio::io_context io;
  auto client = make_client(io, plain_config(server.endpoint()));
  std::string ns = "default";
  std::set<std::string> names;
  for (int i = 0; i < 3; ++i) {
    std::string pod = fmt::format(
        R"({{"apiVersion":"v1","kind":"Pod","metadata":{{"generateName":"web-","namespace":"default"}},"spec":{{"nodeName":"node-{}"}}}})",
        i % 2);
    auto created = run(io, client->create(kPods, ns, pod));
    REQUIRE_MESSAGE(created.ok(), created.error().describe());
    std::string name = (*created)["metadata"]["name"].GetString();
    CHECK(name.size() == 9);
    CHECK(name.rfind("web-", 0) == 0);
    names.insert(name);
  }
  CHECK(names.size() == 3);
  k8s::ListOptions on_node;
  on_node.field_selector = "spec.nodeName=node-1";
  auto listed = run(io, client->list(kPods, ns, on_node));
  REQUIRE(listed.ok());
  CHECK(listed->size() == 1);
  k8s::ListOptions unsupported;
  unsupported.field_selector = "spec.cidr=x";
  auto refused = run(io, client->list(kBlocks, ns, unsupported));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == k8s::ApiErrorKind::bad_request);
  CHECK(refused.error().message == "field label not supported: spec.cidr");
}

TEST_CASE("compare-and-swap races through the client have exactly one winner per round") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  asio::io_context io;
  constexpr int kWriters = 8, kRounds = 12;
  std::vector<std::unique_ptr<k8s::Client>> clients;
  for (int i = 0; i < kWriters; ++i) clients.push_back(make_client(io, plain_config(server.endpoint())));
  std::string ns, name = "contended", body = block("contended");
  REQUIRE(run(io, clients[0]->create(kBlocks, ns, body)).ok());

  for (int round = 0; round < kRounds; ++round) {
    auto current = run(io, clients[0]->get(kBlocks, ns, name));
    REQUIRE(current.ok());
    std::string rv = rv_of(*current);
    int wins = 0, conflicts = 0, other = 0;
    for (int w = 0; w < kWriters; ++w) {
      asio::co_spawn(
          io,
          [&, w]() -> asio::awaitable<void> {
            std::string update = fmt::format(
                R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"contended","resourceVersion":"{}"}},"spec":{{"cidr":"10.{}.{}.0/26"}}}})",
                rv, round, w);
            auto r = co_await clients[static_cast<std::size_t>(w)]->update(kBlocks, ns, name, update);
            if (r) {
              ++wins;
            } else if (r.error().kind == k8s::ApiErrorKind::conflict) {
              ++conflicts;
            } else {
              ++other;
            }
          },
          asio::detached);
    }
    io.restart();
    io.run();
    CHECK(wins == 1);
    CHECK(conflicts == kWriters - 1);
    CHECK(other == 0);
  }
}

TEST_CASE("list follows continue tokens and returns one consistent snapshot") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  asio::io_context io;
  auto client = make_client(io, plain_config(server.endpoint()));
  constexpr int kObjects = 1200;
  int failures = 0;
  std::string ns;
  for (int w = 0; w < 8; ++w) {
    asio::co_spawn(
        io,
        [&, w]() -> asio::awaitable<void> {
          for (int i = w; i < kObjects; i += 8) {
            std::string body = block(fmt::format("p{:05}", i));
            if (!(co_await client->create(kBlocks, ns, body))) ++failures;
          }
        },
        asio::detached);
  }
  io.run();
  REQUIRE(failures == 0);

  k8s::ListOptions options;
  options.limit = 100;
  auto listed = run(io, client->list(kBlocks, ns, options));
  REQUIRE_MESSAGE(listed.ok(), listed.error().describe());
  CHECK(listed->pages.size() == 12);
  CHECK(listed->size() == kObjects);
  std::set<std::string> names;
  listed->for_each([&](const rapidjson::Value& item) { names.insert(item["metadata"]["name"].GetString()); });
  CHECK(names.size() == kObjects);
  for (const auto& page : listed->pages) CHECK(page.resource_version == listed->resource_version);

  // Selectors reach the server: a field selector picks one object.
  k8s::ListOptions one;
  one.field_selector = "metadata.name=p00042";
  auto selected = run(io, client->list(kBlocks, ns, one));
  REQUIRE(selected.ok());
  CHECK(selected->size() == 1);
}

namespace {

struct Block {
  std::string name;
  std::string cidr;
  std::string resource_version;
};

Result<Block> decode_block(const rapidjson::Value& object) {
  auto meta = json::get_object(object, "metadata", "");
  if (!meta) return meta.error();
  auto name = json::get_string(**meta, "name", "metadata");
  if (!name) return name.error();
  auto spec = json::get_object(object, "spec", "");
  if (!spec) return spec.error();
  auto cidr = json::get_string(**spec, "cidr", "spec");
  if (!cidr) return cidr.error();
  auto rv = json::get_string(**meta, "resourceVersion", "metadata");
  return Block{std::string(*name), std::string(*cidr), rv ? std::string(*rv) : ""};
}

}  // namespace

TEST_CASE("an informer follows writes, resyncs, and recovers from a server restart and compaction") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd));
  asio::io_context io;
  auto client = make_client(io, plain_config(server.endpoint()));
  auto writer = make_client(io, plain_config(server.endpoint()));
  std::string ns;
  for (int i = 0; i < 3; ++i) {
    std::string body = block(fmt::format("i{}", i));
    REQUIRE(run(io, writer->create(kBlocks, ns, body)).ok());
  }

  k8s::ListWatchOptions options;
  options.watch_timeout = 5s;
  options.resync_period = 300ms;
  options.backoff = {50ms, 200ms, 2.0, 0.0};
  k8s::Informer<Block> informer(*client, kBlocks, options, decode_block);
  std::set<std::string> live;  // what the handlers say exists
  int adds = 0, updates = 0, deletes = 0, resyncs = 0;
  std::map<std::string, std::string> last_cidr;
  informer.add_handlers({[&](const auto& b) {
                           ++adds;
                           CHECK(live.insert(b->name).second);
                           last_cidr[b->name] = b->cidr;
                         },
                         [&](const auto& before, const auto& after) {
                           if (before == after) {
                             ++resyncs;
                             return;
                           }
                           ++updates;
                           CHECK(live.count(after->name) == 1);
                           last_cidr[after->name] = after->cidr;
                         },
                         [&](const auto& b) {
                           ++deletes;
                           CHECK(live.erase(b->name) == 1);
                         }});

  bool done = false;
  io.restart();
  asio::co_spawn(io, informer.run(), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::function<bool()> has_synced = [&] { return informer.has_synced(); };
        bool synced = co_await eventually(has_synced);
        CHECK(synced);
        CHECK(live == std::set<std::string>{"i0", "i1", "i2"});

        // Writes arrive through the watch.
        std::string body = block("i3"), name = "i1", patch = R"({"spec":{"cidr":"10.9.0.0/26"}})";
        auto created = co_await writer->create(kBlocks, ns, body);
        CHECK(created.ok());
        auto patched = co_await writer->merge_patch(kBlocks, ns, name, patch);
        CHECK(patched.ok());
        std::string gone = "i0";
        auto removed = co_await writer->remove(kBlocks, ns, gone);
        CHECK(removed.ok());
        std::function<bool()> followed = [&] {
          return live == std::set<std::string>{"i1", "i2", "i3"} && last_cidr["i1"] == "10.9.0.0/26";
        };
        bool seen = co_await eventually(followed);
        CHECK(seen);
        std::function<bool()> resynced = [&] { return resyncs >= 3; };
        bool resync_seen = co_await eventually(resynced);
        CHECK(resync_seen);

        // The server restarts: the informer resumes its watch from the last version.
        auto lists_before = informer.list_watch().stats().lists;
        server.restart(testing::etcd_endpoint(etcd));
        std::string after_restart = block("i4");
        auto created_after = co_await writer->create(kBlocks, ns, after_restart);
        CHECK(created_after.ok());
        std::function<bool()> resumed = [&] { return live.count("i4") == 1; };
        bool resumed_seen = co_await eventually(resumed);
        CHECK(resumed_seen);
        CHECK(informer.list_watch().stats().lists == lists_before);  // resumed, not relisted

        // While the server is down, objects change and etcd compacts past the informer's
        // version: on return, the watch gets 410 and the informer relists.
        server.stop();
        {
          asio::io_context side;
          testing::RunningApiServer temporary(testing::apiserver_options(etcd));
          auto side_client = make_client(side, plain_config(temporary.endpoint()));
          std::string b5 = block("i5"), i2 = "i2";
          REQUIRE(run(side, side_client->create(kBlocks, ns, b5)).ok());
          REQUIRE(run(side, side_client->remove(kBlocks, ns, i2)).ok());
          k8s::ListOptions everything;
          auto latest = run(side, side_client->list(kBlocks, ns, everything));
          REQUIRE(latest.ok());
          auto compacted = etcd.ctl({"compact", latest->resource_version});
          REQUIRE_MESSAGE(compacted.ok(), compacted.output);
        }
        server.restart(testing::etcd_endpoint(etcd));
        std::function<bool()> expired = [&] { return informer.list_watch().stats().expired >= 1; };
        bool expired_seen = co_await eventually(expired);
        CHECK(expired_seen);
        std::function<bool()> relisted = [&] { return live == std::set<std::string>{"i1", "i3", "i4", "i5"}; };
        bool relisted_seen = co_await eventually(relisted);
        CHECK(relisted_seen);
        CHECK(informer.cache().size() == 4);
        CHECK(informer.cache().get("i5") != nullptr);
        CHECK(informer.cache().get("i2") == nullptr);
        done = true;
        informer.stop();
        io.stop();
      },
      asio::detached);
  io.run_for(90s);  // bounded: a failed REQUIRE in the driver leaves the informer running
  CHECK(done);
  CHECK(adds - deletes == static_cast<int>(live.size()));
  MESSAGE("informer: " << adds << " adds, " << updates << " updates, " << deletes << " deletes, " << resyncs
                       << " resync calls, " << informer.list_watch().stats().lists << " lists, "
                       << informer.list_watch().stats().expired << " relists after 410");
}

TEST_CASE("TLS: the server is verified, client certificates authenticate, impostors are refused") {
  testing::TestPki pki;
  testing::EtcdServer etcd;
  auto options = testing::apiserver_options(etcd, "tok");
  options.tls = http::ServerTls{pki.pem("server.crt"), pki.pem("server.key"), pki.pem("ca.crt")};
  testing::RunningApiServer server(options);
  asio::io_context io;
  std::string ns, name = "absent";

  // Trusted CA and a token: a real answer (404 means the request was served).
  auto config = tls_config(server.endpoint(), pki.pem("ca.crt"));
  config.credentials = k8s::BearerToken{"tok"};
  auto trusted = make_client(io, config);
  auto r = run(io, trusted->get(kBlocks, ns, name));
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.error().kind == k8s::ApiErrorKind::not_found, r.error().describe());

  // The name verified can be set apart from the address dialled.
  auto named = config;
  named.tls.server_name = "localhost";
  CHECK(run(io, make_client(io, named)->get(kBlocks, ns, name)).error().kind == k8s::ApiErrorKind::not_found);
  auto misnamed = config;
  misnamed.tls.server_name = "apiserver.example";
  auto wrong_name = run(io, make_client(io, misnamed)->get(kBlocks, ns, name));
  CHECK(wrong_name.error().kind == k8s::ApiErrorKind::transport);
  CHECK_MESSAGE(wrong_name.error().message.find("certificate verify failed") != std::string::npos,
                wrong_name.error().message);

  // A client certificate from the cluster CA authenticates without a token.
  auto with_cert = tls_config(server.endpoint(), pki.pem("ca.crt"));
  with_cert.tls.client_certificate_pem = pki.pem("client.crt");
  with_cert.tls.client_key_pem = pki.pem("client.key");
  CHECK(run(io, make_client(io, with_cert)->get(kBlocks, ns, name)).error().kind == k8s::ApiErrorKind::not_found);

  // Neither token nor certificate: 401.
  auto anonymous = tls_config(server.endpoint(), pki.pem("ca.crt"));
  CHECK(run(io, make_client(io, anonymous)->get(kBlocks, ns, name)).error().kind ==
        k8s::ApiErrorKind::unauthorized);

  // A server certificate from another CA is refused with a precise error.
  auto distrusting = tls_config(server.endpoint(), pki.pem("other-ca.crt"));
  distrusting.credentials = k8s::BearerToken{"tok"};
  auto refused = run(io, make_client(io, distrusting)->get(kBlocks, ns, name));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == k8s::ApiErrorKind::transport);
  CHECK_MESSAGE(refused.error().message.find("HTTP TLS handshake with 127.0.0.1:") == 0, refused.error().message);
  CHECK_MESSAGE(refused.error().message.find("certificate verify failed") != std::string::npos,
                refused.error().message);

  // A key that does not match its certificate is refused before any connection.
  auto mismatched = tls_config(server.endpoint(), pki.pem("ca.crt"));
  mismatched.tls.client_certificate_pem = pki.pem("client.crt");
  mismatched.tls.client_key_pem = pki.pem("server.key");
  auto bad = k8s::Client::create(io.get_executor(), mismatched);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "test: TLS client private key does not match its certificate");
  auto garbage = tls_config(server.endpoint(), "not a certificate");
  auto bad_ca = k8s::Client::create(io.get_executor(), garbage);
  REQUIRE_FALSE(bad_ca.ok());
  CHECK(bad_ca.error().message == "test: TLS CA bundle: no PEM certificate in it");
}

TEST_CASE("a rotated token file is picked up without restarting the client") {
  testing::EtcdServer etcd;
  testing::RunningApiServer server(testing::apiserver_options(etcd, "new-token"));
  testing::TempDir dir("token");
  auto write_token = [&](const std::string& token) {
    // Atomic replacement, as the kubelet does it.
    std::ofstream(dir.path() / "token.tmp") << token << "\n";
    std::filesystem::rename(dir.path() / "token.tmp", dir.path() / "token");
  };
  write_token("old-token");
  asio::io_context io;
  auto config = plain_config(server.endpoint());
  config.credentials = k8s::BearerTokenFile{dir.path() / "token"};
  k8s::ClientSettings settings;
  settings.token_recheck_interval = 50ms;
  auto client = make_client(io, config, settings);
  std::string ns, name = "x";
  CHECK(run(io, client->get(kBlocks, ns, name)).error().kind == k8s::ApiErrorKind::unauthorized);
  write_token("new-token");
  std::this_thread::sleep_for(100ms);
  CHECK(run(io, client->get(kBlocks, ns, name)).error().kind == k8s::ApiErrorKind::not_found);
}

TEST_CASE("retries: throttled requests wait and repeat, writes are never repeated after a server error") {
  asio::io_context server_io;
  std::atomic<int> calls{0};
  std::string mode;  // written only while no request is in flight
  auto server = http::Server::start(server_io, *ip::Endpoint::parse("127.0.0.1:0"), [&](const http::Request& request) {
    ++calls;
    http::Response response;
    response.content_type = "application/json";
    if (mode == "throttle" && calls < 3) {
      response.status = 429;
      response.headers.emplace_back("Retry-After", "0");
      response.body =
          R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":0},"code":429})";
      return response;
    }
    if (mode == "unavailable" || mode == "write-error") {
      response.status = mode == "unavailable" ? 503 : 500;
      response.body = fmt::format(
          R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{} {}","reason":"{}","code":{}}})",
          request.method, request.target, mode == "unavailable" ? "ServiceUnavailable" : "InternalError",
          response.status);
      return response;
    }
    response.body = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"}})";
    return response;
  });
  REQUIRE(server.ok());
  auto work = asio::make_work_guard(server_io);
  std::thread server_thread([&] { server_io.run(); });
  asio::io_context io;
  k8s::ClientSettings settings;
  settings.max_attempts = 3;
  settings.backoff = {1ms, 5ms, 2.0, 0.0};
  auto client = make_client(io, plain_config((*server)->local_endpoint()), settings);
  std::string ns = "default", name = "p", body = "{}";

  mode = "throttle";
  calls = 0;
  auto got = run(io, client->get(kPods, ns, name));
  CHECK_MESSAGE(got.ok(), got.error().describe());
  CHECK(calls == 3);

  mode = "unavailable";  // a read is retried up to max_attempts
  calls = 0;
  auto unavailable = run(io, client->get(kPods, ns, name));
  REQUIRE_FALSE(unavailable.ok());
  CHECK(unavailable.error().kind == k8s::ApiErrorKind::service_unavailable);
  CHECK(calls == 3);

  mode = "write-error";  // a create the server may have applied is not sent again
  calls = 0;
  auto failed = run(io, client->create(kPods, ns, body));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().kind == k8s::ApiErrorKind::internal_error);
  CHECK(failed.error().describe() == "500 InternalError: POST /api/v1/namespaces/default/pods");
  CHECK(calls == 1);

  mode = "throttle";  // 429 means not processed: even a create is repeated
  calls = 0;
  CHECK(run(io, client->create(kPods, ns, body)).ok());
  CHECK(calls == 3);
  asio::post(server_io, [&] {
    (*server)->stop();
    work.reset();
  });
  server_thread.join();
}
