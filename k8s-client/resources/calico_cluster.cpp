// The codec instantiated for Calico's ClusterInformation.
#include "k8s-client/resources/calico_cluster.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(ClusterInformation)
}  // namespace sluice::k8s
