// Typed resources: round trips from realistic objects, unknown members kept at every
// level, precise errors for wrong types and missing members, kind checks, lists.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <string_view>

#include "base/json/json.hpp"
#include "k8s-client/resources/resources.hpp"
#include "k8s-client/test-apiserver/resources.hpp"

using namespace sluice;
using namespace sluice::k8s;

namespace {

// An IPAMBlock as Calico writes it, with members Sluice does not model at several levels.
constexpr std::string_view kBlock = R"({
  "apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMBlock",
  "metadata": {"name": "10-244-1-0-30", "uid": "6f1c2a1e-0000-4000-8000-000000000001", "resourceVersion": "1234",
               "generation": 3, "creationTimestamp": "2026-11-26T10:00:00Z",
               "labels": {"projectcalico.org/hostname-hash": "4f1d", "projectcalico.org/ip-version": "4"},
               "managedFields": [{"manager": "calico-ipam", "operation": "Update", "fieldsType": "FieldsV1"}]},
  "spec": {"cidr": "10.244.1.0/30", "affinity": "host:node-1", "affinityClaimTime": "2026-11-26T10:00:00Z",
           "strictAffinity": false, "allocations": [0, null, 1, null], "unallocated": [3, 1],
           "attributes": [
             {"handle_id": "ipip-tunnel-addr-node-1", "secondary": {"node": "node-1", "type": "ipipTunnelAddress"},
              "futureAttribute": {"x": [1, 2.5, "three"]}},
             {"handle_id": "k8s-pod-network.8c1f", "secondary": {"namespace": "default", "node": "node-1",
              "pod": "web-0", "timestamp": "2026-11-26 10:01:00.123 +0000 UTC"}}],
           "sequenceNumber": 7, "sequenceNumberForAllocation": {"0": 1, "2": 7}, "deleted": false,
           "futureSpecField": {"enabled": true}},
  "futureTopLevel": "kept"
})";

constexpr std::string_view kPool = R"json({
  "apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
  "metadata": {"name": "default-ipv4-ippool", "resourceVersion": "10"},
  "spec": {"cidr": "10.244.0.0/16", "blockSize": 26, "ipipMode": "CrossSubnet", "vxlanMode": "Never",
           "natOutgoing": true, "nodeSelector": "all()", "allowedUses": ["Workload", "Tunnel"],
           "assignmentMode": "Automatic", "disableBGPExport": true},
  "status": {"conditions": [{"type": "Allocatable", "status": "True", "reason": "OK", "message": "",
                             "lastTransitionTime": "2026-11-26T10:00:00Z"}]}
})json";

constexpr std::string_view kLegacyPool = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
  "metadata": {"name": "old"}, "spec": {"cidr": "192.168.0.0/16", "ipip": {"enabled": true, "mode": "always"},
  "nat-outgoing": true, "disabled": true}})";

constexpr std::string_view kAffinity = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity",
  "metadata": {"name": "node-1-10-244-1-0-30", "labels": {"projectcalico.org/affinity-type": "host"}},
  "spec": {"state": "confirmed", "node": "node-1", "type": "host", "cidr": "10.244.1.0/30", "deleted": "false"}})";

constexpr std::string_view kHandle = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMHandle",
  "metadata": {"name": "k8s-pod-network.8c1f"},
  "spec": {"handleID": "k8s-pod-network.8c1f", "block": {"10.244.1.0/30": 1}, "deleted": false}})";

constexpr std::string_view kIpamConfig = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMConfig",
  "metadata": {"name": "default"},
  "spec": {"strictAffinity": true, "autoAllocateBlocks": true, "maxBlocksPerHost": 4, "ipCooldownSeconds": 30,
           "kubeVirtVMAddressPersistence": "Enabled"}})";

constexpr std::string_view kReservation = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPReservation",
  "metadata": {"name": "gateways"},
  "spec": {"reservedCIDRs": ["10.244.0.1", "10.244.1.0/30", "fd00:10:244::1/128"]}})";

constexpr std::string_view kClusterInfo = R"({"apiVersion": "crd.projectcalico.org/v1",
  "kind": "ClusterInformation", "metadata": {"name": "default", "resourceVersion": "812"},
  "spec": {"clusterGUID": "5b9a3a2f0c3e4f6d9a1b2c3d4e5f6a7b", "clusterType": "k8s,bgp,kdd",
           "calicoVersion": "v3.29.1", "datastoreReady": true, "variant": "Calico"}})";

