#include "ipam/store/kubernetes_store.hpp"

namespace sluice::ipam {

k8s::ResourceType resource_type(const k8s::ResourceKind& kind) {
  return k8s::ResourceType{std::string(kind.group), std::string(kind.version), std::string(kind.plural),
                           kind.namespaced};
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> KubernetesStore::get(const k8s::ResourceKind& kind,
                                                                                 std::string_view ns,
                                                                                 std::string_view name) {
  const auto type = resource_type(kind);
  co_return co_await client_.get(type, ns, name);
}

boost::asio::awaitable<k8s::ApiResult<k8s::ListResult>> KubernetesStore::list(const k8s::ResourceKind& kind,
                                                                              std::string_view ns,
                                                                              const LabelFilter& filter) {
  const auto type = resource_type(kind);
  k8s::ListOptions options;
  options.label_selector = filter.to_selector();
  options.limit = page_size_;
  co_return co_await client_.list(type, ns, options);
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> KubernetesStore::create(const k8s::ResourceKind& kind,
                                                                                    std::string_view ns,
                                                                                    std::string_view body) {
  const auto type = resource_type(kind);
  co_return co_await client_.create(type, ns, body);
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> KubernetesStore::update(const k8s::ResourceKind& kind,
                                                                                    std::string_view ns,
                                                                                    std::string_view name,
                                                                                    std::string_view body) {
  const auto type = resource_type(kind);
  co_return co_await client_.update(type, ns, name, body);
}

boost::asio::awaitable<k8s::ApiStatus> KubernetesStore::remove(const k8s::ResourceKind& kind, std::string_view ns,
                                                               std::string_view name,
                                                               const k8s::Preconditions& preconditions) {
  const auto type = resource_type(kind);
  auto removed = co_await client_.remove(type, ns, name, preconditions);
  if (!removed) co_return removed.error();
  co_return k8s::ApiStatus{};
}

}  // namespace sluice::ipam
