// The codec instantiated for coordination.k8s.io/v1 Lease.
#include "k8s-client/resources/lease.hpp"

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
SLUICE_K8S_CODEC_FOR(Lease)
}  // namespace sluice::k8s
