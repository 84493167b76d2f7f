// The bgpd daemon around the speaker: configuration in (the file, reloaded on SIGHUP
// with only what changed applied), the kernel FIB writer fed from the RIB, the control
// socket for bgpctl, metrics and health. main.cpp only parses flags and signals.
//
// Graceful restart (RFC 4724) as the restarting speaker: when bgpd finds routes of its
// own in the kernel at start (fib.keepOnExit kept them), forwarding survived, so it
// says so in its OPENs (Restart State and Forwarding State bits) and defers route
// selection until its peers' End-of-RIB; the stale kernel routes are swept only once
// the RIB is complete again. Stopping gracefully closes every session without a
// NOTIFICATION, so the peers keep its routes for the restart time.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/health/health.hpp"
#include "base/metrics/registry.hpp"
#include "base/result.hpp"
#include "bgpd/config/config.hpp"
#include "bgpd/config/diff.hpp"
#include "bgpd/config/mapping.hpp"
#include "bgpd/control/control_server.hpp"
#include "bgpd/daemon/bgp_metrics.hpp"
#include "bgpd/fib/fib_metrics.hpp"
#include "bgpd/fib/fib_writer.hpp"
#include "bgpd/speaker/speaker.hpp"

namespace sluice::bgp {

// Whether this start is a graceful restart.
enum class RestartState : std::uint8_t {
  automatic,   // yes when graceful restart is on and the kernel still holds our routes
  restarting,  // yes (the routes were kept elsewhere, or the operator knows)
  fresh,       // no
};

// How stopping treats the sessions.
enum class StopMode : std::uint8_t {
  graceful,  // close without a NOTIFICATION: peers with graceful restart keep our routes
  shutdown,  // Cease / Administrative Shutdown: peers withdraw our routes now
};

struct DaemonSettings {
  std::string config_path;              // read again on reload
  std::string control_socket;           // resolved: flag, then the file, then the default
  bool control_socket_from_flag = false;  // a reload does not move a socket a flag placed
  RestartState restart_state = RestartState::automatic;
  StopMode stop_mode = StopMode::graceful;
  // The FIB writer works in this namespace (`ip netns` name); empty: the daemon's own.
  std::string fib_netns;
};

class BgpDaemon {
 public:
  static Result<std::unique_ptr<BgpDaemon>> start(boost::asio::io_context& io, DaemonSettings settings,
                                                  config::Config config, metrics::Registry& registry,
                                                  health::Health& health);
  ~BgpDaemon();
  BgpDaemon(const BgpDaemon&) = delete;
  BgpDaemon& operator=(const BgpDaemon&) = delete;

  // Reads the configuration file again and applies what changed. A file that does not
  // load, or a change that cannot be applied (a listener that cannot bind), leaves the
  // running configuration as it was and returns the error.
  Result<config::ConfigDiff> reload();
  Result<config::ConfigDiff> apply(config::Config next);

  // Ends every session (by the stop mode), then lets the FIB writer finish (keeping or
  // removing routes per fib.keepOnExit); `done` runs on the loop when that is over.
  void stop(std::function<void()> done);

  Speaker& speaker() { return *speaker_; }
  const config::Config& config() const { return config_; }
  bool restarting() const { return restarting_; }
  const fib::FibWriter* fib() const { return fib_.get(); }

 private:
  BgpDaemon(boost::asio::io_context& io, DaemonSettings settings, config::Config config, metrics::Registry& registry,
            health::Health& health);
  Status start_fib(bool read_back_first);
  Status start_speaker();
  void replace_speaker();
  Status restart_fib();
  void feed_static_routes();
  config::MappingOptions mapping_options() const;
  void housekeeping();
  void arm_housekeeping();
  void update_readiness();

  boost::asio::io_context& io_;
  DaemonSettings settings_;
  config::Config config_;
  metrics::Registry& registry_;
  health::Health& health_;
  bool restarting_ = false;
  std::unique_ptr<Speaker> speaker_;
  std::unique_ptr<fib::FibMetrics> fib_metrics_;
  std::unique_ptr<fib::FibWriter> fib_;
  std::unique_ptr<ControlServer> control_;
  BgpMetrics metrics_;
  boost::asio::steady_timer housekeeping_timer_;
  unsigned housekeeping_ticks_ = 0;
  bool fib_first_sync_sent_ = false;
  bool fib_in_sync_once_ = false;
  bool stopping_ = false;
  // Handlers posted to the loop hold it weakly.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

std::string_view to_string(RestartState state);
std::string_view to_string(StopMode mode);

}  // namespace sluice::bgp
