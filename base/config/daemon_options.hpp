// The flags every Sluice daemon shares: logging and the health/metrics listener.
// Each daemon names its own environment prefix (e.g. "SLUICE_BGPD").
#pragma once

#include <string>
#include <string_view>

#include "base/config/options.hpp"
#include "base/ip/endpoint.hpp"
#include "base/log/log.hpp"

namespace sluice::config {

struct DaemonOptions {
  log::Settings log;
  ip::Endpoint http_listen;  // serves /liveness, /readiness and /metrics
};

// Which of them a flag or variable set, for daemons whose configuration file may also
// set them (the command line wins; the file beats the built-in default).
struct DaemonOptionsGiven {
  bool log_level = false;
  bool log_format = false;
  bool http_listen = false;
};

// Registers --log-level, --log-format and --http-listen with env PREFIX_LOG_LEVEL,
// PREFIX_LOG_FORMAT and PREFIX_HTTP_LISTEN. `options` keeps pointers into `target` (and
// into `given`, when not null).
void add_daemon_options(Options& options, DaemonOptions& target, std::string_view env_prefix,
                        DaemonOptionsGiven* given = nullptr);

}  // namespace sluice::config
