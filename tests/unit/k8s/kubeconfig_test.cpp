#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "base/text/base64.hpp"
#include "k8s-client/config/kubeconfig.hpp"
#include "k8s-client/config/connection_source.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice::k8s;
using sluice::Error;
using sluice::Result;

namespace {

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nMIIBcaCA\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";

// Files served from memory, keyed by the path the resolver asks for.
struct Files {
  std::map<std::string, std::string> contents;
  std::vector<std::string> asked;
  FileReader reader() {
    return [this](const std::filesystem::path& path) -> Result<std::string> {
      asked.push_back(path.string());
      auto it = contents.find(path.string());
      if (it == contents.end()) return Error{fmt::format("cannot read {}: No such file or directory", path.string())};
      return it->second;
    };
  }
};

std::string parse_error(std::string_view yaml) {
  auto parsed = parse_kubeconfig(yaml);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

Result<ConnectionConfig> resolve(std::string_view yaml, Files& files, std::string_view context = {}) {
  auto parsed = parse_kubeconfig(yaml);
  REQUIRE(parsed.ok());
  return resolve_kubeconfig(*parsed, context, "/etc/kube", "kubeconfig test", files.reader());
}

std::string resolve_error(std::string_view yaml, std::string_view context = {}) {
  Files files;
  auto resolved = resolve(yaml, files, context);
  REQUIRE_FALSE(resolved.ok());
  return resolved.error().message;
}

// One cluster "c", one user "u" with `user_body`, one context "ctx" selected.
std::string single(std::string_view cluster_body, std::string_view user_body, std::string_view context_extra = {}) {
  return fmt::format(R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
{}
users:
- name: u
  user:
{}
contexts:
- name: ctx
  context:
    cluster: c
    user: u
{}
current-context: ctx
)",
                     cluster_body, user_body, context_extra);
}

const std::string kServer = "    server: https://10.0.0.1:6443";

}  // namespace

TEST_CASE("a typical kubeconfig resolves its current context") {
  std::string yaml = fmt::format(R"(apiVersion: v1
kind: Config
preferences: {{}}
clusters:
- name: lab
  cluster:
    server: https://lab.example.org:6443/proxy/
    certificate-authority-data: {}
    tls-server-name: kubernetes.default.svc
    extensions: []
- name: other
  cluster:
    server: http://127.0.0.1:8080
users:
- name: admin
  user:
    client-certificate-data: {}
    client-key-data: {}
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
contexts:
- name: lab-admin
  context:
    cluster: lab
    user: admin
    namespace: kube-system
- name: other
  context:
    cluster: other
current-context: lab-admin
)",
                                 sluice::text::base64_encode(kCaPem), sluice::text::base64_encode(kCertPem),
                                 sluice::text::base64_encode(kKeyPem));
  Files files;
  auto config = resolve(yaml, files);
  REQUIRE(config.ok());
  CHECK(config->server.to_string() == "https://lab.example.org:6443/proxy");
  CHECK(config->tls.ca_pem == kCaPem);
  CHECK(config->tls.server_name == "kubernetes.default.svc");
  CHECK_FALSE(config->tls.insecure_skip_verify);
  CHECK(config->tls.client_certificate_pem == kCertPem);
  CHECK(config->tls.client_key_pem == kKeyPem);
  CHECK(std::holds_alternative<NoAuth>(config->credentials));
  CHECK(config->namespace_name == "kube-system");
  CHECK(config->source == "kubeconfig test, context \"lab-admin\"");
  CHECK(files.asked.empty());  // everything was inline

  // The other context: no user, plain HTTP, the default namespace. The exec user is
  // never selected, so it is no obstacle.
  auto other = resolve(yaml, files, "other");
  REQUIRE(other.ok());
  CHECK(other->server.scheme == Scheme::http);
  CHECK(other->tls.ca_pem.empty());
  CHECK(std::holds_alternative<NoAuth>(other->credentials));
  CHECK(other->namespace_name == "default");
}

