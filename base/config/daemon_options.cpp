#include "base/config/daemon_options.hpp"

#include <fmt/format.h>

namespace sluice::config {

void add_daemon_options(Options& options, DaemonOptions& target, std::string_view env_prefix,
                        DaemonOptionsGiven* given) {
  options.add("log-level", fmt::format("{}_LOG_LEVEL", env_prefix), "LEVEL",
              std::string(log::to_string(target.log.level)),
              "Lowest level logged: trace, debug, info, warn, error, critical or off.",
              [&target, given](std::string_view v) -> Status {
                auto level = log::parse_level(v);
                if (!level) return level.error();
                target.log.level = *level;
                if (given) given->log_level = true;
                return {};
              });
  options.add("log-format", fmt::format("{}_LOG_FORMAT", env_prefix), "text|json",
              std::string(log::to_string(target.log.format)),
              "Log line format: text for people, json for log collectors (one object per line).",
              [&target, given](std::string_view v) -> Status {
                auto format = log::parse_format(v);
                if (!format) return format.error();
                target.log.format = *format;
                if (given) given->log_format = true;
                return {};
              });
  options.add("http-listen", fmt::format("{}_HTTP_LISTEN", env_prefix), "ADDRESS:PORT",
              target.http_listen.to_string(),
              "Where /liveness, /readiness and /metrics are served (port 0 picks a free port).",
              [&target, given](std::string_view v) -> Status {
                auto endpoint = ip::Endpoint::parse(v);
                if (!endpoint) return endpoint.error();
                target.http_listen = *endpoint;
                if (given) given->http_listen = true;
                return {};
              });
}

}  // namespace sluice::config
