// The codec instantiated for Calico's BGP resources.
#include "k8s-client/resources/calico_bgp.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(BGPConfiguration)
SLUICE_K8S_CODEC_FOR(BGPPeer)
}  // namespace sluice::k8s
