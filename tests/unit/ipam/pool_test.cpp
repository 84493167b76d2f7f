#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ipam/pool/ip_pool.hpp"
#include "ipam/pool/ipam_config.hpp"

using namespace sluice;
using ipam::AssignmentMode;
using ipam::EncapMode;
using ipam::PoolUse;
using ipam::PoolUses;

namespace {

k8s::IPPool pool(std::string name, std::string cidr) {
  k8s::IPPool p;
  p.metadata.name = std::move(name);
  p.spec.cidr = std::move(cidr);
  return p;
}

ipam::PoolView view_of(const k8s::IPPool& p) {
  auto v = ipam::make_pool_view(p);
  REQUIRE_MESSAGE(v.ok(), v.error().message);
  return *v;
}

std::string problem(const k8s::IPPool& p) {
  auto status = ipam::validate_pool(p);
  REQUIRE_MESSAGE(!status.ok(), "expected pool " << p.metadata.name << " to be refused");
  return status.error().message;
}

ip::Prefix P(std::string_view text) {
  return *ip::Prefix::parse(text);
}

}  // namespace

TEST_CASE("a minimal pool gets Calico's defaults") {
  auto v4 = view_of(pool("default-ipv4-ippool", "10.244.0.0/16"));
  CHECK(v4.name == "default-ipv4-ippool");
  CHECK(v4.cidr == P("10.244.0.0/16"));
  CHECK(v4.family() == ip::Family::v4);
  CHECK(v4.block_size == 26);
  CHECK(v4.ipip_mode == EncapMode::never);
  CHECK(v4.vxlan_mode == EncapMode::never);
  CHECK(v4.allowed_uses == PoolUses{PoolUse::workload, PoolUse::tunnel});
  CHECK(v4.allows(PoolUse::workload));
  CHECK(v4.allows(PoolUse::tunnel));
  CHECK_FALSE(v4.allows(PoolUse::load_balancer));
  CHECK(v4.assignment_mode == AssignmentMode::automatic);
  CHECK(v4.node_selector.is_all());
  CHECK(v4.namespace_selector.is_all());
  CHECK(v4.selects_node({}));
  CHECK(v4.selects_namespace({{"team", "a"}}));
  CHECK_FALSE(v4.nat_outgoing);
  CHECK_FALSE(v4.disabled);
  CHECK_FALSE(v4.disable_bgp_export);

  auto v6 = view_of(pool("default-ipv6-ippool", "fd00:10:244::/48"));
  CHECK(v6.family() == ip::Family::v6);
  CHECK(v6.block_size == 122);

  // blockSize 0 is the Go zero value, defaulted like an absent one.
  auto zero = pool("zero", "10.0.0.0/16");
  zero.spec.block_size = 0;
  CHECK(view_of(zero).block_size == 26);
}

TEST_CASE("every field lands in the view") {
  auto p = pool("rack-a", "10.1.0.0/16");
  p.spec.block_size = 28;
  p.spec.ipip_mode = "CrossSubnet";
  p.spec.nat_outgoing = true;
  p.spec.disabled = true;
  p.spec.disable_bgp_export = true;
  p.spec.node_selector = "rack == 'a' && !has(edge)";
  p.spec.namespace_selector = "team in {'net', 'infra'}";
  p.spec.allowed_uses = {"Workload"};
  p.spec.assignment_mode = "Manual";
  auto v = view_of(p);
  CHECK(v.block_size == 28);
  CHECK(v.ipip_mode == EncapMode::cross_subnet);
  CHECK(v.nat_outgoing);
  CHECK(v.disabled);
  CHECK(v.disable_bgp_export);
  CHECK(v.allowed_uses == PoolUses{PoolUse::workload});
  CHECK_FALSE(v.allows(PoolUse::tunnel));
  CHECK(v.assignment_mode == AssignmentMode::manual);
  CHECK(v.selects_node({{"rack", "a"}}));
  CHECK_FALSE(v.selects_node({{"rack", "a"}, {"edge", ""}}));
  CHECK_FALSE(v.selects_node({}));
  CHECK(v.selects_namespace({{"team", "infra"}}));
  CHECK_FALSE(v.selects_namespace({}));
  CHECK(v.node_selector.to_string() == "(rack == \"a\" && !has(edge))");

  auto vx = pool("vx", "fd00::/64");
  vx.spec.vxlan_mode = "Always";
  vx.spec.allowed_uses = {"Tunnel", "Workload", "Tunnel"};
  auto v6 = view_of(vx);
  CHECK(v6.vxlan_mode == EncapMode::always);
  CHECK(v6.allowed_uses == ipam::kDefaultPoolUses);
  CHECK(v6.allowed_uses.to_string() == "Workload, Tunnel");
}

