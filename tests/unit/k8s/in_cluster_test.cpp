#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "k8s-client/config/in_cluster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice::k8s;

namespace {

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nMIIBcaCA\n-----END CERTIFICATE-----\n";

struct Pod {
  sluice::testing::TempDir dir{"in-cluster"};
  std::map<std::string, std::string, std::less<>> vars{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                       {"KUBERNETES_SERVICE_PORT", "443"}};

  Pod() {
    write("token", "eyJhbGciOi.payload.sig\n");
    write("ca.crt", kCaPem);
    write("namespace", "calico-system");
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir.path() / name) << text; }
  void remove(const std::string& name) const { std::filesystem::remove(dir.path() / name); }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }

  sluice::Result<ConnectionConfig> load() const {
    EnvironmentLookup env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    return load_in_cluster(env, dir.path());
  }
  std::string error() const {
    auto config = load();
    REQUIRE_FALSE(config.ok());
    return config.error().message;
  }
};

}  // namespace

TEST_CASE("in-cluster config from the service account") {
  Pod pod;
  auto config = pod.load();
  REQUIRE(config.ok());
  CHECK(config->server.to_string() == "https://10.96.0.1:443");
  CHECK(config->tls.ca_pem == kCaPem);
  CHECK_FALSE(config->tls.insecure_skip_verify);
  REQUIRE(std::holds_alternative<BearerTokenFile>(config->credentials));
  CHECK(std::get<BearerTokenFile>(config->credentials).path == pod.dir.path() / "token");
  CHECK(config->namespace_name == "calico-system");
  CHECK(config->source ==
        fmt::format("in-cluster service account (https://10.96.0.1:443, {})", pod.dir.path().string()));
}

TEST_CASE("an IPv6 service address is bracketed") {
  Pod pod;
  pod.vars["KUBERNETES_SERVICE_HOST"] = "fd00:10:96::1";
  pod.vars["KUBERNETES_SERVICE_PORT"] = "6443";
  auto config = pod.load();
  REQUIRE(config.ok());
  CHECK(config->server.host == "fd00:10:96::1");
  CHECK(config->server.host_kind == HostKind::ipv6);
  CHECK(config->server.to_string() == "https://[fd00:10:96::1]:6443");
}

TEST_CASE("the namespace defaults to \"default\"") {
  Pod pod;
  pod.remove("namespace");
  CHECK(pod.load()->namespace_name == "default");
  pod.write("namespace", "\n");
  CHECK(pod.load()->namespace_name == "default");
  pod.write("namespace", "kube-system\n");
  CHECK(pod.load()->namespace_name == "kube-system");
}

TEST_CASE("in-cluster environment errors") {
  Pod pod;
  pod.vars.erase("KUBERNETES_SERVICE_HOST");
  CHECK(pod.error() == "in-cluster config: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
  pod.vars["KUBERNETES_SERVICE_HOST"] = "";
  CHECK(pod.error() == "in-cluster config: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
  pod.vars["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  pod.vars.erase("KUBERNETES_SERVICE_PORT");
  CHECK(pod.error() == "in-cluster config: KUBERNETES_SERVICE_PORT is not set (not running in a pod?)");
  for (const char* port : {"https", "0", "65536", "1234567", "-1", " 443"}) {
    pod.vars["KUBERNETES_SERVICE_PORT"] = port;
    CHECK(pod.error() ==
          fmt::format("in-cluster config: KUBERNETES_SERVICE_PORT \"{}\" is not a port number (1-65535)", port));
  }
  pod.vars["KUBERNETES_SERVICE_PORT"] = "443";
  pod.vars["KUBERNETES_SERVICE_HOST"] = "10.96.0";
  CHECK(pod.error() ==
        "in-cluster config: KUBERNETES_SERVICE_HOST \"10.96.0\": invalid server URL \"https://10.96.0:443\": invalid "
        "IPv4 address \"10.96.0\": expected 4 dot-separated octets, found 3");
  for (const char* host : {"kubernetes/default", "10.96.0.1/x", "[fd00::1]/x"}) {
    pod.vars["KUBERNETES_SERVICE_HOST"] = host;
    CHECK(pod.error() ==
          fmt::format("in-cluster config: KUBERNETES_SERVICE_HOST \"{}\" is not a host name or IP address", host));
  }
  pod.vars["KUBERNETES_SERVICE_HOST"] = "user@10.96.0.1";
  CHECK(pod.error() ==
        "in-cluster config: KUBERNETES_SERVICE_HOST \"user@10.96.0.1\": invalid server URL "
        "\"https://***@10.96.0.1:443\": "
        "user info is not allowed (credentials belong in the kubeconfig user)");
  pod.vars["KUBERNETES_SERVICE_HOST"] = "[fd00::1]";  // already bracketed: accepted as it is
  CHECK(pod.load()->server.to_string() == "https://[fd00::1]:443");
}

TEST_CASE("in-cluster file errors") {
  Pod pod;
  pod.remove("token");
  CHECK(pod.error() ==
        fmt::format("in-cluster config: service-account token: cannot read {}: No such file or directory",
                    pod.file("token")));
  pod.write("token", "  \n");
  CHECK(pod.error() == fmt::format("in-cluster config: token file {} is empty", pod.file("token")));
  pod.write("token", "abc");
  pod.remove("ca.crt");
  CHECK(pod.error() == fmt::format("in-cluster config: service-account CA: cannot read {}: No such file or directory",
                                   pod.file("ca.crt")));
  pod.write("ca.crt", "");
  CHECK(pod.error() == fmt::format("in-cluster config: service-account CA {} is empty", pod.file("ca.crt")));
  pod.write("ca.crt", "MIIB...");
  CHECK(pod.error() == fmt::format("in-cluster config: service-account CA {} is not PEM (no \"-----BEGIN\" line)",
                                   pod.file("ca.crt")));
}
