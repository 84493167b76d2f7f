// The codec instantiated for Calico's IPAM resources.
#include "k8s-client/resources/calico_ipam.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(IPPool)
SLUICE_K8S_CODEC_FOR(IPAMBlock)
SLUICE_K8S_CODEC_FOR(BlockAffinity)
SLUICE_K8S_CODEC_FOR(IPAMHandle)
SLUICE_K8S_CODEC_FOR(IPAMConfig)
SLUICE_K8S_CODEC_FOR(IPReservation)
}  // namespace sluice::k8s
