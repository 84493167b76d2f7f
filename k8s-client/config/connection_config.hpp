// Everything the Kubernetes HTTP layer needs to reach and authenticate to an API
// server, resolved from a kubeconfig or from the pod's service account: no YAML, no
// relative paths, certificates already read.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "k8s-client/config/server_url.hpp"

namespace sluice::k8s {

struct TlsSettings {
  // PEM certificates to trust; empty means the system's trust store.
  std::string ca_pem;
  // Skip verification of the server certificate (kubeconfig insecure-skip-tls-verify).
  bool insecure_skip_verify = false;
  // The name to send as SNI and to verify the certificate against, when it is not the
  // URL's host (kubeconfig tls-server-name); empty means the URL's host.
  std::string server_name;
  // A client certificate and its key, both PEM, or both empty.
  std::string client_certificate_pem;
  std::string client_key_pem;

  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

struct NoAuth {
  friend bool operator==(const NoAuth&, const NoAuth&) = default;
};
// A token written into the kubeconfig itself.
struct BearerToken {
  std::string token;
  friend bool operator==(const BearerToken&, const BearerToken&) = default;
};
// A token kept in a file and re-read when it changes (projected service-account tokens
// are rotated by the kubelet); see TokenSource.
struct BearerTokenFile {
  std::filesystem::path path;
  friend bool operator==(const BearerTokenFile&, const BearerTokenFile&) = default;
};
struct BasicAuth {
  std::string username;
  std::string password;
  friend bool operator==(const BasicAuth&, const BasicAuth&) = default;
};
using Credentials = std::variant<NoAuth, BearerToken, BearerTokenFile, BasicAuth>;

struct ConnectionConfig {
  ServerUrl server;
  TlsSettings tls;
  Credentials credentials;
  std::string namespace_name = "default";  // the context's namespace
  // Where this came from, for logs and errors: `kubeconfig /root/.kube/config, context "kind"`.
  std::string source;
};

// The Authorization header value for basic auth: "Basic base64(username:password)".
std::string basic_authorization(const BasicAuth& auth);

// Reads a whole file; errors name the file. Injected where files are read so tests and
// the fuzz target can serve them from memory.
using FileReader = std::function<Result<std::string>(const std::filesystem::path&)>;
Result<std::string> read_whole_file(const std::filesystem::path& path);

// Looks up an environment variable (std::nullopt when unset); injected for tests.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;
std::optional<std::string> process_environment_variable(std::string_view name);

}  // namespace sluice::k8s