TEST_CASE("referenced files are read relative to the kubeconfig's directory") {
  std::string yaml =
      single(kServer + "\n    certificate-authority: pki/ca.crt",
             "    client-certificate: /abs/client.crt\n    client-key: client.key\n    tokenFile: token");
  Files files;
  files.contents = {{"/etc/kube/pki/ca.crt", kCaPem},
                    {"/abs/client.crt", kCertPem},
                    {"/etc/kube/client.key", kKeyPem},
                    {"/etc/kube/token", "abc.def\n"}};
  auto config = resolve(yaml, files);
  REQUIRE(config.ok());
  CHECK(config->tls.ca_pem == kCaPem);
  CHECK(config->tls.client_certificate_pem == kCertPem);
  CHECK(config->tls.client_key_pem == kKeyPem);
  REQUIRE(std::holds_alternative<BearerTokenFile>(config->credentials));
  CHECK(std::get<BearerTokenFile>(config->credentials).path == "/etc/kube/token");
}

TEST_CASE("-data fields win over files and token wins over tokenFile, as in kubectl") {
  std::string yaml = single(kServer + "\n    certificate-authority: missing-ca.crt\n    certificate-authority-data: " +
                                sluice::text::base64_encode(kCaPem),
                            "    token: literal-token\n    tokenFile: missing-token");
  Files files;
  auto config = resolve(yaml, files);
  REQUIRE(config.ok());
  CHECK(config->tls.ca_pem == kCaPem);
  REQUIRE(std::holds_alternative<BearerToken>(config->credentials));
  CHECK(std::get<BearerToken>(config->credentials).token == "literal-token");
  CHECK(files.asked.empty());
}

TEST_CASE("base64 data may be split over lines in a block scalar") {
  std::string encoded = sluice::text::base64_encode(kCaPem);
  std::string yaml = single(
      kServer + "\n    certificate-authority-data: |\n      " + encoded.substr(0, 20) + "\n      " + encoded.substr(20),
      "    token: t");
  Files files;
  auto config = resolve(yaml, files);
  REQUIRE(config.ok());
  CHECK(config->tls.ca_pem == kCaPem);
}

TEST_CASE("basic auth becomes an Authorization header") {
  Files files;
  auto config = resolve(single(kServer, "    username: admin\n    password: 'p@ss word'"), files);
  REQUIRE(config.ok());
  REQUIRE(std::holds_alternative<BasicAuth>(config->credentials));
  auto basic = std::get<BasicAuth>(config->credentials);
  CHECK(basic == BasicAuth{"admin", "p@ss word"});
  CHECK(basic_authorization(basic) == "Basic " + sluice::text::base64_encode("admin:p@ss word"));
}

TEST_CASE("insecure-skip-tls-verify reads YAML booleans") {
  Files files;
  for (const char* value : {"true", "True", "yes", "on"}) {
    auto config = resolve(single(kServer + "\n    insecure-skip-tls-verify: " + value, "    token: t"), files);
    REQUIRE(config.ok());
    CHECK(config->tls.insecure_skip_verify);
  }
  auto config = resolve(single(kServer + "\n    insecure-skip-tls-verify: false", "    token: t"), files);
  REQUIRE(config.ok());
  CHECK_FALSE(config->tls.insecure_skip_verify);
}

TEST_CASE("YAML syntax errors carry line and column") {
  CHECK(parse_error("clusters: [a, b\n") == "YAML error at line 2, column 1: end of sequence flow not found");
  CHECK(parse_error("users:\n- name: a\n  user: {token: \"x}\n") ==
        "YAML error at line 4, column 1: end of map flow not found");
  CHECK(parse_error("a: b\n c: d\n") == "YAML error at line 2, column 3: illegal map value");
  CHECK(parse_error("x: *missing\n") == "YAML error at line 1, column 4: the referenced anchor is not defined");
}

