// IPPools as IPAM, felix and bgpd use them: every rule Calico applies before it accepts a
// pool, and PoolView, a parsed and defaulted value of a valid pool (reference/calico.md §1.2).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "base/ip/prefix.hpp"
#include "base/result.hpp"
#include "base/selector/selector.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipam {

inline constexpr int kDefaultBlockSizeV4 = 26;
inline constexpr int kDefaultBlockSizeV6 = 122;
inline constexpr int kMinBlockSizeV4 = 20;
inline constexpr int kMinBlockSizeV6 = 116;

// ipipMode and vxlanMode: when traffic to the pool's addresses is encapsulated.
enum class EncapMode : std::uint8_t { never, always, cross_subnet };
// Calico's spelling: Never, Always, CrossSubnet.
std::string_view to_string(EncapMode mode);

// What addresses of a pool may be used for (spec.allowedUses).
enum class PoolUse : std::uint8_t { workload = 1, tunnel = 2, load_balancer = 4 };
// Calico's spelling: Workload, Tunnel, LoadBalancer.
std::string_view to_string(PoolUse use);

// A set of PoolUse.
class PoolUses {
 public:
  constexpr PoolUses() = default;
  constexpr PoolUses(std::initializer_list<PoolUse> uses) {
    for (PoolUse use : uses) insert(use);
  }
  constexpr void insert(PoolUse use) { bits_ |= static_cast<std::uint8_t>(use); }
  constexpr bool contains(PoolUse use) const { return (bits_ & static_cast<std::uint8_t>(use)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  // "Workload, Tunnel" in the order of the enum.
  std::string to_string() const;
  friend constexpr bool operator==(PoolUses, PoolUses) = default;

 private:
  std::uint8_t bits_ = 0;
};

// What an absent or empty allowedUses means.
inline constexpr PoolUses kDefaultPoolUses{PoolUse::workload, PoolUse::tunnel};

// spec.assignmentMode: Manual pools hand out addresses only when asked for by name.
enum class AssignmentMode : std::uint8_t { automatic, manual };
std::string_view to_string(AssignmentMode mode);

using Labels = std::map<std::string, std::string>;

// A valid IPPool with every default applied and the legacy v1 fields folded in, as Calico
// reads a pool from crd.projectcalico.org/v1: `ipip` (when present) decides the IPIP mode
// and `nat-outgoing` is ORed into natOutgoing.
struct PoolView {
  std::string name;
  ip::Prefix cidr;
  int block_size = kDefaultBlockSizeV4;  // prefix length of the pool's blocks
  EncapMode ipip_mode = EncapMode::never;
  EncapMode vxlan_mode = EncapMode::never;
  bool nat_outgoing = false;
  bool disabled = false;  // a disabled pool may be smaller than one block (Calico allows it)
  bool disable_bgp_export = false;
  PoolUses allowed_uses = kDefaultPoolUses;
  AssignmentMode assignment_mode = AssignmentMode::automatic;
  selector::Selector node_selector;       // empty in the spec: all()
  selector::Selector namespace_selector;  // empty in the spec: all()

  ip::Family family() const { return cidr.family(); }
  bool allows(PoolUse use) const { return allowed_uses.contains(use); }
  bool selects_node(const Labels& node_labels) const { return node_selector.matches(node_labels); }
  // A pod without a namespace (or one that is gone) is matched against no labels, as
  // Calico does.
  bool selects_namespace(const Labels& namespace_labels) const { return namespace_selector.matches(namespace_labels); }

  friend bool operator==(const PoolView&, const PoolView&) = default;
};

// Every rule Calico's client and validator apply to an IPPool (libcalico-go clientv3
// ippool.go and validator/v3): a valid DNS-1123 name; a strictly masked CIDR clear of the
// link-local ranges; blockSize 20–32 (IPv4) or 116–128 (IPv6), the pool (unless disabled)
// at least one block; known ipipMode, vxlanMode, allowedUses and assignmentMode values;
// no IPIP on IPv6, not IPIP and VXLAN together; LoadBalancer alone, unencapsulated,
// exported over BGP and selecting all nodes; selectors that parse. The error lists every
// problem, each naming its field: `invalid IPPool "p": spec.blockSize: 33 is out of range
// for IPv4 pools (20 to 32)`.
Status validate_pool(const k8s::IPPool& pool);

// validate_pool, then the view.
Result<PoolView> make_pool_view(const k8s::IPPool& pool);

// Calico refuses to create a pool whose CIDR overlaps an existing pool's. Pools with the
// candidate's name are skipped (an update, or a create the API server will refuse), and so
// are existing pools whose CIDR does not parse, as Calico does.
Status check_pool_overlap(const k8s::IPPool& candidate, std::span<const k8s::IPPool> existing);

// Calico refuses to create a pool over existing blocks of another size: `blocks` are the
// CIDRs of the IPAMBlocks of the pool's family.
Status check_existing_blocks(const PoolView& pool, std::span<const ip::Prefix> blocks);

// An update: the new pool must be valid, its CIDR and block size unchanged, and a
// LoadBalancer pool cannot become a Workload or Tunnel pool.
Status validate_pool_update(const k8s::IPPool& current, const k8s::IPPool& updated);

}  // namespace sluice::ipam
