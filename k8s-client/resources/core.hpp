// Core (v1) Node, Pod and Namespace: the members IPAM, the policy agent and bgpd read.
// Everything else the API server sends (containers, conditions, ...) is kept unmodeled.
#pragma once

#include <string>
#include <vector>

#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

struct NodeSpec {
  std::string pod_cidr;
  std::vector<std::string> pod_cidrs;
  UnknownFields unknown;
  friend bool operator==(const NodeSpec&, const NodeSpec&) = default;
};
template <>
struct FieldTable<NodeSpec> {
  using S = NodeSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("podCIDR", &S::pod_cidr),
      field::omit_empty("podCIDRs", &S::pod_cidrs),
  };
};

struct NodeAddress {
  std::string type;  // InternalIP, ExternalIP, Hostname, ...
  std::string address;
  UnknownFields unknown;
  friend bool operator==(const NodeAddress&, const NodeAddress&) = default;
};
template <>
struct FieldTable<NodeAddress> {
  using S = NodeAddress;
  static constexpr auto fields = std::tuple{
      field::required("type", &S::type),
      field::required("address", &S::address),
  };
};

struct NodeStatus {
  std::vector<NodeAddress> addresses;
  UnknownFields unknown;
  friend bool operator==(const NodeStatus&, const NodeStatus&) = default;
};
template <>
struct FieldTable<NodeStatus> {
  using S = NodeStatus;
  static constexpr auto fields = std::tuple{field::omit_empty("addresses", &S::addresses)};
};

// BGP address, AS and tunnel address live in metadata.annotations.
struct Node {
  static constexpr ResourceKind resource{"", "v1", "v1", "Node", "NodeList", "nodes", "node", false};
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
  UnknownFields unknown;
  friend bool operator==(const Node&, const Node&) = default;
};
template <>
struct FieldTable<Node> {
  using S = Node;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
      field::always("status", &S::status),
  };
};

struct PodSpec {
  std::string node_name;
  bool host_network = false;
  std::string service_account_name;
  UnknownFields unknown;
  friend bool operator==(const PodSpec&, const PodSpec&) = default;
};
template <>
struct FieldTable<PodSpec> {
  using S = PodSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("nodeName", &S::node_name),
      field::omit_empty("hostNetwork", &S::host_network),
      field::omit_empty("serviceAccountName", &S::service_account_name),
  };
};

struct PodIP {
  std::string ip;
  UnknownFields unknown;
  friend bool operator==(const PodIP&, const PodIP&) = default;
};
template <>
struct FieldTable<PodIP> {
  using S = PodIP;
  static constexpr auto fields = std::tuple{field::required("ip", &S::ip)};
};

struct PodStatus {
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown
  std::string host_ip;
  std::string pod_ip;
  std::vector<PodIP> pod_ips;
  UnknownFields unknown;
  friend bool operator==(const PodStatus&, const PodStatus&) = default;
};
template <>
struct FieldTable<PodStatus> {
  using S = PodStatus;
  static constexpr auto fields = std::tuple{
      field::omit_empty("phase", &S::phase),
      field::omit_empty("hostIP", &S::host_ip),
      field::omit_empty("podIP", &S::pod_ip),
      field::omit_empty("podIPs", &S::pod_ips),
  };
};

struct Pod {
  static constexpr ResourceKind resource{"", "v1", "v1", "Pod", "PodList", "pods", "pod", true};
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  UnknownFields unknown;
  friend bool operator==(const Pod&, const Pod&) = default;
};
template <>
struct FieldTable<Pod> {
  using S = Pod;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
      field::always("status", &S::status),
  };
};

// Policy selects namespaces by metadata.labels; spec and status are kept unmodeled.
struct Namespace {
  static constexpr ResourceKind resource{"", "v1", "v1", "Namespace", "NamespaceList", "namespaces", "namespace",
                                         false};
  ObjectMeta metadata;
  UnknownFields unknown;
  friend bool operator==(const Namespace&, const Namespace&) = default;
};
template <>
struct FieldTable<Namespace> {
  using S = Namespace;
  static constexpr auto fields = std::tuple{field::required("metadata", &S::metadata)};
};

}  // namespace sluice::k8s
