// kubeconfig files (the YAML kubectl reads): parsed into clusters, users and contexts,
// then one context resolved into a ConnectionConfig.
//
// Supported: server, certificate-authority(-data), insecure-skip-tls-verify,
// tls-server-name; client-certificate(-data), client-key(-data), token, tokenFile,
// username/password; a context's cluster, user and namespace. As in kubectl, a -data
// field wins over its file field and token wins over tokenFile; relative file paths are
// relative to the kubeconfig's directory. Refused with a precise error when the selected
// context uses them: exec and auth-provider plugins, impersonation (as, as-uid,
// as-groups, as-user-extra) and proxy-url — ignoring those would connect as someone else
// or by another route. Other unknown fields are ignored, as kubectl does.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "k8s-client/config/connection_config.hpp"

namespace sluice::k8s {

// Empty strings mean "not set" throughout, as in kubectl. `path` is where the entry sits
// in the YAML ("clusters[0]"), for errors.
struct KubeconfigCluster {
  std::string name;
  std::string path;
  std::string server;
  std::string certificate_authority;       // a file path as written
  std::string certificate_authority_data;  // decoded from base64
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::vector<std::string> unsupported;  // fields present that Sluice does not implement
};

struct KubeconfigUser {
  std::string name;
  std::string path;
  std::string client_certificate;
  std::string client_certificate_data;
  std::string client_key;
  std::string client_key_data;
  std::string token;
  std::string token_file;
  std::string username;
  std::string password;
  std::vector<std::string> unsupported;
};

struct KubeconfigContext {
  std::string name;
  std::string path;
  std::string cluster;
  std::string user;
  std::string namespace_name;
};

struct Kubeconfig {
  std::vector<KubeconfigCluster> clusters;
  std::vector<KubeconfigUser> users;
  std::vector<KubeconfigContext> contexts;
  std::string current_context;

  const KubeconfigCluster* find_cluster(std::string_view name) const;
  const KubeconfigUser* find_user(std::string_view name) const;
  const KubeconfigContext* find_context(std::string_view name) const;
};

// Parses the YAML and checks every entry's shape and base64 data; errors name the field
// path ("users[1].user.client-certificate-data: invalid base64: ...") or, for YAML syntax,
// the line and column. Never throws.
Result<Kubeconfig> parse_kubeconfig(std::string_view yaml);

// Resolves `context` (or, when empty, current-context) into a connection: checks that
// the context's cluster and user exist and use only supported features, reads the
// files they name through `read_file` (relative paths against `directory`), and checks
// the server URL, token and PEM data. `source` names the kubeconfig in ConnectionConfig::source.
Result<ConnectionConfig> resolve_kubeconfig(const Kubeconfig& kubeconfig, std::string_view context,
                                            const std::filesystem::path& directory, std::string_view source,
                                            const FileReader& read_file = read_whole_file);

// Reads, parses and resolves the kubeconfig file at `path`; errors start with
// "kubeconfig <path>: ".
Result<ConnectionConfig> load_kubeconfig(const std::filesystem::path& path, std::string_view context = {});

// Which kubeconfig file to use, in kubectl's order: `explicit_path` (a --kubeconfig
// flag) when not empty; else $KUBECONFIG, a colon-separated list of which the first
// existing file is used (kubectl merges them all; Sluice reads one); else
// $HOME/.kube/config if it exists. An error says what was tried.
Result<std::filesystem::path> find_kubeconfig(std::string_view explicit_path,
                                              const EnvironmentLookup& env = process_environment_variable);

}  // namespace sluice::k8s
