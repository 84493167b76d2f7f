// In-cluster configuration: how a pod reaches the API server with its service account
// (the KUBERNETES_SERVICE_HOST/PORT variables the kubelet sets, and the token, CA and
// namespace files mounted into every pod).
#pragma once

#include <filesystem>

#include "base/result.hpp"
#include "k8s-client/config/connection_config.hpp"

namespace sluice::k8s {

inline const std::filesystem::path kServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

// Reads the environment and, under `directory`, the files token (kept as a token file,
// so rotations are followed), ca.crt (required) and namespace (optional; "default"
// when absent or empty). The token is read once here so a missing or empty one fails
// now rather than at the first request.
Result<ConnectionConfig> load_in_cluster(const EnvironmentLookup& env = process_environment_variable,
                                         const std::filesystem::path& directory = kServiceAccountDirectory,
                                         const FileReader& read_file = read_whole_file);

}  // namespace sluice::k8s
