#include "ipam/store/memory_store.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "base/json/json.hpp"

namespace sluice::ipam {
namespace {

std::string qualified(const k8s::ResourceKind& kind) {
  return kind.group.empty() ? std::string(kind.plural) : fmt::format("{}.{}", kind.plural, kind.group);
}

k8s::ApiError api_error(k8s::ApiErrorKind kind, int status, std::string reason, std::string message) {
  return k8s::ApiError{kind, status, std::move(reason), std::move(message), std::nullopt};
}

k8s::ApiError not_found(const k8s::ResourceKind& kind, std::string_view name) {
  return api_error(k8s::ApiErrorKind::not_found, 404, "NotFound",
                   fmt::format("{} \"{}\" not found", qualified(kind), name));
}

k8s::ApiError conflict(const k8s::ResourceKind& kind, std::string_view name) {
  return api_error(k8s::ApiErrorKind::conflict, 409, "Conflict",
                   fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; please "
                               "apply your changes to the latest version and try again",
                               qualified(kind), name));
}

k8s::ApiError bad_request(std::string message) {
  return api_error(k8s::ApiErrorKind::bad_request, 400, "BadRequest", std::move(message));
}

std::string_view string_member(const rapidjson::Value& object, std::string_view member) {
  const auto* v = json::find(object, member);
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
}

bool labels_match(const rapidjson::Value& object, const LabelFilter& filter) {
  if (filter.labels.empty()) return true;
  const auto* metadata = json::find(object, "metadata");
  const auto* labels = metadata ? json::find(*metadata, "labels") : nullptr;
  if (!labels || !labels->IsObject()) return false;
  for (const auto& [key, value] : filter.labels)
    if (string_member(*labels, key) != value || !json::find(*labels, key)) return false;
  return true;
}

}  // namespace

std::string_view to_string(StoreVerb verb) {
  switch (verb) {
    case StoreVerb::get: return "get";
    case StoreVerb::list: return "list";
    case StoreVerb::create: return "create";
    case StoreVerb::update: return "update";
    case StoreVerb::remove: return "delete";
  }
  return "?";
}

