// sluice-bgpd: the BGP speaker daemon. Reads its JSON configuration (bgpd/README.md),
// runs the sessions, installs the best routes into the kernel, answers bgpctl on its
// control socket, reloads the file on SIGHUP, and serves /liveness, /readiness and
// /metrics.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <signal.h>

#include <cstdio>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/config/daemon_options.hpp"
#include "base/health/health.hpp"
#include "base/http/endpoints.hpp"
#include "base/http/server.hpp"
#include "base/lifecycle/shutdown.hpp"
#include "base/log/log.hpp"
#include "base/metrics/registry.hpp"
#include "bgpd/config/config_file.hpp"
#include "bgpd/control/default_socket.hpp"
#include "bgpd/daemon/bgp_daemon.hpp"

namespace {
using namespace sluice;

constexpr const char* kDefaultConfig = "/etc/sluice/bgpd.json";

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "sluice-bgpd: %s\n", message.c_str());
  return code;
}

// SIGHUP: read the configuration again, for as long as the loop runs.
void watch_reload(boost::asio::signal_set& signals, bgp::BgpDaemon& daemon) {
  signals.async_wait([&signals, &daemon](boost::system::error_code ec, int) {
    if (ec) return;
    log::info("SIGHUP: reloading the configuration");
    if (auto diff = daemon.reload(); !diff) {
      log::error("reload refused; the running configuration stays", {log::kv("error", diff.error().message)});
    }
    watch_reload(signals, daemon);
  });
}

int run(int argc, char** argv) {
  config::DaemonOptions daemon_options;
  daemon_options.http_listen = *ip::Endpoint::parse("0.0.0.0:9095");
  config::DaemonOptionsGiven given;
  std::string config_path = kDefaultConfig;
  std::string control_socket;
  std::string restart_state = "auto";
  std::string stop_mode = "graceful";
  bool check_only = false;
  config::Options options(
      "sluice-bgpd",
      "The BGP speaker: peers with the other nodes, route reflectors and top-of-rack routers, advertises "
      "this node's routes, installs the best routes into the kernel, and answers bgpctl. The configuration "
      "file is documented in bgpd/README.md; SIGHUP reloads it, touching only sessions whose settings "
      "changed.");
  options.string("config", "SLUICE_BGPD_CONFIG", &config_path, "The JSON configuration file.")
      .string("control-socket", "SLUICE_BGPD_CONTROL_SOCKET", &control_socket,
              "Unix socket for bgpctl. Empty: the file's control.socket, else /run/sluice/bgpd.sock.")
      .choice("restart-state", "SLUICE_BGPD_RESTART_STATE", &restart_state, {"auto", "restarting", "fresh"},
              "Whether this start is a graceful restart (RFC 4724). auto: yes when graceful restart is on and "
              "the kernel still holds routes of ours (fib.keepOnExit kept them); restarting: yes; fresh: no.")
      .choice("stop-mode", "SLUICE_BGPD_STOP_MODE", &stop_mode, {"graceful", "shutdown"},
              "How SIGTERM ends the sessions. graceful: closed without a NOTIFICATION, so peers with graceful "
              "restart keep our routes while bgpd restarts; shutdown: Cease / Administrative Shutdown, so "
              "peers withdraw them at once.")
      .boolean("check", "", &check_only, "Check the configuration file and exit (0 when it is valid).");
  config::add_daemon_options(options, daemon_options, "SLUICE_BGPD", &given);
  auto parsed = options.parse(argc, argv, config::process_environment());
  if (!parsed) return fail(parsed.error().message, 2);
  if (parsed->help) {
    std::fputs(options.help().c_str(), stdout);
    return 0;
  }

  auto loaded = bgp::config::load_config_file(config_path);
  if (!loaded) return fail(config_path + ": " + loaded.error().message, 2);
  bgp::config::Config config = std::move(*loaded);
  if (check_only) {
    std::printf("%s: valid (%zu neighbours, %zu listen ranges, %zu policies, %zu originated routes)\n",
                config_path.c_str(), config.neighbors.size(), config.listen_ranges.size(),
                config.policy.policies.size(), config.originate.size());
    return 0;
  }

  // The command line wins over the file, which wins over the built-in defaults.
  if (!given.log_level && config.daemon.log_level) daemon_options.log.level = *config.daemon.log_level;
  if (!given.log_format && config.daemon.log_format) daemon_options.log.format = *config.daemon.log_format;
  if (!given.http_listen && config.daemon.http_listen) daemon_options.http_listen = *config.daemon.http_listen;
  log::init("bgpd", daemon_options.log);

  bgp::DaemonSettings settings;
  settings.config_path = config_path;
  settings.control_socket = !control_socket.empty()           ? control_socket
                            : config.daemon.control_socket     ? *config.daemon.control_socket
                                                               : std::string(bgp::kDefaultControlSocket);
  settings.restart_state = restart_state == "restarting" ? bgp::RestartState::restarting
                           : restart_state == "fresh"    ? bgp::RestartState::fresh
                                                         : bgp::RestartState::automatic;
  settings.stop_mode = stop_mode == "shutdown" ? bgp::StopMode::shutdown : bgp::StopMode::graceful;
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(settings.control_socket).parent_path(), ignored);

  boost::asio::io_context io;
  metrics::Registry registry;
  health::Health health;
  health.set_live("event-loop", true, "running");
  http::OperationalEndpoints endpoints(health, registry);
  auto server =
      http::Server::start(io, daemon_options.http_listen, [&](const http::Request& r) { return endpoints.handle(r); });
  if (!server) {
    return fail("--http-listen " + daemon_options.http_listen.to_string() + ": " + server.error().message, 1);
  }

  auto daemon = bgp::BgpDaemon::start(io, settings, std::move(config), registry, health);
  if (!daemon) return fail(daemon.error().message, 1);

  boost::asio::signal_set hangup(io, SIGHUP);
  watch_reload(hangup, **daemon);
  lifecycle::ShutdownSignals signals(io, [&](int signal) {
    log::info("stopping", {log::kv("signal", signal), log::kv("mode", bgp::to_string(settings.stop_mode))});
    hangup.cancel();
    (*daemon)->stop([&] {
      (*server)->stop();
      io.stop();
    });
  });
  std::printf("serving http://%s control %s\n", (*server)->local_endpoint().to_string().c_str(),
              settings.control_socket.c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-bgpd: fatal: %s\n", e.what());
    return 1;
  }
}