constexpr std::string_view kBgpConfig = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "BGPConfiguration",
  "metadata": {"name": "default"},
  "spec": {"logSeverityScreen": "Info", "nodeToNodeMeshEnabled": false, "asNumber": 4200000001,
           "serviceClusterIPs": [{"cidr": "10.96.0.0/12"}], "serviceExternalIPs": [{"cidr": "192.0.2.0/24"}],
           "serviceLoadBalancerIPs": [{"cidr": "198.51.100.0/24"}], "listenPort": 1179, "bindMode": "NodeIP",
           "communities": [{"name": "edge", "value": "64512:100"}],
           "prefixAdvertisements": [{"cidr": "10.244.0.0/16", "communities": ["edge", "64512:200:300"]}],
           "nodeMeshPassword": {"secretKeyRef": {"name": "bgp-secrets", "key": "mesh"}},
           "nodeMeshMaxRestartTime": "120s", "ignoredInterfaces": ["docker*"],
           "serviceLoadBalancerAggregation": "Disabled", "programClusterRoutes": "Enabled",
           "ipv4NormalRoutePriority": 1024, "ipv6NormalRoutePriority": 1024}})";

constexpr std::string_view kBgpPeer = R"({"apiVersion": "crd.projectcalico.org/v1", "kind": "BGPPeer",
  "metadata": {"name": "tor-a"},
  "spec": {"nodeSelector": "rack == 'a'", "peerIP": "192.0.2.1:1179", "asNumber": 65001, "localASNumber": 64512,
           "keepOriginalNextHop": true, "nextHopMode": "Keep",
           "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "tor-a", "optional": false}},
           "sourceAddress": "UseNodeIP", "maxRestartTime": "90s", "keepaliveTime": "30s",
           "numAllowedLocalASNumbers": 1, "ttlSecurity": 1, "reachableBy": "10.0.0.1", "filters": ["export-pools"],
           "reversePeering": "Manual"}})";

constexpr std::string_view kNode = R"({"apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"},
               "annotations": {"projectcalico.org/IPv4Address": "10.0.0.11/24", "projectcalico.org/ASNumber": "64512"}},
  "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24", "fd00:10:244:1::/64"], "providerID": "kind://x"},
  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": "node-1"}],
             "conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kernelVersion": "6.1.0"}}})";

constexpr std::string_view kPod = R"({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "web-0", "namespace": "default", "uid": "0b7e", "generateName": "web-",
               "annotations": {"cni.projectcalico.org/podIP": "10.244.1.2/32",
                               "cni.projectcalico.org/containerID": "8c1f"},
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "5a1d",
                                    "controller": true, "blockOwnerDeletion": true}],
               "finalizers": ["example.org/keep"], "deletionTimestamp": "2026-11-26T11:00:00Z"},
  "spec": {"nodeName": "node-1", "hostNetwork": true, "serviceAccountName": "web",
           "containers": [{"name": "web", "image": "nginx", "ports": [{"name": "http", "containerPort": 80}]}]},
  "status": {"phase": "Running", "hostIP": "10.0.0.11", "podIP": "10.244.1.2",
             "podIPs": [{"ip": "10.244.1.2"}, {"ip": "fd00:10:244:1::2"}], "qosClass": "BestEffort"}})";

constexpr std::string_view kNamespace = R"({"apiVersion": "v1", "kind": "Namespace",
  "metadata": {"name": "prod", "labels": {"kubernetes.io/metadata.name": "prod", "team": "a"}},
  "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})";

constexpr std::string_view kPolicy = R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
  "metadata": {"name": "web", "namespace": "prod"},
  "spec": {"podSelector": {"matchLabels": {"app": "web"},
                           "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]},
           "policyTypes": ["Ingress", "Egress"],
           "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "lb"}}},
                                 {"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}],
                        "ports": [{"protocol": "TCP", "port": 80}, {"port": "http"}, {"protocol": "UDP", "port": 5000,
                                   "endPort": 5100}]},
                       {}],
           "egress": [{"to": [{"podSelector": {"matchExpressions": [{"key": "db", "operator": "Exists"}]}}],
                       "ports": [{"port": "5432"}]}]}})";

constexpr std::string_view kLease = R"({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
  "metadata": {"name": "sluice-ipam-gc", "namespace": "kube-system"},
  "spec": {"holderIdentity": "controller-7f9c", "leaseDurationSeconds": 15,
           "acquireTime": "2026-11-26T10:00:00.000000Z", "renewTime": "2026-11-26T10:00:10.500000Z",
           "leaseTransitions": 2, "strategy": "OldestEmulationVersion"}})";

rapidjson::Document parsed(std::string_view text) {
  auto d = json::parse(text);
  REQUIRE(d.ok());
  return std::move(*d);
}

// Decoding then encoding gives back the same JSON value (member order aside).
template <Resource T>
T round_trip(std::string_view text) {
  auto object = decode<T>(text);
  REQUIRE_MESSAGE(object.ok(), object.error().message);
  std::string encoded = encode(*object);
  CHECK_MESSAGE(parsed(encoded) == parsed(text), encoded);
  auto again = decode<T>(encoded);
  REQUIRE(again.ok());
  CHECK(*again == *object);
  return *object;
}

template <Resource T>
std::string decode_error(std::string_view text) {
  auto object = decode<T>(text);
  REQUIRE_FALSE(object.ok());
  return object.error().message;
}

std::string with(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  auto at = out.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  out.replace(at, from.size(), to);
  return out;
}

}  // namespace

