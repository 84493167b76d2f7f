// The ObjectStore on the Kubernetes API server, through k8s-client: every call is one
// request (a list follows its pages to one snapshot), with the client's safe retries.
#pragma once

#include "ipam/store/object_store.hpp"

namespace sluice::ipam {

class KubernetesStore final : public ObjectStore {
 public:
  explicit KubernetesStore(k8s::Client& client, std::int64_t page_size = 500)
      : client_(client), page_size_(page_size) {}

  boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> get(const k8s::ResourceKind& kind, std::string_view ns,
                                                                  std::string_view name) override;
  boost::asio::awaitable<k8s::ApiResult<k8s::ListResult>> list(const k8s::ResourceKind& kind, std::string_view ns,
                                                               const LabelFilter& filter) override;
  boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> create(const k8s::ResourceKind& kind,
                                                                     std::string_view ns,
                                                                     std::string_view body) override;
  boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> update(const k8s::ResourceKind& kind,
                                                                     std::string_view ns, std::string_view name,
                                                                     std::string_view body) override;
  boost::asio::awaitable<k8s::ApiStatus> remove(const k8s::ResourceKind& kind, std::string_view ns,
                                                std::string_view name,
                                                const k8s::Preconditions& preconditions) override;

  k8s::Client& client() { return client_; }

 private:
  k8s::Client& client_;
  std::int64_t page_size_;
};

// The request-path description of a typed resource's collection.
k8s::ResourceType resource_type(const k8s::ResourceKind& kind);

}  // namespace sluice::ipam
