// Structured logging on spdlog: a message plus key=value fields, written as text
// ("2026-11-26T10:00:00.123Z info  bgpd: session up peer=10.0.0.1") or as one JSON
// object per line, chosen once per process.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/common.h>

#include "base/result.hpp"

namespace sluice::log {

enum class Format { text, json };
using Level = spdlog::level::level_enum;

struct Settings {
  Level level = Level::info;
  Format format = Format::text;
};

// "trace", "debug", "info", "warn", "error", "critical", "off" (and "warning").
Result<Level> parse_level(std::string_view text);
// "text" or "json".
Result<Format> parse_format(std::string_view text);
std::string_view to_string(Level level);
std::string_view to_string(Format format);

// Installs the process-wide logger for `component`, writing to stderr.
void init(std::string_view component, const Settings& settings);
// The same with another sink (tests capture output this way).
void init(std::string_view component, const Settings& settings, spdlog::sink_ptr sink);

// Changes the running logger's level (a daemon's configuration reload).
void set_level(Level level);

struct Field {
  std::string_view key;
  std::string value;
};

template <class T>
Field kv(std::string_view key, const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return Field{key, std::string(std::string_view(value))};
  } else if constexpr (requires { value.to_string(); }) {
    return Field{key, value.to_string()};
  } else {
    return Field{key, fmt::format("{}", value)};
  }
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void trace(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::trace, m, f); }
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::err, m, f); }

// JSON string escaping (quotes included), shared with other text emitters.
std::string json_quote(std::string_view text);

}  // namespace sluice::log
