// Calico's BGP resources in crd.projectcalico.org/v1, with Calico's JSON names
// (reference/calico.md §5.3, §5.4). Durations ("120s") and CIDRs stay strings here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

// core/v1 SecretKeySelector.
struct SecretKeySelector {
  std::string name;
  std::string key;
  std::optional<bool> optional;
  UnknownFields unknown;
  friend bool operator==(const SecretKeySelector&, const SecretKeySelector&) = default;
};
template <>
struct FieldTable<SecretKeySelector> {
  using S = SecretKeySelector;
  static constexpr auto fields = std::tuple{
      field::omit_empty("name", &S::name),
      field::required("key", &S::key),
      field::optional("optional", &S::optional),
  };
};

struct BGPPassword {
  std::optional<SecretKeySelector> secret_key_ref;
  UnknownFields unknown;
  friend bool operator==(const BGPPassword&, const BGPPassword&) = default;
};
template <>
struct FieldTable<BGPPassword> {
  using S = BGPPassword;
  static constexpr auto fields = std::tuple{field::optional("secretKeyRef", &S::secret_key_ref)};
};

// An entry of serviceClusterIPs, serviceExternalIPs or serviceLoadBalancerIPs.
struct ServiceIPBlock {
  std::string cidr;
  UnknownFields unknown;
  friend bool operator==(const ServiceIPBlock&, const ServiceIPBlock&) = default;
};
template <>
struct FieldTable<ServiceIPBlock> {
  using S = ServiceIPBlock;
  static constexpr auto fields = std::tuple{field::omit_empty("cidr", &S::cidr)};
};

struct Community {
  std::string name;
  std::string value;  // "aa:nn" or large "aa:nn:mm"
  UnknownFields unknown;
  friend bool operator==(const Community&, const Community&) = default;
};
template <>
struct FieldTable<Community> {
  using S = Community;
  static constexpr auto fields = std::tuple{
      field::omit_empty("name", &S::name),
      field::omit_empty("value", &S::value),
  };
};

struct PrefixAdvertisement {
  std::string cidr;
  std::vector<std::string> communities;  // names from `communities`, or literal values
  UnknownFields unknown;
  friend bool operator==(const PrefixAdvertisement&, const PrefixAdvertisement&) = default;
};
template <>
struct FieldTable<PrefixAdvertisement> {
  using S = PrefixAdvertisement;
  static constexpr auto fields = std::tuple{
      field::omit_empty("cidr", &S::cidr),
      field::omit_empty("communities", &S::communities),
  };
};

struct BGPConfigurationSpec {
  std::string log_severity_screen;
  std::optional<bool> node_to_node_mesh_enabled;  // absent: true
  std::optional<std::uint32_t> as_number;         // absent: 64512
  std::vector<ServiceIPBlock> service_load_balancer_ips;
  std::vector<ServiceIPBlock> service_external_ips;
  std::vector<ServiceIPBlock> service_cluster_ips;
  std::uint16_t listen_port = 0;  // 0: 179
  std::optional<std::string> bind_mode;  // None, NodeIP
  std::vector<Community> communities;
  std::vector<PrefixAdvertisement> prefix_advertisements;
  std::optional<BGPPassword> node_mesh_password;
  std::optional<std::string> node_mesh_max_restart_time;
  std::vector<std::string> ignored_interfaces;
  std::string local_workload_peering_ipv4;
  std::string local_workload_peering_ipv6;
  std::optional<std::string> service_load_balancer_aggregation;  // Enabled, Disabled
  std::optional<std::string> program_cluster_routes;
  std::optional<std::int32_t> ipv4_normal_route_priority;  // absent: 1024
  std::optional<std::int32_t> ipv6_normal_route_priority;
  UnknownFields unknown;
  friend bool operator==(const BGPConfigurationSpec&, const BGPConfigurationSpec&) = default;
};
template <>
struct FieldTable<BGPConfigurationSpec> {
  using S = BGPConfigurationSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("logSeverityScreen", &S::log_severity_screen),
      field::optional("nodeToNodeMeshEnabled", &S::node_to_node_mesh_enabled),
      field::optional("asNumber", &S::as_number),
      field::omit_empty("serviceLoadBalancerIPs", &S::service_load_balancer_ips),
      field::omit_empty("serviceExternalIPs", &S::service_external_ips),
      field::omit_empty("serviceClusterIPs", &S::service_cluster_ips),
      field::omit_empty("listenPort", &S::listen_port),
      field::optional("bindMode", &S::bind_mode),
      field::omit_empty("communities", &S::communities),
      field::omit_empty("prefixAdvertisements", &S::prefix_advertisements),
      field::optional("nodeMeshPassword", &S::node_mesh_password),
      field::optional("nodeMeshMaxRestartTime", &S::node_mesh_max_restart_time),
      field::omit_empty("ignoredInterfaces", &S::ignored_interfaces),
      field::omit_empty("localWorkloadPeeringIPV4", &S::local_workload_peering_ipv4),
      field::omit_empty("localWorkloadPeeringIPV6", &S::local_workload_peering_ipv6),
      field::optional("serviceLoadBalancerAggregation", &S::service_load_balancer_aggregation),
      field::optional("programClusterRoutes", &S::program_cluster_routes),
      field::optional("ipv4NormalRoutePriority", &S::ipv4_normal_route_priority),
      field::optional("ipv6NormalRoutePriority", &S::ipv6_normal_route_priority),
  };
};