TEST_CASE("IPAMBlock: every modeled member read as Calico writes it, and written back unchanged") {
  IPAMBlock block = round_trip<IPAMBlock>(kBlock);
  CHECK(block.metadata.name == "10-244-1-0-30");
  CHECK(block.metadata.resource_version == "1234");
  CHECK(block.metadata.generation == 3);
  CHECK(block.metadata.labels.at("projectcalico.org/ip-version") == "4");
  CHECK(block.spec.cidr == "10.244.1.0/30");
  CHECK(block.spec.affinity == "host:node-1");
  CHECK_FALSE(block.spec.strict_affinity);
  REQUIRE(block.spec.allocations.size() == 4);
  CHECK(block.spec.allocations[0] == 0);
  CHECK_FALSE(block.spec.allocations[1].has_value());
  CHECK(block.spec.allocations[2] == 1);
  CHECK(block.spec.unallocated == std::vector<int>{3, 1});  // FIFO order kept as written
  REQUIRE(block.spec.attributes.size() == 2);
  CHECK(block.spec.attributes[1].handle_id == "k8s-pod-network.8c1f");
  CHECK(block.spec.attributes[1].secondary.at("pod") == "web-0");
  CHECK(block.spec.sequence_number == 7);
  CHECK(block.spec.sequence_number_for_allocation.at("2") == 7);
  CHECK_FALSE(block.spec.deleted);
  CHECK_FALSE(block.unknown.empty());
  CHECK_FALSE(block.spec.unknown.empty());
  CHECK_FALSE(block.metadata.unknown.empty());  // managedFields
}

TEST_CASE("every resource type round-trips a realistic object") {
  round_trip<IPPool>(kPool);
  round_trip<IPPool>(kLegacyPool);
  round_trip<BlockAffinity>(kAffinity);
  round_trip<IPAMHandle>(kHandle);
  round_trip<IPAMConfig>(kIpamConfig);
  round_trip<IPReservation>(kReservation);
  round_trip<ClusterInformation>(kClusterInfo);
  round_trip<BGPConfiguration>(kBgpConfig);
  round_trip<BGPPeer>(kBgpPeer);
  round_trip<Node>(kNode);
  round_trip<Pod>(kPod);
  round_trip<Namespace>(kNamespace);
  round_trip<NetworkPolicy>(kPolicy);
  round_trip<Lease>(kLease);
}

TEST_CASE("modeled members of the other types") {
  IPPool pool = *decode<IPPool>(kPool);
  CHECK(pool.spec.block_size == 26);
  CHECK(pool.spec.ipip_mode == "CrossSubnet");
  CHECK(pool.spec.nat_outgoing);
  CHECK(pool.spec.disable_bgp_export);
  CHECK(pool.spec.allowed_uses == std::vector<std::string>{"Workload", "Tunnel"});
  IPPool legacy = *decode<IPPool>(kLegacyPool);
  CHECK_FALSE(legacy.spec.block_size.has_value());
  REQUIRE(legacy.spec.ipip.has_value());
  CHECK(legacy.spec.ipip->mode == "always");
  CHECK(legacy.spec.nat_outgoing_v1);

  BlockAffinity affinity = *decode<BlockAffinity>(kAffinity);
  CHECK(affinity.spec.state == "confirmed");
  CHECK(affinity.spec.deleted == "false");
  IPAMHandle handle = *decode<IPAMHandle>(kHandle);
  CHECK(handle.spec.block.at("10.244.1.0/30") == 1);
  IPAMConfig config = *decode<IPAMConfig>(kIpamConfig);
  CHECK(config.spec.strict_affinity);
  CHECK(config.spec.max_blocks_per_host == 4);
  IPReservation reservation = *decode<IPReservation>(kReservation);
  CHECK(reservation.spec.reserved_cidrs ==
        std::vector<std::string>{"10.244.0.1", "10.244.1.0/30", "fd00:10:244::1/128"});

  ClusterInformation info = *decode<ClusterInformation>(kClusterInfo);
  CHECK(info.spec.cluster_guid == "5b9a3a2f0c3e4f6d9a1b2c3d4e5f6a7b");
  CHECK(info.spec.cluster_type == "k8s,bgp,kdd");
  CHECK(info.spec.calico_version == "v3.29.1");
  CHECK(info.spec.datastore_ready == true);
  CHECK(info.spec.variant == "Calico");
  // A false datastoreReady is a signal (a migration is under way), not an empty value.
  auto locked = decode<ClusterInformation>(with(kClusterInfo, R"("datastoreReady": true)", R"("datastoreReady": false)"));
  REQUIRE(locked.ok());
  CHECK(locked->spec.datastore_ready == false);
  CHECK(parsed(encode(*locked))["spec"]["datastoreReady"].IsFalse());
  auto unset = decode<ClusterInformation>(with(kClusterInfo, R"(, "datastoreReady": true)", ""));
  REQUIRE(unset.ok());
  CHECK_FALSE(unset->spec.datastore_ready.has_value());

  BGPConfiguration bgp = *decode<BGPConfiguration>(kBgpConfig);
  CHECK(bgp.spec.as_number == 4200000001u);  // 4-octet AS numbers need all 32 bits
  CHECK(bgp.spec.node_to_node_mesh_enabled == false);
  CHECK(bgp.spec.listen_port == 1179);
  CHECK(bgp.spec.service_cluster_ips.at(0).cidr == "10.96.0.0/12");
  CHECK(bgp.spec.node_mesh_password->secret_key_ref->key == "mesh");
  CHECK(bgp.spec.prefix_advertisements.at(0).communities.at(1) == "64512:200:300");
  BGPPeer peer = *decode<BGPPeer>(kBgpPeer);
  CHECK(peer.spec.peer_ip == "192.0.2.1:1179");
  CHECK(peer.spec.as_number == 65001u);
  CHECK(peer.spec.ttl_security == 1);
  CHECK(peer.spec.password->secret_key_ref->optional == false);

  Node node = *decode<Node>(kNode);
  CHECK(node.spec.pod_cidrs.size() == 2);
  CHECK(node.status.addresses.at(0).type == "InternalIP");
  CHECK(node.metadata.annotations.at("projectcalico.org/ASNumber") == "64512");
  Pod pod = *decode<Pod>(kPod);
  CHECK(pod.metadata.namespace_ == "default");
  CHECK(pod.metadata.owner_references.at(0).controller == true);
  CHECK(pod.metadata.deletion_timestamp.has_value());
  CHECK(pod.spec.host_network);
  CHECK(pod.status.pod_ips.at(1).ip == "fd00:10:244:1::2");
  CHECK(pod.status.phase == "Running");
  Namespace ns = *decode<Namespace>(kNamespace);
  CHECK(ns.metadata.labels.at("team") == "a");
  Lease lease = *decode<Lease>(kLease);
  CHECK(lease.spec.holder_identity == "controller-7f9c");
  CHECK(lease.spec.lease_duration_seconds == 15);
  CHECK(lease.spec.lease_transitions == 2);
}

