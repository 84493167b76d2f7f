#include <doctest/doctest.h>

#include "base/config/daemon_options.hpp"

using sluice::config::DaemonOptions;
using sluice::config::Options;

TEST_CASE("every daemon's shared flags") {
  DaemonOptions d;
  d.http_listen = *sluice::ip::Endpoint::parse("0.0.0.0:9099");
  Options options("felix", "agent");
  sluice::config::add_daemon_options(options, d, "SLUICE_FELIX");
  REQUIRE(options.parse(std::vector<std::string>{"--log-format=json", "--http-listen=[::1]:9100"},
                        {{"SLUICE_FELIX_LOG_LEVEL", "debug"}})
              .ok());
  CHECK(d.log.level == sluice::log::Level::debug);
  CHECK(d.log.format == sluice::log::Format::json);
  CHECK(d.http_listen.to_string() == "[::1]:9100");

  CHECK(options.parse(std::vector<std::string>{"--log-level=loud"}, {}).error().message ==
        "felix: flag --log-level: unknown log level \"loud\" (expected trace, debug, info, warn, error, critical or off)");
  CHECK(options.parse(std::vector<std::string>{}, {{"SLUICE_FELIX_HTTP_LISTEN", "::1:9099"}}).error().message ==
        "felix: environment variable SLUICE_FELIX_HTTP_LISTEN: invalid endpoint \"::1:9099\": an IPv6 address needs "
        "brackets: [ADDRESS]:PORT");
  CHECK(options.parse(std::vector<std::string>{"--http-listen=1.2.3.4:99999"}, {}).error().message ==
        "felix: flag --http-listen: invalid endpoint \"1.2.3.4:99999\": port 99999 is greater than 65535");
}

TEST_CASE("endpoints") {
  using sluice::ip::Endpoint;
  CHECK(Endpoint::parse(":9099")->to_string() == "0.0.0.0:9099");
  CHECK(Endpoint::parse("127.0.0.1:0")->port == 0);
  CHECK(Endpoint::parse("9099").error().message == "invalid endpoint \"9099\": expected HOST:PORT, [IPV6]:PORT or :PORT");
  CHECK(Endpoint::parse("1.2.3:80").error().message ==
        "invalid endpoint \"1.2.3:80\": invalid IPv4 address \"1.2.3\": expected 4 dot-separated octets, found 3");
  CHECK(Endpoint::parse("1.2.3.4:").error().message == "invalid endpoint \"1.2.3.4:\": missing port");
  CHECK(Endpoint::parse("1.2.3.4:http").error().message == "invalid endpoint \"1.2.3.4:http\": port \"http\" is not a number");
}

TEST_CASE("which shared flags the command line gave") {
  DaemonOptions d;
  sluice::config::DaemonOptionsGiven given;
  Options options("bgpd", "speaker");
  sluice::config::add_daemon_options(options, d, "SLUICE_BGPD", &given);
  REQUIRE(options.parse(std::vector<std::string>{"--log-format=json"}, {{"SLUICE_BGPD_HTTP_LISTEN", ":9101"}}).ok());
  CHECK(given.log_format);
  CHECK(given.http_listen);
  CHECK_FALSE(given.log_level);
}
