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

// Registers --log-level, --log-format and --http-listen with env PREFIX_LOG_LEVEL,
// PREFIX_LOG_FORMAT and PREFIX_HTTP_LISTEN. `options` keeps pointers into `target`.
void add_daemon_options(Options& options, DaemonOptions& target, std::string_view env_prefix);

}  // namespace sluice::config
