// The resources the API test server serves, and how request paths map onto them and
// onto etcd keys. Only what Sluice uses: core Node, Pod, Namespace; NetworkPolicy;
// Lease; and Calico's crd.projectcalico.org/v1 kinds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace sluice::apiserver {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced;
  bool status_subresource;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
};

const std::vector<ResourceType>& served_resources();

// A parsed request path: /api/v1/..., /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME[/status]].
struct ResourcePath {
  const ResourceType* type = nullptr;
  std::string namespace_;  // empty: cluster-scoped, or all namespaces for a list/watch
  std::string name;        // empty: the collection
  bool status = false;
};

// nullopt when the path names no served resource (the caller answers 404).
std::optional<ResourcePath> parse_resource_path(std::string_view path);

// etcd keys: /registry/<group or core>/<plural>/[<namespace>/]<name>
std::string storage_prefix(const ResourcePath& path);  // the collection (ends with '/')
std::string storage_key(const ResourcePath& path);

// DNS-1123 subdomain names (what Kubernetes requires of most object names).
Status validate_name(std::string_view name);

}  // namespace sluice::apiserver