TEST_CASE("NetworkPolicy: selectors, peers and int-or-string ports kept exactly") {
  NetworkPolicy policy = *decode<NetworkPolicy>(kPolicy);
  const auto& spec = policy.spec;
  CHECK(spec.pod_selector.match_labels.at("app") == "web");
  CHECK(spec.pod_selector.match_expressions.at(0).operator_ == "In");
  CHECK(spec.pod_selector.match_expressions.at(0).values == std::vector<std::string>{"fe", "be"});
  CHECK(spec.policy_types == std::vector<std::string>{"Ingress", "Egress"});
  REQUIRE(spec.ingress.size() == 2);
  const auto& peers = spec.ingress[0].from;
  // An empty namespaceSelector (all namespaces) is not an absent one (the policy's own namespace).
  REQUIRE(peers[0].namespace_selector.has_value());
  CHECK(*peers[0].namespace_selector == LabelSelector{});
  CHECK_FALSE(peers[1].namespace_selector.has_value());
  CHECK_FALSE(peers[1].pod_selector.has_value());
  CHECK(peers[1].ip_block->except.at(0) == "192.0.2.128/25");
  const auto& ports = spec.ingress[0].ports;
  CHECK(ports[0].port->is_int());
  CHECK(ports[0].port->int_value() == 80);
  CHECK(ports[1].port->string_value() == "http");
  CHECK_FALSE(ports[1].protocol.has_value());
  CHECK(ports[2].end_port == 5100);
  CHECK(spec.ingress[1] == NetworkPolicyIngressRule{});  // {}: allow everything
  // "5432" stays a string: Kubernetes treats it as a port name, not a number.
  CHECK_FALSE(spec.egress.at(0).ports.at(0).port->is_int());
  CHECK(spec.egress.at(0).ports.at(0).port->string_value() == "5432");

  // A policy that selects every pod writes its empty podSelector; the API requires it.
  NetworkPolicy deny_all;
  deny_all.metadata.name = "deny";
  deny_all.spec.policy_types = {"Ingress"};
  CHECK(encode(deny_all) ==
        R"({"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny"},)"
        R"("spec":{"podSelector":{},"policyTypes":["Ingress"]}})");
}

