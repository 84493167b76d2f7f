// Calico's IPAM resources in crd.projectcalico.org/v1, with Calico's JSON names
// (reference/calico.md §1.2), so that Calico's tools read what Sluice writes and back.
// CIDRs stay strings here; the IPAM layer parses and validates them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

// The pre-v3 encapsulation setting that v1 pools may still carry.
struct IPIPConfiguration {
  bool enabled = false;
  std::string mode;  // "always" or "cross-subnet"
  UnknownFields unknown;
  friend bool operator==(const IPIPConfiguration&, const IPIPConfiguration&) = default;
};
template <>
struct FieldTable<IPIPConfiguration> {
  using S = IPIPConfiguration;
  static constexpr auto fields = std::tuple{
      field::omit_empty("enabled", &S::enabled),
      field::omit_empty("mode", &S::mode),
  };
};

struct IPPoolSpec {
  std::string cidr;
  std::optional<std::int32_t> block_size;  // absent: 26 for IPv4, 122 for IPv6
  std::string ipip_mode;                   // Never (also when empty), Always, CrossSubnet
  std::string vxlan_mode;
  bool nat_outgoing = false;
  bool disabled = false;
  bool disable_bgp_export = false;
  std::string node_selector;       // empty: all()
  std::string namespace_selector;
  std::vector<std::string> allowed_uses;  // Workload, Tunnel, LoadBalancer; empty: Workload and Tunnel
  std::optional<std::string> assignment_mode;  // Automatic, Manual
  std::optional<IPIPConfiguration> ipip;       // legacy
  bool nat_outgoing_v1 = false;                // legacy "nat-outgoing"
  UnknownFields unknown;
  friend bool operator==(const IPPoolSpec&, const IPPoolSpec&) = default;
};
template <>
struct FieldTable<IPPoolSpec> {
  using S = IPPoolSpec;
  static constexpr auto fields = std::tuple{
      field::required("cidr", &S::cidr),
      field::optional("blockSize", &S::block_size),
      field::omit_empty("ipipMode", &S::ipip_mode),
      field::omit_empty("vxlanMode", &S::vxlan_mode),
      field::omit_empty("natOutgoing", &S::nat_outgoing),
      field::omit_empty("disabled", &S::disabled),
      field::omit_empty("disableBGPExport", &S::disable_bgp_export),
      field::omit_empty("nodeSelector", &S::node_selector),
      field::omit_empty("namespaceSelector", &S::namespace_selector),
      field::omit_empty("allowedUses", &S::allowed_uses),
      field::optional("assignmentMode", &S::assignment_mode),
      field::optional("ipip", &S::ipip),
      field::omit_empty("nat-outgoing", &S::nat_outgoing_v1),
  };
};

