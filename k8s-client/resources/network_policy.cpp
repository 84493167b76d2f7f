// The codec instantiated for networking.k8s.io/v1 NetworkPolicy.
#include "k8s-client/resources/network_policy.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(NetworkPolicy)
}  // namespace sluice::k8s
