// bgpctl without a daemon: arguments into the request line, errors naming the argument,
// and answers rendered as tables (or passed through as JSON), refused when bgpd says so
// or sends something that is not an answer.
#include <doctest/doctest.h>

#include "bgpd/bgpctl/bgpctl.hpp"

using namespace sluice::bgp::bgpctl;

namespace {

Invocation parsed(std::vector<std::string> args) {
  auto result = parse_arguments(args);
  REQUIRE_MESSAGE(result.ok(), result.error().message);
  return *result;
}

std::string error_of(std::vector<std::string> args) {
  auto result = parse_arguments(args);
  REQUIRE_FALSE(result.ok());
  return result.error().message;
}

}  // namespace

TEST_CASE("bgpctl arguments: commands become one-line JSON requests") {
  CHECK(parsed({"summary"}).request == R"({"command":"summary"})");
  CHECK(parsed({"neighbor", "192.0.2.1"}).request == R"({"command":"neighbor","address":"192.0.2.1"})");
  CHECK(parsed({"neighbour", "2001:db8::1"}).command == "neighbor");
  CHECK(parsed({"routes", "--family", "ipv6", "--prefix=2001:db8::/32", "--peer", "2001:db8::1"}).request ==
        R"({"command":"routes","family":"ipv6","prefix":"2001:db8::/32","peer":"2001:db8::1"})");
  CHECK(parsed({"routes", "--prefix", "10.1.2.3"}).request == R"({"command":"routes","prefix":"10.1.2.3"})");
  auto inv = parsed({"--socket", "/tmp/b.sock", "-o", "json", "summary"});
  CHECK(inv.socket == "/tmp/b.sock");
  CHECK(inv.json);
  CHECK(parsed({"summary"}).socket == kDefaultSocket);
  CHECK_FALSE(parsed({"--output=table", "summary"}).json);
  CHECK(parsed({"--help"}).help);
  CHECK(parsed({"routes", "-h"}).help);
}

TEST_CASE("bgpctl arguments: every mistake is named") {
  CHECK(error_of({}) == "no command given (summary, neighbor, routes; see bgpctl --help)");
  CHECK(error_of({"status"}) == "unknown command \"status\" (summary, neighbor, routes)");
  CHECK(error_of({"summary", "x"}) == "summary takes no argument, got \"x\"");
  CHECK(error_of({"neighbor"}) == "neighbor needs one address");
  CHECK(error_of({"neighbor", "10.0.0"}).starts_with("neighbor: "));
  CHECK(error_of({"routes", "10.0.0.0/8"}) == "routes takes flags only, got \"10.0.0.0/8\"");
  CHECK(error_of({"routes", "--prefix"}) == "flag --prefix needs a value");
  CHECK(error_of({"routes", "--prefix", "10.0.0.0/33"}).starts_with("--prefix: "));
  CHECK(error_of({"routes", "--peer", "nope"}).starts_with("--peer: "));
  CHECK(error_of({"routes", "--family", "ipv5"}) == "--family must be ipv4 or ipv6, not \"ipv5\"");
  CHECK(error_of({"-o", "yaml", "summary"}) == "--output must be table or json, not \"yaml\"");
  CHECK(error_of({"--verbose", "summary"}) == "unknown flag --verbose (see bgpctl --help)");
  CHECK(error_of({"summary", "--peer", "192.0.2.1"}) == "--prefix, --peer and --family go with routes");
}

TEST_CASE("bgpctl rendering: summary, neighbour and routes as tables") {
  const std::string summary =
      R"({"ok":true,"localAS":64512,"routerID":"10.0.0.1","ipv4Prefixes":3,"ipv6Prefixes":0,"peers":[)"
      R"({"address":"192.0.2.1","dynamic":false,"state":"Established","stateSeconds":3725,"remoteAS":65001,)"
      R"("localAS":64512,"prefixesReceived":5,"prefixesAccepted":4,"prefixesAdvertised":2,"prefixesRejected":1,"flaps":1,)"
      R"("lastError":{"kind":"hold timer expired"}},)"
      R"({"address":"192.0.2.9","dynamic":true,"state":"Active","stateSeconds":5,"remoteAS":0,"localAS":64512,)"
      R"("prefixesReceived":0,"prefixesAccepted":0,"prefixesAdvertised":0,"prefixesRejected":0,"flaps":0}]})";
  auto text = render(parsed({"summary"}), summary);
  REQUIRE(text.ok());
  CHECK(text->starts_with("BGP router ID 10.0.0.1, local AS 64512; Loc-RIB: 3 IPv4 and 0 IPv6 prefixes\n"));
  CHECK(text->find("192.0.2.1") != std::string::npos);
  CHECK(text->find("01:02:05") != std::string::npos);  // 3725 s
  CHECK(text->find("hold timer expired") != std::string::npos);
  CHECK(text->find("192.0.2.9 (dynamic)") != std::string::npos);

  const std::string routes =
      R"({"ok":true,"routes":[{"prefix":"10.2.0.0/24","paths":[{"from":"192.0.2.1","best":true,"multipath":true,)"
      R"("stale":false,"nextHop":"192.0.2.1","asPath":"65001","localPref":200,"communities":["65001:7"]},)"
      R"({"from":"192.0.2.2","best":false,"multipath":true,"stale":true,"nextHop":"192.0.2.2","asPath":"65002"}]}]})";
  text = render(parsed({"routes"}), routes);
  REQUIRE(text.ok());
  CHECK(text->find("*>") != std::string::npos);
  CHECK(text->find("*=S") != std::string::npos);
  CHECK(text->find("65001:7") != std::string::npos);
  CHECK(render(parsed({"routes"}), R"({"ok":true,"routes":[]})").value() == "No routes.\n");

  // JSON mode passes the answer through as it came.
  CHECK(render(parsed({"-o", "json", "summary"}), summary).value() == summary + "\n");
}

TEST_CASE("bgpctl rendering: refusals and answers that are not answers") {
  CHECK(render(parsed({"summary"}), R"({"ok":false,"error":"no neighbour 192.0.2.7"})").error().message ==
        "bgpd: no neighbour 192.0.2.7");
  CHECK(render(parsed({"summary"}), "garbage").error().message.starts_with("bgpd sent an answer that is not JSON"));
  CHECK(render(parsed({"neighbor", "192.0.2.1"}), R"({"ok":true})").error().message.starts_with(
      "bgpd's answer has no neighbor"));
  // Members missing or of the wrong type render as empty, never crash.
  CHECK(render(parsed({"summary"}), R"({"ok":true,"peers":7})").ok());
  CHECK(render(parsed({"routes"}), R"({"ok":true,"routes":[{"prefix":"10.0.0.0/8","paths":[{"best":"yes"}]}]})").ok());
  CHECK(render(parsed({"neighbor", "192.0.2.1"}), R"({"ok":true,"neighbor":{"session":{"families":[1]}}})").ok());
}
