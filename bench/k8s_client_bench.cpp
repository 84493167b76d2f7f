// k8s-client throughput: listing N objects from the API test server (on a real etcd, in
// its own process) and streaming N watch events through an informer, each beside a
// reference that does only the transport (bytes off the socket, no decoding, no cache),
// so the table shows what the client itself costs.
//
//   sluice-bench-k8s-client list N APISERVER_BINARY    (prints one JSON line per run)
//   sluice-bench-k8s-client watch N
#include <utility>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/asio/run_blocking.hpp"
#include "base/http/client.hpp"
#include "base/http/server.hpp"
#include "base/log/log.hpp"
#include "base/text/line_splitter.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/client/informer.hpp"
#include "k8s-client/resources/resources.hpp"
#include "bench/support/apiserver_process.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace sluice;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

const k8s::ResourceType kBlocks{"crd.projectcalico.org", "v1", "ipamblocks", false};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

long current_rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// A realistic block: a /26 with a handful of allocations and attributes; names and CIDRs
// are unique for i < 2^18.
std::string block_json(std::size_t i, std::int64_t rv = 0) {
  std::string rv_field = rv > 0 ? fmt::format(R"(,"resourceVersion":"{}")", rv) : "";
  return fmt::format(
      R"({{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{{"name":"10-{}-{}-{}-26"{},"labels":{{"bench":"k8s-client"}}}},"spec":{{"cidr":"10.{}.{}.{}/26","affinity":"host:node-{}","strictAffinity":false,"allocations":[0,1,null,null,2],"unallocated":[2,3,5,6,7],"attributes":[{{"handle_id":"k8s-pod-network.a{}","secondary":{{"namespace":"default","node":"node-{}","pod":"pod-{}","timestamp":"2026-11-26 10:00:00"}}}},{{"handle_id":"ipip-tunnel-addr-node-{}","secondary":{{"node":"node-{}","type":"ipipTunnelAddress"}}}},{{"handle_id":"k8s-pod-network.b{}","secondary":{{"namespace":"kube-system","node":"node-{}","pod":"coredns-{}"}}}}],"deleted":false,"sequenceNumber":3,"sequenceNumberForAllocation":{{"0":0,"1":1,"4":2}}}}}})",
      (i >> 10) & 255, (i >> 2) & 255, (i & 3) * 64, rv_field, (i >> 10) & 255, (i >> 2) & 255, (i & 3) * 64, i,
      i, i, i, i, i, i, i, i);
}

struct Row {
  std::string name;
  std::size_t objects;
  double seconds;
  long peak_rss_kib;
  long held_kib;
};

void print(const Row& r) {
  std::printf(R"({"case":"%s","objects":%zu,"seconds":%.3f,"objects_per_second":%.0f,"peak_rss_kib":%ld,"held_kib":%ld})"
              "\n",
              r.name.c_str(), r.objects, r.seconds, static_cast<double>(r.objects) / r.seconds, r.peak_rss_kib,
              r.held_kib);
  std::fflush(stdout);
}

// --- list -------------------------------------------------------------------

void populate(const ip::Endpoint& server, std::size_t n) {
  asio::io_context io;
  std::vector<std::unique_ptr<http::Client>> clients;
  std::size_t failures = 0;
  constexpr std::size_t kWriters = 32;
  auto started = Clock::now();
  for (std::size_t w = 0; w < kWriters; ++w) {
    clients.push_back(std::make_unique<http::Client>(io.get_executor(), server));
    asio::co_spawn(
        io,
        [&, w]() -> asio::awaitable<void> {
          for (std::size_t i = w; i < n; i += kWriters) {
            http::ClientRequest request;
            request.method = "POST";
            request.target = "/apis/crd.projectcalico.org/v1/ipamblocks";
            request.body = block_json(i);
            request.content_type = "application/json";
            auto r = co_await clients[w]->request(std::move(request), std::chrono::seconds(60));
            if (!r || r->status != 201) ++failures;
          }
        },
        asio::detached);
  }
  io.run();
  if (failures > 0) throw std::runtime_error(fmt::format("{} creates failed", failures));
  std::fprintf(stderr, "populated %zu objects in %.1f s\n", n, seconds_since(started));
}

