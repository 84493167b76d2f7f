#include "bgpd/daemon/bgp_daemon.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/log/log.hpp"
#include "bgpd/config/config_file.hpp"
#include "bgpd/config/mapping.hpp"
#include "bgpd/control/control_api.hpp"
#include "bgpd/daemon/local_addresses.hpp"

namespace sluice::bgp {

namespace asio = boost::asio;

namespace {

constexpr auto kHousekeepingInterval = std::chrono::seconds(1);
constexpr unsigned kAddressRefreshTicks = 30;  // the host's addresses are read again this often
// Stopping with Cease: how long the NOTIFICATIONs get to leave before the sockets close.
constexpr auto kNotificationGrace = std::chrono::milliseconds(500);
// A speaker replaced by a reload: the same, for its Administrative Reset.
constexpr auto kRetireGrace = std::chrono::seconds(2);

fib::FibConfig kernel_config(const config::FibConfig& c) {
  fib::FibConfig out;
  out.table = c.table;
  out.protocol = c.protocol;
  out.metric = c.metric;
  return out;
}

fib::FibWriterOptions writer_options(const config::FibConfig& c) {
  fib::FibWriterOptions out;
  out.fib = kernel_config(c);
  out.on_exit = c.keep_on_exit ? fib::ExitMode::keep : fib::ExitMode::remove;
  out.ecmp = c.ecmp;
  return out;
}

// Originated routes that the configuration also installs: blackholes (Calico's blocks)
// and routes through a given next hop.
std::vector<std::pair<ip::Prefix, fib::StaticRoute>> installed_routes(const config::Config& c) {
  std::vector<std::pair<ip::Prefix, fib::StaticRoute>> out;
  for (const auto& route : c.originate) {
    if (!route.install) continue;
    fib::StaticRoute installed;
    if (route.blackhole) {
      installed.type = netlink::RouteType::blackhole;
    } else if (route.next_hop) {
      installed.type = netlink::RouteType::unicast;
      installed.nexthops.push_back(netlink::NextHop{*route.next_hop});
    } else {
      continue;  // validate() refuses this; nothing to install
    }
    out.emplace_back(route.prefix, std::move(installed));
  }
  return out;
}

// What a reload changes in place, from the configuration diff.
ReloadScope scope_of(const config::ConfigDiff& diff) {
  ReloadScope scope;
  for (const auto& change : diff.neighbors) {
    if (change.kind != config::ChangeKind::updated) continue;
    scope.updated.push_back(ip::Prefix::host(change.address));
    if (change.import_policy_changed) scope.refresh.push_back(ip::Prefix::host(change.address));
  }
  for (const auto& change : diff.listen_ranges) {
    if (change.kind != config::ChangeKind::updated) continue;
    scope.updated.push_back(change.prefix);
    if (change.import_policy_changed) scope.refresh.push_back(change.prefix);
  }
  return scope;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string addresses_text(const std::vector<ip::Address>& addresses) {
  std::vector<std::string> text;
  for (const auto& a : addresses) text.push_back(a.to_string());
  return joined(text);
}

}  // namespace

std::string_view to_string(RestartState state) {
  switch (state) {
    case RestartState::automatic: return "auto";
    case RestartState::restarting: return "restarting";
    case RestartState::fresh: return "fresh";
  }
  return "?";
}

std::string_view to_string(StopMode mode) { return mode == StopMode::graceful ? "graceful" : "shutdown"; }

BgpDaemon::BgpDaemon(asio::io_context& io, DaemonSettings settings, config::Config config,
                     metrics::Registry& registry, health::Health& health)
    : io_(io),
      settings_(std::move(settings)),
      config_(std::move(config)),
      registry_(registry),
      health_(health),
      metrics_(registry),
      housekeeping_timer_(io) {}

BgpDaemon::~BgpDaemon() {
  housekeeping_timer_.cancel();
  if (control_) control_->stop();
  speaker_.reset();
  fib_.reset();
}

Result<std::unique_ptr<BgpDaemon>> BgpDaemon::start(asio::io_context& io, DaemonSettings settings,
                                                    config::Config config, metrics::Registry& registry,
                                                    health::Health& health) {
  std::unique_ptr<BgpDaemon> daemon(
      new BgpDaemon(io, std::move(settings), std::move(config), registry, health));
  health.set_ready("speaker", false, "starting");
  if (auto started = daemon->start_fib(true); !started) return started.error();
  if (auto started = daemon->start_speaker(); !started) return started.error();
  if (daemon->fib_) daemon->fib_->start();
  auto control = ControlServer::start(io, daemon->settings_.control_socket, [raw = daemon.get()](std::string_view r) {
    return handle_control_request(*raw->speaker_, r);
  });
  if (!control) return control.error().context("control socket " + daemon->settings_.control_socket);
  daemon->control_ = std::move(*control);
  daemon->arm_housekeeping();
  daemon->housekeeping();
  return daemon;
}

config::MappingOptions BgpDaemon::mapping_options() const {
  config::MappingOptions options;
  options.restarting = restarting_ && (!speaker_ || speaker_->rib().deferring());
  // Policies that set next hop "self" ask the speaker that is running when they run.
  options.self_address = [this](rib::PeerId peer, AfiSafi family) -> std::optional<ip::Address> {
    return speaker_ ? speaker_->self_address(peer, family) : std::nullopt;
  };
  return options;
}

Status BgpDaemon::start_fib(bool read_back_first) {
  const auto& gr = config_.speaker.graceful_restart;
  if (!config_.fib.enabled) {
    // Without a FIB of ours there is no kept forwarding state to find.
    if (read_back_first) restarting_ = gr.enabled && settings_.restart_state == RestartState::restarting;
    return {};
  }
  std::optional<std::string> netns;
  if (!settings_.fib_netns.empty()) netns = settings_.fib_netns;
  auto kernel = fib::NetlinkFibKernel::open(kernel_config(config_.fib), netns);
  if (!kernel) return kernel.error().context("fib: cannot open rtnetlink");
  if (read_back_first) {
    // A graceful restart is recognised by the routes the last run left in the kernel.
    std::size_t kept = 0;
    if (settings_.restart_state == RestartState::automatic) {
      auto routes = (*kernel)->dump();
      if (!routes) return routes.error().context("fib: cannot read the kernel's routes");
      kept = routes->size();
    }
    restarting_ = gr.enabled && (settings_.restart_state == RestartState::restarting ||
                                 (settings_.restart_state == RestartState::automatic && kept > 0));
    if (restarting_) {
      log::info("graceful restart: restarting speaker",
                {log::kv("kernel_routes_kept", kept), log::kv("deferral", fmt::format("{}s", gr.deferral_time))});
    }
  }
  if (!fib_metrics_) fib_metrics_ = std::make_unique<fib::FibMetrics>(registry_);
  fib_ = std::make_unique<fib::FibWriter>(io_.get_executor(), writer_options(config_.fib), std::move(*kernel),
                                          fib_metrics_.get());
  fib_in_sync_once_ = false;
  fib_->on_first_in_sync([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    fib_in_sync_once_ = true;
    update_readiness();
  });
  fib_->replace_static_routes(installed_routes(config_));
  const auto addresses = local_addresses();
  fib_->set_local_addresses(addresses);
  return {};
}

Status BgpDaemon::start_speaker() {
  auto mapped = config::speaker_settings(config_, mapping_options());
  if (!mapped) return mapped.error();
  auto speaker = Speaker::start(io_, std::move(*mapped));
  if (!speaker) return speaker.error();
  speaker_ = std::move(*speaker);
  // One listener for the speaker's lifetime, forwarding to whichever FIB writer runs: a
  // reload may replace either. Batches of a speaker being retired are not the FIB's.
  Speaker* owner = speaker_.get();
  speaker_->add_best_path_listener(
      [this, owner](const rib::LocRib& table, std::span<const rib::EntryIndex> changed) {
        if (fib_ && !stopping_ && speaker_.get() == owner) fib_->on_best_paths(table, changed);
      });
  std::vector<std::string> listening;
  for (const auto& endpoint : speaker_->listening()) listening.push_back(endpoint.to_string());
  log::info("speaker started",
            {log::kv("as", config_.speaker.as_number),
             log::kv("router_id", config_.speaker.router_id ? config_.speaker.router_id->to_string() : ""),
             log::kv("neighbors", config_.neighbors.size()), log::kv("listen", joined(listening)),
             log::kv("restarting", restarting_)});
  return {};
}

void BgpDaemon::replace_speaker() {
  // A new RIB: everything the old one put in the FIB is withdrawn, and comes back as the
  // new speaker's sessions deliver it.
  if (fib_) {
    for (const auto family : {kIpv4Unicast, kIpv6Unicast}) {
      const auto* table = speaker_->rib().loc_rib(family);
      if (!table) continue;
      table->for_each([&](rib::EntryIndex index) { fib_->set_bgp_route(table->prefix(index), {}); });
    }
  }
  std::shared_ptr<Speaker> old(std::move(speaker_));
  old->stop("configuration changed");
  // Keep it for a moment so the Cease NOTIFICATIONs leave, then let it go.
  auto timer = std::make_shared<asio::steady_timer>(io_, kRetireGrace);
  timer->async_wait([timer, old](boost::system::error_code) mutable { old.reset(); });
  fib_first_sync_sent_ = false;
}

Status BgpDaemon::restart_fib() {
  if (auto started = start_fib(false); !started) return started;
  if (fib_) {
    // The RIB is as complete as it was: the new writer starts from all of it.
    for (const auto family : {kIpv4Unicast, kIpv6Unicast})
      if (const auto* table = speaker_->rib().loc_rib(family)) fib_->load(*table);
  }
  return {};
}

void BgpDaemon::feed_static_routes() {
  if (fib_) fib_->replace_static_routes(installed_routes(config_));
}

Result<config::ConfigDiff> BgpDaemon::reload() {
  auto next = config::load_config_file(settings_.config_path);
  if (!next) return next.error().context(settings_.config_path);
  return apply(std::move(*next));
}

Result<config::ConfigDiff> BgpDaemon::apply(config::Config next) {
  if (stopping_) return Error{"bgpd is stopping"};
  config::ConfigDiff diff = config::diff(config_, next);
  if (diff.empty()) {
    log::info("reload: no change");
    config_ = std::move(next);
    return diff;
  }
  const config::Config previous = config_;
  if (!diff.speaker_reset.empty()) {
    log::warn("reload: a new RIB, every session starts again", {log::kv("changed", joined(diff.speaker_reset))});
    config_ = std::move(next);
    replace_speaker();
    if (auto started = start_speaker(); !started) {
      // The old speaker is already stopping; run the previous configuration again.
      log::error("reload: the new speaker did not start", {log::kv("error", started.error().message)});
      config_ = previous;
      if (auto again = start_speaker(); !again) {
        log::error("reload: the previous speaker did not start either", {log::kv("error", again.error().message)});
      }
      return started.error();
    }
  } else {
    auto mapped = config::speaker_settings(next, mapping_options());
    if (!mapped) return mapped.error();
    const auto decision = mapped->rib.decision;
    auto report = speaker_->reload(std::move(*mapped), scope_of(diff));
    if (!report) return report.error();
    if (diff.decision_changed) {
      for (const auto family : {kIpv4Unicast, kIpv6Unicast})
        if (auto* table = speaker_->rib().loc_rib(family)) table->set_options(decision);
      speaker_->pump();
    }
    config_ = std::move(next);
    log::info("reload: sessions", {log::kv("added", addresses_text(report->added)),
                                   log::kv("removed", addresses_text(report->removed)),
                                   log::kv("reset", addresses_text(report->restarted)),
                                   log::kv("updated", addresses_text(report->updated)),
                                   log::kv("listeners_rebound", report->listeners_rebound)});
  }
  if (!diff.fib.empty()) {
    log::info("reload: the FIB writer starts again", {log::kv("changed", joined(diff.fib))});
    // Same table, protocol and metric: the new writer takes over the routes as they are.
    // Otherwise the old routes go first, so that nothing of ours is left behind.
    const bool same_routes = previous.fib.enabled && config_.fib.enabled && previous.fib.table == config_.fib.table &&
                             previous.fib.protocol == config_.fib.protocol && previous.fib.metric == config_.fib.metric;
    std::shared_ptr<fib::FibWriter> old(std::move(fib_));
    auto start_new = [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired() || stopping_) return;
      if (auto restarted = restart_fib(); !restarted) {
        log::error("reload: the FIB writer did not start", {log::kv("error", restarted.error().message)});
        return;
      }
      if (fib_) {
        fib_->start();
        if (fib_first_sync_sent_) fib_->first_sync_done();
      }
    };
    if (old) {
      old->stop(same_routes ? fib::ExitMode::keep : fib::ExitMode::remove, [this, old, start_new]() mutable {
        // Let the old writer go from a fresh turn of the loop, not from inside its own callback.
        asio::post(io_, [old]() mutable { old.reset(); });
        start_new();
      });
    } else {
      start_new();
    }
  } else if (diff.originate_added.size() + diff.originate_removed.size() + diff.originate_changed.size() > 0) {
    feed_static_routes();
  }
  if (!diff.daemon.empty()) {
    if (config_.daemon.log_level && previous.daemon.log_level != config_.daemon.log_level) {
      log::set_level(*config_.daemon.log_level);
    }
    log::info("reload: daemon options other than log.level take effect at the next start",
              {log::kv("changed", joined(diff.daemon))});
  }
  if (!diff.speaker_other.empty()) {
    log::info("reload: these take effect at the next start", {log::kv("changed", joined(diff.speaker_other))});
  }
  update_readiness();
  return diff;
}

void BgpDaemon::stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  housekeeping_timer_.cancel();
  if (control_) control_->stop();
  health_.set_ready("speaker", false, "stopping");
  auto finish = [this, done = std::move(done)]() mutable {
    if (!fib_) {
      done();
      return;
    }
    fib_->stop([done = std::move(done)] { done(); });
  };
  if (!speaker_) {
    finish();
    return;
  }
  if (settings_.stop_mode == StopMode::graceful) {
    // RFC 4724: the sessions simply end (no NOTIFICATION), and peers that support
    // graceful restart keep our routes until we are back or the restart time runs out.
    log::info("stopping: sessions closed for a graceful restart",
              {log::kv("restart_time", fmt::format("{}s", config_.speaker.graceful_restart.restart_time))});
    speaker_.reset();
    finish();
    return;
  }
  log::info("stopping: Cease / Administrative Shutdown to every neighbour");
  speaker_->stop("bgpd is shutting down");
  auto timer = std::make_shared<asio::steady_timer>(io_, kNotificationGrace);
  timer->async_wait([this, timer, finish = std::move(finish)](boost::system::error_code) mutable {
    speaker_.reset();
    finish();
  });
}