TEST_CASE("an update keeps every member another writer put there, at every level") {
  IPAMBlock block = *decode<IPAMBlock>(kBlock);
  // Release ordinal 0 (the tunnel address) and compact its attribute away, as IPAM does.
  block.spec.allocations[0].reset();
  block.spec.allocations[2] = 0;
  block.spec.unallocated.push_back(0);
  block.spec.attributes.erase(block.spec.attributes.begin());
  block.spec.sequence_number_for_allocation.erase("0");
  ++block.spec.sequence_number;
  block.spec.affinity.reset();  // a removed optional member disappears from the output
  block.metadata.labels["extra"] = "1";

  auto out = parsed(encode(block));
  CHECK(out["futureTopLevel"] == "kept");
  CHECK(out["metadata"]["managedFields"][0]["manager"] == "calico-ipam");
  CHECK(out["metadata"]["labels"]["extra"] == "1");
  CHECK(out["spec"]["futureSpecField"]["enabled"].GetBool());
  CHECK(out["spec"]["sequenceNumber"].GetUint64() == 8);
  CHECK(out["spec"]["allocations"][0].IsNull());
  CHECK(out["spec"]["unallocated"].Size() == 3);
  CHECK_FALSE(out["spec"].HasMember("affinity"));
  CHECK(out["spec"].HasMember("affinityClaimTime"));
  // The unknown member belonged to the erased attribute: it went with it, and did not
  // slide onto the attribute that moved into its place.
  REQUIRE(out["spec"]["attributes"].Size() == 1);
  CHECK(out["spec"]["attributes"][0]["handle_id"] == "k8s-pod-network.8c1f");
  CHECK_FALSE(out["spec"]["attributes"][0].HasMember("futureAttribute"));

  IPAMBlock first_only = *decode<IPAMBlock>(kBlock);
  first_only.spec.attributes.pop_back();
  auto kept = parsed(encode(first_only));
  CHECK(kept["spec"]["attributes"][0]["futureAttribute"]["x"][1].GetDouble() == 2.5);
}

TEST_CASE("an object built in code writes what the CRD requires, including empty lists") {
  IPAMBlock block;
  block.metadata.name = "10-0-0-0-30";
  block.spec.cidr = "10.0.0.0/30";
  block.spec.allocations.assign(4, std::nullopt);
  block.spec.unallocated = {0, 1, 2, 3};
  CHECK(encode(block) ==
        R"({"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{"name":"10-0-0-0-30"},)"
        R"("spec":{"cidr":"10.0.0.0/30","strictAffinity":false,"allocations":[null,null,null,null],)"
        R"("unallocated":[0,1,2,3],"attributes":[],"sequenceNumber":0,"deleted":false}})");

  BlockAffinity affinity;
  affinity.metadata.name = "node-1-10-0-0-0-30";
  affinity.spec.state = "pending";
  affinity.spec.node = "node-1";
  affinity.spec.cidr = "10.0.0.0/30";
  affinity.spec.deleted = "false";
  CHECK(encode(affinity) ==
        R"({"apiVersion":"crd.projectcalico.org/v1","kind":"BlockAffinity","metadata":{"name":"node-1-10-0-0-0-30"},)"
        R"("spec":{"state":"pending","node":"node-1","cidr":"10.0.0.0/30","deleted":"false"}})");

  Lease lease;
  lease.metadata.name = "gc";
  lease.metadata.namespace_ = "kube-system";
  lease.spec.holder_identity = "me";
  lease.spec.lease_duration_seconds = 15;
  CHECK(encode(lease) == R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",)"
                         R"("metadata":{"name":"gc","namespace":"kube-system"},)"
                         R"("spec":{"holderIdentity":"me","leaseDurationSeconds":15}})");

  // Calico writes these spec members with omitempty: an empty object writes none.
  IPReservation reservation;
  reservation.metadata.name = "none";
  CHECK(encode(reservation) == R"({"apiVersion":"crd.projectcalico.org/v1","kind":"IPReservation",)"
                               R"("metadata":{"name":"none"},"spec":{}})");
  reservation.spec.reserved_cidrs = {"10.0.0.1"};
  CHECK(encode(reservation) == R"({"apiVersion":"crd.projectcalico.org/v1","kind":"IPReservation",)"
                               R"("metadata":{"name":"none"},"spec":{"reservedCIDRs":["10.0.0.1"]}})");

  ClusterInformation info;
  info.metadata.name = "default";
  info.spec.cluster_guid = "0f";
  info.spec.datastore_ready = false;
  CHECK(encode(info) == R"({"apiVersion":"crd.projectcalico.org/v1","kind":"ClusterInformation",)"
                        R"("metadata":{"name":"default"},"spec":{"clusterGUID":"0f","datastoreReady":false}})");
}

