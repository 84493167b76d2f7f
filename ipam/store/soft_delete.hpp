// Deletion without compare-and-delete, as Calico does it for blocks, affinities and
// handles: a compare-and-swap that sets `deleted` (the linearisation point: whoever wins
// it has deleted the object), then a delete guarded by the new resourceVersion and UID.
// Readers treat a soft-deleted object as absent and finish its deletion when they meet it
// (reference/calico.md §1.3).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <boost/asio/awaitable.hpp>

#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipam {

inline bool is_soft_deleted(const k8s::IPAMBlock& b) { return b.spec.deleted; }
inline bool is_soft_deleted(const k8s::IPAMHandle& h) { return h.spec.deleted; }
// In crd.projectcalico.org/v1 the affinity's `deleted` is the string "true" or "false".
inline bool is_soft_deleted(const k8s::BlockAffinity& a) { return a.spec.deleted == "true"; }
inline void mark_soft_deleted(k8s::IPAMBlock& b) { b.spec.deleted = true; }
inline void mark_soft_deleted(k8s::IPAMHandle& h) { h.spec.deleted = true; }
inline void mark_soft_deleted(k8s::BlockAffinity& a) { a.spec.deleted = "true"; }

template <class T>
concept SoftDeletable = k8s::Resource<T> && requires(T& t) {
  { is_soft_deleted(t) } -> std::same_as<bool>;
  mark_soft_deleted(t);
};

// Soft delete, then delete. `object` must carry the resourceVersion the caller read:
// if it changed, the CAS fails with conflict and nothing is deleted. Once the mark is
// written the object is deleted: a reader that meets it finishes the delete (and may
// create a new object of the same name), so the final delete failing with not_found or
// a UID or version conflict is success too.
template <SoftDeletable T>
boost::asio::awaitable<k8s::ApiStatus> soft_delete(ObjectStore& store, T object) {
  mark_soft_deleted(object);
  auto marked = co_await update_object(store, object);
  if (!marked) co_return marked.error();
  auto removed = co_await remove_object(store, *marked);
  if (!removed && removed.error().kind != k8s::ApiErrorKind::not_found &&
      removed.error().kind != k8s::ApiErrorKind::conflict)
    co_return removed.error();
  co_return k8s::ApiStatus{};
}

// A get that treats a soft-deleted object as absent (and finishes deleting it).
template <SoftDeletable T>
boost::asio::awaitable<k8s::ApiResult<T>> get_live(ObjectStore& store, std::string_view name) {
  auto got = co_await get_object<T>(store, name);
  if (!got || !is_soft_deleted(*got)) co_return got;
  auto removed = co_await remove_object(store, *got);
  (void)removed;  // best effort: whoever soft-deleted it may finish first
  co_return k8s::ApiError{k8s::ApiErrorKind::not_found, 404, "NotFound",
                          std::string(T::resource.kind) + " \"" + std::string(name) + "\" is being deleted", {}};
}

}  // namespace sluice::ipam