void BgpDaemon::arm_housekeeping() {
  housekeeping_timer_.expires_after(kHousekeepingInterval);
  housekeeping_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    housekeeping();
    arm_housekeeping();
  });
}

void BgpDaemon::housekeeping() {
  if (!speaker_) return;
  metrics_.update(*speaker_);
  if (fib_ && !fib_first_sync_sent_ && !speaker_->rib().deferring()) {
    // The FIB may sweep what the last run left once every neighbour has delivered its
    // whole table (End-of-RIB); one that never does is covered by the writer's timeout.
    bool complete = true;
    for (const auto& neighbor : config_.neighbors) {
      if (neighbor.shutdown) continue;
      const Peer* peer = speaker_->peer(neighbor.address);
      if (!peer || !speaker_->rib().initial_update_done(peer->id())) {
        complete = false;
        break;
      }
    }
    if (complete) {
      fib_->first_sync_done();
      fib_first_sync_sent_ = true;
    }
  }
  if (fib_ && ++housekeeping_ticks_ % kAddressRefreshTicks == 0) fib_->set_local_addresses(local_addresses());
  update_readiness();
}

void BgpDaemon::update_readiness() {
  if (stopping_ || !speaker_) return;
  if (speaker_->rib().deferring()) {
    health_.set_ready("speaker", false, "graceful restart: waiting for the neighbours' End-of-RIB");
  } else {
    health_.set_ready("speaker", true, "running");
  }
  if (config_.fib.enabled) {
    health_.set_ready("fib", fib_ && fib_in_sync_once_, fib_in_sync_once_ ? "in sync" : "writing the kernel's routes");
  }
  // As Calico's readiness: every configured neighbour's session is up.
  std::vector<std::string> down;
  std::size_t wanted = 0;
  for (const auto& status : speaker_->peers()) {
    if (status.dynamic) continue;
    ++wanted;
    if (status.state != SessionState::established)
      down.push_back(fmt::format("{} ({})", status.address.to_string(), to_string(status.state)));
  }
  health_.set_ready("sessions", down.empty(),
                    down.empty() ? fmt::format("{} established", wanted)
                                 : fmt::format("{} of {} not established: {}", down.size(), wanted, joined(down)));
}

}  // namespace sluice::bgp