// The transport alone: every page's bytes, the continue token found by string search.
Row list_reference(const ip::Endpoint& server) {
  asio::io_context io;
  http::Client client(io.get_executor(), server);
  std::size_t objects = 0;
  long before = current_rss_kib();
  auto started = Clock::now();
  std::string token;
  do {
    http::ClientRequest request;
    request.target = "/apis/crd.projectcalico.org/v1/ipamblocks?limit=500" + (token.empty() ? "" : "&continue=" + token);
    auto r = run_blocking(io, client.request(std::move(request), std::chrono::seconds(60)));
    if (!r || r->status != 200) throw std::runtime_error("reference list failed");
    std::size_t at = 0;
    while ((at = r->body.find("\"kind\":\"IPAMBlock\"", at)) != std::string::npos) {
      ++objects;
      ++at;
    }
    // The list's metadata comes after its items.
    token.clear();
    if (auto at_token = r->body.rfind("\"continue\":\""); at_token != std::string::npos) {
      auto start = at_token + 12;
      token = r->body.substr(start, r->body.find('"', start) - start);
    }
  } while (!token.empty());
  return {"list: transport only (reference)", objects, seconds_since(started), peak_rss_kib(),
          current_rss_kib() - before};
}

Row list_sluice(const ip::Endpoint& server) {
  asio::io_context io;
  k8s::ConnectionConfig config;
  config.server.scheme = k8s::Scheme::http;
  config.server.host = server.address.to_string();
  config.server.host_kind = k8s::HostKind::ipv4;
  config.server.port = server.port;
  k8s::ClientSettings settings;
  settings.qps = 0;
  auto client = k8s::Client::create(io.get_executor(), config, settings);
  if (!client) throw std::runtime_error(client.error().message);
  long before = current_rss_kib();
  auto started = Clock::now();
  k8s::ListOptions options;
  options.limit = 500;
  std::string ns;
  std::vector<k8s::IPAMBlock> blocks;
  {
    auto listed = run_blocking(io, (*client)->list(kBlocks, ns, options));
    if (!listed) throw std::runtime_error(listed.error().describe());
    blocks.reserve(listed->size());
    listed->for_each([&](const rapidjson::Value& item) {
      auto block = k8s::decode<k8s::IPAMBlock>(item);
      if (!block) throw std::runtime_error(block.error().message);
      blocks.push_back(std::move(*block));
    });
  }
  double took = seconds_since(started);
  return {"list: sluice k8s-client, typed IPAMBlocks", blocks.size(), took, peak_rss_kib(),
          current_rss_kib() - before};
}

// --- watch ------------------------------------------------------------------

// A scripted API server in a child process: an empty list, then one watch response
// carrying all N events; later watches get nothing. Returns the child's pid and port.
std::pair<pid_t, std::uint16_t> start_event_server(std::size_t n) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string events;
    events.reserve(n * 900);
    for (std::size_t i = 0; i < n; ++i)
      events += R"({"type":"ADDED","object":)" + block_json(i, static_cast<std::int64_t>(i) + 2) + "}\n";
    asio::io_context io;
    bool served = false;
    auto server = http::Server::start(io, *ip::Endpoint::parse("127.0.0.1:0"), [&](const http::Request& request) {
      http::Response response;
      response.content_type = "application/json";
      if (request.target.find("watch=1") == std::string::npos) {
        response.body = R"({"kind":"IPAMBlockList","apiVersion":"crd.projectcalico.org/v1","metadata":{"resourceVersion":"1"},"items":[]})";
      } else if (!served) {
        served = true;
        response.body = events;
      }
      return response;
    });
    std::uint16_t port = (*server)->local_endpoint().port;
    if (::write(fds[1], &port, sizeof(port)) != sizeof(port)) ::_exit(1);
    io.run();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::uint16_t port = 0;
  if (::read(fds[0], &port, sizeof(port)) != sizeof(port)) throw std::runtime_error("event server did not start");
  ::close(fds[0]);
  return {pid, port};
}