TEST_CASE("wrong types are reported with the path of the member") {
  CHECK(decode_error<IPPool>(with(kPool, R"("blockSize": 26)", R"("blockSize": "26")")) ==
        "spec.blockSize: expected an integer, got a string");
  CHECK(decode_error<IPPool>(with(kPool, R"("blockSize": 26)", R"("blockSize": 26.5)")) ==
        "spec.blockSize: expected an integer, got 26.5");
  CHECK(decode_error<IPPool>(with(kPool, R"("natOutgoing": true)", R"("natOutgoing": "true")")) ==
        "spec.natOutgoing: expected a boolean, got a string");
  CHECK(decode_error<IPAMBlock>(with(kBlock, "[0, null, 1, null]", R"([0, null, "1", null])")) ==
        "spec.allocations[2]: expected an integer, got a string");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("pod": "web-0")", R"("pod": 7)")) ==
        R"(spec.attributes[1].secondary["pod"]: expected a string, got a number)");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("sequenceNumber": 7)", R"("sequenceNumber": -1)")) ==
        "spec.sequenceNumber: -1 is out of range (0 to 18446744073709551615)");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("generation": 3)", R"("generation": "3")")) ==
        "metadata.generation: expected an integer, got a string");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("labels": {)", R"("labels": [], "x": {)")) ==
        "metadata.labels: expected an object, got an array");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("spec": {)", R"("spec": [], "y": {)")) ==
        "spec: expected an object, got an array");
  CHECK(decode_error<NetworkPolicy>(with(kPolicy, R"("port": 80)", R"("port": true)")) ==
        "spec.ingress[0].ports[0].port: expected an integer or a string, got a boolean");
  CHECK(decode_error<NetworkPolicy>(with(kPolicy, R"("port": 80)", R"("port": 4294967296)")) ==
        "spec.ingress[0].ports[0].port: 4294967296 is out of range (-2147483648 to 2147483647)");
  CHECK(decode_error<NetworkPolicy>(with(kPolicy, R"("values": ["fe", "be"])", R"("values": "fe")")) ==
        "spec.podSelector.matchExpressions[0].values: expected an array, got a string");
  CHECK(decode_error<Lease>(with(kLease, R"("leaseDurationSeconds": 15)", R"("leaseDurationSeconds": 1.5)")) ==
        "spec.leaseDurationSeconds: expected an integer, got 1.5");
  CHECK(decode_error<BGPPeer>(with(kBgpPeer, R"("asNumber": 65001)", R"("asNumber": -1)")) ==
        "spec.asNumber: -1 is out of range (0 to 4294967295)");
  CHECK(decode_error<BGPPeer>(with(kBgpPeer, R"("ttlSecurity": 1)", R"("ttlSecurity": 256)")) ==
        "spec.ttlSecurity: 256 is out of range (0 to 255)");
  CHECK(decode_error<BGPConfiguration>(with(kBgpConfig, R"("listenPort": 1179)", R"("listenPort": 70000)")) ==
        "spec.listenPort: 70000 is out of range (0 to 65535)");
  CHECK(decode_error<Pod>(with(kPod, R"("controller": true)", R"("controller": 1)")) ==
        "metadata.ownerReferences[0].controller: expected a boolean, got a number");
  CHECK(decode_error<Node>(with(kNode, R"("address": "10.0.0.11")", R"("address": null)")) ==
        "status.addresses[0].address: expected a string, got null");
  CHECK(decode_error<IPReservation>(with(kReservation, R"("10.244.0.1", )", R"(10, )")) ==
        "spec.reservedCIDRs[0]: expected a string, got a number");
  CHECK(decode_error<IPReservation>(with(kReservation, R"(["10.244.0.1", "10.244.1.0/30", "fd00:10:244::1/128"])",
                                         R"("10.244.0.1")")) == "spec.reservedCIDRs: expected an array, got a string");
  CHECK(decode_error<ClusterInformation>(with(kClusterInfo, R"("datastoreReady": true)",
                                              R"("datastoreReady": "true")")) ==
        "spec.datastoreReady: expected a boolean, got a string");
  CHECK(decode_error<ClusterInformation>(with(kClusterInfo, R"("clusterGUID": "5b9a3a2f0c3e4f6d9a1b2c3d4e5f6a7b")",
                                              R"("clusterGUID": 5)")) ==
        "spec.clusterGUID: expected a string, got a number");
}

TEST_CASE("missing required members are errors; null for an optional member is absent") {
  CHECK(decode_error<IPAMBlock>(R"({"kind":"IPAMBlock","spec":{}})") == "metadata: missing");
  CHECK(decode_error<IPAMBlock>(R"({"metadata":{"namespace":"x"}})") == "metadata.name: missing");
  CHECK(decode_error<IPAMBlock>(R"({"metadata":{"name":"b"}})") == "spec.cidr: missing");  // no spec at all
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("allocations": [0, null, 1, null],)", "")) ==
        "spec.allocations: missing");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("cidr": "10.244.1.0/30")", R"("cidr": null)")) ==
        "spec.cidr: expected a string, got null");
  CHECK(decode_error<BlockAffinity>(with(kAffinity, R"(, "deleted": "false")", "")) == "spec.deleted: missing");
  CHECK(decode_error<IPAMHandle>(with(kHandle, R"("handleID": "k8s-pod-network.8c1f", )", "")) ==
        "spec.handleID: missing");
  CHECK(decode_error<IPAMConfig>(with(kIpamConfig, R"("strictAffinity": true, )", "")) ==
        "spec.strictAffinity: missing");
  CHECK(decode_error<NetworkPolicy>(with(kPolicy, R"("cidr": "192.0.2.0/24", )", "")) ==
        "spec.ingress[0].from[1].ipBlock.cidr: missing");
  CHECK(decode_error<Pod>(with(kPod, R"("uid": "5a1d",)", "")) == "metadata.ownerReferences[0].uid: missing");
  CHECK(decode_error<BGPPeer>(with(kBgpPeer, R"("key": "tor-a", )", "")) == "spec.password.secretKeyRef.key: missing");

  auto block = decode<IPAMBlock>(with(kBlock, R"("affinity": "host:node-1")", R"("affinity": null)"));
  REQUIRE(block.ok());
  CHECK_FALSE(block->spec.affinity.has_value());
  CHECK(encode(*block).find("\"affinity\"") == std::string::npos);
  // What Go writes for a zero time.
  auto pod = decode<Pod>(with(kPod, R"("name": "web-0",)", R"("name": "web-0", "creationTimestamp": null,)"));
  REQUIRE(pod.ok());
  CHECK(pod->metadata.creation_timestamp.empty());
  CHECK(encode(*pod).find("creationTimestamp") == std::string::npos);
}

