// Typed reads and writes over an ObjectStore: objects are encoded and decoded with
// k8s-client's codec, so unknown fields written by others survive every update. An object
// that does not decode is an error naming it (bad_response), never a crash; lists report
// such objects beside the good ones, so a checker can name them.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ipam/store/object_store.hpp"
#include "k8s-client/resources/codec.hpp"

namespace sluice::ipam {

struct UndecodableObject {
  std::string name;
  Error error;
};

template <class T>
struct Listed {
  std::vector<T> items;
  std::vector<UndecodableObject> undecodable;
  std::string resource_version;
};

k8s::ApiError decode_error(std::string_view kind, std::string_view name, const Error& error);

template <k8s::Resource T>
k8s::ApiResult<T> decode_document(const rapidjson::Value& object) {
  auto decoded = k8s::decode<T>(object);
  if (!decoded) {
    std::string name = object.IsObject() && object.HasMember("metadata") && object["metadata"].IsObject() &&
                               object["metadata"].HasMember("name") && object["metadata"]["name"].IsString()
                           ? object["metadata"]["name"].GetString()
                           : std::string();
    return decode_error(T::resource.kind, name, decoded.error());
  }
  return std::move(*decoded);
}

template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiResult<T>> get_object(ObjectStore& store, std::string_view name,
                                                     std::string_view ns = {}) {
  auto got = co_await store.get(T::resource, ns, name);
  if (!got) co_return got.error();
  co_return decode_document<T>(*got);
}

template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiResult<Listed<T>>> list_objects(ObjectStore& store, const LabelFilter& filter,
                                                               std::string_view ns = {}) {
  auto listed = co_await store.list(T::resource, ns, filter);
  if (!listed) co_return listed.error();
  Listed<T> out;
  out.resource_version = listed->resource_version;
  out.items.reserve(listed->size());
  listed->for_each([&](const rapidjson::Value& item) {
    auto decoded = decode_document<T>(item);
    if (decoded) {
      out.items.push_back(std::move(*decoded));
    } else {
      const auto& meta = item.IsObject() && item.HasMember("metadata") ? item["metadata"] : item;
      std::string name = meta.IsObject() && meta.HasMember("name") && meta["name"].IsString() ? meta["name"].GetString()
                                                                                              : std::string("?");
      out.undecodable.push_back({std::move(name), Error{decoded.error().message}});
    }
  });
  co_return out;
}

template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiResult<Listed<T>>> list_objects(ObjectStore& store) {
  const LabelFilter everything;
  co_return co_await list_objects<T>(store, everything);
}

template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiResult<T>> create_object(ObjectStore& store, const T& object) {
  const std::string body = k8s::encode(object);
  const std::string& ns = object.metadata.namespace_;
  auto created = co_await store.create(T::resource, ns, body);
  if (!created) co_return created.error();
  co_return decode_document<T>(*created);
}

// Compare-and-swap on object.metadata.resourceVersion.
template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiResult<T>> update_object(ObjectStore& store, const T& object) {
  const std::string body = k8s::encode(object);
  const std::string& ns = object.metadata.namespace_;
  const std::string& name = object.metadata.name;
  auto updated = co_await store.update(T::resource, ns, name, body);
  if (!updated) co_return updated.error();
  co_return decode_document<T>(*updated);
}

// Deletes exactly this version of the object (its UID and resourceVersion).
template <k8s::Resource T>
boost::asio::awaitable<k8s::ApiStatus> remove_object(ObjectStore& store, const T& object) {
  const k8s::Preconditions preconditions{object.metadata.uid, object.metadata.resource_version};
  const std::string& ns = object.metadata.namespace_;
  const std::string& name = object.metadata.name;
  co_return co_await store.remove(T::resource, ns, name, preconditions);
}

}  // namespace sluice::ipam