Row watch_reference(std::uint16_t port, std::size_t n) {
  asio::io_context io;
  http::Client client(io.get_executor(), ip::Endpoint{ip::Address::v4(0x7f000001), port});
  std::size_t lines = 0;
  text::LineSplitter splitter;
  std::function<asio::awaitable<Status>(std::string_view)> on_data = [&](std::string_view bytes) -> asio::awaitable<Status> {
    co_return splitter.feed(bytes, [&](std::string_view) -> Status {
      ++lines;
      return {};
    });
  };
  long before = current_rss_kib();
  auto started = Clock::now();
  http::ClientRequest request;
  request.target = "/apis/crd.projectcalico.org/v1/ipamblocks?watch=1";
  auto r = run_blocking(io, client.stream(std::move(request), std::move(on_data), std::chrono::seconds(60)));
  if (!r || lines != n) throw std::runtime_error("reference watch failed");
  return {"watch: transport + line split only (reference)", lines, seconds_since(started), peak_rss_kib(),
          current_rss_kib() - before};
}

Row watch_informer(std::uint16_t port, std::size_t n) {
  asio::io_context io;
  k8s::ConnectionConfig config;
  config.server.scheme = k8s::Scheme::http;
  config.server.host = "127.0.0.1";
  config.server.host_kind = k8s::HostKind::ipv4;
  config.server.port = port;
  k8s::ClientSettings settings;
  settings.qps = 0;
  auto client = k8s::Client::create(io.get_executor(), config, settings);
  if (!client) throw std::runtime_error(client.error().message);
  k8s::ListWatchOptions options;
  options.watch_timeout = std::chrono::seconds(60);
  k8s::Informer<k8s::IPAMBlock> informer(**client, kBlocks, options, [](const rapidjson::Value& v) {
    return k8s::decode<k8s::IPAMBlock>(v);
  });
  std::size_t added = 0;
  Clock::time_point done;
  informer.add_handlers({[&](const auto&) {
                           if (++added == n) {
                             done = Clock::now();
                             informer.stop();
                             io.stop();
                           }
                         },
                         nullptr, nullptr});
  long before = current_rss_kib();
  auto started = Clock::now();
  asio::co_spawn(io, informer.run(), asio::detached);
  io.run_for(std::chrono::seconds(300));
  if (added != n) throw std::runtime_error(fmt::format("informer saw {} of {} events", added, n));
  return {"watch: sluice informer, typed IPAMBlocks cached", informer.cache().size(),
          std::chrono::duration<double>(done - started).count(), peak_rss_kib(), current_rss_kib() - before};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s list N APISERVER_BINARY | watch N | watch-reference N\n", argv[0]);
    return 2;
  }
  log::Settings quiet;
  quiet.level = log::Level::warn;
  log::init("bench", quiet);
  std::string mode = argv[1];
  std::size_t n = std::stoul(argv[2]);
  try {
    if (mode == "list" && argc >= 4) {
      testing::TempDir dir("bench-k8s");
      std::unique_ptr<testing::Subprocess> apiserver;
      auto server = bench::start_apiserver(argv[3], dir, apiserver);
      populate(server, n);
      // Alternate, three runs each; every run is a row (the runner takes medians).
      for (int run = 0; run < 3; ++run) {
        print(list_reference(server));
        print(list_sluice(server));
      }
      apiserver->stop();
    } else if (mode == "watch" || mode == "watch-reference") {
      // One measurement per process, so peak RSS belongs to that case alone.
      auto [pid, port] = start_event_server(n);
      print(mode == "watch" ? watch_informer(port, n) : watch_reference(port, n));
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    } else {
      std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