TEST_CASE("names follow Calico's DNS-1123 subdomain rule") {
  for (auto name : {"a", "pool-1", "pool.v4.example", "0pool"})
    CHECK(ipam::validate_pool(pool(name, "10.0.0.0/16")).ok());
  CHECK(problem(pool("Pool_1", "10.0.0.0/16")) ==
        "invalid IPPool \"Pool_1\": metadata.name: \"Pool_1\" is not a valid name (lower-case letters, digits, '-' and "
        "'.', starting and ending with a letter or digit, at most 253 characters)");
  for (auto name : {"", "-a", "a-", "a..b", ".a", "a.", "UPPER"}) {
    CAPTURE(name);
    CHECK_FALSE(ipam::validate_pool(pool(name, "10.0.0.0/16")).ok());
  }
  CHECK(ipam::validate_pool(pool(std::string(253, 'a'), "10.0.0.0/16")).ok());
  CHECK_FALSE(ipam::validate_pool(pool(std::string(254, 'a'), "10.0.0.0/16")).ok());
}

TEST_CASE("cidr: required, a prefix, strictly masked, clear of link-local") {
  CHECK(problem(pool("p", "")) == "invalid IPPool \"p\": spec.cidr: required");
  CHECK(problem(pool("p", "10.0.0.0")) ==
        "invalid IPPool \"p\": spec.cidr: invalid prefix \"10.0.0.0\": missing \"/length\"");
  CHECK(problem(pool("p", "10.0.0.0/33")) ==
        "invalid IPPool \"p\": spec.cidr: invalid prefix \"10.0.0.0/33\": prefix length 33 exceeds 32");
  CHECK(problem(pool("p", "10.0.0.1/16")) ==
        "invalid IPPool \"p\": spec.cidr: 10.0.0.1/16 is not strictly masked (the network is 10.0.0.0/16)");
  CHECK(problem(pool("p", "fd00::1/64")) ==
        "invalid IPPool \"p\": spec.cidr: fd00::1/64 is not strictly masked (the network is fd00::/64)");
  CHECK(problem(pool("p", "169.254.0.0/20")) ==
        "invalid IPPool \"p\": spec.cidr: 169.254.0.0/20 overlaps the IPv4 link-local range 169.254.0.0/16");
  CHECK(problem(pool("p", "169.0.0.0/8")) ==
        "invalid IPPool \"p\": spec.cidr: 169.0.0.0/8 overlaps the IPv4 link-local range 169.254.0.0/16");
  CHECK(problem(pool("p", "0.0.0.0/0")) ==
        "invalid IPPool \"p\": spec.cidr: 0.0.0.0/0 overlaps the IPv4 link-local range 169.254.0.0/16");
  CHECK(problem(pool("p", "fe80::/64")) ==
        "invalid IPPool \"p\": spec.cidr: fe80::/64 overlaps the IPv6 link-local range fe80::/10");
  CHECK(problem(pool("p", "fe00::/7")) ==
        "invalid IPPool \"p\": spec.cidr: fe00::/7 overlaps the IPv6 link-local range fe80::/10");
  CHECK(ipam::validate_pool(pool("p", "169.255.0.0/16")).ok());
  CHECK(ipam::validate_pool(pool("p", "fec0::/10")).ok());
}

