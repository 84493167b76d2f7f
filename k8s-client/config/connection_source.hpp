// How a Sluice program finds its API server, in client-go's order: an explicit
// --kubeconfig; else a kubeconfig from $KUBECONFIG or ~/.kube/config; else, inside a pod
// (KUBERNETES_SERVICE_HOST set), the service account. The error says what was tried.
#pragma once

#include <string_view>

#include "k8s-client/config/connection_config.hpp"

namespace sluice::k8s {

Result<ConnectionConfig> resolve_connection(std::string_view kubeconfig_flag, std::string_view context = {},
                                            const EnvironmentLookup& env = process_environment_variable);

}  // namespace sluice::k8s