TEST_CASE("input that makes yaml-cpp's LoadAll loop forever ends") {
  // Found by the fuzz target (corpus regression-loadall-loop): a stray '}' makes the
  // parser return empty documents without consuming input.
  CHECK(parse_error(", b\nuse\xec:aer:}\n") == "no YAML document (the text is empty or only comments)");
  CHECK(parse_error("a: b\n}\n") == "YAML error at line 2, column 1: illegal flow end");
}

TEST_CASE("deep nesting is refused, not recursed into") {
  // The limit is yaml-cpp's, compiled into the library (500 in Debian's build).
  auto too_deep = [](const std::string& error) {
    return error.starts_with("YAML error at line ") && error.ends_with(" levels deep, too deep for the YAML parser");
  };
  CHECK(too_deep(parse_error(std::string(100000, '['))));
  std::string deep_maps;
  for (int i = 0; i < 5000; ++i) deep_maps += "{a: ";
  CHECK(too_deep(parse_error(deep_maps)));
  std::string deep_blocks;
  for (int i = 0; i < 3000; ++i) deep_blocks += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
  CHECK(too_deep(parse_error(deep_blocks)));
}

TEST_CASE("wrong shapes are named by their field path") {
  CHECK(parse_error("") == "no YAML document (the text is empty or only comments)");
  CHECK(parse_error("# nothing but a comment\n") == "no YAML document (the text is empty or only comments)");
  CHECK(parse_error("a: 1\n---\nb: 2\n") == "more than one YAML document (separated by \"---\")");
  CHECK(parse_kubeconfig("current-context: a\n---\n").ok());  // an empty document after "---" is nothing
  CHECK(parse_error("- clusters\n") == "the top level: expected a map, got a list");
  CHECK(parse_error("just text") == "the top level: expected a map, got a string");
  CHECK(parse_error("clusters:\n  lab:\n    server: https://x\n") == "clusters: expected a list, got a map");
  CHECK(parse_error("users: admin\n") == "users: expected a list, got a string");
  CHECK(parse_error("clusters:\n- lab\n") == "clusters[0]: expected a map, got a string");
  CHECK(parse_error("clusters:\n- name: lab\n  cluster: https://x\n") ==
        "clusters[0].cluster: expected a map, got a string");
  CHECK(parse_error("clusters:\n- name: lab\n  cluster:\n    server: [https://x]\n") ==
        "clusters[0].cluster.server: expected a string, got a list");
  CHECK(parse_error("clusters:\n- name: [lab]\n") == "clusters[0].name: expected a string, got a list");
  CHECK(parse_error("contexts:\n- name: a\n  context:\n    namespace: {x: y}\n") ==
        "contexts[0].context.namespace: expected a string, got a map");
  CHECK(parse_error("current-context: [a]\n") == "current-context: expected a string, got a list");
  CHECK(parse_error("clusters:\n- name: lab\n  cluster:\n    insecure-skip-tls-verify: maybe\n") ==
        "clusters[0].cluster.insecure-skip-tls-verify: expected true or false, got \"maybe\"");
  CHECK(parse_error("? [a, b]\n: c\n") == "the top level: a key is a list; keys must be strings");
  CHECK(parse_error("apiVersion: v2\n") == "apiVersion: \"v2\" is not supported (expected v1)");
  CHECK(parse_error("kind: Pod\n") == "kind: expected Config, got \"Pod\"");
}

TEST_CASE("bad base64 is named by its field path") {
  CHECK(parse_error("users:\n- name: a\n  user:\n    token: t\n- name: b\n  user:\n    client-certificate-data: "
                    "LS0t!S0t\n") ==
        "users[1].user.client-certificate-data: invalid base64: invalid base64 character '!' at offset 4");
  CHECK(
      parse_error("clusters:\n- name: a\n  cluster:\n    certificate-authority-data: abc\n") ==
      "clusters[0].cluster.certificate-authority-data: invalid base64: base64 text of length 3 is not a multiple of 4");
  // A folded plain scalar turns line breaks into spaces, which base64 does not allow.
  CHECK(parse_error("users:\n- name: a\n  user:\n    client-key-data: TFMw\n      dA==\n") ==
        "users[0].user.client-key-data: invalid base64: base64 text of length 9 is not a multiple of 4");
}