TEST_CASE("apiVersion and kind must be the type's when present") {
  CHECK(decode_error<IPPool>(kBlock) == R"(kind: expected "IPPool", got "IPAMBlock")");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("crd.projectcalico.org/v1")", R"("projectcalico.org/v3")")) ==
        R"(apiVersion: expected "crd.projectcalico.org/v1", got "projectcalico.org/v3")");
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("kind": "IPAMBlock")", R"("kind": 1)")) ==
        "kind: expected a string, got a number");
  CHECK(decode_error<Pod>(with(kPod, R"("kind": "Pod")", R"("kind": "Pod", "kind": "Node")")) ==
        "kind: duplicate field");
  // List items of built-in types come without apiVersion and kind.
  auto bare = decode<Namespace>(R"({"metadata":{"name":"prod"}})");
  REQUIRE(bare.ok());
  CHECK(encode(*bare) == R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prod"}})");
}

TEST_CASE("a member given twice is refused, since readers would disagree on which copy counts") {
  CHECK(decode_error<IPAMBlock>(with(kBlock, R"("name": "10-244-1-0-30")", R"("name": "a", "name": "b")")) ==
        "metadata.name: duplicate field");
  CHECK(decode_error<Namespace>(with(kNamespace, R"("team": "a")", R"("team": "a", "team": "b")")) ==
        R"(metadata.labels["team"]: duplicate key)");
}

