// The codec instantiated for the core (v1) resources.
#include "k8s-client/resources/core.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(Node)
SLUICE_K8S_CODEC_FOR(Pod)
SLUICE_K8S_CODEC_FOR(Namespace)
}  // namespace sluice::k8s
