// The store IPAM runs on: the Kubernetes API's object semantics, reduced to what IPAM
// uses — get, list (with equality label filters), create-if-absent, compare-and-swap
// update on metadata.resourceVersion, and delete with UID and resourceVersion
// preconditions. Two implementations: KubernetesStore (the API server, through
// k8s-client) and MemoryStore (the same semantics in memory, for unit tests).
//
// Objects travel as JSON, exactly as the API server sends them; typed_store.hpp puts the
// typed resources on top. Errors are the API's (k8s::ApiError): conflict, already_exists,
// not_found, ...; a store answers with the kind the real server would.
//
// Coroutines: string views must outlive the co_await (pass named variables).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <map>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <rapidjson/document.h>

#include "k8s-client/client/client.hpp"
#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::ipam {

// Equality matches on labels, all of which must hold (the only selectors IPAM needs).
struct LabelFilter {
  std::map<std::string, std::string> labels;
  std::string to_selector() const;  // "k1=v1,k2=v2"
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> get(const k8s::ResourceKind& kind,
                                                                          std::string_view ns,
                                                                          std::string_view name) = 0;
  // One consistent snapshot of every object of `kind` (in `ns`, or all namespaces when empty).
  virtual boost::asio::awaitable<k8s::ApiResult<k8s::ListResult>> list(const k8s::ResourceKind& kind,
                                                                       std::string_view ns,
                                                                       const LabelFilter& filter) = 0;
  // Fails with already_exists when the name is taken.
  virtual boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> create(const k8s::ResourceKind& kind,
                                                                             std::string_view ns,
                                                                             std::string_view body) = 0;
  // Compare-and-swap on the body's metadata.resourceVersion: conflict when stale.
  virtual boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> update(const k8s::ResourceKind& kind,
                                                                             std::string_view ns,
                                                                             std::string_view name,
                                                                             std::string_view body) = 0;
  // Conflict when a precondition does not hold; not_found when there is no such object.
  virtual boost::asio::awaitable<k8s::ApiStatus> remove(const k8s::ResourceKind& kind, std::string_view ns,
                                                        std::string_view name,
                                                        const k8s::Preconditions& preconditions) = 0;
};

}  // namespace sluice::ipam
