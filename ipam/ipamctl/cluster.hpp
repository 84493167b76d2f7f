// The cluster's identity for IPAM reports: the GUID in Calico's ClusterInformation
// "default" (spec.clusterGUID), read, or created when missing so a first `ipamctl check
// --report` on a cluster without Calico still ties its report to this cluster.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "base/result.hpp"
#include "ipam/store/object_store.hpp"

namespace sluice::ipamctl {

struct ClusterIdentity {
  std::string guid;
  std::string resource_version;  // of the ClusterInformation, for the report
  bool created = false;          // this call wrote the GUID
};

// std::nullopt when there is no ClusterInformation "default" or it has no GUID.
boost::asio::awaitable<Result<std::optional<ClusterIdentity>>> read_cluster_identity(ipam::ObjectStore& store);

// Reads the GUID; when the object is missing, creates it with `new_guid()` (create-if-
// absent: if another writer wins, theirs is used); when it has no GUID, sets one with a
// compare-and-swap update.
boost::asio::awaitable<Result<ClusterIdentity>> ensure_cluster_identity(ipam::ObjectStore& store,
                                                                        const std::function<std::string()>& new_guid);

}  // namespace sluice::ipamctl