struct IPPool {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1", "IPPool",
                                         "IPPoolList", "ippools", "ippool", false};
  ObjectMeta metadata;
  IPPoolSpec spec;
  UnknownFields unknown;  // status.conditions among others
  friend bool operator==(const IPPool&, const IPPool&) = default;
};
template <>
struct FieldTable<IPPool> {
  using S = IPPool;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

// One entry of IPAMBlock.spec.attributes, shared by the ordinals allocated to one handle.
struct AllocationAttribute {
  std::optional<std::string> handle_id;
  std::map<std::string, std::string> secondary;  // pod, namespace, node, type, timestamp, service
  std::map<std::string, std::string> alternate_owner_attrs;
  std::optional<std::string> released_at;  // set on release; the ordinal is freed after the cooldown
  UnknownFields unknown;
  friend bool operator==(const AllocationAttribute&, const AllocationAttribute&) = default;
};
template <>
struct FieldTable<AllocationAttribute> {
  using S = AllocationAttribute;
  static constexpr auto fields = std::tuple{
      field::optional("handle_id", &S::handle_id),
      field::omit_empty("secondary", &S::secondary),
      field::omit_empty("alternateOwnerAttrs", &S::alternate_owner_attrs),
      field::optional("releasedAt", &S::released_at),
  };
};

struct IPAMBlockSpec {
  std::string cidr;
  std::optional<std::string> affinity;  // "host:<node>" or "virtual:<name>"; absent: unaffine
  std::optional<std::string> affinity_claim_time;
  bool strict_affinity = false;  // deprecated here; IPAMConfig holds the setting
  // One entry per ordinal: an index into `attributes`, or nullopt (JSON null) when free.
  std::vector<std::optional<int>> allocations;
  // Free ordinals in FIFO order: allocate from the front, release to the back.
  std::vector<int> unallocated;
  std::vector<AllocationAttribute> attributes;
  std::uint64_t sequence_number = 0;  // incremented on every write
  // Ordinal (as a decimal string) -> sequence_number when it was allocated; guards releases.
  std::map<std::string, std::uint64_t> sequence_number_for_allocation;
  bool deleted = false;  // soft delete, before the hard delete
  UnknownFields unknown;
  friend bool operator==(const IPAMBlockSpec&, const IPAMBlockSpec&) = default;
};
template <>
struct FieldTable<IPAMBlockSpec> {
  using S = IPAMBlockSpec;
  static constexpr auto fields = std::tuple{
      field::required("cidr", &S::cidr),
      field::optional("affinity", &S::affinity),
      field::optional("affinityClaimTime", &S::affinity_claim_time),
      field::required("strictAffinity", &S::strict_affinity),
      field::required("allocations", &S::allocations),
      field::required("unallocated", &S::unallocated),
      field::required("attributes", &S::attributes),
      field::always("sequenceNumber", &S::sequence_number),
      field::omit_empty("sequenceNumberForAllocation", &S::sequence_number_for_allocation),
      field::always("deleted", &S::deleted),
  };
};

// Named after its CIDR with '.', ':' and '/' turned into '-' ("10-244-1-0-26").
struct IPAMBlock {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1", "IPAMBlock",
                                         "IPAMBlockList", "ipamblocks", "ipamblock", false};
  ObjectMeta metadata;
  IPAMBlockSpec spec;
  UnknownFields unknown;
  friend bool operator==(const IPAMBlock&, const IPAMBlock&) = default;
};
template <>
struct FieldTable<IPAMBlock> {
  using S = IPAMBlock;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

struct BlockAffinitySpec {
  std::string state;  // pending, confirmed, pendingDeletion, or "" (read as confirmed)
  std::string node;
  std::string type;  // host or virtual; empty reads as host
  std::string cidr;
  // In v1 a string, "true" or "false" (a bool only in projectcalico.org/v3).
  std::string deleted;
  UnknownFields unknown;
  friend bool operator==(const BlockAffinitySpec&, const BlockAffinitySpec&) = default;
};
template <>
struct FieldTable<BlockAffinitySpec> {
  using S = BlockAffinitySpec;
  static constexpr auto fields = std::tuple{
      field::required("state", &S::state),
      field::required("node", &S::node),
      field::omit_empty("type", &S::type),
      field::required("cidr", &S::cidr),
      field::required("deleted", &S::deleted),
  };
};

// Named "<host>-<block name>" (hashed when longer than 253 characters).
struct BlockAffinity {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1",
                                         "BlockAffinity", "BlockAffinityList", "blockaffinities", "blockaffinity",
                                         false};
  ObjectMeta metadata;
  BlockAffinitySpec spec;
  UnknownFields unknown;
  friend bool operator==(const BlockAffinity&, const BlockAffinity&) = default;
};
template <>
struct FieldTable<BlockAffinity> {
  using S = BlockAffinity;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

struct IPAMHandleSpec {
  std::string handle_id;
  std::map<std::string, int> block;  // block CIDR -> how many of its ordinals this handle holds
  bool deleted = false;
  UnknownFields unknown;
  friend bool operator==(const IPAMHandleSpec&, const IPAMHandleSpec&) = default;
};
template <>
struct FieldTable<IPAMHandleSpec> {
  using S = IPAMHandleSpec;
  static constexpr auto fields = std::tuple{
      field::required("handleID", &S::handle_id),
      field::required("block", &S::block),
      field::always("deleted", &S::deleted),
  };
};

struct IPAMHandle {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1", "IPAMHandle",
                                         "IPAMHandleList", "ipamhandles", "ipamhandle", false};
  ObjectMeta metadata;
  IPAMHandleSpec spec;
  UnknownFields unknown;
  friend bool operator==(const IPAMHandle&, const IPAMHandle&) = default;
};
template <>
struct FieldTable<IPAMHandle> {
  using S = IPAMHandle;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

struct IPAMConfigSpec {
  bool strict_affinity = false;
  bool auto_allocate_blocks = true;
  std::int32_t max_blocks_per_host = 0;  // 0: the default cap of 20
  std::int32_t ip_cooldown_seconds = 0;  // 0 to 1200
  std::optional<std::string> kube_virt_vm_address_persistence;
  UnknownFields unknown;
  friend bool operator==(const IPAMConfigSpec&, const IPAMConfigSpec&) = default;
};
template <>
struct FieldTable<IPAMConfigSpec> {
  using S = IPAMConfigSpec;
  static constexpr auto fields = std::tuple{
      field::required("strictAffinity", &S::strict_affinity),
      field::required("autoAllocateBlocks", &S::auto_allocate_blocks),
      field::omit_empty("maxBlocksPerHost", &S::max_blocks_per_host),
      field::omit_empty("ipCooldownSeconds", &S::ip_cooldown_seconds),
      field::optional("kubeVirtVMAddressPersistence", &S::kube_virt_vm_address_persistence),
  };
};

// A singleton named "default"; when it is missing, the defaults above apply.
struct IPAMConfig {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1", "IPAMConfig",
                                         "IPAMConfigList", "ipamconfigs", "ipamconfig", false};
  ObjectMeta metadata;
  IPAMConfigSpec spec;
  UnknownFields unknown;
  friend bool operator==(const IPAMConfig&, const IPAMConfig&) = default;
};
template <>
struct FieldTable<IPAMConfig> {
  using S = IPAMConfig;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};


struct IPReservationSpec {
  // CIDRs and single addresses that IPAM must not hand out; existing allocations stay.
  std::vector<std::string> reserved_cidrs;
  UnknownFields unknown;
  friend bool operator==(const IPReservationSpec&, const IPReservationSpec&) = default;
};
template <>
struct FieldTable<IPReservationSpec> {
  using S = IPReservationSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("reservedCIDRs", &S::reserved_cidrs),
  };
};

struct IPReservation {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1",
                                         "IPReservation", "IPReservationList", "ipreservations", "ipreservation",
                                         false};
  ObjectMeta metadata;
  IPReservationSpec spec;
  UnknownFields unknown;
  friend bool operator==(const IPReservation&, const IPReservation&) = default;
};
template <>
struct FieldTable<IPReservation> {
  using S = IPReservation;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

}  // namespace sluice::k8s