TEST_CASE("blockSize: 20-32 for IPv4, 116-128 for IPv6; an enabled pool holds at least one block") {
  auto sized = [](std::string cidr, int block_size) {
    auto p = pool("p", std::move(cidr));
    p.spec.block_size = block_size;
    return p;
  };
  CHECK(ipam::validate_pool(sized("10.0.0.0/8", 20)).ok());
  CHECK(ipam::validate_pool(sized("10.0.0.0/8", 32)).ok());
  CHECK(ipam::validate_pool(sized("fd00::/48", 116)).ok());
  CHECK(ipam::validate_pool(sized("fd00::/48", 128)).ok());
  CHECK(problem(sized("10.0.0.0/8", 33)) ==
        "invalid IPPool \"p\": spec.blockSize: 33 is out of range for IPv4 pools (20 to 32)");
  CHECK(problem(sized("10.0.0.0/8", 19)) ==
        "invalid IPPool \"p\": spec.blockSize: 19 is out of range for IPv4 pools (20 to 32)");
  CHECK(problem(sized("10.0.0.0/8", -1)) ==
        "invalid IPPool \"p\": spec.blockSize: -1 is out of range for IPv4 pools (20 to 32)");
  CHECK(problem(sized("fd00::/48", 115)) ==
        "invalid IPPool \"p\": spec.blockSize: 115 is out of range for IPv6 pools (116 to 128)");
  CHECK(problem(sized("fd00::/48", 129)) ==
        "invalid IPPool \"p\": spec.blockSize: 129 is out of range for IPv6 pools (116 to 128)");

  CHECK(ipam::validate_pool(pool("p", "10.0.0.0/26")).ok());
  CHECK(problem(pool("p", "10.0.0.0/27")) ==
        "invalid IPPool \"p\": spec.cidr: 10.0.0.0/27 is smaller than one block (/26); an enabled pool must hold at "
        "least one block");
  CHECK(problem(pool("p", "fd00::/123")) ==
        "invalid IPPool \"p\": spec.cidr: fd00::/123 is smaller than one block (/122); an enabled pool must hold at "
        "least one block");
  // Calico lets a disabled pool be smaller than a block.
  auto small = pool("p", "10.0.0.0/30");
  small.spec.disabled = true;
  CHECK(ipam::validate_pool(small).ok());
  CHECK(ipam::validate_pool(sized("10.0.0.1/32", 32)).ok());
}

TEST_CASE("encapsulation modes") {
  auto with = [](std::string cidr, std::string ipip, std::string vxlan) {
    auto p = pool("p", std::move(cidr));
    p.spec.ipip_mode = std::move(ipip);
    p.spec.vxlan_mode = std::move(vxlan);
    return p;
  };
  CHECK(view_of(with("10.0.0.0/16", "Always", "")).ipip_mode == EncapMode::always);
  CHECK(view_of(with("10.0.0.0/16", "Never", "CrossSubnet")).vxlan_mode == EncapMode::cross_subnet);
  CHECK(view_of(with("fd00::/64", "Never", "Always")).vxlan_mode == EncapMode::always);
  CHECK(problem(with("10.0.0.0/16", "always", "")) ==
        "invalid IPPool \"p\": spec.ipipMode: \"always\" is not one of Never, Always, CrossSubnet");
  CHECK(problem(with("10.0.0.0/16", "", "Sometimes")) ==
        "invalid IPPool \"p\": spec.vxlanMode: \"Sometimes\" is not one of Never, Always, CrossSubnet");
  CHECK(problem(with("fd00::/64", "Always", "")) ==
        "invalid IPPool \"p\": spec.ipipMode: IPIP is not supported on IPv6 pools (the IPIP mode is Always)");
  CHECK(problem(with("10.0.0.0/16", "CrossSubnet", "Always")) ==
        "invalid IPPool \"p\": spec.vxlanMode: VXLAN and IPIP cannot both be enabled (the IPIP mode is "
        "CrossSubnet, vxlanMode is Always)");
  CHECK(problem(with("fd00::/64", "Always", "Always")) ==
        "invalid IPPool \"p\": spec.ipipMode: IPIP is not supported on IPv6 pools (the IPIP mode is Always); "
        "spec.vxlanMode: VXLAN and IPIP cannot both be enabled (the IPIP mode is Always, vxlanMode is Always)");
}

