// sluice-test-apiserver: a Kubernetes-API-compatible server for Sluice's tests and lab,
// stored in a real etcd. With no --etcd it starts its own etcd on free loopback ports
// with a temporary data directory, and stops it on exit.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <tuple>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/asio/run_blocking.hpp"

#include "base/config/daemon_options.hpp"
#include "base/config/duration.hpp"
#include "base/http/client.hpp"
#include "base/lifecycle/shutdown.hpp"
#include "base/log/log.hpp"
#include "k8s-client/test-apiserver/server.hpp"

namespace {
using namespace sluice;

// A private etcd: free ports, a temporary data directory, killed with us.
struct OwnEtcd {
  pid_t pid = -1;
  std::filesystem::path dir;
  ip::Endpoint client;

  ~OwnEtcd() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, WNOHANG);
    }
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
};

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

Status start_etcd(OwnEtcd& etcd) {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-apiserver-etcd-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return Error{"cannot create a data directory for etcd"};
  etcd.dir = pattern;
  std::uint16_t client_port = free_port(), peer_port = free_port();
  etcd.client = ip::Endpoint{ip::Address::v4(0x7f000001), client_port};
  std::string client_url = fmt::format("http://127.0.0.1:{}", client_port);
  std::string peer_url = fmt::format("http://127.0.0.1:{}", peer_port);
  std::vector<std::string> args{"etcd",
                                "--name",
                                "sluice",
                                "--data-dir",
                                (etcd.dir / "data").string(),
                                "--listen-client-urls",
                                client_url,
                                "--advertise-client-urls",
                                client_url,
                                "--listen-peer-urls",
                                peer_url,
                                "--initial-advertise-peer-urls",
                                peer_url,
                                "--initial-cluster",
                                "sluice=" + peer_url,
                                "--log-level",
                                "warn"};
  std::string log = (etcd.dir / "etcd.log").string();
  pid_t parent = ::getpid();
  etcd.pid = ::fork();
  if (etcd.pid < 0) return Error{"fork failed"};
  if (etcd.pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(126);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("etcd", argv.data());
    ::_exit(127);
  }
  // Ready when its health endpoint answers (bounded).
  for (int i = 0; i < 150; ++i) {
    int status = 0;
    if (::waitpid(etcd.pid, &status, WNOHANG) == etcd.pid) {
      etcd.pid = -1;
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      return Error{fmt::format("etcd exited during start-up (is etcd-server installed?):\n{}", text)};
    }
    boost::asio::io_context io;
    http::Client client(io.get_executor(), etcd.client);
    auto r = run_blocking(io, client.request({"GET", "/health", "", "", {}}, std::chrono::milliseconds(500)));
    if (r && r->status == 200) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Error{"etcd did not become healthy within 15 s"};
}

int run(int argc, char** argv) {
  config::DaemonOptions daemon;
  daemon.http_listen = *ip::Endpoint::parse("127.0.0.1:0");
  std::string listen = "127.0.0.1:0", etcd_endpoint, token_file, tls_cert_file, tls_key_file, client_ca_file;
  std::chrono::milliseconds bookmark_interval = std::chrono::seconds(60);
  config::Options options("sluice-test-apiserver",
                          "A Kubernetes-API-compatible server for Sluice's tests and lab, stored in etcd. Prints "
                          "\"serving http(s)://ADDRESS:PORT\" on stdout once it accepts requests.");
  options
      .string("listen", "SLUICE_APISERVER_LISTEN", &listen,
              "Address and port to serve the API on (port 0: a free port).")
      .string("etcd", "SLUICE_APISERVER_ETCD", &etcd_endpoint,
              "etcd client endpoint (ADDRESS:PORT). Empty: start a private etcd on free ports.")
      .string("token-file", "SLUICE_APISERVER_TOKEN_FILE", &token_file,
              "File holding the bearer token clients must send. Empty: no authentication.")
      .string("tls-cert-file", "SLUICE_APISERVER_TLS_CERT_FILE", &tls_cert_file,
              "PEM certificate (chain) to serve HTTPS with. Empty: plain HTTP.")
      .string("tls-private-key-file", "SLUICE_APISERVER_TLS_PRIVATE_KEY_FILE", &tls_key_file,
              "PEM private key of --tls-cert-file.")
      .string("client-ca-file", "SLUICE_APISERVER_CLIENT_CA_FILE", &client_ca_file,
              "PEM CA bundle; a client certificate it verifies authenticates the client (HTTPS only).")
      .duration("bookmark-interval", "SLUICE_APISERVER_BOOKMARK_INTERVAL", &bookmark_interval,
                "How often watches that allow bookmarks get one.");
  config::add_daemon_options(options, daemon, "SLUICE_APISERVER");
  auto parsed = options.parse(argc, argv, config::process_environment());
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(options.help().c_str(), stdout);
    return 0;
  }
  log::init("test-apiserver", daemon.log);

  auto listen_endpoint = ip::Endpoint::parse(listen);
  if (!listen_endpoint) {
    std::fprintf(stderr, "sluice-test-apiserver: flag --listen: %s\n", listen_endpoint.error().message.c_str());
    return 2;
  }
  apiserver::ServerOptions server_options;
  server_options.listen = *listen_endpoint;
  server_options.bookmark_interval = bookmark_interval;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      std::fprintf(stderr, "sluice-test-apiserver: cannot read --token-file %s\n", token_file.c_str());
      return 2;
    }
    std::getline(in, server_options.token);
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    std::fprintf(stderr, "sluice-test-apiserver: --tls-cert-file and --tls-private-key-file go together\n");
    return 2;
  }
  if (!client_ca_file.empty() && tls_cert_file.empty()) {
    std::fprintf(stderr, "sluice-test-apiserver: --client-ca-file needs --tls-cert-file\n");
    return 2;
  }
  if (!tls_cert_file.empty()) {
    http::ServerTls tls;
    for (auto [flag, path, out] : {std::tuple{"--tls-cert-file", &tls_cert_file, &tls.cert_pem},
                                   std::tuple{"--tls-private-key-file", &tls_key_file, &tls.key_pem},
                                   std::tuple{"--client-ca-file", &client_ca_file, &tls.client_ca_pem}}) {
      if (path->empty()) continue;
      std::ifstream in(*path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "sluice-test-apiserver: cannot read %s %s\n", flag, path->c_str());
        return 2;
      }
      out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    server_options.tls = std::move(tls);
  }
  OwnEtcd own;
  if (etcd_endpoint.empty()) {
    if (auto s = start_etcd(own); !s) {
      std::fprintf(stderr, "sluice-test-apiserver: %s\n", s.error().message.c_str());
      return 1;
    }
    server_options.etcd = own.client;
  } else {
    auto e = ip::Endpoint::parse(etcd_endpoint);
    if (!e) {
      std::fprintf(stderr, "sluice-test-apiserver: flag --etcd: %s\n", e.error().message.c_str());
      return 2;
    }
    server_options.etcd = *e;
  }

  boost::asio::io_context io;
  auto server = apiserver::Server::start(io, server_options);
  if (!server) {
    std::fprintf(stderr, "sluice-test-apiserver: %s\n", server.error().message.c_str());
    return 1;
  }
  lifecycle::ShutdownSignals signals(io, [&](int) {
    (*server)->stop();
    io.stop();
  });
  std::printf("serving %s://%s (etcd %s)\n", server_options.tls ? "https" : "http",
              (*server)->local_endpoint().to_string().c_str(),
              server_options.etcd.to_string().c_str());
  std::fflush(stdout);
  log::info("serving", {log::kv("listen", (*server)->local_endpoint()), log::kv("etcd", server_options.etcd)});
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Errors are values throughout; an exception here is a bug or resource exhaustion,
  // reported plainly rather than as std::terminate.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-test-apiserver: fatal: %s\n", e.what());
    return 1;
  }
}
