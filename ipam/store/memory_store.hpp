// The Kubernetes API's object semantics in memory, for unit tests of everything IPAM
// builds on a store: resourceVersions from one global counter, UIDs, create-if-absent,
// compare-and-swap updates (an update without a resourceVersion is refused, as the real
// server refuses it for custom resources), deletes with UID and resourceVersion
// preconditions, and lists as one snapshot. Objects are kept as JSON text, so every read
// decodes what a write encoded, exactly as through the API server.
//
// For race tests it can interleave concurrent callers (each operation first yields to the
// event loop a seeded-random number of times) and inject faults: an operation can fail
// before it takes effect, or take effect and then report failure (a lost response).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "ipam/store/object_store.hpp"

namespace sluice::ipam {

enum class StoreVerb : std::uint8_t { get, list, create, update, remove };
std::string_view to_string(StoreVerb verb);

struct StoreOperation {
  StoreVerb verb;
  std::string_view plural;  // "ipamblocks", ...
  std::string_view name;    // empty for a list
};

struct InjectedFault {
  bool after_effect = false;  // the write happens, but the caller sees the error
  k8s::ApiError error;
};

class MemoryStore final : public ObjectStore {
 public:
  using FaultHook = std::function<std::optional<InjectedFault>(const StoreOperation&)>;

  explicit MemoryStore(boost::asio::any_io_executor executor);

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

  // Each later operation first yields 0..max_yields times, drawn from a generator seeded
  // with `seed`; 0 turns interleaving off.
  void set_interleaving(std::uint64_t seed, int max_yields);
  void set_fault_hook(FaultHook hook) { fault_hook_ = std::move(hook); }

  // How many operations of `verb` on `plural` were served (faulted ones included).
  std::uint64_t count(StoreVerb verb, std::string_view plural) const;
  void reset_counts() { counts_.clear(); }

  // Synchronous access for test setup and inspection, without yields, faults or counts.
  k8s::ApiResult<rapidjson::Document> put(const k8s::ResourceKind& kind, std::string_view body);
  std::optional<std::string> raw(const k8s::ResourceKind& kind, std::string_view ns, std::string_view name) const;
  std::size_t size(const k8s::ResourceKind& kind) const;

 private:
  struct Entry {
    std::string json;
    std::string uid;
    std::int64_t resource_version = 0;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // plural, namespace, name

  boost::asio::awaitable<std::optional<InjectedFault>> enter(StoreVerb verb, std::string_view plural,
                                                             std::string_view name);
  k8s::ApiResult<rapidjson::Document> do_create(const k8s::ResourceKind& kind, std::string_view ns,
                                                std::string_view body);
  k8s::ApiResult<rapidjson::Document> do_update(const k8s::ResourceKind& kind, std::string_view ns,
                                                std::string_view name, std::string_view body);
  k8s::ApiStatus do_remove(const k8s::ResourceKind& kind, std::string_view ns, std::string_view name,
                           const k8s::Preconditions& preconditions);

  boost::asio::any_io_executor executor_;
  std::map<Key, Entry> objects_;
  std::int64_t revision_ = 1;
  std::uint64_t next_uid_ = 1;
  std::mt19937_64 random_;
  int max_yields_ = 0;
  FaultHook fault_hook_;
  std::map<std::pair<StoreVerb, std::string>, std::uint64_t> counts_;
};

}  // namespace sluice::ipam
