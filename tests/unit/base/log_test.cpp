#include <doctest/doctest.h>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "base/log/log.hpp"

namespace slog = sluice::log;

namespace {
std::string capture(slog::Settings settings, const std::function<void()>& body) {
  std::ostringstream out;
  slog::init("bgpd", settings, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  body();
  spdlog::default_logger()->flush();
  return out.str();
}
}  // namespace

TEST_CASE("text lines carry time, level, component, message and fields") {
  std::string out = capture({slog::Level::info, slog::Format::text}, [] {
    slog::info("session established", {slog::kv("peer", "10.0.0.1"), slog::kv("asn", 65001)});
    slog::debug("not shown at info");
    slog::warn("odd value", {slog::kv("reason", "has space \"quoted\"")});
  });
  CHECK(out.find(" info  bgpd: session established peer=10.0.0.1 asn=65001\n") != std::string::npos);
  CHECK(out.find("not shown") == std::string::npos);
  CHECK(out.find("odd value reason=\"has space \\\"quoted\\\"\"") != std::string::npos);
  CHECK(out.size() > 24);
  CHECK(out[4] == '-');    // 2026-...
  CHECK(out[23] == 'Z');   // UTC with milliseconds
}

TEST_CASE("json lines are one escaped object each") {
  std::string out = capture({slog::Level::debug, slog::Format::json}, [] {
    slog::debug("route \"installed\"\n", {slog::kv("prefix", "10.0.0.0/24"), slog::kv("count", 3)});
  });
  CHECK(out.find("\"level\":\"debug\",\"component\":\"bgpd\",\"msg\":\"route \\\"installed\\\"\\n\",\"prefix\":\"10.0.0.0/24\","
                 "\"count\":\"3\"}\n") != std::string::npos);
  CHECK(out.rfind("{\"time\":\"", 0) == 0);
  slog::init("test", {});  // restore stderr for later tests
}

TEST_CASE("levels and formats parse with precise errors") {
  CHECK(*slog::parse_level("warning") == slog::Level::warn);
  CHECK(*slog::parse_level("off") == slog::Level::off);
  CHECK(slog::parse_level("LOUD").error().message ==
        "unknown log level \"LOUD\" (expected trace, debug, info, warn, error, critical or off)");
  CHECK(slog::parse_format("yaml").error().message == "unknown log format \"yaml\" (expected text or json)");
  CHECK(slog::json_quote(std::string("a\x01") + "b") == "\"a\\u0001b\"");
}