TEST_CASE("names must be present and unique; keys appear once") {
  CHECK(parse_error("clusters:\n- cluster:\n    server: https://x\n") == "clusters[0].name: missing");
  CHECK(parse_error("users:\n- name: a\n- name: ''\n") == "users[1].name: missing");
  CHECK(parse_error("contexts:\n- name: a\n- name: b\n- name: a\n") ==
        "contexts[2].name: \"a\" is already the name of contexts[0]");
  CHECK(parse_error("clusters:\n- name: a\n  cluster:\n    server: https://x\n    server: https://y\n") ==
        "clusters[0].cluster.server: given more than once");
  CHECK(parse_error("current-context: a\ncurrent-context: b\n") == "current-context: given more than once");
}

TEST_CASE("choosing a context: precise errors") {
  CHECK(resolve_error("clusters: []\n") == "current-context is empty and no context was given");
  CHECK(resolve_error("current-context: ''\n") == "current-context is empty and no context was given");
  CHECK(resolve_error("current-context: gone\ncontexts:\n- name: a\n") ==
        "current-context \"gone\" names a context that is not defined");
  CHECK(resolve_error("contexts:\n- name: a\n- name: b\n", "x") ==
        "context \"x\" is not defined (defined: \"a\", \"b\")");
  CHECK(resolve_error("current-context: a\n", "x") == "context \"x\" is not defined (no contexts are defined)");
  CHECK(resolve_error("current-context: x\ncontexts:\n- name: x\n  context:\n    user: u\n") ==
        "contexts[0].context.cluster: context \"x\" names no cluster");
  CHECK(resolve_error("current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: y\n") ==
        "contexts[0].context.cluster: context \"x\" names cluster \"y\" which is not defined");
  CHECK(resolve_error("current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://h\ncontexts:\n"
                      "- name: x\n  context:\n    cluster: c\n    user: nobody\n") ==
        "contexts[0].context.user: context \"x\" names user \"nobody\" which is not defined");
  CHECK(resolve_error(single(kServer, "    token: t", "    namespace: Kube_System")) ==
        "contexts[0].context.namespace: \"Kube_System\" is not a valid namespace name (lowercase letters, digits and "
        "'-', at most 63)");
}

TEST_CASE("clusters: precise errors") {
  CHECK(resolve_error(single("    certificate-authority-data: ''", "    token: t")) ==
        "clusters[0].cluster.server: cluster \"c\" has no server");
  CHECK(
      resolve_error(single("    server: 10.0.0.1:6443", "    token: t")) ==
      "clusters[0].cluster.server: invalid server URL \"10.0.0.1:6443\": no scheme (write \"https://10.0.0.1:6443\")");
  CHECK(resolve_error(single(kServer + "\n    certificate-authority: ca.crt", "    token: t")) ==
        "clusters[0].cluster.certificate-authority: cannot read /etc/kube/ca.crt: No such file or directory");
  CHECK(resolve_error(single(kServer + "\n    certificate-authority-data: " + sluice::text::base64_encode("DER bytes"),
                             "    token: t")) ==
        "clusters[0].cluster.certificate-authority-data: not PEM (no \"-----BEGIN\" line)");
  CHECK(resolve_error(single(kServer + "\n    insecure-skip-tls-verify: true\n    certificate-authority-data: " +
                                 sluice::text::base64_encode(kCaPem),
                             "    token: t")) ==
        "clusters[0].cluster: cluster \"c\" sets both insecure-skip-tls-verify and a certificate authority; use one");
  CHECK(resolve_error(single(kServer + "\n    proxy-url: http://proxy:3128", "    token: t")) ==
        "clusters[0].cluster.proxy-url: cluster \"c\": proxies are not supported");

  Files files;
  files.contents = {{"/etc/kube/ca.crt", ""}};
  auto empty_ca = resolve(single(kServer + "\n    certificate-authority: ca.crt", "    token: t"), files);
  REQUIRE_FALSE(empty_ca.ok());
  CHECK(empty_ca.error().message == "clusters[0].cluster.certificate-authority: /etc/kube/ca.crt is empty");
}

