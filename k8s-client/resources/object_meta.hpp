// metav1.ObjectMeta and metav1.ListMeta: what every object and list carries, with the JSON
// names the API server uses. Server-managed members we do not model (managedFields,
// deletionGracePeriodSeconds, ...) are kept in `unknown`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "k8s-client/resources/field_table.hpp"
#include "k8s-client/resources/unknown_fields.hpp"

namespace sluice::k8s {

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;
  UnknownFields unknown;
  friend bool operator==(const OwnerReference&, const OwnerReference&) = default;
};
template <>
struct FieldTable<OwnerReference> {
  using S = OwnerReference;
  static constexpr auto fields = std::tuple{
      field::required("apiVersion", &S::api_version), field::required("kind", &S::kind),
      field::required("name", &S::name),              field::required("uid", &S::uid),
      field::optional("controller", &S::controller),  field::optional("blockOwnerDeletion", &S::block_owner_deletion),
  };
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  // Opaque; the compare-and-swap token of every update.
  std::string resource_version;
  std::int64_t generation = 0;
  std::string creation_timestamp;  // RFC 3339
  std::optional<std::string> deletion_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owner_references;
  std::vector<std::string> finalizers;
  UnknownFields unknown;
  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};
template <>
struct FieldTable<ObjectMeta> {
  using S = ObjectMeta;
  static constexpr auto fields = std::tuple{
      field::required("name", &S::name),
      field::omit_empty("generateName", &S::generate_name),
      field::omit_empty("namespace", &S::namespace_),
      field::omit_empty("uid", &S::uid),
      field::omit_empty("resourceVersion", &S::resource_version),
      field::omit_empty("generation", &S::generation),
      field::omit_empty("creationTimestamp", &S::creation_timestamp),
      field::optional("deletionTimestamp", &S::deletion_timestamp),
      field::omit_empty("labels", &S::labels),
      field::omit_empty("annotations", &S::annotations),
      field::omit_empty("ownerReferences", &S::owner_references),
      field::omit_empty("finalizers", &S::finalizers),
  };
};

struct ListMeta {
  std::string resource_version;
  // The token for the next page; empty on the last page.
  std::string continue_;
  std::optional<std::int64_t> remaining_item_count;
  UnknownFields unknown;
  friend bool operator==(const ListMeta&, const ListMeta&) = default;
};
template <>
struct FieldTable<ListMeta> {
  using S = ListMeta;
  static constexpr auto fields = std::tuple{
      field::omit_empty("resourceVersion", &S::resource_version),
      field::omit_empty("continue", &S::continue_),
      field::optional("remainingItemCount", &S::remaining_item_count),
  };
};

}  // namespace sluice::k8s
