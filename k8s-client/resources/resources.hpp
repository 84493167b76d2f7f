// Every typed resource Sluice reads or writes, and the codec for them. AllResources lists
// the types, for code that handles each in turn (the fuzz target, the CRD checks).
#pragma once

#include <type_traits>

#include "k8s-client/resources/calico_bgp.hpp"
#include "k8s-client/resources/calico_cluster.hpp"
#include "k8s-client/resources/calico_ipam.hpp"
#include "k8s-client/resources/codec.hpp"
#include "k8s-client/resources/core.hpp"
#include "k8s-client/resources/lease.hpp"
#include "k8s-client/resources/network_policy.hpp"

namespace sluice::k8s {

template <Resource... T>
struct ResourceList {
  // Calls f(std::type_identity<T>{}) for each type, in order.
  template <class F>
  static void for_each(F&& f) {
    (f(std::type_identity<T>{}), ...);
  }
};

using AllResources = ResourceList<Node, Pod, Namespace, NetworkPolicy, Lease, IPPool, IPAMBlock, BlockAffinity,
                                  IPAMHandle, IPAMConfig, IPReservation, BGPConfiguration, BGPPeer,
                                  ClusterInformation>;
using CalicoResources = ResourceList<IPPool, IPAMBlock, BlockAffinity, IPAMHandle, IPAMConfig, IPReservation,
                                     BGPConfiguration, BGPPeer, ClusterInformation>;

}  // namespace sluice::k8s
