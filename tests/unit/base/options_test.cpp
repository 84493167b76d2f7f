#include <doctest/doctest.h>

#include "base/config/options.hpp"

using namespace std::chrono_literals;
using sluice::config::Environment;
using sluice::config::Options;

namespace {
struct Fixture {
  std::string name = "node-1";
  std::string mode = "mesh";
  bool passive = false;
  std::uint16_t port = 179;
  std::chrono::milliseconds hold = 90s;
  Options options{"bgpd", "A BGP speaker."};

  Fixture() {
    options.string("node-name", "SLUICE_NODE_NAME", &name, "This node's name.")
        .choice("mode", "SLUICE_MODE", &mode, {"mesh", "reflector"}, "Peering mode.")
        .boolean("passive", "SLUICE_PASSIVE", &passive, "Never initiate.")
        .integer("port", "SLUICE_PORT", &port, std::uint16_t{1}, std::uint16_t{65535}, "TCP port.")
        .duration("hold-time", "SLUICE_HOLD_TIME", &hold, "Hold time.");
  }
  sluice::Result<Options::Parsed> parse(const std::vector<std::string>& args, const Environment& env = {}) {
    return options.parse(args, env);
  }
};
}  // namespace

TEST_CASE("defaults hold when nothing is given") {
  Fixture f;
  REQUIRE(f.parse({}).ok());
  CHECK(f.name == "node-1");
  CHECK(f.port == 179);
}

TEST_CASE("a flag beats its environment variable, which beats the default") {
  Fixture f;
  REQUIRE(f.parse({"--port=1179"}, {{"SLUICE_PORT", "2179"}, {"SLUICE_NODE_NAME", "from-env"}}).ok());
  CHECK(f.port == 1179);
  CHECK(f.name == "from-env");

  Fixture g;
  REQUIRE(g.parse({"--node-name", "from-flag", "--passive", "--hold-time", "3m"}, {{"SLUICE_NODE_NAME", "from-env"}}).ok());
  CHECK(g.name == "from-flag");
  CHECK(g.passive);
  CHECK(g.hold == 3min);

  Fixture h;
  REQUIRE(h.parse({}, {{"SLUICE_PASSIVE", "true"}, {"SLUICE_PORT", ""}}).ok());  // empty counts as unset
  CHECK(h.passive);
  CHECK(h.port == 179);

  Fixture last;
  REQUIRE(last.parse({"--port=1", "--port=2"}).ok());
  CHECK(last.port == 2);
  Fixture off;
  REQUIRE(off.parse({"--passive=false"}, {{"SLUICE_PASSIVE", "true"}}).ok());
  CHECK_FALSE(off.passive);
}

TEST_CASE("bad input gets an error naming its source") {
  Fixture f;
  CHECK(f.parse({"--port=70000"}).error().message == "bgpd: flag --port: 70000 is out of range 1..65535");
  CHECK(f.parse({"--port=12ab"}).error().message == "bgpd: flag --port: \"12ab\" is not an integer");
  CHECK(f.parse({}, {{"SLUICE_PORT", "-1"}}).error().message ==
        "bgpd: environment variable SLUICE_PORT: -1 is out of range 1..65535");
  CHECK(f.parse({"--mode=star"}).error().message == "bgpd: flag --mode: \"star\" is not one of mesh|reflector");
  CHECK(f.parse({"--prot=1"}).error().message == "bgpd: unknown flag --prot; did you mean --port?");
  CHECK(f.parse({"--zzzzzz"}).error().message == "bgpd: unknown flag --zzzzzz");
  CHECK(f.parse({"--node-name"}).error().message == "bgpd: flag --node-name needs a value (STRING)");
  CHECK(f.parse({"-p"}).error().message == "bgpd: unknown flag \"-p\" (flags are written --name; see --help)");
  CHECK(f.parse({"extra"}).error().message == "bgpd: unexpected argument \"extra\" (see --help)");
  CHECK(f.parse({"--passive=maybe"}).error().message ==
        "bgpd: flag --passive: \"maybe\" is not a boolean (use true or false)");
  CHECK(f.parse({"--hold-time=90"}).error().message ==
        "bgpd: flag --hold-time: invalid duration \"90\": missing unit after the number (use ms, s, m or h, e.g. \"30s\")");
  CHECK(f.parse({"--port=99999999999999999999999"}).error().message ==
        "bgpd: flag --port: 99999999999999999999999 is out of range 1..65535");
}

TEST_CASE("positional arguments and help") {
  Fixture f;
  auto help = f.parse({"--help", "--port=nonsense"});
  REQUIRE(help.ok());
  CHECK(help->help);

  f.options.positional("FILE...");
  auto p = f.parse({"a.json", "--", "--not-a-flag"});
  REQUIRE(p.ok());
  CHECK(p->positional == std::vector<std::string>{"a.json", "--not-a-flag"});

  std::string text = f.options.help();
  CHECK(text.find("Usage: bgpd [flags] FILE...") != std::string::npos);
  CHECK(text.find("  --port N\n      TCP port.\n      (env SLUICE_PORT; default 179)\n") != std::string::npos);
  CHECK(text.find("  --hold-time DURATION") != std::string::npos);
  CHECK(text.find("default 1m30s") != std::string::npos);
  CHECK(text.find("A flag overrides its environment variable") != std::string::npos);
}

TEST_CASE("a repeated flag keeps every occurrence in order; a single-valued one keeps the last") {
  Fixture f;
  std::vector<std::string> peers;
  f.options.repeated("peer", "SLUICE_PEER", &peers, "ADDRESS", "A peer.");
  REQUIRE(f.parse({"--peer=10.0.0.1", "--port=1", "--peer", "10.0.0.2", "--port=2"}).ok());
  CHECK(peers == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(f.port == 2);
  CHECK(f.options.help().find("  --peer ADDRESS (repeatable)\n") != std::string::npos);

  std::vector<std::string> from_env;
  Fixture g;
  g.options.repeated("peer", "SLUICE_PEER", &from_env, "ADDRESS", "A peer.");
  REQUIRE(g.parse({}, {{"SLUICE_PEER", "10.0.0.3"}}).ok());
  CHECK(from_env == std::vector<std::string>{"10.0.0.3"});
}
