#include "k8s-client/config/connection_source.hpp"

#include "k8s-client/config/in_cluster.hpp"
#include "k8s-client/config/kubeconfig.hpp"

namespace sluice::k8s {

Result<ConnectionConfig> resolve_connection(std::string_view kubeconfig_flag, std::string_view context,
                                            const EnvironmentLookup& env) {
  auto path = find_kubeconfig(kubeconfig_flag, env);
  if (path) return load_kubeconfig(*path, context);
  // An explicit file that is missing is an error, never a silent fall-back.
  if (!kubeconfig_flag.empty() || !env("KUBERNETES_SERVICE_HOST")) return path.error();
  auto in_cluster = load_in_cluster(env);
  if (!in_cluster) return in_cluster.error().context(path.error().message + "; and in-cluster");
  return in_cluster;
}

}  // namespace sluice::k8s