TEST_CASE("text that is not a JSON object is refused before any member is read") {
  CHECK(decode_error<Pod>("{\"metadata\":").find("invalid JSON at offset 12") == 0);
  CHECK(decode_error<Pod>("[]") == "expected an object, got an array");
  CHECK(decode_error<Pod>(std::string("{}\0{}", 5)) == "invalid JSON at offset 2: a NUL byte");
  CHECK(decode_error<Pod>("{\"metadata\":{\"name\":\"\xff\"}}").find("invalid JSON") == 0);
  std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(decode_error<Pod>(deep) == "expected an object, got an array");  // 100 levels: parsed
  deep = "{\"a\":" + deep + "}";
  CHECK(decode_error<Pod>(deep) == "invalid JSON at offset 104: nested deeper than 100 levels");
  CHECK(decode<Pod>(R"({"metadata":{"name":"p","annotations":{"a":"[[[[{{{{"}}})").ok());  // brackets in strings
}

TEST_CASE("lists: items, resourceVersion, continue token, remaining count") {
  std::string list = R"({"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlockList",
      "metadata":{"resourceVersion":"6","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ","remainingItemCount":3},
      "items":[)" + std::string(kBlock) + "," +
                     with(kBlock, R"("name": "10-244-1-0-30")", R"("name": "10-244-1-4-30")") + "]}";
  auto blocks = decode_list<IPAMBlock>(list);
  REQUIRE_MESSAGE(blocks.ok(), blocks.error().message);
  CHECK(blocks->metadata.resource_version == "6");
  CHECK(blocks->metadata.continue_ == "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
  CHECK(blocks->metadata.remaining_item_count == 3);
  REQUIRE(blocks->items.size() == 2);
  CHECK(blocks->items[1].metadata.name == "10-244-1-4-30");
  CHECK(blocks->items[0] == *decode<IPAMBlock>(kBlock));

  auto last_page = decode_list<IPAMBlock>(
      R"({"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlockList","metadata":{"continue":"","resourceVersion":"9"},"items":null})");
  REQUIRE(last_page.ok());
  CHECK(last_page->items.empty());
  CHECK(last_page->metadata.continue_.empty());
  CHECK_FALSE(last_page->metadata.remaining_item_count.has_value());

  auto pods = decode_list<Pod>(
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"77"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{"nodeName":"n"}}]})");
  REQUIRE(pods.ok());
  CHECK(pods->items.at(1).spec.node_name == "n");

  auto wrong_kind = decode_list<IPAMBlock>(R"({"kind":"IPAMBlock","items":[]})");
  CHECK(wrong_kind.error().message == R"(kind: expected "IPAMBlockList", got "IPAMBlock")");
  auto bad_item = decode_list<IPAMBlock>(R"({"kind":"IPAMBlockList","items":[)" + std::string(kBlock) +
                                         R"(,{"kind":"IPAMBlock","metadata":{"name":"x"},"spec":{}}]})");
  CHECK(bad_item.error().message == "items[1].spec.cidr: missing");
  auto foreign_item = decode_list<Pod>(R"({"kind":"PodList","items":[{"kind":"Node","metadata":{"name":"x"}}]})");
  CHECK(foreign_item.error().message == R"(items[0].kind: expected "Pod", got "Node")");
  CHECK(decode_list<Pod>(R"({"items":{}})").error().message == "items: expected an array, got an object");
  CHECK(decode_list<Pod>(R"({"metadata":{"remainingItemCount":"3"}})").error().message ==
        "metadata.remainingItemCount: expected an integer, got a string");
}

TEST_CASE("resource kinds are spelled consistently and agree with the API test server") {
  AllResources::for_each([](auto type) {
    using T = typename decltype(type)::type;
    const ResourceKind& k = T::resource;
    INFO(k.kind);
    std::string api_version = k.group.empty() ? std::string(k.version) : std::string(k.group) + "/" + std::string(k.version);
    CHECK(k.api_version == api_version);
    CHECK(k.list_kind == std::string(k.kind) + "List");
    std::string lower(k.kind);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(k.singular == lower);
    int served = 0;
    for (const auto& t : apiserver::served_resources()) {
      if (t.kind != k.kind) continue;
      ++served;
      CHECK(t.group == k.group);
      CHECK(t.version == k.version);
      CHECK(t.plural == k.plural);
      CHECK(t.namespaced == k.namespaced);
      CHECK(t.api_version() == k.api_version);
      CHECK(t.list_kind() == k.list_kind);
    }
    CHECK(served == 1);
  });
}

TEST_CASE("random IPAMBlocks survive encode and decode exactly") {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    IPAMBlock block;
    block.metadata.name = "b" + std::to_string(trial);
    block.metadata.resource_version = std::to_string(rng());
    block.spec.cidr = "10.0.0.0/26";
    if (rng() % 2) block.spec.affinity = "host:node-" + std::to_string(rng() % 100);
    block.spec.strict_affinity = rng() % 2;
    block.spec.deleted = rng() % 2;
    block.spec.sequence_number = rng();
    int attributes = static_cast<int>(rng() % 4);
    for (int a = 0; a < attributes; ++a) {
      AllocationAttribute attr;
      if (rng() % 3) attr.handle_id = "k8s-pod-network." + std::to_string(rng());
      if (rng() % 2) attr.secondary = {{"node", "n"}, {"pod", std::to_string(a)}};
      if (rng() % 4 == 0) attr.released_at = "2026-11-26T10:00:00Z";
      block.spec.attributes.push_back(attr);
    }
    for (int ordinal = 0; ordinal < 64; ++ordinal) {
      if (attributes > 0 && rng() % 2) {
        block.spec.allocations.emplace_back(static_cast<int>(rng() % attributes));
        block.spec.sequence_number_for_allocation[std::to_string(ordinal)] = rng();
      } else {
        block.spec.allocations.emplace_back();
        block.spec.unallocated.push_back(ordinal);
      }
    }
    std::shuffle(block.spec.unallocated.begin(), block.spec.unallocated.end(), rng);
    auto again = decode<IPAMBlock>(encode(block));
    REQUIRE_MESSAGE(again.ok(), again.error().message);
    CHECK(*again == block);
  }
}

TEST_CASE("parse_json: numbers RapidJSON's full-precision path mishandles are read exactly, or refused") {
  for (const char* text : {"0.0000000000000000000000000000000000000", "-0.000000000000000000000000000000000000000000",
                           "0e40", "-0.0E+99", "0.5", "1e2", "0.000000000184467440737095516155161",
                           "1844674407370955161599e-30"}) {
    CAPTURE(text);
    auto doc = k8s::parse_json(text);
    REQUIRE(doc.ok());
    REQUIRE(doc->IsNumber());
  }
  CHECK(k8s::parse_json("0.0000000000000000000000000000000000000")->GetDouble() == 0.0);
  CHECK(k8s::parse_json("0.5")->GetDouble() == 0.5);
  CHECK(k8s::parse_json("0.000000000184467440737095516155161")->GetDouble() == doctest::Approx(1.8446744073709552e-10));
  // A decimal exponent below -348 reached through leading zeros: underflows to zero.
  CHECK(k8s::parse_json("0." + std::string(400, '0') + "85548825484")->GetDouble() == 0.0);
  // Integers that fit 64 bits stay integers; larger ones become doubles.
  CHECK(k8s::parse_json("18446744073709551615")->GetUint64() == 18446744073709551615ULL);
  CHECK(k8s::parse_json("-9223372036854775808")->GetInt64() == INT64_MIN);
  CHECK(k8s::parse_json("1844674407370955161588")->IsDouble());
  CHECK(k8s::parse_json("1e400").error().message == "invalid JSON at offset 0: a number too big for a double");
  CHECK(k8s::parse_json("[0e]").error().message == "invalid JSON at offset 1: a malformed number");
}
