// A read of IPAM's whole state at one moment — blocks, handles, affinities, pools and,
// when a check needs them, the cluster's nodes and pods — for the checks in this folder,
// `ipamctl` and the leak collector. Each kind is one list (one consistent snapshot per
// kind); soft-deleted objects are left out, as every reader must.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ipam/block/allocation_block.hpp"
#include "ipam/pool/ip_pool.hpp"
#include "ipam/store/object_store.hpp"
#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::ipam {

// Where Calico's CNI plugin records a pod's addresses and its container.
inline constexpr std::string_view kAnnotationPodIP = "cni.projectcalico.org/podIP";
inline constexpr std::string_view kAnnotationPodIPs = "cni.projectcalico.org/podIPs";
inline constexpr std::string_view kAnnotationContainerID = "cni.projectcalico.org/containerID";

struct PodInfo {
  std::string node;                  // spec.nodeName
  std::vector<ip::Address> addresses;  // from the CNI annotations and status.podIPs
  std::string phase;
};

struct Workloads {
  std::set<std::string> nodes;
  std::map<std::string, PodInfo> pods;  // by "namespace/name"
};

struct IpamSnapshot {
  std::vector<AllocationBlock> blocks;
  std::vector<UndecodableObject> invalid_blocks;  // undecodable, or breaking a block invariant
  std::vector<k8s::IPAMHandle> handles;
  std::vector<k8s::BlockAffinity> affinities;
  std::vector<PoolView> pools;
  std::optional<Workloads> workloads;
};

// The addresses a pod holds by what Kubernetes and the CNI plugin recorded on it.
std::vector<ip::Address> pod_addresses(const k8s::Pod& pod);

boost::asio::awaitable<k8s::ApiResult<IpamSnapshot>> read_snapshot(ObjectStore& store, bool with_workloads);

// One allocated address, as the checks and the collector see it.
struct Allocation {
  ip::Address address;
  ip::Prefix block;
  std::optional<std::string> block_host;  // the host the block is affine to
  Owner owner;
  std::uint64_t sequence_number = 0;
};

std::vector<Allocation> allocations(const IpamSnapshot& snapshot);

}  // namespace sluice::ipam