// "default" holds the cluster-wide settings; "node.<name>" overrides them for one node.
struct BGPConfiguration {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1",
                                         "BGPConfiguration", "BGPConfigurationList", "bgpconfigurations",
                                         "bgpconfiguration", false};
  ObjectMeta metadata;
  BGPConfigurationSpec spec;
  UnknownFields unknown;
  friend bool operator==(const BGPConfiguration&, const BGPConfiguration&) = default;
};
template <>
struct FieldTable<BGPConfiguration> {
  using S = BGPConfiguration;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

struct BGPPeerSpec {
  std::string node;           // one local node; with nodeSelector empty too: every node
  std::string node_selector;
  std::string peer_ip;        // "ip" or "ip:port"
  std::uint32_t as_number = 0;
  std::string peer_selector;  // instead of peerIP: peer with the selected Calico nodes
  std::optional<std::uint32_t> local_as_number;
  bool keep_original_next_hop = false;  // deprecated by nextHopMode
  std::optional<std::string> next_hop_mode;  // Auto, Self, Keep
  std::optional<BGPPassword> password;
  std::string source_address;  // UseNodeIP, None
  std::optional<std::string> max_restart_time;
  std::optional<std::string> keepalive_time;
  std::optional<std::int32_t> num_allowed_local_as_numbers;
  std::optional<std::uint8_t> ttl_security;
  std::string reachable_by;
  std::vector<std::string> filters;  // BGPFilter names
  std::string local_workload_selector;
  std::optional<std::string> reverse_peering;
  UnknownFields unknown;
  friend bool operator==(const BGPPeerSpec&, const BGPPeerSpec&) = default;
};
template <>
struct FieldTable<BGPPeerSpec> {
  using S = BGPPeerSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("node", &S::node),
      field::omit_empty("nodeSelector", &S::node_selector),
      field::omit_empty("peerIP", &S::peer_ip),
      field::omit_empty("asNumber", &S::as_number),
      field::omit_empty("peerSelector", &S::peer_selector),
      field::optional("localASNumber", &S::local_as_number),
      field::omit_empty("keepOriginalNextHop", &S::keep_original_next_hop),
      field::optional("nextHopMode", &S::next_hop_mode),
      field::optional("password", &S::password),
      field::omit_empty("sourceAddress", &S::source_address),
      field::optional("maxRestartTime", &S::max_restart_time),
      field::optional("keepaliveTime", &S::keepalive_time),
      field::optional("numAllowedLocalASNumbers", &S::num_allowed_local_as_numbers),
      field::optional("ttlSecurity", &S::ttl_security),
      field::omit_empty("reachableBy", &S::reachable_by),
      field::omit_empty("filters", &S::filters),
      field::omit_empty("localWorkloadSelector", &S::local_workload_selector),
      field::optional("reversePeering", &S::reverse_peering),
  };
};

struct BGPPeer {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1", "BGPPeer",
                                         "BGPPeerList", "bgppeers", "bgppeer", false};
  ObjectMeta metadata;
  BGPPeerSpec spec;
  UnknownFields unknown;
  friend bool operator==(const BGPPeer&, const BGPPeer&) = default;
};
template <>
struct FieldTable<BGPPeer> {
  using S = BGPPeer;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

}  // namespace sluice::k8s
