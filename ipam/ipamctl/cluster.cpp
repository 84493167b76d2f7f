#include "ipam/ipamctl/cluster.hpp"

#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/calico_cluster.hpp"

namespace sluice::ipamctl {
namespace {

constexpr std::string_view kClusterInformationName = "default";
constexpr int kAttempts = 10;

}  // namespace

boost::asio::awaitable<Result<std::optional<ClusterIdentity>>> read_cluster_identity(ipam::ObjectStore& store) {
  const std::string name(kClusterInformationName);
  auto got = co_await ipam::get_object<k8s::ClusterInformation>(store, name);
  if (!got) {
    if (got.error().kind == k8s::ApiErrorKind::not_found) co_return std::optional<ClusterIdentity>();
    co_return got.error().to_error().context("reading ClusterInformation default");
  }
  if (got->spec.cluster_guid.empty()) co_return std::optional<ClusterIdentity>();
  co_return std::optional<ClusterIdentity>(ClusterIdentity{got->spec.cluster_guid, got->metadata.resource_version, false});
}

boost::asio::awaitable<Result<ClusterIdentity>> ensure_cluster_identity(ipam::ObjectStore& store,
                                                                        const std::function<std::string()>& new_guid) {
  const std::string name(kClusterInformationName);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto got = co_await ipam::get_object<k8s::ClusterInformation>(store, name);
    if (got && !got->spec.cluster_guid.empty())
      co_return ClusterIdentity{got->spec.cluster_guid, got->metadata.resource_version, false};
    if (!got && got.error().kind != k8s::ApiErrorKind::not_found)
      co_return got.error().to_error().context("reading ClusterInformation default");
    if (got) {
      k8s::ClusterInformation info = std::move(*got);
      info.spec.cluster_guid = new_guid();
      auto updated = co_await ipam::update_object(store, info);
      if (updated) co_return ClusterIdentity{updated->spec.cluster_guid, updated->metadata.resource_version, true};
      if (updated.error().kind != k8s::ApiErrorKind::conflict)
        co_return updated.error().to_error().context("setting the GUID of ClusterInformation default");
      continue;
    }
    k8s::ClusterInformation info;
    info.metadata.name = name;
    info.spec.cluster_guid = new_guid();
    auto created = co_await ipam::create_object(store, info);
    if (created) co_return ClusterIdentity{created->spec.cluster_guid, created->metadata.resource_version, true};
    if (created.error().kind != k8s::ApiErrorKind::already_exists)
      co_return created.error().to_error().context("creating ClusterInformation default");
    // Another writer created it first: read theirs.
  }
  co_return Error{"ClusterInformation default kept changing; gave up"};
}

}  // namespace sluice::ipamctl