MemoryStore::MemoryStore(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

void MemoryStore::set_interleaving(std::uint64_t seed, int max_yields) {
  random_.seed(seed);
  max_yields_ = max_yields;
}

std::uint64_t MemoryStore::count(StoreVerb verb, std::string_view plural) const {
  auto it = counts_.find({verb, std::string(plural)});
  return it == counts_.end() ? 0 : it->second;
}

boost::asio::awaitable<std::optional<InjectedFault>> MemoryStore::enter(StoreVerb verb, std::string_view plural,
                                                                        std::string_view name) {
  if (max_yields_ > 0) {
    const int yields = static_cast<int>(random_() % static_cast<std::uint64_t>(max_yields_ + 1));
    for (int i = 0; i < yields; ++i) co_await boost::asio::post(executor_, boost::asio::use_awaitable);
  }
  ++counts_[{verb, std::string(plural)}];
  if (!fault_hook_) co_return std::nullopt;
  co_return fault_hook_(StoreOperation{verb, plural, name});
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> MemoryStore::get(const k8s::ResourceKind& kind,
                                                                             std::string_view ns,
                                                                             std::string_view name) {
  if (auto fault = co_await enter(StoreVerb::get, kind.plural, name)) co_return fault->error;
  auto it = objects_.find(Key{std::string(kind.plural), std::string(ns), std::string(name)});
  if (it == objects_.end()) co_return not_found(kind, name);
  auto doc = json::parse(it->second.json);
  co_return std::move(*doc);
}

boost::asio::awaitable<k8s::ApiResult<k8s::ListResult>> MemoryStore::list(const k8s::ResourceKind& kind,
                                                                          std::string_view ns,
                                                                          const LabelFilter& filter) {
  if (auto fault = co_await enter(StoreVerb::list, kind.plural, {})) co_return fault->error;
  k8s::ListPage page;
  auto& doc = page.document;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  rapidjson::Value items(rapidjson::kArrayType);
  const std::string plural(kind.plural);
  for (auto it = objects_.lower_bound(Key{plural, "", ""}); it != objects_.end() && std::get<0>(it->first) == plural;
       ++it) {
    if (!ns.empty() && std::get<1>(it->first) != ns) continue;
    auto object = json::parse(it->second.json);
    if (!labels_match(*object, filter)) continue;
    rapidjson::Value copy(*object, a);
    items.PushBack(copy, a);
  }
  const std::string rv = std::to_string(revision_);
  doc.AddMember("apiVersion", rapidjson::Value(kind.api_version.data(), static_cast<unsigned>(kind.api_version.size()), a), a);
  doc.AddMember("kind", rapidjson::Value(kind.list_kind.data(), static_cast<unsigned>(kind.list_kind.size()), a), a);
  rapidjson::Value metadata(rapidjson::kObjectType);
  json::set_string(metadata, "resourceVersion", rv, a);
  doc.AddMember("metadata", metadata, a);
  doc.AddMember("items", items, a);
  page.resource_version = rv;
  k8s::ListResult result;
  result.resource_version = rv;
  result.pages.push_back(std::move(page));
  co_return result;
}

k8s::ApiResult<rapidjson::Document> MemoryStore::do_create(const k8s::ResourceKind& kind, std::string_view ns,
                                                           std::string_view body) {
  auto doc = json::parse(body);
  if (!doc || !doc->IsObject()) return bad_request("the object is not a JSON object");
  auto& a = doc->GetAllocator();
  rapidjson::Value& metadata = json::ensure_object(*doc, "metadata", a);
  const std::string name(string_member(metadata, "name"));
  if (name.empty()) return api_error(k8s::ApiErrorKind::invalid, 422, "Invalid", "metadata.name: Required value");
  if (!string_member(metadata, "resourceVersion").empty())
    return bad_request("resourceVersion should not be set on objects to be created");
  Key key{std::string(kind.plural), std::string(ns), name};
  if (objects_.count(key))
    return api_error(k8s::ApiErrorKind::already_exists, 409, "AlreadyExists",
                     fmt::format("{} \"{}\" already exists", qualified(kind), name));
  Entry entry;
  entry.uid = fmt::format("00000000-0000-4000-8000-{:012x}", next_uid_++);
  entry.resource_version = ++revision_;
  json::set_string(metadata, "uid", entry.uid, a);
  json::set_string(metadata, "resourceVersion", std::to_string(entry.resource_version), a);
  entry.json = json::serialize(*doc);
  objects_.emplace(std::move(key), std::move(entry));
  return std::move(*doc);
}

k8s::ApiResult<rapidjson::Document> MemoryStore::do_update(const k8s::ResourceKind& kind, std::string_view ns,
                                                           std::string_view name, std::string_view body) {
  auto doc = json::parse(body);
  if (!doc || !doc->IsObject()) return bad_request("the object is not a JSON object");
  auto& a = doc->GetAllocator();
  rapidjson::Value& metadata = json::ensure_object(*doc, "metadata", a);
  if (string_member(metadata, "name") != name)
    return bad_request(fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                                   string_member(metadata, "name"), name));
  const std::string rv(string_member(metadata, "resourceVersion"));
  if (rv.empty())
    return api_error(k8s::ApiErrorKind::invalid, 422, "Invalid",
                     "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
  auto it = objects_.find(Key{std::string(kind.plural), std::string(ns), std::string(name)});
  if (it == objects_.end()) return not_found(kind, name);
  if (rv != std::to_string(it->second.resource_version)) return conflict(kind, name);
  it->second.resource_version = ++revision_;
  json::set_string(metadata, "uid", it->second.uid, a);
  json::set_string(metadata, "resourceVersion", std::to_string(it->second.resource_version), a);
  it->second.json = json::serialize(*doc);
  return std::move(*doc);
}

k8s::ApiStatus MemoryStore::do_remove(const k8s::ResourceKind& kind, std::string_view ns, std::string_view name,
                                      const k8s::Preconditions& preconditions) {
  auto it = objects_.find(Key{std::string(kind.plural), std::string(ns), std::string(name)});
  if (it == objects_.end()) return not_found(kind, name);
  if (!preconditions.uid.empty() && preconditions.uid != it->second.uid)
    return api_error(k8s::ApiErrorKind::conflict, 409, "Conflict",
                     fmt::format("Operation cannot be fulfilled on {} \"{}\": Precondition failed: UID in "
                                 "precondition: {}, UID in object meta: {}",
                                 qualified(kind), name, preconditions.uid, it->second.uid));
  if (!preconditions.resource_version.empty() &&
      preconditions.resource_version != std::to_string(it->second.resource_version))
    return api_error(k8s::ApiErrorKind::conflict, 409, "Conflict",
                     fmt::format("Operation cannot be fulfilled on {} \"{}\": the ResourceVersion in the "
                                 "precondition ({}) does not match the ResourceVersion in record ({}). The object "
                                 "might have been modified",
                                 qualified(kind), name, preconditions.resource_version,
                                 it->second.resource_version));
  objects_.erase(it);
  ++revision_;
  return {};
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> MemoryStore::create(const k8s::ResourceKind& kind,
                                                                                std::string_view ns,
                                                                                std::string_view body) {
  auto fault = co_await enter(StoreVerb::create, kind.plural, {});
  if (fault && !fault->after_effect) co_return fault->error;
  auto result = do_create(kind, ns, body);
  if (fault) co_return fault->error;
  co_return result;
}

boost::asio::awaitable<k8s::ApiResult<rapidjson::Document>> MemoryStore::update(const k8s::ResourceKind& kind,
                                                                                std::string_view ns,
                                                                                std::string_view name,
                                                                                std::string_view body) {
  auto fault = co_await enter(StoreVerb::update, kind.plural, name);
  if (fault && !fault->after_effect) co_return fault->error;
  auto result = do_update(kind, ns, name, body);
  if (fault) co_return fault->error;
  co_return result;
}

boost::asio::awaitable<k8s::ApiStatus> MemoryStore::remove(const k8s::ResourceKind& kind, std::string_view ns,
                                                           std::string_view name,
                                                           const k8s::Preconditions& preconditions) {
  auto fault = co_await enter(StoreVerb::remove, kind.plural, name);
  if (fault && !fault->after_effect) co_return fault->error;
  auto result = do_remove(kind, ns, name, preconditions);
  if (fault) co_return fault->error;
  co_return result;
}

k8s::ApiResult<rapidjson::Document> MemoryStore::put(const k8s::ResourceKind& kind, std::string_view body) {
  auto doc = json::parse(body);
  if (!doc || !doc->IsObject()) return bad_request("the object is not a JSON object");
  std::string ns;
  if (const auto* m = json::find(*doc, "metadata")) ns = std::string(string_member(*m, "namespace"));
  return do_create(kind, ns, body);
}

std::optional<std::string> MemoryStore::raw(const k8s::ResourceKind& kind, std::string_view ns,
                                            std::string_view name) const {
  auto it = objects_.find(Key{std::string(kind.plural), std::string(ns), std::string(name)});
  if (it == objects_.end()) return std::nullopt;
  return it->second.json;
}

std::size_t MemoryStore::size(const k8s::ResourceKind& kind) const {
  std::size_t n = 0;
  for (const auto& [key, entry] : objects_)
    if (std::get<0>(key) == kind.plural) ++n;
  return n;
}

}  // namespace sluice::ipam
