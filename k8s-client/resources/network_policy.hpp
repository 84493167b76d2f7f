// networking.k8s.io/v1 NetworkPolicy, the whole spec, as the policy agent enforces it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "k8s-client/resources/int_or_string.hpp"
#include "k8s-client/resources/label_selector.hpp"
#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

struct NetworkPolicyPort {
  std::optional<std::string> protocol;  // TCP when absent
  std::optional<IntOrString> port;      // a number or a named container port; absent: all ports
  std::optional<std::int32_t> end_port;
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicyPort&, const NetworkPolicyPort&) = default;
};
template <>
struct FieldTable<NetworkPolicyPort> {
  using S = NetworkPolicyPort;
  static constexpr auto fields = std::tuple{
      field::optional("protocol", &S::protocol),
      field::optional("port", &S::port),
      field::optional("endPort", &S::end_port),
  };
};

struct IPBlock {
  std::string cidr;
  std::vector<std::string> except;
  UnknownFields unknown;
  friend bool operator==(const IPBlock&, const IPBlock&) = default;
};
template <>
struct FieldTable<IPBlock> {
  using S = IPBlock;
  static constexpr auto fields = std::tuple{
      field::required("cidr", &S::cidr),
      field::omit_empty("except", &S::except),
  };
};

// Absent selectors do not constrain; an empty one matches all (pods, or namespaces).
struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IPBlock> ip_block;
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicyPeer&, const NetworkPolicyPeer&) = default;
};
template <>
struct FieldTable<NetworkPolicyPeer> {
  using S = NetworkPolicyPeer;
  static constexpr auto fields = std::tuple{
      field::optional("podSelector", &S::pod_selector),
      field::optional("namespaceSelector", &S::namespace_selector),
      field::optional("ipBlock", &S::ip_block),
  };
};

// Empty `ports` or `from` match all ports or all sources.
struct NetworkPolicyIngressRule {
  std::vector<NetworkPolicyPort> ports;
  std::vector<NetworkPolicyPeer> from;
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicyIngressRule&, const NetworkPolicyIngressRule&) = default;
};
template <>
struct FieldTable<NetworkPolicyIngressRule> {
  using S = NetworkPolicyIngressRule;
  static constexpr auto fields = std::tuple{
      field::omit_empty("ports", &S::ports),
      field::omit_empty("from", &S::from),
  };
};

struct NetworkPolicyEgressRule {
  std::vector<NetworkPolicyPort> ports;
  std::vector<NetworkPolicyPeer> to;
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicyEgressRule&, const NetworkPolicyEgressRule&) = default;
};
template <>
struct FieldTable<NetworkPolicyEgressRule> {
  using S = NetworkPolicyEgressRule;
  static constexpr auto fields = std::tuple{
      field::omit_empty("ports", &S::ports),
      field::omit_empty("to", &S::to),
  };
};

struct NetworkPolicySpec {
  LabelSelector pod_selector;  // the API writes it always; empty selects every pod of the namespace
  std::vector<NetworkPolicyIngressRule> ingress;
  std::vector<NetworkPolicyEgressRule> egress;
  std::vector<std::string> policy_types;  // Ingress, Egress
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicySpec&, const NetworkPolicySpec&) = default;
};
template <>
struct FieldTable<NetworkPolicySpec> {
  using S = NetworkPolicySpec;
  static constexpr auto fields = std::tuple{
      field::always("podSelector", &S::pod_selector),
      field::omit_empty("ingress", &S::ingress),
      field::omit_empty("egress", &S::egress),
      field::omit_empty("policyTypes", &S::policy_types),
  };
};

struct NetworkPolicy {
  static constexpr ResourceKind resource{"networking.k8s.io", "v1", "networking.k8s.io/v1", "NetworkPolicy",
                                         "NetworkPolicyList", "networkpolicies", "networkpolicy", true};
  ObjectMeta metadata;
  NetworkPolicySpec spec;
  UnknownFields unknown;
  friend bool operator==(const NetworkPolicy&, const NetworkPolicy&) = default;
};
template <>
struct FieldTable<NetworkPolicy> {
  using S = NetworkPolicy;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

}  // namespace sluice::k8s
