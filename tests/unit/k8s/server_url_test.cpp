#include <doctest/doctest.h>

#include "k8s-client/config/server_url.hpp"

using sluice::k8s::HostKind;
using sluice::k8s::parse_server_url;
using sluice::k8s::Scheme;

TEST_CASE("server URLs split into scheme, host, port and base path") {
  auto url = parse_server_url("https://10.96.0.1:6443");
  REQUIRE(url.ok());
  CHECK(url->scheme == Scheme::https);
  CHECK(url->host == "10.96.0.1");
  CHECK(url->host_kind == HostKind::ipv4);
  CHECK(url->port == 6443);
  CHECK(url->base_path.empty());
  CHECK(url->authority() == "10.96.0.1:6443");

  url = parse_server_url("https://api.example.org/k8s/");
  REQUIRE(url.ok());
  CHECK(url->host == "api.example.org");
  CHECK(url->host_kind == HostKind::dns_name);
  CHECK(url->port == 443);
  CHECK(url->base_path == "/k8s");
  CHECK(url->to_string() == "https://api.example.org:443/k8s");

  url = parse_server_url("http://localhost");
  REQUIRE(url.ok());
  CHECK(url->scheme == Scheme::http);
  CHECK(url->port == 80);

  url = parse_server_url("HTTPS://[fd00:10:96::1]:443/");
  REQUIRE(url.ok());
  CHECK(url->scheme == Scheme::https);
  CHECK(url->host == "fd00:10:96::1");
  CHECK(url->host_kind == HostKind::ipv6);
  CHECK(url->base_path.empty());
  CHECK(url->authority() == "[fd00:10:96::1]:443");

  url = parse_server_url("https://[::1]");
  REQUIRE(url.ok());
  CHECK(url->port == 443);
}

TEST_CASE("server URLs print back to what parses") {
  for (const char* text : {"https://10.0.0.1:6443", "http://k8s.local:8080/a/b", "https://[2001:db8::1]:6443/api-proxy",
                           "https://kubernetes.default.svc"}) {
    auto url = parse_server_url(text);
    REQUIRE(url.ok());
    auto again = parse_server_url(url->to_string());
    REQUIRE(again.ok());
    CHECK(*again == *url);
  }
}

TEST_CASE("bad server URLs get precise errors") {
  auto error = [](std::string_view text) { return parse_server_url(text).error().message; };
  CHECK(error("") == "invalid server URL \"\": empty");
  CHECK(error("10.0.0.1:6443") == "invalid server URL \"10.0.0.1:6443\": no scheme (write \"https://10.0.0.1:6443\")");
  CHECK(error("://host") == "invalid server URL \"://host\": no scheme before \"://\"");
  CHECK(error("ftp://host") == "invalid server URL \"ftp://host\": scheme \"ftp\" is not http or https");
  CHECK(error("https://") == "invalid server URL \"https://\": no host");
  CHECK(error("https://:6443") == "invalid server URL \"https://:6443\": no host");
  CHECK(error("https://host:") == "invalid server URL \"https://host:\": empty port after ':'");
  CHECK(error("https://host:https") == "invalid server URL \"https://host:https\": port \"https\" is not a number");
  CHECK(error("https://host:0") == "invalid server URL \"https://host:0\": port 0 is out of range (1-65535)");
  CHECK(error("https://host:65536") ==
        "invalid server URL \"https://host:65536\": port 65536 is out of range (1-65535)");
  CHECK(error("https://host:-1") == "invalid server URL \"https://host:-1\": port \"-1\" is not a number");
  CHECK(error("https://host/api?watch=1") ==
        "invalid server URL \"https://host/api?watch=1\": a query (\"?watch=1\") is not allowed; a server URL is "
        "scheme://host[:port][/path]");
  CHECK(error("https://host#top") ==
        "invalid server URL \"https://host#top\": a fragment (\"#top\") is not allowed; a server URL is "
        "scheme://host[:port][/path]");
  CHECK(error("https://fd00::1:6443") ==
        "invalid server URL \"https://fd00::1:6443\": an IPv6 address needs brackets (https://[ADDRESS]:PORT)");
  CHECK(error("https://[fd00::1:6443") ==
        "invalid server URL \"https://[fd00::1:6443\": the IPv6 address has no closing ']'");
  CHECK(error("https://[fd00::1]6443") ==
        "invalid server URL \"https://[fd00::1]6443\": unexpected \"6443\" after the IPv6 address");
  CHECK(error("https://[fd00::zz]") ==
        "invalid server URL \"https://[fd00::zz]\": invalid IPv6 address \"fd00::zz\": unexpected character 'z' at "
        "offset 6");
  CHECK(error("https://[fe80::1%25eth0]") ==
        "invalid server URL \"https://[fe80::1%25eth0]\": invalid IPv6 address \"fe80::1%25eth0\": zone index "
        "\"%25eth0\" is not allowed here");
  CHECK(error("https://10.0.0.256") ==
        "invalid server URL \"https://10.0.0.256\": invalid IPv4 address \"10.0.0.256\": octet 4 (\"256\") is greater "
        "than 255");
  CHECK(error("https://under_score.example") ==
        "invalid server URL \"https://under_score.example\": host name \"under_score.example\": character '_' is not "
        "allowed (letters, digits, '-' and '.')");
  CHECK(error("https://a..b") == "invalid server URL \"https://a..b\": host name \"a..b\" has an empty label");
  CHECK(error("https://-a.example") ==
        "invalid server URL \"https://-a.example\": host name \"-a.example\": a label may not begin or end with '-'");
  CHECK(error("https://host name") ==
        "invalid server URL \"https://host name\": byte 0x20 at offset 12 is not allowed");
  // Control bytes are shown escaped, so the error stays on one log line.
  CHECK(error("https://host\r\nX: y") ==
        "invalid server URL \"https://host\\x0d\\x0aX: y\": byte 0x0d at offset 12 is not allowed");
}

TEST_CASE("user info is refused and never repeated in the error") {
  auto error = parse_server_url("https://admin:s3cret@10.0.0.1:6443").error().message;
  CHECK(error ==
        "invalid server URL \"https://***@10.0.0.1:6443\": user info is not allowed (credentials belong in the "
        "kubeconfig user)");
  CHECK(error.find("s3cret") == std::string::npos);
  // Redacted in every error, also the ones found before the user info.
  error = parse_server_url("admin:s3cret@10.0.0.1:6443").error().message;
  CHECK(error.find("s3cret") == std::string::npos);
  CHECK(error == "invalid server URL \"***@10.0.0.1:6443\": no scheme (write \"https://***@10.0.0.1:6443\")");
}