TEST_CASE("users: precise errors") {
  CHECK(resolve_error(single(kServer, "    exec:\n      command: aws\n      args: [eks, get-token]")) ==
        "users[0].user.exec: user \"u\": exec credential plugins are not supported; use token, tokenFile or a client "
        "certificate");
  CHECK(resolve_error(single(kServer, "    auth-provider:\n      name: gcp")) ==
        "users[0].user.auth-provider: user \"u\": auth-provider plugins are not supported; use token, tokenFile or a "
        "client certificate");
  CHECK(resolve_error(single(kServer, "    token: t\n    as: system:admin")) ==
        "users[0].user.as: user \"u\": impersonation is not supported");
  CHECK(resolve_error(single(kServer, "    token: t\n    as-groups: [system:masters]")) ==
        "users[0].user.as-groups: user \"u\": impersonation is not supported");
  CHECK(resolve_error(single(kServer, "    client-certificate-data: " + sluice::text::base64_encode(kCertPem))) ==
        "users[0].user: user \"u\" has a client certificate but no client key");
  CHECK(resolve_error(single(kServer, "    client-key-data: " + sluice::text::base64_encode(kKeyPem))) ==
        "users[0].user: user \"u\" has a client key but no client certificate");
  CHECK(resolve_error(single(kServer, "    client-certificate: c.crt\n    client-key: c.key")) ==
        "users[0].user.client-certificate: cannot read /etc/kube/c.crt: No such file or directory");
  CHECK(resolve_error(single(kServer, "    token: \"two words\"")) ==
        "users[0].user.token: the token has byte 0x20 at offset 3 (a bearer token is visible ASCII, no spaces)");
  CHECK(resolve_error(single(kServer, "    token: \"abc\\r\\nX-Injected: 1\"")) ==
        "users[0].user.token: the token has byte 0x0d at offset 3 (a bearer token is visible ASCII, no spaces)");
  CHECK(resolve_error(single(kServer, "    tokenFile: token")) ==
        "users[0].user.tokenFile: cannot read /etc/kube/token: No such file or directory");
  CHECK(resolve_error(single(kServer, "    token: t\n    username: admin\n    password: pw")) ==
        "users[0].user: user \"u\" sets both a bearer token and username/password; use one");
  CHECK(resolve_error(single(kServer, "    password: pw")) ==
        "users[0].user: user \"u\" has a password but no username");
  CHECK(resolve_error(single(kServer, "    username: 'a:b'\n    password: pw")) ==
        "users[0].user.username: a basic-auth username cannot contain ':'");

  Files files;
  files.contents = {{"/etc/kube/token", " \n"}};
  auto empty_token = resolve(single(kServer, "    tokenFile: token"), files);
  REQUIRE_FALSE(empty_token.ok());
  CHECK(empty_token.error().message == "users[0].user.tokenFile: token file /etc/kube/token is empty");
}

TEST_CASE("empty plugin and impersonation fields are not uses") {
  Files files;
  auto config = resolve(single(kServer, "    token: t\n    as: ''\n    as-groups: []\n    as-user-extra: {}"), files);
  CHECK(config.ok());
}

TEST_CASE("load_kubeconfig reads the file and names it in errors") {
  sluice::testing::TempDir dir("kubeconfig");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir.path() / name) << text; };
  write("ca.crt", kCaPem);
  write("token", "from-file\n");
  write("config", single(kServer + "\n    certificate-authority: ca.crt", "    tokenFile: token"));
  auto config = load_kubeconfig(dir.path() / "config");
  REQUIRE(config.ok());
  CHECK(config->tls.ca_pem == kCaPem);
  CHECK(std::get<BearerTokenFile>(config->credentials).path == dir.path() / "token");
  CHECK(config->source == fmt::format("kubeconfig {}, context \"ctx\"", (dir.path() / "config").string()));

  std::string config_path = (dir.path() / "config").string();
  CHECK(load_kubeconfig(config_path, "nope").error().message ==
        fmt::format("kubeconfig {}: context \"nope\" is not defined (defined: \"ctx\")", config_path));
  write("config", "clusters: {}\n");
  CHECK(load_kubeconfig(config_path).error().message ==
        fmt::format("kubeconfig {}: clusters: expected a list, got a map", config_path));
  std::string missing = (dir.path() / "missing").string();
  CHECK(load_kubeconfig(missing).error().message ==
        fmt::format("kubeconfig: cannot read {}: No such file or directory", missing));
  CHECK(load_kubeconfig(dir.path()).error().message ==
        fmt::format("kubeconfig: cannot read {}: Is a directory", dir.path().string()));
}