TEST_CASE("legacy v1 fields are folded in as Calico's converter does") {
  auto legacy = [](bool enabled, std::string mode) {
    auto p = pool("old", "192.168.0.0/16");
    p.spec.ipip = k8s::IPIPConfiguration{enabled, std::move(mode), {}};
    return p;
  };
  CHECK(view_of(legacy(true, "")).ipip_mode == EncapMode::always);
  CHECK(view_of(legacy(true, "always")).ipip_mode == EncapMode::always);
  CHECK(view_of(legacy(true, "cross-subnet")).ipip_mode == EncapMode::cross_subnet);
  CHECK(view_of(legacy(false, "cross-subnet")).ipip_mode == EncapMode::never);
  // The legacy object wins over ipipMode.
  auto both = legacy(false, "");
  both.spec.ipip_mode = "Always";
  CHECK(view_of(both).ipip_mode == EncapMode::never);
  CHECK(problem(legacy(true, "sometimes")) ==
        "invalid IPPool \"old\": spec.ipip.mode: \"sometimes\" is not one of always, cross-subnet");
  auto v6 = legacy(true, "always");
  v6.spec.cidr = "fd00::/64";
  CHECK(problem(v6) ==
        "invalid IPPool \"old\": spec.ipip: IPIP is not supported on IPv6 pools (the IPIP mode is "
        "Always)");

  auto nat = pool("old", "192.168.0.0/16");
  nat.spec.nat_outgoing_v1 = true;
  CHECK(view_of(nat).nat_outgoing);
}

TEST_CASE("allowedUses values and the LoadBalancer restrictions") {
  auto uses = [](std::vector<std::string> list) {
    auto p = pool("lb", "203.0.113.0/24");
    p.spec.allowed_uses = std::move(list);
    return p;
  };
  auto lb = view_of(uses({"LoadBalancer"}));
  CHECK(lb.allowed_uses == PoolUses{PoolUse::load_balancer});
  CHECK(lb.allows(PoolUse::load_balancer));
  CHECK_FALSE(lb.allows(PoolUse::workload));
  CHECK(view_of(uses({"Tunnel"})).allowed_uses == PoolUses{PoolUse::tunnel});

  CHECK(problem(uses({"Workload", "Pods"})) ==
        "invalid IPPool \"lb\": spec.allowedUses: \"Pods\" is not one of Workload, Tunnel, LoadBalancer");
  CHECK(problem(uses({"workload"})) ==
        "invalid IPPool \"lb\": spec.allowedUses: \"workload\" is not one of Workload, Tunnel, LoadBalancer");
  CHECK(problem(uses({"LoadBalancer", "Workload", "Tunnel"})) ==
        "invalid IPPool \"lb\": spec.allowedUses: LoadBalancer cannot be combined with Workload; spec.allowedUses: "
        "LoadBalancer cannot be combined with Tunnel");

  auto encap = uses({"LoadBalancer"});
  encap.spec.ipip_mode = "Always";
  CHECK(problem(encap) == "invalid IPPool \"lb\": spec.ipipMode: a LoadBalancer pool cannot use IPIP");
  encap.spec.ipip_mode = "";
  encap.spec.vxlan_mode = "CrossSubnet";
  CHECK(problem(encap) == "invalid IPPool \"lb\": spec.vxlanMode: a LoadBalancer pool cannot use VXLAN");

  auto hidden = uses({"LoadBalancer"});
  hidden.spec.disable_bgp_export = true;
  CHECK(problem(hidden) ==
        "invalid IPPool \"lb\": spec.disableBGPExport: a LoadBalancer pool must be advertised "
        "over BGP");

  auto some_nodes = uses({"LoadBalancer"});
  some_nodes.spec.node_selector = "has(edge)";
  CHECK(problem(some_nodes) ==
        "invalid IPPool \"lb\": spec.nodeSelector: a LoadBalancer pool must select all nodes "
        "(all()), not \"has(edge)\"");
  some_nodes.spec.node_selector = "all()";
  CHECK(ipam::validate_pool(some_nodes).ok());
  some_nodes.spec.node_selector = " all( ) ";
  CHECK(ipam::validate_pool(some_nodes).ok());
  // Other pools may use any selector, and a LoadBalancer pool any namespace selector.
  some_nodes.spec.namespace_selector = "has(lb)";
  CHECK(ipam::validate_pool(some_nodes).ok());
}

TEST_CASE("selectors must parse; assignmentMode must be known") {
  auto p = pool("p", "10.0.0.0/16");
  p.spec.node_selector = "rack = 'a'";
  CHECK(problem(p) ==
        "invalid IPPool \"p\": spec.nodeSelector: invalid selector \"rack = 'a'\": expected '==' at "
        "offset 5, found a single '='");
  p.spec.node_selector = "";
  p.spec.namespace_selector = "has(team";
  CHECK(problem(p) ==
        "invalid IPPool \"p\": spec.namespaceSelector: invalid selector \"has(team\": expected ')' to "
        "close has( at offset 8");
  p.spec.namespace_selector = "";
  p.spec.assignment_mode = "Automatic";
  CHECK(view_of(p).assignment_mode == AssignmentMode::automatic);
  p.spec.assignment_mode = "";
  CHECK(problem(p) == "invalid IPPool \"p\": spec.assignmentMode: \"\" is not one of Automatic, Manual");
  p.spec.assignment_mode = "manual";
  CHECK(problem(p) == "invalid IPPool \"p\": spec.assignmentMode: \"manual\" is not one of Automatic, Manual");
}

