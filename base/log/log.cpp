#include "base/log/log.hpp"

#include <atomic>
#include <chrono>
#include <memory>

#include <fmt/chrono.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sluice::log {
namespace {

std::atomic<Format> g_format{Format::text};

std::string timestamp(spdlog::log_clock::time_point when) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(when);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(when)), millis);
}

// Writes {"time":..,"level":..,"component":.., <payload>}; write() renders the payload
// (msg and fields) already escaped, so the formatter only adds the frame.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto level = spdlog::level::to_string_view(msg.level);
    fmt::format_to(std::back_inserter(dest), "{{\"time\":\"{}\",\"level\":\"{}\",\"component\":{},",
                   timestamp(msg.time), std::string_view(level.data(), level.size()),
                   json_quote(std::string_view(msg.logger_name.data(), msg.logger_name.size())));
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

}  // namespace

Result<Level> parse_level(std::string_view text) {
  if (text == "trace") return Level::trace;
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::err;
  if (text == "critical") return Level::critical;
  if (text == "off") return Level::off;
  return Error{fmt::format("unknown log level \"{}\" (expected trace, debug, info, warn, error, critical or off)", text)};
}

Result<Format> parse_format(std::string_view text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  return Error{fmt::format("unknown log format \"{}\" (expected text or json)", text)};
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::err: return "error";
    case Level::critical: return "critical";
    default: return "off";
  }
}

std::string_view to_string(Format format) { return format == Format::json ? "json" : "text"; }

void init(std::string_view component, const Settings& settings) {
  init(component, settings, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void init(std::string_view component, const Settings& settings, spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(std::string(component), std::move(sink));
  if (settings.format == Format::json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %n: %v",
                                                                     spdlog::pattern_time_type::utc));
  }
  logger->set_level(settings.level);
  logger->flush_on(Level::warn);
  g_format = settings.format;
  spdlog::set_default_logger(std::move(logger));
}

void set_level(Level level) { spdlog::default_logger_raw()->set_level(level); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string payload;
  if (g_format == Format::json) {
    payload = "\"msg\":" + json_quote(message);
    for (const Field& f : fields) payload += fmt::format(",{}:{}", json_quote(f.key), json_quote(f.value));
  } else {
    payload.assign(message);
    for (const Field& f : fields) {
      payload += fmt::format(" {}={}", f.key, needs_quotes(f.value) ? json_quote(f.value) : f.value);
    }
  }
  logger->log(level, std::string_view(payload));
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace sluice::log