TEST_CASE("find_kubeconfig follows kubectl's order") {
  sluice::testing::TempDir dir("kubeconfig-find");
  std::filesystem::create_directories(dir.path() / "home" / ".kube");
  std::ofstream(dir.path() / "home" / ".kube" / "config") << "{}";
  std::ofstream(dir.path() / "second") << "{}";
  std::map<std::string, std::string, std::less<>> vars;
  EnvironmentLookup env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::string home = (dir.path() / "home").string();
  std::string first = (dir.path() / "first").string();
  std::string second = (dir.path() / "second").string();

  vars = {{"HOME", home}, {"KUBECONFIG", second}};
  CHECK(*find_kubeconfig("/explicit/config", env) == "/explicit/config");
  vars = {{"HOME", home}, {"KUBECONFIG", ":" + first + "::" + second + ":" + home + "/.kube/config"}};
  CHECK(*find_kubeconfig("", env) == second);
  vars = {{"HOME", home}, {"KUBECONFIG", first}};
  CHECK(find_kubeconfig("", env).error().message ==
        fmt::format("no kubeconfig: none of the files in KUBECONFIG exist ({})", first));
  vars = {{"HOME", home}, {"KUBECONFIG", ""}};
  CHECK(*find_kubeconfig("", env) == dir.path() / "home" / ".kube" / "config");
  vars = {{"HOME", home}};
  CHECK(*find_kubeconfig("", env) == dir.path() / "home" / ".kube" / "config");
  vars = {{"HOME", dir.path().string()}};
  CHECK(find_kubeconfig("", env).error().message ==
        fmt::format("no kubeconfig: KUBECONFIG is not set and {}/.kube/config does not exist", dir.path().string()));
  vars = {};
  CHECK(find_kubeconfig("", env).error().message == "no kubeconfig: neither KUBECONFIG nor HOME is set");
}

TEST_CASE("resolve_connection: kubeconfig first, the service account inside a pod, errors saying what was tried") {
  sluice::testing::TempDir dir("kubeconfig-resolve");
  std::ofstream(dir.path() / "config") << single(kServer, "    token: abc");
  std::map<std::string, std::string, std::less<>> vars;
  EnvironmentLookup env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  vars = {{"KUBECONFIG", (dir.path() / "config").string()}};
  auto found = resolve_connection("", "", env);
  REQUIRE(found.ok());
  CHECK(std::get<BearerToken>(found->credentials).token == "abc");

  const std::string missing = (dir.path() / "missing").string();
  CHECK(resolve_connection(missing, "", env).error().message ==
        fmt::format("kubeconfig: cannot read {}: No such file or directory", missing));

  vars = {{"HOME", dir.path().string()}};
  CHECK(resolve_connection("", "", env).error().message ==
        fmt::format("no kubeconfig: KUBECONFIG is not set and {}/.kube/config does not exist", dir.path().string()));

  // In a pod without a mounted service account, both attempts are named.
  vars = {{"HOME", dir.path().string()}, {"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  auto in_pod = resolve_connection("", "", env);
  REQUIRE(!in_pod);
  CHECK(in_pod.error().message.starts_with(fmt::format(
      "no kubeconfig: KUBECONFIG is not set and {}/.kube/config does not exist; and in-cluster: ", dir.path().string())));
}