TEST_CASE("every problem of a pool is reported at once") {
  auto p = pool("Bad", "fd00::1/120");
  p.spec.block_size = 100;
  p.spec.ipip_mode = "Always";
  p.spec.allowed_uses = {"Everything"};
  p.spec.node_selector = "(";
  CHECK(problem(p) ==
        "invalid IPPool \"Bad\": metadata.name: \"Bad\" is not a valid name (lower-case letters, digits, '-' and '.', "
        "starting and ending with a letter or digit, at most 253 characters); spec.cidr: fd00::1/120 is not strictly "
        "masked (the network is fd00::/120); spec.blockSize: 100 is out of range for IPv6 pools (116 to 128); "
        "spec.ipipMode: IPIP is not supported on IPv6 pools (the IPIP mode is Always); spec.allowedUses: "
        "\"Everything\" is not one of Workload, Tunnel, LoadBalancer; spec.nodeSelector: invalid selector \"(\": "
        "expected a label, has(), all(), global(), '!' or '(' at offset 1, found the end of the selector");
}

TEST_CASE("a new pool may not overlap another pool") {
  std::vector<k8s::IPPool> existing = {pool("a", "10.0.0.0/16"), pool("b", "10.2.0.0/16"), pool("v6", "fd00::/48"),
                                       pool("broken", "not a cidr"), pool("sloppy", "10.9.0.1/16")};
  CHECK(ipam::check_pool_overlap(pool("c", "10.1.0.0/16"), existing).ok());
  CHECK(ipam::check_pool_overlap(pool("c", "fd01::/48"), existing).ok());
  // Its own name is an update, not an overlap.
  CHECK(ipam::check_pool_overlap(pool("a", "10.0.0.0/17"), existing).ok());
  CHECK(ipam::check_pool_overlap(pool("c", "10.0.128.0/17"), existing).error().message ==
        "invalid IPPool \"c\": spec.cidr: 10.0.128.0/17 overlaps IPPool \"a\" (10.0.0.0/16)");
  CHECK(ipam::check_pool_overlap(pool("c", "10.0.0.0/14"), existing).error().message ==
        "invalid IPPool \"c\": spec.cidr: 10.0.0.0/14 overlaps IPPool \"a\" (10.0.0.0/16); spec.cidr: 10.0.0.0/14 "
        "overlaps IPPool \"b\" (10.2.0.0/16)");
  CHECK(ipam::check_pool_overlap(pool("c", "fd00:0:0:1::/64"), existing).error().message ==
        "invalid IPPool \"c\": spec.cidr: fd00:0:0:1::/64 overlaps IPPool \"v6\" (fd00::/48)");
  // A stored CIDR with host bits counts as its network, as Go's ParseCIDR reads it.
  CHECK_FALSE(ipam::check_pool_overlap(pool("c", "10.9.128.0/17"), existing).ok());
  CHECK(ipam::check_pool_overlap(pool("c", "x"), existing).error().message ==
        "invalid IPPool \"c\": spec.cidr: invalid prefix \"x\": missing \"/length\"");
}

TEST_CASE("a new pool may not cover blocks of another size") {
  auto v = view_of(pool("p", "10.0.0.0/16"));
  std::vector<ip::Prefix> blocks = {P("10.0.0.0/26"), P("10.0.0.64/26"), P("10.1.0.0/24"), P("fd00::/122")};
  CHECK(ipam::check_existing_blocks(v, blocks).ok());
  blocks.push_back(P("10.0.1.0/24"));
  CHECK(ipam::check_existing_blocks(v, blocks).error().message ==
        "invalid IPPool \"p\": spec.blockSize: 26 conflicts with the existing block 10.0.1.0/24 (blocks already "
        "allocated in the pool's range have another size)");
}

