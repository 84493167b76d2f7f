// Calico's ClusterInformation in crd.projectcalico.org/v1: the singleton "default" that
// names the cluster (its GUID), the installed version, and whether the datastore is ready.
#pragma once

#include <optional>
#include <string>

#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

struct ClusterInformationSpec {
  std::string cluster_guid;
  std::string cluster_type;  // comma-separated tags, e.g. "k8s,bgp,kdd"
  std::string calico_version;
  // An explicit false tells components to keep off the datastore (a migration is under
  // way); Calico's start-up turns an absent value into true and leaves false alone.
  std::optional<bool> datastore_ready;
  std::string variant;  // e.g. "Calico"
  UnknownFields unknown;
  friend bool operator==(const ClusterInformationSpec&, const ClusterInformationSpec&) = default;
};
template <>
struct FieldTable<ClusterInformationSpec> {
  using S = ClusterInformationSpec;
  static constexpr auto fields = std::tuple{
      field::omit_empty("clusterGUID", &S::cluster_guid),
      field::omit_empty("clusterType", &S::cluster_type),
      field::omit_empty("calicoVersion", &S::calico_version),
      field::optional("datastoreReady", &S::datastore_ready),
      field::omit_empty("variant", &S::variant),
  };
};

// A singleton named "default".
struct ClusterInformation {
  static constexpr ResourceKind resource{"crd.projectcalico.org", "v1", "crd.projectcalico.org/v1",
                                         "ClusterInformation", "ClusterInformationList", "clusterinformations",
                                         "clusterinformation", false};
  ObjectMeta metadata;
  ClusterInformationSpec spec;
  UnknownFields unknown;
  friend bool operator==(const ClusterInformation&, const ClusterInformation&) = default;
};
template <>
struct FieldTable<ClusterInformation> {
  using S = ClusterInformation;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

}  // namespace sluice::k8s
