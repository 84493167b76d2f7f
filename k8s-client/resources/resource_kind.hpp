// What a generic client needs to address a resource type: API group and version, kind,
// plural (the URL segment) and scope, spelled exactly as the API server serves them.
// Every typed resource T has `static constexpr ResourceKind resource`.
#pragma once

#include <concepts>
#include <string_view>

#include "k8s-client/resources/object_meta.hpp"

namespace sluice::k8s {

struct ResourceKind {
  std::string_view group;        // "" for the core group
  std::string_view version;
  std::string_view api_version;  // "v1" for core, "<group>/<version>" otherwise
  std::string_view kind;
  std::string_view list_kind;
  std::string_view plural;
  std::string_view singular;
  bool namespaced;
};

template <class T>
concept Resource = Modeled<T> && requires(const T& object) {
  { T::resource } -> std::convertible_to<ResourceKind>;
  { object.metadata } -> std::convertible_to<ObjectMeta>;
};

// A page of a LIST response.
template <class T>
struct ObjectList {
  ListMeta metadata;
  std::vector<T> items;
  friend bool operator==(const ObjectList&, const ObjectList&) = default;
};

}  // namespace sluice::k8s