TEST_CASE("updates keep the CIDR, the block size and a LoadBalancer pool's use") {
  auto current = pool("p", "10.0.0.0/16");
  auto updated = current;
  updated.spec.nat_outgoing = true;
  updated.spec.disabled = true;
  CHECK(ipam::validate_pool_update(current, updated).ok());
  // An explicit default block size is no change.
  updated.spec.block_size = 26;
  CHECK(ipam::validate_pool_update(current, updated).ok());
  updated.spec.block_size = 24;
  CHECK(ipam::validate_pool_update(current, updated).error().message ==
        "invalid IPPool \"p\": spec.blockSize: cannot be changed (from 26 to 24)");
  updated = current;
  updated.spec.cidr = "10.0.0.0/15";
  CHECK(ipam::validate_pool_update(current, updated).error().message ==
        "invalid IPPool \"p\": spec.cidr: cannot be changed (from 10.0.0.0/16 to 10.0.0.0/15)");
  updated.spec.cidr = "10.0.0.0/33";
  CHECK(ipam::validate_pool_update(current, updated).error().message ==
        "invalid IPPool \"p\": spec.cidr: invalid prefix \"10.0.0.0/33\": prefix length 33 exceeds 32");

  auto lb = pool("lb", "203.0.113.0/24");
  lb.spec.allowed_uses = {"LoadBalancer"};
  auto to_workload = lb;
  to_workload.spec.allowed_uses = {};
  CHECK(ipam::validate_pool_update(lb, to_workload).error().message ==
        "invalid IPPool \"lb\": spec.allowedUses: a LoadBalancer pool cannot be changed to a Workload pool; "
        "spec.allowedUses: a LoadBalancer pool cannot be changed to a Tunnel pool");
  // The other way is allowed, as in Calico.
  CHECK(ipam::validate_pool_update(to_workload, lb).ok());
}

TEST_CASE("IPAMConfig: Calico's defaults are valid") {
  k8s::IPAMConfigSpec spec;
  CHECK(ipam::validate_ipam_config(spec).ok());
  CHECK(ipam::effective_max_blocks_per_host(spec) == 20);
  spec.strict_affinity = true;
  spec.max_blocks_per_host = 4;
  spec.ip_cooldown_seconds = 1200;
  spec.kube_virt_vm_address_persistence = "Disabled";
  CHECK(ipam::validate_ipam_config(spec).ok());
  CHECK(ipam::effective_max_blocks_per_host(spec) == 4);
  spec.auto_allocate_blocks = false;
  CHECK(ipam::validate_ipam_config(spec).ok());
  spec.kube_virt_vm_address_persistence = "Enabled";
  CHECK(ipam::validate_ipam_config(spec).ok());
}

TEST_CASE("IPAMConfig: ranges and cross-field rules") {
  k8s::IPAMConfigSpec spec;
  spec.auto_allocate_blocks = false;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.autoAllocateBlocks: cannot be false while spec.strictAffinity is false");

  spec = {};
  spec.max_blocks_per_host = 5;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.maxBlocksPerHost: a cap (5) requires spec.strictAffinity to be true");

  spec = {};
  spec.strict_affinity = true;
  spec.max_blocks_per_host = -1;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.maxBlocksPerHost: -1 is negative (0 means the default cap of 20)");
  CHECK(ipam::effective_max_blocks_per_host(spec) == 20);

  spec = {};
  spec.ip_cooldown_seconds = 1201;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.ipCooldownSeconds: 1201 is out of range (0 to 1200)");
  spec.ip_cooldown_seconds = -1;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.ipCooldownSeconds: -1 is out of range (0 to 1200)");

  spec = {};
  spec.kube_virt_vm_address_persistence = "enabled";
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.kubeVirtVMAddressPersistence: \"enabled\" is not one of Enabled, Disabled");

  spec = {};
  spec.auto_allocate_blocks = false;
  spec.max_blocks_per_host = 2;
  spec.ip_cooldown_seconds = 5000;
  CHECK(ipam::validate_ipam_config(spec).error().message ==
        "invalid IPAMConfig: spec.ipCooldownSeconds: 5000 is out of range (0 to 1200); spec.autoAllocateBlocks: "
        "cannot be false while spec.strictAffinity is false; spec.maxBlocksPerHost: a cap (2) requires "
        "spec.strictAffinity to be true");
}
